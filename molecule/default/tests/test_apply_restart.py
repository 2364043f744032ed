# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the role applies a change Postfix only takes on a restart: a new inet_protocols restarts
Postfix (a reload would not apply it); soft_bounce, set in the same run, turns refusals into 4xx.
The configuration goes back to the scenario's own when the module ends."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    assert_relay_denied, container, converge, inventory_hosts, master_pid, postconf, smtp_probe,
)

RELAYS = inventory_hosts("relays")
UNTRUSTED = container("hr-default-client-untrusted")
STRANGER = {"sender": "stranger@untrusted.client.test", "helo": "untrusted.client.test"}
RESTART_AND_SOFT_BOUNCE = {"postfix_inet_protocols": ["ipv4"], "postfix_soft_bounce": True}


@pytest.fixture(name="restarted", scope="module")
def restarted_fixture():
    pids = {relay: master_pid(relay) for relay in RELAYS}
    converge("-e", json.dumps(RESTART_AND_SOFT_BOUNCE))
    yield pids
    converge()
    for relay in RELAYS:
        assert postconf(container(relay), "soft_bounce") == "no"
        assert_relay_denied(UNTRUSTED, relay, **STRANGER)


@pytest.mark.parametrize("relay", RELAYS)
def test_inet_protocols_change_restarts_postfix(restarted, relay):
    assert postconf(container(relay), "inet_protocols") == "ipv4"
    assert master_pid(relay) != restarted[relay]


@pytest.mark.parametrize("relay", RELAYS)
def test_soft_bounce_turns_the_relay_refusal_into_a_temporary_one(restarted, relay):  # pylint: disable=unused-argument
    result = smtp_probe(UNTRUSTED, relay, rcpts=["someone@outside.example"], **STRANGER)
    assert result["stage"] == "rcpt" and result["code"] == 454, result
    assert result["text"].endswith("Relay access denied")
