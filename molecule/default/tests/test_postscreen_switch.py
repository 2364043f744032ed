# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switching postscreen on and off on a running relay: the role reloads Postfix, port 25 is then
answered by postscreen (which hands clients that pass to smtpd), and after switching it off by
smtpd again. The policy scenario tests postscreen's own checks."""
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    assert_delivered_locally, assert_relay_denied, container, converge, inventory_hosts, master_pid, wait_for_log,
)

RELAYS = inventory_hosts("relays")
UNTRUSTED = container("hr-default-client-untrusted")
POSTSCREEN_ON = {"postfix_postscreen_enabled": True, "postfix_postscreen_dnsbl_sites": [],
                 "postfix_main_cf_extra": {"postscreen_greet_wait": "2s"}}


def port_25_command(relay):
    return container(relay).check_output("postconf -M smtp/inet").split()[7]


def delivered_through_port_25(relay):
    assert_delivered_locally(UNTRUSTED, relay, sender="stranger@untrusted.client.test", helo="untrusted.client.test")


@pytest.fixture(name="postscreen", scope="module")
def postscreen_fixture():
    pids = {relay: master_pid(relay) for relay in RELAYS}
    converge("-e", json.dumps(POSTSCREEN_ON))
    yield pids
    converge()
    for relay in RELAYS:
        assert port_25_command(relay) == "smtpd"
        delivered_through_port_25(relay)


@pytest.mark.parametrize("relay", RELAYS)
def test_switching_postscreen_on_reloads_and_hands_clients_to_smtpd(postscreen, relay):
    host = container(relay)
    assert port_25_command(relay) == "postscreen"
    # A reload, not a restart: the master process is the same one.
    assert master_pid(relay) == postscreen[relay]
    delivered_through_port_25(relay)
    wait_for_log(host, r"PASS (NEW|OLD) \[172\.31\.202\.20\]", "postfix/postscreen")


@pytest.mark.parametrize("relay", RELAYS)
def test_postscreen_never_opens_relaying(postscreen, relay):  # pylint: disable=unused-argument
    assert_relay_denied(UNTRUSTED, relay, sender="stranger@untrusted.client.test", helo="untrusted.client.test")
