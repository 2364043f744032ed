# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SMTP AUTH on submission (587) through saslauthd inside Postfix's chroot."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    container, inventory_hosts, local_address, new_token, smtp_probe, wait_for_text,
)

RELAYS = inventory_hosts("relays")
CLEAN = container("hr-policy-client-clean")
SINK = container("hr-policy-sink")
PASSWORD = "c4rol-Secret!"
OUTSIDE = "someone@outside.example"


@pytest.fixture(name="relay", params=RELAYS)
def relay_fixture(request):
    return request.param


def carol(relay):
    return local_address(relay, "carol")


def submit(relay, password=PASSWORD, sender=None, auth=True, token=""):
    options = dict(auth_user=carol(relay), auth_password=password) if auth else {}
    return smtp_probe(CLEAN, relay, port=587, sender=sender or carol(relay), helo="clean.client.test",
                      rcpts=[OUTSIDE], starttls=True, token=token, **options)


def test_auth_is_offered_only_after_starttls(relay):
    result = submit(relay, auth=False)
    assert result["auth_before_tls"] == "", result
    assert "PLAIN" in result["auth_after_tls"] and "LOGIN" in result["auth_after_tls"], result
    assert "ANONYMOUS" not in result["auth_after_tls"]


def test_port_25_offers_no_auth(relay):
    result = smtp_probe(CLEAN, relay, sender="someone@spf-pass.test", helo="clean.client.test", starttls=True)
    assert result.get("auth_after_tls", "") == "", result


def test_right_password_relays_to_an_outside_domain(relay):
    token = new_token()
    result = submit(relay, token=token)
    assert [s["code"] for s in result["steps"] if s["stage"] == "auth"] == [235], result
    assert result["accepted"] is True, result
    assert "X-Sink-Rcpt-To: <%s>" % OUTSIDE in wait_for_text(SINK, "/var/spool/smtp-sink", token)


def test_wrong_password_is_refused(relay):
    result = submit(relay, password="not-" + PASSWORD)
    assert result["stage"] == "auth" and result["code"] == 535, result
    assert result["accepted"] is False


def test_no_auth_means_no_relay(relay):
    result = submit(relay, auth=False)
    assert result["stage"] == "rcpt" and result["code"] == 554 and result["accepted"] is False, result


def test_authenticated_user_cannot_send_as_someone_else(relay):
    result = submit(relay, sender=local_address(relay))
    assert result["stage"] == "rcpt" and result["code"] == 553, result
    assert "not owned by user" in result["text"], result


def test_saslauthd_socket_is_reachable_by_postfix_only(relay):
    host = container(relay)
    directory = host.file("/var/spool/postfix/var/run/saslauthd")
    assert directory.user == "root" and directory.group == "sasl" and directory.mode == 0o710
    assert "sasl" in host.user("postfix").groups
    assert host.file("/etc/sasldb2").mode & 0o007 == 0


def test_password_never_appears_in_logs(relay):
    assert PASSWORD not in container(relay).check_output("journalctl --no-pager -q")
