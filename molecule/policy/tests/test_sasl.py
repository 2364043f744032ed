# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SMTP AUTH on submission (587) through saslauthd inside Postfix's chroot; sasldb users that
sasldb lost, or whose password saslpasswd2 failed to set, are set again by the next run."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    container, converge, inventory_hosts, local_address, new_token, recap_changed, run_site, smtp_probe,
    wait_for_text,
)

RELAYS = inventory_hosts("relays")
CLEAN = container("hr-policy-client-clean")
SINK = container("hr-policy-sink")
PASSWORD = "c4rol-Secret!"
NEW_PASSWORD = "n3w-c4rol-Secret!"
# carol is deleted from sasldb on the first relay, and the whole sasldb on the last one.
LOST_USER, LOST_DB = RELAYS[0], RELAYS[-1]
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
    # "No AUTH after TLS" means something only when the handshake and the EHLO after it happened.
    assert [(s["stage"], s["code"]) for s in result["steps"][:4]] == [
        ("connect", 220), ("ehlo", 250), ("starttls", 220), ("ehlo", 250)], result
    assert result["tls_version"] in ("TLSv1.2", "TLSv1.3"), result
    assert "starttls" in result["extensions"] and "starttls" not in result["extensions_after_tls"], result
    assert "auth" not in result["extensions"] and "auth" not in result["extensions_after_tls"], result


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


def test_saslauthd_runs_and_starts_on_boot(relay):
    service = container(relay).service("saslauthd")
    assert service.is_enabled
    assert service.is_running


def test_saslauthd_socket_is_reachable_by_postfix_only(relay):
    host = container(relay)
    directory = host.file("/var/spool/postfix/var/run/saslauthd")
    assert directory.user == "root" and directory.group == "sasl" and directory.mode == 0o710
    assert "sasl" in host.user("postfix").groups
    assert host.file("/etc/sasldb2").mode & 0o007 == 0


def test_password_never_appears_in_logs(relay):
    assert PASSWORD not in container(relay).check_output("journalctl --no-pager -q")


def auth_code(result):
    return [s["code"] for s in result["steps"] if s["stage"] == "auth"]


def login(relay, user, password):
    """The reply codes to AUTH as user@ the relay's realm on 587 (after STARTTLS)."""
    return auth_code(smtp_probe(CLEAN, relay, port=587, helo="clean.client.test", starttls=True,
                                auth_user=local_address(relay, user), auth_password=password))


def listed(relay):
    return container(relay).check_output("sasldblistusers2").split()


def printed(done):
    return done.stdout + done.stderr


def restart_saslauthd(relay):
    """saslauthd caches successful logins (-c): a restart empties the cache, so that a login
    checks sasldb again."""
    container(relay).check_output("systemctl restart saslauthd")


@pytest.fixture(name="sasldb_mended", scope="module")
def sasldb_mended_fixture():
    """carol deleted by hand on one relay, /etc/sasldb2 lost on the other (whose fingerprints
    still match), then the site playbook, verbose and with diffs so that a missing no_log shows."""
    user, realm = carol(LOST_USER).split("@")
    container(LOST_USER).check_output("saslpasswd2 -d -u %s %s" % (realm, user))
    container(LOST_DB).check_output("rm /etc/sasldb2")
    broken = {}
    for relay in (LOST_USER, LOST_DB):
        restart_saslauthd(relay)
        broken[relay] = (listed(relay), submit(relay))
    return broken, converge("--diff", "-v")


@pytest.mark.parametrize("relay", sorted({LOST_USER, LOST_DB}))
def test_carol_was_lost_before_the_run(sasldb_mended, relay):
    users, result = sasldb_mended[0][relay]
    assert carol(relay) + ":" not in users
    assert auth_code(result) == [535], result


@pytest.mark.parametrize("relay", sorted({LOST_USER, LOST_DB}))
def test_the_run_sets_a_lost_user_again(sasldb_mended, relay):  # pylint: disable=unused-argument
    assert carol(relay) + ":" in listed(relay)
    result = submit(relay)
    assert auth_code(result) == [235] and result["accepted"] is True, result


def test_the_run_reports_the_change_and_prints_no_password(sasldb_mended):
    done = sasldb_mended[1]
    assert all(recap_changed(done.stdout)[relay] > 0 for relay in (LOST_USER, LOST_DB)), done.stdout[-3000:]
    assert PASSWORD not in printed(done)


def test_a_rebuilt_sasldb_is_for_root_only(sasldb_mended):  # pylint: disable=unused-argument
    """saslauthd (root) reads it; smtpd, in group sasl for saslauthd's socket, never needs it."""
    sasldb = container(LOST_DB).file("/etc/sasldb2")
    assert (sasldb.user, sasldb.group, sasldb.mode) == ("root", "root", 0o600)


def test_the_postfix_user_cannot_read_the_sasldb(relay):
    result = container(relay).run("runuser -u postfix -- cat /etc/sasldb2")
    assert result.rc != 0 and "Permission denied" in result.stderr, result.stderr


def test_the_fingerprints_are_keyed_and_root_only(relay):
    """Only the key file and the keyed fingerprints: nothing derived from a password without the
    host's key (the earlier per-user files are gone)."""
    host = container(relay)
    assert sorted(host.check_output("ls /var/lib/hardened-relay/saslauthd").split()) == [
        "fingerprint.key", "fingerprints.json"]
    for name in ("", "/fingerprint.key", "/fingerprints.json"):
        entry = host.file("/var/lib/hardened-relay/saslauthd" + name)
        assert entry.user == "root" and entry.mode & 0o077 == 0, name


@pytest.fixture(name="password_change", scope="module")
def password_change_fixture(sasldb_mended):  # pylint: disable=unused-argument
    """On one relay: erin, added by hand and logged in (so saslauthd caches her), is to be
    removed and carol gets a new password, in a run whose saslpasswd2 fails, then in the same run
    with a working saslpasswd2. Then the site playbook as configured, which gives carol her
    password back and has nothing to do on the other relay, whose sasldb was rebuilt."""
    host = container(LOST_USER)
    realm = carol(LOST_USER).split("@")[1]
    host.check_output("printf %%s 'erin-Secret!' | saslpasswd2 -p -c -u %s erin" % realm)
    erin_before = login(LOST_USER, "erin", "erin-Secret!")
    users = [{"name": "carol", "password": NEW_PASSWORD}, {"name": "erin", "state": "absent"}]
    change = ["--limit", LOST_USER, "--diff", "-vvv", "-e", json.dumps({"saslauthd_users": users})]
    saslpasswd2 = host.check_output("command -v saslpasswd2")
    host.check_output("mv {0} {0}.hr-test && printf '#!/bin/sh\\ncat >/dev/null\\nexit 1\\n' > {0} && chmod 0755 {0}"
                      .format(saslpasswd2))
    try:
        failed = run_site(*change)
    finally:
        host.check_output("mv {0}.hr-test {0}".format(saslpasswd2))
    retried = converge(*change)
    # The old password first: a login with the new one would replace what saslauthd cached.
    after = {"old": login(LOST_USER, "carol", PASSWORD), "new": submit(LOST_USER, password=NEW_PASSWORD),
             "erin": login(LOST_USER, "erin", "erin-Secret!"), "listed": listed(LOST_USER)}
    restored = converge()
    yield {"erin_before": erin_before, "failed": failed, "retried": retried, "after": after, "restored": restored}
    # The rest of the scenario logs in with carol's own password.
    result = submit(LOST_USER)
    assert auth_code(result) == [235], result


def test_a_failed_saslpasswd2_fails_the_run(password_change):
    failed = password_change["failed"]
    assert failed.returncode != 0 and "Set the passwords" in failed.stdout, printed(failed)[-3000:]


def test_the_next_run_sets_the_password_that_failed(password_change):
    after = password_change["after"]
    assert auth_code(after["new"]) == [235] and after["new"]["accepted"] is True, after["new"]


def test_the_old_password_stops_working_at_once(password_change):
    assert password_change["after"]["old"] == [535]


def test_a_removed_user_can_no_longer_log_in(password_change):
    assert password_change["erin_before"] == [235]
    after = password_change["after"]
    assert not [user for user in after["listed"] if user.startswith("erin@")], after["listed"]
    assert after["erin"] == [535]


def test_no_password_is_printed(password_change):
    output = printed(password_change["failed"]) + printed(password_change["retried"])
    assert NEW_PASSWORD not in output and PASSWORD not in output


def test_nothing_to_change_where_sasldb_was_rebuilt(password_change):
    assert recap_changed(password_change["restored"].stdout)[LOST_DB] == 0, password_change["restored"].stdout[-4000:]
