# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who the relay relays for, proven with SMTP from client containers on two networks."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    container, inventory_hosts, local_address, new_token, postconf, smtp_probe, text_absent, wait_for_text,
)

RELAYS = inventory_hosts("relays")
TRUSTED = container("hr-default-client-trusted")
UNTRUSTED = container("hr-default-client-untrusted")
SINK = container("hr-default-sink")
SINK_SPOOL = "/var/spool/smtp-sink"
OUTSIDE = "someone@outside.example"
STRANGER = dict(sender="stranger@untrusted.client.test", helo="untrusted.client.test")


@pytest.fixture(name="relay", params=RELAYS)
def relay_fixture(request):
    return request.param


def test_both_platforms_are_tested():
    assert RELAYS == ["hr-default-relay-deb12", "hr-default-relay-deb13"]


def test_untrusted_client_is_refused_relaying(relay):
    token = new_token()
    result = smtp_probe(UNTRUSTED, relay, rcpts=[OUTSIDE], token=token, **STRANGER)
    assert result["stage"] == "rcpt", result
    assert result["code"] == 554, result
    assert result["text"] == "5.7.1 <%s>: Relay access denied" % OUTSIDE, result
    assert result["accepted"] is False
    assert text_absent(SINK, SINK_SPOOL, token)


def test_untrusted_client_delivers_to_local_user(relay):
    token = new_token()
    result = smtp_probe(UNTRUSTED, relay, rcpts=[local_address(relay)], token=token, **STRANGER)
    assert result["accepted"] is True, result
    assert result["code"] == 250 and result["stage"] == "message"
    message = wait_for_text(container(relay), "/var/mail/alice", token)
    assert "Subject: hardened.relay probe " + token in message


def test_trusted_client_relays_to_outside_domain(relay):
    token = new_token()
    result = smtp_probe(TRUSTED, relay, sender="app@trusted.client.test", rcpts=[OUTSIDE],
                        helo="trusted.client.test", token=token)
    assert result["accepted"] is True, result
    handed_on = wait_for_text(SINK, SINK_SPOOL, token)
    assert "X-Sink-Rcpt-To: <%s>" % OUTSIDE in handed_on
    assert "X-Sink-Mail-From: <app@trusted.client.test>" in handed_on
    # The relay itself handed it on (its Received: header names it), not the client directly.
    assert "by %s (Postfix)" % postconf(container(relay), "myhostname") in handed_on


def test_unknown_local_user_is_refused(relay):
    result = smtp_probe(UNTRUSTED, relay, rcpts=[local_address(relay, "nosuchuser")], **STRANGER)
    assert result["stage"] == "rcpt" and result["code"] == 550, result
    assert result["text"].startswith("5.1.1 <%s>: Recipient address rejected: User unknown" % local_address(
        relay, "nosuchuser")), result


def test_mail_before_helo_is_refused(relay):
    replies = smtp_probe(UNTRUSTED, relay, mode="mail-before-helo", **STRANGER)["replies"]
    assert replies[1] == [503, "5.5.1 Error: send HELO/EHLO first"]


def test_non_fqdn_helo_is_refused_for_strangers_only(relay):
    stranger = smtp_probe(UNTRUSTED, relay, sender="stranger@untrusted.client.test", helo="nofqdn",
                          rcpts=[local_address(relay)])
    assert stranger["stage"] == "rcpt" and stranger["code"] == 504, stranger
    assert "<nofqdn>: Helo command rejected: need fully-qualified hostname" in stranger["text"]
    trusted = smtp_probe(TRUSTED, relay, sender="app@trusted.client.test", helo="nofqdn", rcpts=[local_address(relay)])
    assert trusted["accepted"] is True, trusted


def test_non_fqdn_sender_is_refused_for_strangers(relay):
    result = smtp_probe(UNTRUSTED, relay, sender="stranger", helo="untrusted.client.test",
                        rcpts=[local_address(relay)])
    assert result["stage"] == "rcpt" and result["code"] == 504, result
    assert "<stranger>: Sender address rejected: need fully-qualified address" in result["text"]


def test_talking_before_the_greeting_is_refused(relay):
    replies = smtp_probe(UNTRUSTED, relay, mode="pregreet", **STRANGER)["replies"]
    assert not any(line.startswith("250") for line in replies), replies
    assert any("protocol synchronization" in line for line in replies), replies


def test_pipelining_without_permission_is_refused(relay):
    replies = smtp_probe(UNTRUSTED, relay, mode="pipeline", rcpts=[local_address(relay)], **STRANGER)["replies"]
    assert any("protocol synchronization" in line for line in replies), replies
    assert not any(line.startswith("250 2.1.5") for line in replies), replies


def test_vrfy_is_refused(relay):
    replies = smtp_probe(UNTRUSTED, relay, mode="vrfy", vrfy="alice", **STRANGER)["replies"]
    assert replies[-1] == [502, "5.5.1 VRFY command is disabled"]


def test_banner_names_host_without_version(relay):
    result = smtp_probe(UNTRUSTED, relay, **STRANGER)
    assert result["banner"] == "%s ESMTP" % postconf(container(relay), "myhostname")


def test_starttls_is_offered_on_port_25(relay):
    result = smtp_probe(UNTRUSTED, relay, rcpts=[local_address(relay)], starttls=True, **STRANGER)
    assert "starttls" in result["extensions"], result
    assert result["tls_version"] in ("TLSv1.2", "TLSv1.3"), result
    assert result["accepted"] is True, result


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_modern_tls_is_accepted(relay, version):
    result = smtp_probe(UNTRUSTED, relay, mode="tls", tls_version=version, **STRANGER)
    assert result["handshake"] is True, result
    assert result["version"] == "TLSv" + version


def test_tls_1_1_is_refused_by_the_server(relay):
    result = smtp_probe(UNTRUSTED, relay, mode="tls", tls_version="1.1", **STRANGER)
    assert result["starttls_reply"] == 220, result
    assert result["handshake"] is False, result
    # The server's alert, not the client's own refusal to offer TLS 1.1.
    assert "PROTOCOL_VERSION" in result["error"].upper() or "UNSUPPORTED_PROTOCOL" in result["error"].upper(), result


# (port, probe mode): STARTTLS on 25 and 587, TLS from the first byte on 465.
TLS_PORTS = [(25, "tls"), (587, "tls"), (465, "tls-wrapped")]
# OpenSSL cipher lists a scanner tries; the client offers only those suites (TLS 1.2 at most).
# (Debian's OpenSSL 3 has no EXPORT, LOW or 3DES suites left to offer.)
WEAK_SUITES = {"anonymous": "aNULL", "NULL": "eNULL"}


@pytest.mark.parametrize("port, mode", TLS_PORTS)
@pytest.mark.parametrize("kind", sorted(WEAK_SUITES))
def test_no_weak_cipher_suite_is_accepted_on_any_port(relay, port, mode, kind):
    """The TLS floor from outside, like openssl s_client -cipher aNULL: a client offering only such
    suites gets no handshake, while the same client with strong suites does (so the test can fail)."""
    weak = smtp_probe(UNTRUSTED, relay, port=port, mode=mode, tls_ciphers=WEAK_SUITES[kind], **STRANGER)
    assert weak["offered_ciphers"], weak  # the client really offered such suites ...
    assert weak["handshake"] is False, weak  # ... and the server took none
    strong = smtp_probe(UNTRUSTED, relay, port=port, mode=mode, tls_ciphers="ECDHE+AESGCM", **STRANGER)
    assert strong["handshake"] is True and strong["version"] == "TLSv1.2", strong
    assert "ECDHE" in strong["cipher"] and "GCM" in strong["cipher"], strong


def test_the_live_tls_settings_are_the_floor(relay):
    host = container(relay)
    for name in ("smtpd_tls_exclude_ciphers", "smtp_tls_exclude_ciphers"):
        assert postconf(host, name).replace(" ", "").split(",")[:4] == ["aNULL", "eNULL", "EXPORT", "LOW"], name


def test_client_listed_reject_in_client_access_is_refused(relay):
    listed = container("hr-default-client-listed")
    result = smtp_probe(listed, relay, sender="someone@listed.client.test", helo="listed.client.test",
                        rcpts=[local_address(relay)])
    assert result["stage"] == "rcpt" and result["code"] == 554, result
    assert "Client host rejected: listed in client access" in result["text"]


def test_sender_listed_reject_in_sender_access_is_refused(relay):
    result = smtp_probe(UNTRUSTED, relay, sender="spammer@bad.example", helo="untrusted.client.test",
                        rcpts=[local_address(relay)])
    assert result["stage"] == "rcpt" and result["code"] == 554, result
    assert "<spammer@bad.example>: Sender address rejected: listed in sender access" in result["text"]


@pytest.mark.parametrize("check, marker", [("header", "hr-header-check"), ("body", "hr-body-check")])
def test_header_and_body_checks_refuse_matching_mail_from_anyone(relay, check, marker):
    """postfix_header_checks / postfix_body_checks (molecule.yml) refuse at end of DATA, even for a trusted client."""
    token = "%s-%s" % (marker, new_token())
    result = smtp_probe(TRUSTED, relay, sender="app@trusted.client.test", rcpts=[OUTSIDE], helo="trusted.client.test",
                        token=token)
    assert result["stage"] == "message" and result["code"] == 550, result
    assert "%s check matched" % check in result["text"], result
    assert text_absent(SINK, SINK_SPOOL, token)


def test_connection_rate_limit_refuses_after_the_limit(relay):
    burst = container("hr-default-client-burst")
    limit = int(postconf(container(relay), "smtpd_client_connection_rate_limit"))
    greetings = smtp_probe(burst, relay, mode="connections", count=limit + 4)["greetings"]
    accepted = [g for g in greetings if g.startswith("220 ")]
    # Accepted up to the limit (fewer if an earlier run in the same minute used some), then only refused.
    assert len(accepted) <= limit and greetings[:len(accepted)] == accepted, greetings
    refused = greetings[len(accepted):]
    assert len(refused) >= 4 and all(g.startswith("421 ") and "too many connections" in g for g in refused), greetings


def test_submission_requires_tls_and_relays_for_nobody_without_auth(relay):
    plain = smtp_probe(UNTRUSTED, relay, port=587, rcpts=[OUTSIDE], **STRANGER)
    assert plain["stage"] == "mail" and plain["code"] == 530, plain
    assert "Must issue a STARTTLS command first" in plain["text"]
    tls = smtp_probe(UNTRUSTED, relay, port=587, rcpts=[OUTSIDE], starttls=True, **STRANGER)
    assert tls["tls_version"] in ("TLSv1.2", "TLSv1.3"), tls
    assert tls["stage"] == "rcpt" and tls["code"] == 554 and tls["accepted"] is False, tls


def test_smtps_speaks_tls_from_the_first_byte(relay):
    result = smtp_probe(UNTRUSTED, relay, port=465, mode="tls-wrapped", **STRANGER)
    assert result["handshake"] is True and result["banner"].startswith("220 "), result


def test_tls_key_is_readable_by_root_only(relay):
    host = container(relay)
    key = host.file(postconf(host, "smtpd_tls_key_file"))
    assert key.user == "root" and key.mode & 0o077 == 0
    assert host.file("/etc/postfix/tls").mode == 0o700


def test_postfix_accepts_the_live_configuration_without_warnings(relay):
    checked = container(relay).run("postconf -n >/dev/null && postconf -M >/dev/null")
    assert checked.rc == 0 and checked.stderr == ""


def test_postfix_enabled_and_running(relay):
    service = container(relay).service("postfix")
    assert service.is_enabled and service.is_running
