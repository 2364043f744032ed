# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardened.relay.secret_entries: the values the model masked, from the same code that built the table."""
import os
import sys

import pytest

from ansible_collections.hardened.relay.plugins.filter.secret_entries import secret_entries
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils"))
from relay_config_vars import CREDENTIALS, PASSWORD, SENDERS, SMARTHOST, judge, validated  # noqa: E402  (the role's variables as the model tests give them)


def test_the_filter_gives_the_apply_task_the_secret_values_the_model_masked():
    variables, dummy = validated(postfix_sender_dependent_relayhosts=SENDERS, **CREDENTIALS)
    config = guard.for_the_host(judge(postfix_sender_dependent_relayhosts=SENDERS, **CREDENTIALS)[0], ["all"])
    assert PASSWORD not in repr(config) and "app1-secret" not in repr(config)
    entries = secret_entries(config, variables)
    assert entries == {"/etc/postfix/maps/sasl_passwd": {SMARTHOST: "relay@example.org:" + PASSWORD,
                                                         "[smtp2.example.net]:587": "app1:app1-secret",
                                                         "[smtp3.example.net]:465": "billing:billing-secret"}}
    assert sorted(entries["/etc/postfix/maps/sasl_passwd"]) == sorted(k for k, v in next(
        t for t in config["tables"] if t["secret"])["entries"])
    assert secret_entries(guard.for_the_host(judge()[0], ["all"]), validated()[0]) == {}


def test_a_secret_table_it_does_not_know_is_an_error():
    config = {"tables": [{"path": "/etc/postfix/maps/other", "secret": True}]}
    with pytest.raises(Exception, match="knows the smarthost password table only"):
        secret_entries(config, validated()[0])
