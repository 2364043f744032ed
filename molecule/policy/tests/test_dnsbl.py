# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS block lists against a real DNS server (dnsmasq) serving test zones."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    assert_delivered_locally, assert_relay_denied, container, inventory_hosts, local_address, new_token, postconf,
    smtp_probe, wait_for_text,
)

RELAYS = inventory_hosts("relays")
CLEAN = container("hr-policy-client-clean")
LISTED = container("hr-policy-client-listed")
TRUSTED = container("hr-policy-client-trusted")
SINK = container("hr-policy-sink")


@pytest.fixture(name="relay", params=RELAYS)
def relay_fixture(request):
    return request.param


def test_both_platforms_are_tested():
    assert RELAYS == ["hr-policy-relay-deb12", "hr-policy-relay-deb13"]


def test_relay_resolves_through_our_dns_server(relay):
    answer = container(relay).run("getent ahostsv4 40.222.31.172.dnsbl.test")
    assert answer.rc == 0 and answer.stdout.split()[0] == "127.0.0.2", answer.stdout


def test_listed_client_is_refused_with_the_zone_named(relay):
    result = smtp_probe(LISTED, relay, sender="someone@untrusted.client.test", helo="listed.client.test",
                        rcpts=[local_address(relay)])
    assert result["stage"] == "rcpt" and result["code"] == 554, result
    assert "blocked using dnsbl.test" in result["text"], result
    assert "listed in dnsbl.test for testing" in result["text"], result


def test_error_code_outside_the_reply_filter_does_not_reject(relay):
    # The clean client's address answers 127.255.255.254, which the filter 127.0.0.[2..11] ignores.
    assert_delivered_locally(CLEAN, relay, sender="someone@untrusted.client.test", helo="clean.client.test")


def test_listed_sender_domain_is_refused(relay):
    result = smtp_probe(CLEAN, relay, sender="someone@spammy.example", helo="clean.client.test",
                        rcpts=[local_address(relay)])
    assert result["stage"] == "rcpt" and result["code"] == 554, result
    # Postfix's default_rbl_reply names the sender and the list.
    assert "Sender address [someone@spammy.example] blocked using rhsbl.test" in result["text"], result


def test_trusted_client_is_not_checked_and_still_relays(relay):
    token = new_token()
    result = smtp_probe(TRUSTED, relay, sender="app@trusted.client.test", helo="trusted.client.test",
                        rcpts=["someone@outside.example"], token=token)
    assert result["accepted"] is True, result
    assert "X-Sink-Rcpt-To: <someone@outside.example>" in wait_for_text(SINK, "/var/spool/smtp-sink", token)


def test_block_lists_never_open_relaying(relay):
    assert_relay_denied(CLEAN, relay, sender="someone@untrusted.client.test", helo="clean.client.test")


def test_block_lists_come_after_the_permits_for_trusted_and_authenticated_clients(relay):
    restrictions = [r.strip() for r in postconf(container(relay), "smtpd_recipient_restrictions").split(",")]
    rbl = restrictions.index("reject_rbl_client dnsbl.test=127.0.0.[2..11]")
    assert restrictions.index("permit_mynetworks") < rbl
    assert restrictions.index("permit_sasl_authenticated") < rbl
    assert "reject_rhsbl_sender rhsbl.test=127.0.1.[2..99]" in restrictions[rbl:]
