# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The second line of defence does not trust the first: the SMTP self-test, run on the relay as a
stranger (an address on no trusted network), finds a relay made open behind the role's back,
where the static guard never looked, and leaves no address or queued mail behind."""
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import container, converge, inventory_hosts  # noqa: E402  pylint: disable=wrong-import-position,import-error

RELAYS = inventory_hosts("relays")
LISTENERS = [{"name": "smtp/inet", "port": 25}, {"name": "submission/inet", "port": 587},
             {"name": "smtps/inet", "port": 465, "tls": "wrapper"}]
# What the relays trust: mynetworks in molecule.yml (the stranger's address must be outside it).
TRUSTED = ["127.0.0.0/8", "[::1]/128", "172.31.201.0/24"]
OPEN_TABLE = "/etc/postfix/hr-behind-the-roles-back.cidr"


def selftest(relay):
    """Run hardened.relay.relay_selftest on the relay; return its result."""
    args = json.dumps({"listeners": LISTENERS, "trusted_networks": TRUSTED, "timeout": 20})
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.environ["HR_INSTALLED_COLLECTIONS"], ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_NOCOLOR="1")
    done = subprocess.run(["ansible", "-i", os.environ["MOLECULE_INVENTORY_FILE"], relay, "-m", "hardened.relay.relay_selftest",
                           "-a", args], env=env, capture_output=True, text=True, check=False)
    return json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"][relay]


@pytest.fixture(name="opened", scope="module")
def opened_fixture():
    """Open port 25 behind the role's back with a table Postfix accepts (a bare permit in
    smtpd_relay_restrictions would stop smtpd from starting); put the role's configuration back after."""
    for relay in RELAYS:
        host = container(relay)
        host.check_output("printf '0.0.0.0/0 OK\\n' > %s" % OPEN_TABLE)
        host.check_output("postconf -e 'smtpd_relay_restrictions = check_client_access cidr:%s, reject_unauth_destination'"
                          % OPEN_TABLE)
        host.check_output("postfix reload")
    yield {relay: selftest(relay) for relay in RELAYS}
    for relay in RELAYS:
        container(relay).check_output("rm -f %s" % OPEN_TABLE)
    converge()


@pytest.mark.parametrize("relay", RELAYS)
def test_the_converged_relay_refuses_a_stranger_on_every_listener(relay):
    result = selftest(relay)
    assert not result.get("failed"), result.get("msg")
    assert [listener["verdict"] for listener in result["listeners"]] == ["refused"] * 3, result["listeners"]
    assert all("Relay access denied" in listener["reply"] or listener["reply"].startswith("5")
               for listener in result["listeners"]), result["listeners"]


@pytest.mark.parametrize("relay", RELAYS)
def test_a_relay_opened_behind_the_roles_back_fails_the_selftest_with_the_dialogue(opened, relay):
    result = opened[relay]
    assert result.get("failed"), result
    verdicts = dict((listener["name"], listener["verdict"]) for listener in result["listeners"])
    assert verdicts["smtp/inet"] == "relayed", result["listeners"]
    assert verdicts["submission/inet"] == "refused" and verdicts["smtps/inet"] == "refused", verdicts
    assert "smtp/inet" in result["msg"] and "RCPT TO" in result["msg"], result["msg"]
    dialogue = "\n".join(result["listeners"][0]["dialogue"])
    assert "DATA" not in dialogue, dialogue  # never further than RCPT: nothing is queued


@pytest.mark.parametrize("relay", RELAYS)
def test_the_selftest_leaves_no_address_and_no_mail_behind(opened, relay):  # pylint: disable=unused-argument
    host = container(relay)
    assert host.check_output("ip -o address show dev lo").count(" inet ") == 1, host.check_output("ip address show dev lo")
    assert "Mail queue is empty" in host.check_output("mailq")
