# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The relay relays for its trusted network only, proven with SMTP from client containers."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    container, inventory_hosts, new_token, postconf, smtp_probe, text_absent, wait_for_text,
)

RELAYS = inventory_hosts("relays")
TRUSTED = container("hr-default-client-trusted")
UNTRUSTED = container("hr-default-client-untrusted")
SINK = container("hr-default-sink")
SINK_SPOOL = "/var/spool/smtp-sink"
OUTSIDE = "someone@outside.example"


@pytest.fixture(name="relay", params=RELAYS)
def relay_fixture(request):
    return request.param


def test_relays_found():
    assert RELAYS == ["hr-default-relay-deb12", "hr-default-relay-deb13"]


def test_untrusted_client_is_refused_relaying(relay):
    token = new_token()
    result = smtp_probe(UNTRUSTED, relay, "stranger@untrusted.client.test", [OUTSIDE],
                        helo="untrusted.client.test", token=token)
    assert result["stage"] == "rcpt", result
    assert result["code"] == 554, result
    assert result["text"] == "5.7.1 <%s>: Relay access denied" % OUTSIDE, result
    assert result["accepted"] is False
    assert text_absent(SINK, SINK_SPOOL, token)


def test_untrusted_client_delivers_to_local_user(relay):
    token = new_token()
    host = container(relay)
    mailbox_address = "alice@" + postconf(host, "myhostname")
    result = smtp_probe(UNTRUSTED, relay, "stranger@untrusted.client.test", [mailbox_address],
                        helo="untrusted.client.test", token=token)
    assert result["accepted"] is True, result
    assert result["code"] == 250 and result["stage"] == "message"
    message = wait_for_text(host, "/var/mail/alice", token)
    assert "Subject: hardened.relay probe " + token in message


def test_trusted_client_relays_to_outside_domain(relay):
    token = new_token()
    host = container(relay)
    result = smtp_probe(TRUSTED, relay, "app@trusted.client.test", [OUTSIDE],
                        helo="trusted.client.test", token=token)
    assert result["accepted"] is True, result
    assert result["code"] == 250 and result["stage"] == "message"
    handed_on = wait_for_text(SINK, SINK_SPOOL, token)
    assert "X-Sink-Rcpt-To: <%s>" % OUTSIDE in handed_on
    assert "X-Sink-Mail-From: <app@trusted.client.test>" in handed_on
    # The relay itself handed it on (its Received: header names it), not the client directly.
    assert "by %s (Postfix)" % postconf(host, "myhostname") in handed_on


def test_banner_names_host_without_version(relay):
    host = container(relay)
    result = smtp_probe(UNTRUSTED, relay, "", [], helo="untrusted.client.test")
    assert result["banner"] == "%s ESMTP" % postconf(host, "myhostname")


def test_only_trusted_network_is_in_mynetworks(relay):
    mynetworks = postconf(container(relay), "mynetworks").split()
    assert "172.31.201.0/24" in mynetworks
    assert not [n for n in mynetworks if n.startswith("172.31.202.")]


def test_postfix_enabled_and_running(relay):
    service = container(relay).service("postfix")
    assert service.is_enabled and service.is_running
