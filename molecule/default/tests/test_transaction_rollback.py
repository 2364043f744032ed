# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transaction does not trust the guard either. A configuration model with an open relay in a
table the role installs (an OK for every client, consulted before the destination guard) is given
straight to hardened.relay.postfix_apply, as a guard that missed it would: the self-test finds the
relay, every file is put back byte for byte, Postfix runs the previous configuration, and the
failure quotes the SMTP dialogue. No switch turns the guard off; the model is built by hand."""
import json
import os
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "tests", "unit", "plugins", "module_utils"))
sys.path.insert(0, os.environ["HR_INSTALLED_COLLECTIONS"])

from relay_testlib import assert_relay_denied, container, inventory_hosts  # noqa: E402  pylint: disable=wrong-import-position,import-error
from relay_config_vars import validated  # noqa: E402  pylint: disable=wrong-import-position,import-error
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard  # noqa: E402  pylint: disable=wrong-import-position,import-error

RELAYS = inventory_hosts("relays")
UNTRUSTED = container("hr-default-client-untrusted")
STRANGER = {"sender": "stranger@untrusted.client.test", "helo": "untrusted.client.test"}
SUMS = "find /etc/postfix -type f -print0 | sort -z | xargs -0 sha256sum"
PLAYBOOK = """---
- name: Apply a model the guard never saw
  hosts: relays
  gather_facts: false
  tasks:
    - name: Apply it as the role would
      hardened.relay.postfix_apply:
        config: "{{ lookup('ansible.builtin.file', model) | from_json }}"
        selftest:
          trusted_networks: "{{ (lookup('ansible.builtin.file', model) | from_json).trusted_networks }}"
"""


def open_model():
    """The scenario's configuration with an OK for everyone in a role table, checked before the guard."""
    variables, errors = validated(
        postfix_mynetworks=["127.0.0.0/8", "[::1]/128", "172.31.201.0/24"], postfix_relayhost="[172.31.203.25]:25",
        postfix_access_maps={"client_access": {"type": "cidr", "entries": [{"key": "0.0.0.0/0", "value": "OK"}]}},
        postfix_smtpd_relay_restrictions=["permit_mynetworks", "check_client_access cidr:/etc/postfix/maps/client_access",
                                          "reject_unauth_destination"])
    assert errors == []
    config, problems = guard.judge(variables)
    assert problems, "the guard must refuse this model; the test gives it to the transaction behind the guard's back"
    return guard.for_the_host(config, ["all"])


@pytest.fixture(name="applied", scope="module")
def applied_fixture():
    before = dict((relay, container(relay).check_output(SUMS)) for relay in RELAYS)
    with tempfile.TemporaryDirectory() as scratch:
        model, playbook = os.path.join(scratch, "model.json"), os.path.join(scratch, "apply.yml")
        with open(model, "w", encoding="utf-8") as handle:
            json.dump(open_model(), handle)
        with open(playbook, "w", encoding="utf-8") as handle:
            handle.write(PLAYBOOK)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.environ["HR_INSTALLED_COLLECTIONS"], ANSIBLE_NOCOLOR="1",
                   ANSIBLE_STDOUT_CALLBACK="json")
        done = subprocess.run(["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "-e", "model=" + model, playbook],
                              env=env, capture_output=True, text=True, check=False)
    after = dict((relay, container(relay).check_output(SUMS)) for relay in RELAYS)
    results = json.loads(done.stdout)["plays"][0]["tasks"][0]["hosts"]
    return before, after, results


@pytest.mark.parametrize("relay", RELAYS)
def test_the_selftest_catches_the_relay_and_quotes_the_dialogue(applied, relay):
    result = applied[2][relay]
    assert result.get("failed") and result.get("rolled_back") is True, result
    assert "smtp/inet" in result["msg"] and "RCPT TO" in result["msg"], result["msg"]


@pytest.mark.parametrize("relay", RELAYS)
def test_every_file_is_back_byte_for_byte(applied, relay):
    before, after, dummy = applied
    assert before[relay] == after[relay]


@pytest.mark.parametrize("relay", RELAYS)
def test_the_previous_configuration_runs_and_refuses_strangers(applied, relay):  # pylint: disable=unused-argument
    assert container(relay).run("postfix status").rc == 0
    assert_relay_denied(UNTRUSTED, relay, **STRANGER)
