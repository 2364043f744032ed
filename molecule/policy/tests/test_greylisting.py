# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Greylisting with postgrey: strangers are deferred once, trusted clients never."""
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    container, inventory_hosts, local_address, new_token, postconf, smtp_probe, wait_for_text,
)

RELAYS = inventory_hosts("relays")
CLEAN = container("hr-policy-client-clean")
TRUSTED = container("hr-policy-client-trusted")
SINK = container("hr-policy-sink")


@pytest.mark.parametrize("relay", RELAYS)
def test_first_attempt_is_greylisted_and_the_retry_after_the_delay_accepted(relay):
    host = container(relay)
    bob = local_address(relay, "bob")
    sender = "%s@untrusted.client.test" % new_token()  # a triplet postgrey has never seen
    first = smtp_probe(CLEAN, relay, sender=sender, helo="clean.client.test", rcpts=[bob])
    assert first["stage"] == "rcpt" and first["code"] == 450, first
    assert "Recipient address rejected: Greylisted" in first["text"], first
    delay = int(host.check_output("sed -n 's/.*--delay=\\([0-9]*\\).*/\\1/p' /etc/default/postgrey"))
    time.sleep(delay + 2)
    token = new_token()
    retry = smtp_probe(CLEAN, relay, sender=sender, helo="clean.client.test", rcpts=[bob], token=token)
    assert retry["accepted"] is True, retry
    assert token in wait_for_text(host, "/var/mail/bob", token)


@pytest.mark.parametrize("relay", RELAYS)
def test_trusted_client_is_never_greylisted(relay):
    token = new_token()
    result = smtp_probe(TRUSTED, relay, sender="%s@trusted.client.test" % new_token(), helo="trusted.client.test",
                        rcpts=["someone@outside.example"], token=token)
    assert result["accepted"] is True, result
    assert token in wait_for_text(SINK, "/var/spool/smtp-sink", token)


@pytest.mark.parametrize("relay", RELAYS)
def test_postgrey_runs_where_postfix_asks_it(relay):
    host = container(relay)
    assert host.service("postgrey").is_running and host.service("postgrey").is_enabled
    assert "check_policy_service inet:127.0.0.1:10023" in postconf(host, "smtpd_recipient_restrictions")
    assert host.socket("tcp://127.0.0.1:10023").is_listening
