# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A configuration Postfix accepts on paper but cannot run (inet_interfaces on an address the host
does not have) is rolled back: the play fails with Postfix's own words, the previous configuration
runs again, and the next converge finds nothing to change."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    assert_delivered_locally, assert_relay_denied, container, converge, inventory_hosts, postconf, recap_changed, run_site,
)

RELAYS = inventory_hosts("relays")
UNTRUSTED = container("hr-default-client-untrusted")
STRANGER = {"sender": "stranger@untrusted.client.test", "helo": "untrusted.client.test"}
UNRUNNABLE = {"postfix_inet_interfaces": ["192.0.2.99"]}  # TEST-NET-1: on no host here


@pytest.fixture(name="rolled_back", scope="module")
def rolled_back_fixture():
    return run_site("-e", json.dumps(UNRUNNABLE))


def test_unrunnable_configuration_fails_the_play_with_postfixs_words(rolled_back):
    output = rolled_back.stdout + rolled_back.stderr
    assert rolled_back.returncode != 0, output[-3000:]
    assert "The previous configuration was put back" in output, output[-3000:]
    # Postfix's own reason, from its log, e.g. "fatal: parameter inet_interfaces: no local interface found for 192.0.2.99".
    assert "192.0.2.99" in output.split("Postfix logged:", 1)[-1], output[-3000:]


@pytest.mark.parametrize("relay", RELAYS)
def test_rolled_back_relay_runs_the_previous_configuration(rolled_back, relay):  # pylint: disable=unused-argument
    assert postconf(container(relay), "inet_interfaces") == "all"
    assert container(relay).run("postfix status").rc == 0
    # ... under systemd (Debian 12 runs it as postfix@-, wrapped by postfix.service; Debian 13 as postfix.service).
    assert container(relay).run("systemctl is-active postfix").stdout.strip() == "active"
    assert_relay_denied(UNTRUSTED, relay, **STRANGER)
    assert_delivered_locally(UNTRUSTED, relay, **STRANGER)


def test_converge_after_a_rollback_changes_nothing(rolled_back):  # pylint: disable=unused-argument
    done = converge()
    assert set(recap_changed(done.stdout).values()) == {0}, done.stdout[-3000:]
