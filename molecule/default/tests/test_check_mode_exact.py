# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check mode is exact: for toggles that touch each kind of file (a master.cf service switched off,
a table entry, a restriction list), check -> real -> check -> real reports changed exactly when
the real run changes something, the diff shows each change, and check mode changes nothing."""
import json
import os
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import container, converge, inventory_hosts, recap_changed, run_site  # noqa: E402  pylint: disable=wrong-import-position,import-error

RELAYS = inventory_hosts("relays")
# On top of the scenario's variables (molecule.yml): its client table gets one more entry.
TOGGLES = {
    "postfix_smtps_enabled": "false",  # a string, as -e gives it
    "postfix_access_maps": {
        "client_access": {"type": "cidr", "entries": [{"key": "172.31.202.40/32", "value": "REJECT listed in client access"},
                                                      {"key": "192.0.2.77/32", "value": "REJECT hr-check-mode-entry"}]},
        "sender_access": {"type": "pcre", "entries": [{"key": "/^spammer@bad\\.example$/", "value": "REJECT listed in sender access"}]},
    },
    "postfix_smtpd_helo_restrictions": ["permit_mynetworks", "permit_sasl_authenticated", "reject_invalid_helo_hostname",
                                        "reject_non_fqdn_helo_hostname", "reject_unknown_helo_hostname"],
}
WATCHED = "/etc/postfix/main.cf /etc/postfix/master.cf /etc/postfix/maps/client_access"


def snapshot():
    return dict((relay, container(relay).check_output("sha256sum %s" % WATCHED)) for relay in RELAYS)


@pytest.fixture(name="runs", scope="module")
def runs_fixture():
    with tempfile.NamedTemporaryFile("w", suffix=".json") as extra:
        json.dump(TOGGLES, extra)
        extra.flush()
        runs = []
        for check in (True, False, True, False):
            before = snapshot()
            done = run_site(*(["--check", "--diff"] if check else ["--diff"]) + ["-e", "@" + extra.name])
            runs.append((check, before, snapshot(), done))
    yield runs
    converge()


def test_every_run_succeeds(runs):
    for dummy, dummy2, dummy3, done in runs:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_check_reports_a_change_exactly_when_the_real_run_makes_one(runs):
    changed = [set(recap_changed(done.stdout)[relay] > 0 for relay in RELAYS) for dummy, dummy2, dummy3, done in runs]
    assert changed == [{True}, {True}, {False}, {False}], [done.stdout[-2000:] for dummy, dummy2, dummy3, done in runs]


@pytest.mark.parametrize("line", ["\n-smtps ", "+192.0.2.77/32 REJECT hr-check-mode-entry",
                                  "reject_non_fqdn_helo_hostname, reject_unknown_helo_hostname"])
def test_the_check_diff_shows_each_change_as_the_real_run_makes_it(runs, line):
    first_check, first_real = runs[0][3].stdout, runs[1][3].stdout
    assert line in first_check, first_check[-4000:]
    assert line in first_real, first_real[-4000:]


def test_check_mode_changes_nothing_and_the_real_run_does(runs):
    (dummy, check_before, check_after, dummy2), (dummy3, real_before, real_after, dummy4) = runs[0], runs[1]
    assert check_before == check_after
    assert all(real_before[relay] != real_after[relay] for relay in RELAYS)


def test_the_second_check_shows_no_diff(runs):
    assert "--- before" not in runs[2][3].stdout, runs[2][3].stdout[-3000:]


@pytest.mark.parametrize("relay", RELAYS)
def test_smtps_is_off_after_the_real_run(runs, relay):  # pylint: disable=unused-argument
    assert container(relay).run("postconf -M smtps/inet").stdout.strip() == ""
