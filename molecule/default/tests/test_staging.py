# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Staging mode: what enforcement refuses is accepted and logged as reject_warning; relaying stays refused.

The relays are converged again with postfix_staging=true for these tests, and put back after.
"""
import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    assert_relay_denied, container, converge, inventory_hosts, local_address, smtp_probe, wait_for_log,
)

RELAYS = inventory_hosts("relays")
UNTRUSTED = container("hr-default-client-untrusted")


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
    log = wait_for_log(container(relay), "reject_warning: RCPT from .*%s" % helo)
    assert "Helo command rejected: need fully-qualified hostname" in log, log


@pytest.mark.parametrize("relay", RELAYS)
def test_staging_never_opens_relaying(staging, relay):  # pylint: disable=unused-argument
    assert_relay_denied(UNTRUSTED, relay, sender="stranger@untrusted.client.test", helo="untrusted.client.test")
