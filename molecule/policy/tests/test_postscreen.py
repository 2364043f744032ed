# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""postscreen on port 25: block list scores, the pregreet test and the access list, in front of smtpd."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    assert_relay_denied, container, inventory_hosts, local_address, new_token, smtp_probe, wait_for_log, wait_for_text,
)

RELAYS = inventory_hosts("relays")
CLEAN = container("hr-policy-client-clean")        # permitted in postfix_postscreen_access
LISTED = container("hr-policy-client-listed")      # dnsbl.test only: score 1, below the threshold
SCORED = container("hr-policy-client-scored")      # dnsbl.test and psbl.test: score 3, the threshold
DENIED = container("hr-policy-client-denied")      # rejected in postfix_postscreen_access
TRUSTED = container("hr-policy-client-trusted")    # in mynetworks
SINK = container("hr-policy-sink")


@pytest.fixture(name="relay", params=RELAYS)
def relay_fixture(request):
    return request.param


def master_entry(relay, service):
    return container(relay).check_output("postconf -M %s" % service).split()


def test_postscreen_answers_port_25_and_hands_clients_to_smtpd(relay):
    assert master_entry(relay, "smtp/inet")[-2:] == ["1", "postscreen"]
    assert master_entry(relay, "smtpd/pass")[7] == "smtpd"  # the command; -o overrides may follow
    assert master_entry(relay, "dnsblog/unix")[-1] == "dnsblog"
    assert master_entry(relay, "tlsproxy/unix")[-1] == "tlsproxy"
    # Submission never goes through postscreen: mail clients are not zombies.
    assert master_entry(relay, "submission/inet")[7] == "smtpd"


def test_client_whose_scores_reach_the_threshold_is_refused_with_the_list_named(relay):
    result = smtp_probe(SCORED, relay, sender="someone@untrusted.client.test", helo="scored.client.test",
                        rcpts=[local_address(relay)])
    assert result["stage"] == "rcpt" and result["code"] == 550, result
    assert "Service unavailable; client [172.31.222.60] blocked using psbl.test" in result["text"], result
    wait_for_log(container(relay), r"DNSBL rank 3 for \[172\.31\.222\.60\]", "postfix/postscreen")


def test_client_below_the_threshold_passes_postscreen_and_meets_smtpd(relay):
    result = smtp_probe(LISTED, relay, sender="someone@untrusted.client.test", helo="listed.client.test",
                        rcpts=[local_address(relay)])
    # smtpd's own reject_rbl_client (554, with the list's TXT record), not postscreen's 550.
    assert result["stage"] == "rcpt" and result["code"] == 554, result
    assert "Client host [172.31.222.40] blocked using dnsbl.test" in result["text"], result
    wait_for_log(container(relay), r"PASS (NEW|OLD) \[172\.31\.222\.40\]", "postfix/postscreen")


def test_talking_before_the_greeting_is_caught(relay):
    result = smtp_probe(SCORED, relay, helo="pregreet.client.test", mode="pregreet")
    # postscreen had only sent the first line of its multi-line greeting; it never finishes it
    # for a client that did not wait, and talks to it with its own dummy engine.
    assert result["replies"][0].startswith("220-"), result
    assert not any(line.startswith("220 ") for line in result["replies"]), result
    wait_for_log(container(relay), r"PREGREET \d+ after .* from \[172\.31\.222\.60\]", "postfix/postscreen")


def test_network_rejected_in_the_access_list_is_dropped(relay):
    result = smtp_probe(DENIED, relay, sender="someone@untrusted.client.test", helo="denied.client.test",
                        rcpts=[local_address(relay)])
    assert result["stage"] == "connect" and result["code"] == 521, result
    assert result["accepted"] is False
    wait_for_log(container(relay), r"DENYLISTED \[172\.31\.222\.61\]", "postfix/postscreen")


def test_trusted_client_skips_postscreen_and_relays(relay):
    token = new_token()
    result = smtp_probe(TRUSTED, relay, sender="app@trusted.client.test", helo="trusted.client.test",
                        rcpts=["someone@outside.example"], token=token)
    assert result["accepted"] is True, result
    assert token in wait_for_text(SINK, "/var/spool/smtp-sink", token)
    wait_for_log(container(relay), r"ALLOWLISTED \[172\.31\.221\.20\]", "postfix/postscreen")


def test_permit_in_the_access_list_skips_postscreen_but_never_opens_relaying(relay):
    assert_relay_denied(CLEAN, relay, sender="someone@untrusted.client.test", helo="clean.client.test")
    wait_for_log(container(relay), r"ALLOWLISTED \[172\.31\.222\.20\]", "postfix/postscreen")
