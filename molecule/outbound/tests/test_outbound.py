# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Outbound mail through a provider's smarthost: verified TLS (STARTTLS on Debian 12, TLS from the
first byte on Debian 13) with the provider's credentials, a second provider for one sender, a
man in the middle that gets nothing, rewritten addresses, submission without the client's
headers, bare SASL logins, and relay_domains recipients checked at RCPT."""
import json
import os
import re
import shlex
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    container, headers, inventory_hosts, new_token, smtp_probe, text_absent, wait_for_log, wait_for_text,
)

RELAYS = inventory_hosts("relays")
APP = container("hr-outbound-app")
STRANGER = container("hr-outbound-stranger")
PROVIDER = container("hr-outbound-provider")
PROVIDER2 = container("hr-outbound-provider2")
MITM = container("hr-outbound-mitm")
INTERNAL = container("hr-outbound-internal")
SPOOL = "/var/spool/smtp-sink"
PORT = {"hr-outbound-relay-deb12": 587, "hr-outbound-relay-deb13": 465}
DORA_PASSWORD = "d0ra-Submit-PW"
OUTSIDE = "someone@external.test"


@pytest.fixture(name="relay", params=RELAYS)
def relay_fixture(request):
    return request.param


def send(relay, sender, token, client=APP, rcpts=(OUTSIDE,), **options):
    result = smtp_probe(client, relay, sender=sender, helo="app.apps.out.test", rcpts=list(rcpts), token=token, **options)
    assert result["accepted"] is True, result
    return result


def header(message, name):
    return [value for key, value in headers(message) if key.lower() == name.lower()]


def sink_events(sink, port):
    out = sink.run("cat /var/log/sink/%d.jsonl" % port).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_mail_leaves_through_the_provider_after_its_certificate_was_verified(relay):
    token = new_token()
    send(relay, "app1@apps.out.test", token)
    message = wait_for_text(PROVIDER, SPOOL, token)
    assert header(message, "X-Sink-Auth") == ["relay-main"]
    assert header(message, "X-Sink-TLS")[0].startswith("TLSv1.")
    assert header(message, "X-Sink-Mail-From") == ["<app1@apps.out.test>"]
    # Postfix says so itself: verified (not merely trusted or anonymous) TLS, on this relay's port.
    wait_for_log(container(relay), r"Verified TLS connection established to 172\.31\.243\.25\[172\.31\.243\.25\]:%d"
                 % PORT[relay])
    stored = [e for e in sink_events(PROVIDER, PORT[relay]) if e["event"] == "stored"]
    assert stored, "the provider's %d listener stored nothing" % PORT[relay]


def test_a_sender_with_its_own_smarthost_leaves_there_with_its_own_credentials(relay):
    token = new_token()
    send(relay, "app2@apps.out.test", token)
    message = wait_for_text(PROVIDER2, SPOOL, token)
    assert header(message, "X-Sink-Auth") == ["app2"]
    assert header(message, "X-Sink-Mail-From") == ["<app2@apps.out.test>"]
    assert text_absent(PROVIDER, SPOOL, token, settle=1)


def deferred_reasons(host, sender, timeout=30):
    """The delay reasons of the sender's mail once the queue has it deferred (polls)."""
    deadline = time.monotonic() + timeout
    while True:
        queue = [json.loads(line) for line in host.check_output("postqueue -j").splitlines() if line.strip()]
        reasons = [r.get("delay_reason", "") for q in queue if q["sender"] == sender and q["queue_name"] == "deferred"
                   for r in q["recipients"]]
        if reasons or time.monotonic() > deadline:
            return reasons
        time.sleep(1)


def test_a_man_in_the_middle_gets_no_password_and_no_mail(relay):
    """The mitm answers for the victim's smarthost with a certificate for the right name from
    another CA: the relay stops after the handshake, sends no AUTH, and keeps the mail."""
    host = container(relay)
    token = new_token()
    # "TLS-Required: no" (RFC 8689) would make Postfix 3.10 skip the TLS policy; the role turns that off.
    send(relay, "victim@apps.out.test", token, header="TLS-Required: no")
    wait_for_log(host, r"172\.31\.243\.27.*(certificate verification failed|Server certificate not verified)", timeout=60)
    reasons = deferred_reasons(host, "victim@apps.out.test")
    assert any("certificate" in reason.lower() for reason in reasons), reasons
    events = sink_events(MITM, PORT[relay])
    # The relay did reach it and started TLS, so the test would see an AUTH if one were sent.
    assert any(e["event"] == "connect" for e in events), events
    assert not [e for e in events if e["event"] == "auth" or e.get("verb") in ("AUTH", "MAIL", "RCPT", "DATA")], events
    assert MITM.run("grep -rlF -- %s %s" % (token, SPOOL)).rc != 0
    host.run("postsuper -d ALL deferred")


def test_internal_addresses_leave_rewritten_in_the_envelope_and_the_headers(relay):
    token = new_token()
    send(relay, "root@app17.internal", token)
    message = wait_for_text(PROVIDER, SPOOL, token)
    assert header(message, "X-Sink-Mail-From") == ["<app17@apps.out.test>"]
    assert header(message, "From") == ["<app17@apps.out.test>"]
    for sender, leaves_as in (("ops@host3.apps.out.test", "ops@apps.out.test"),  # masquerade_domains
                              ("legacy@apps.out.test", "modern@apps.out.test")):  # sender_canonical_maps
        token = new_token()
        send(relay, sender, token)
        message = wait_for_text(PROVIDER, SPOOL, token)
        assert header(message, "X-Sink-Mail-From") == ["<%s>" % leaves_as], sender
        assert header(message, "From") == ["<%s>" % leaves_as], sender


PRIVATE = ["X-Originating-IP: [172.31.242.20]", "User-Agent: HR-Agent/1.0 (secret laptop)", "X-Mailer: HR-Mailer 2.0"]
KEPT = ["DKIM-Signature: v=1; a=rsa-sha256; d=apps.out.test; s=test; h=from:to:subject; bh=YWJj; b=ZGVm",
        "X-Keep: this one stays"]


@pytest.mark.parametrize("port", [587, 465])
def test_submitted_mail_loses_the_clients_headers_and_keeps_the_rest(relay, port):
    token = new_token()
    realm = relay.replace("hr-outbound-relay-deb", "relay") + ".out.test"
    tls = dict(starttls=True) if port == 587 else dict(wrapper=True)
    # dora logs in with the bare name she was given.
    result = _probe_with_env(["env", "HR_DORA=" + DORA_PASSWORD], relay, "dora@" + realm, token, PRIVATE + KEPT, port=port,
                             auth_user="dora", auth_password_env="HR_DORA", **tls)
    assert result["accepted"] is True, result
    assert [s for s in result["steps"] if s["stage"] == "auth"][0]["code"] == 235
    message = wait_for_text(PROVIDER, SPOOL, token)
    assert "172.31.242.20" not in message and "secret laptop" not in message
    for name in ("X-Originating-IP", "User-Agent", "X-Mailer", "Received"):
        assert header(message, name) == [], name
    for line in KEPT:
        name, value = line.split(": ", 1)
        assert header(message, name) == [value], name
    assert header(message, "Subject") == ["hardened.relay probe %s" % token]
    assert header(message, "Message-ID") == ["<probe-%s@laptop.outside.test>" % token]


def test_the_realm_form_still_logs_in_and_a_wrong_password_is_logged_with_the_account(relay):
    realm = relay.replace("hr-outbound-relay-deb", "relay") + ".out.test"
    ok = _probe_with_env(["env", "HR_DORA=" + DORA_PASSWORD], relay, "dora@" + realm, "", [], port=587, starttls=True,
                         auth_user="dora@" + realm, auth_password_env="HR_DORA")
    assert [s for s in ok["steps"] if s["stage"] == "auth"][0]["code"] == 235, ok
    bad = _probe_with_env(["env", "HR_DORA=not-her-password"], relay, "dora@" + realm, "", [], port=587, starttls=True,
                          auth_user="dora", auth_password_env="HR_DORA")
    assert bad["stage"] == "auth" and bad["code"] == 535, bad
    # The log names the account the login was checked as (name@realm), never the password.
    wait_for_log(container(relay), r"SASL (PLAIN|LOGIN) authentication failed.*sasl_username=dora@%s" % re.escape(realm))


def _probe_with_env(env, relay, sender, token, extra_headers, **options):
    """smtp_probe with the password in the probe's environment (never on its command line)."""
    argv = env + ["python3", "/opt/hardened-relay-test/smtp_probe.py", "--server", relay, "--helo", "laptop.outside.test",
                  "--sender", sender, "--rcpt", OUTSIDE, "--token", token]
    for line in extra_headers:
        argv += ["--header", line]
    for name, value in options.items():
        argv += ["--" + name.replace("_", "-")] + ([] if value is True else [str(value)])
    return json.loads(STRANGER.check_output(" ".join(shlex.quote(a) for a in argv)))


def test_inbound_mail_for_a_relay_domain_keeps_its_headers(relay):
    token = new_token()
    send(relay, "sender@elsewhere.test", token, client=STRANGER, rcpts=["alice@corp.out.test"], header=PRIVATE[2])
    message = wait_for_text(INTERNAL, SPOOL, token)
    assert header(message, "X-Mailer") == ["HR-Mailer 2.0"]
    assert any("172.31.242.20" in value for value in header(message, "Received"))


@pytest.mark.parametrize("client", [STRANGER, APP], ids=["stranger", "mynetworks"])
def test_unknown_recipients_of_a_relay_domain_are_refused_at_rcpt(relay, client):
    result = smtp_probe(client, relay, sender="sender@elsewhere.test", helo="client.elsewhere.test",
                        rcpts=["bob@corp.out.test"])
    assert result["stage"] == "rcpt" and result["code"] == 550, result
    assert "User unknown in relay recipient table" in result["text"]


def test_the_smarthost_password_table_is_root_only_and_main_cf_never_authenticates(relay):
    host = container(relay)
    for path in ("/etc/postfix/maps/sasl_passwd", "/etc/postfix/maps/sasl_passwd.%s" % (
            "db" if host.check_output("postconf -h default_database_type") == "hash" else "lmdb")):
        stat = host.file(path)
        assert (stat.user, stat.group, stat.mode) == ("root", "root", 0o600), path
    assert host.check_output("postconf -h smtp_sasl_auth_enable") == "no"
    assert host.check_output("postconf -h default_transport") == "smarthost"
    service = host.check_output("postconf -M smarthost/unix")
    assert "smtp_sasl_auth_enable=yes" in service and "smtp_fallback_relay=" in service
    policy = host.check_output("postmap -q %s $(postconf -Pxh smarthost/unix/smtp_tls_policy_maps)"
                               % shlex.quote("[172.31.243.25]:%d" % PORT[relay]))
    assert policy == "secure match=provider.out.test"
    for name in ("submission", "smtps"):
        assert "cleanup_service_name=privacy-cleanup" in host.check_output("postconf -M %s/inet" % name)
