# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Staging mode: what enforcement refuses is accepted and logged as reject_warning; relaying stays refused.

The relays are converged again with postfix_staging=true for these tests, and put back after.
"""
import os
import subprocess
import sys
import time
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import container, inventory_hosts, local_address, smtp_probe  # noqa: E402  pylint: disable=wrong-import-position,import-error

RELAYS = inventory_hosts("relays")
UNTRUSTED = container("hr-default-client-untrusted")
CONVERGE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "converge.yml")


def converge(*extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.environ["HR_INSTALLED_COLLECTIONS"])
    done = subprocess.run(["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], CONVERGE] + list(extra),
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


@pytest.fixture(name="staging", scope="module")
def staging_fixture():
    converge("-e", "postfix_staging=true")
    yield
    converge()


@pytest.mark.parametrize("relay", RELAYS)
def test_staging_accepts_and_logs_what_enforcing_refuses(staging, relay):  # pylint: disable=unused-argument
    helo = "staging" + uuid.uuid4().hex[:10]  # not fully qualified: enforcing mode refuses it
    result = smtp_probe(UNTRUSTED, relay, sender="stranger@untrusted.client.test", helo=helo,
                        rcpts=[local_address(relay)])
    assert result["accepted"] is True, result
    deadline = time.monotonic() + 20
    while True:
        log = container(relay).run("journalctl --no-pager -q -g %s" % helo).stdout
        if "reject_warning" in log or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert "reject_warning: RCPT from" in log and "Helo command rejected: need fully-qualified hostname" in log, log


@pytest.mark.parametrize("relay", RELAYS)
def test_staging_never_opens_relaying(staging, relay):  # pylint: disable=unused-argument
    result = smtp_probe(UNTRUSTED, relay, sender="stranger@untrusted.client.test", helo="untrusted.client.test",
                        rcpts=["someone@outside.example"])
    assert result["stage"] == "rcpt" and result["code"] == 554, result
    assert result["text"].endswith("Relay access denied")
