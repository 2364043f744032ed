# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check mode and diff for the whole relay: a changed setting of each policy service is shown
as a diff and reported as a change, and nothing on the relays changes; secrets stay hidden."""
import json
import os
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import container, inventory_hosts, recap_changed, run_site  # noqa: E402  pylint: disable=wrong-import-position,import-error

RELAYS = inventory_hosts("relays")
NEW_PASSWORD = "Check-Mode-S3cret-dave"
# Files the policy service roles and the postfix role write.
WATCHED = [
    "/etc/default/postgrey", "/etc/postgrey/whitelist_clients.local", "/etc/postgrey/whitelist_recipients.local",
    "/etc/postfix-policyd-spf-python/policyd-spf.conf", "/etc/default/saslauthd", "/etc/sasldb2",
    "/etc/postfix/main.cf", "/etc/postfix/master.cf", "/etc/postfix/maps/postscreen_access.cidr",
]


def snapshot(relay):
    return container(relay).check_output("sha256sum %s; ls -l --time-style=+%%s /var/lib/hardened-relay/saslauthd"
                                         % " ".join(WATCHED))


@pytest.fixture(name="check_run", scope="module")
def check_run_fixture():
    changes = {
        "postgrey_delay": 7,
        "postgrey_whitelist_clients": ["checkmode.example.org"],
        "policyd_spf_helo_reject": "Softfail",
        "saslauthd_threads": 3,
        "saslauthd_users": [{"name": "carol", "password": "c4rol-Secret!"}, {"name": "dave", "password": NEW_PASSWORD}],
        "postfix_postscreen_dnsbl_threshold": 4,
    }
    before = {relay: snapshot(relay) for relay in RELAYS}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as extra:
        json.dump(changes, extra)
        extra.flush()
        done = run_site("--check", "--diff", "-e", "@" + extra.name)
    return before, done


def test_check_mode_run_succeeds_and_reports_changes(check_run):
    dummy, done = check_run
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    changed = recap_changed(done.stdout)
    assert all(changed[relay] > 0 for relay in RELAYS), changed


@pytest.mark.parametrize("line", [
    "+POSTGREY_OPTS=\"--inet=127.0.0.1:10023 --delay=7",
    "+checkmode.example.org",
    "+HELO_reject = Softfail",
    "+postscreen_dnsbl_threshold = 4",
])
def test_diff_shows_each_change(check_run, line):
    assert line in check_run[1].stdout, check_run[1].stdout[-4000:]


def test_new_password_is_never_shown(check_run):
    assert NEW_PASSWORD not in check_run[1].stdout + check_run[1].stderr


@pytest.mark.parametrize("relay", RELAYS)
def test_check_mode_changed_nothing_on_the_relay(check_run, relay):
    before, dummy = check_run
    assert snapshot(relay) == before[relay]
    host = container(relay)
    assert host.check_output("sed -n 's/.*--delay=\\([0-9]*\\).*/\\1/p' /etc/default/postgrey") != "7"
    assert "dave@" not in host.run("sasldblistusers2").stdout


def test_check_mode_after_converge_reports_nothing_to_change():
    done = run_site("--check", "--diff")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    changed = recap_changed(done.stdout)
    assert all(changed[relay] == 0 for relay in RELAYS), (changed, done.stdout[-4000:])
