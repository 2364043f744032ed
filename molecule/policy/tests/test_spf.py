# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SPF checks with policyd-spf against SPF records our DNS server publishes."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    container, inventory_hosts, local_address, new_token, postconf, smtp_probe, wait_for_text,
)

RELAYS = inventory_hosts("relays")
CLEAN = container("hr-policy-client-clean")


@pytest.mark.parametrize("relay", RELAYS)
def test_spf_failing_sender_is_refused(relay):
    result = smtp_probe(CLEAN, relay, sender="someone@spf-fail.test", helo="clean.client.test",
                        rcpts=[local_address(relay)])
    assert result["stage"] == "rcpt" and result["code"] == 550, result
    assert "SPF fail" in result["text"] or "SPF" in result["text"], result


@pytest.mark.parametrize("relay", RELAYS)
def test_spf_passing_sender_is_accepted(relay):
    host = container(relay)
    token = new_token()
    result = smtp_probe(CLEAN, relay, sender="someone@spf-pass.test", helo="clean.client.test",
                        rcpts=[local_address(relay)], token=token)
    assert result["accepted"] is True, result
    delivered = wait_for_text(host, "/var/mail/alice", token)
    assert "Received-SPF: Pass" in delivered


@pytest.mark.parametrize("relay", RELAYS)
def test_spf_service_is_wired_after_the_relay_guard(relay):
    host = container(relay)
    assert "check_policy_service unix:private/policyd-spf" in postconf(host, "smtpd_recipient_restrictions")
    assert "reject_unauth_destination" in postconf(host, "smtpd_relay_restrictions")
    assert "spawn user=policyd-spf argv=/usr/bin/policyd-spf" in host.check_output("postconf -M policyd-spf/unix")
    assert postconf(host, "policyd-spf_time_limit") == "3600"
