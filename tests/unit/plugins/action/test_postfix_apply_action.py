# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The postfix_apply action plugin: large table sources go to the host by digest, and their text
only when the module asks for it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
from unittest import mock

import pytest

from ansible_collections.hardened.relay.plugins.action import postfix_apply

BIG = "".join("user%d@spam.example REJECT\n" % n for n in range(5000))
SMALL = "example.com smtp:[mx.example.com]\n"
CONFIG = {"main_cf": [], "tables": [
    {"path": "/etc/postfix/maps/sender_access", "type": "hash", "secret": False, "source": BIG},
    {"path": "/etc/postfix/maps/transport", "type": "hash", "secret": False, "source": SMALL},
    {"path": "/etc/aliases", "flavour": "postalias", "secret": False, "keep_existing": True, "source": BIG},
    {"path": "/etc/postfix/maps/sasl_passwd", "secret": True, "entries": [["[h]:587", "********"]]},
]}


def action_with(answers):
    """The action plugin over a fake module run that answers in turn and records what it was sent."""
    task = mock.MagicMock(async_val=0, check_mode=False, diff=False, args={"config": CONFIG, "managed_comment": "x"})
    action = postfix_apply.ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None,
                                        shared_loader_obj=None)
    sent = []

    def execute(module_name, module_args, task_vars):
        assert module_name == "hardened.relay.postfix_apply"
        sent.append(module_args)
        return dict(answers[len(sent) - 1])
    action._execute_module = execute
    action._remove_tmp_path = mock.MagicMock()
    return action, sent


def test_an_unchanged_host_gets_the_large_source_by_digest_only():
    action, sent = action_with([{"changed": False}])
    result = action.run(task_vars={})
    assert result["changed"] is False and len(sent) == 1
    tables = sent[0]["config"]["tables"]
    assert tables[0] == {"path": "/etc/postfix/maps/sender_access", "type": "hash", "secret": False,
                         "source_sha256": hashlib.sha256(BIG.encode("utf-8")).hexdigest()}
    # Small sources, a kept system file and secret tables go as they are; the task's config is untouched.
    assert tables[1:] == CONFIG["tables"][1:] and CONFIG["tables"][0]["source"] == BIG
    assert sent[0]["managed_comment"] == "x"
    action._remove_tmp_path.assert_called_once()


def test_the_sources_the_host_asks_for_are_sent_in_full_in_a_second_call():
    action, sent = action_with([{"changed": False, "sources_wanted": ["/etc/postfix/maps/sender_access"]},
                                {"changed": True, "changed_files": ["/etc/postfix/maps/sender_access"]}])
    result = action.run(task_vars={})
    assert len(sent) == 2 and sent[1]["config"] == CONFIG
    assert result["changed"] is True and "sources_wanted" not in result


@pytest.mark.parametrize("answers, message", [
    ([{"changed": False, "sources_wanted": ["/etc/postfix/maps/sender_access"]}] * 2, "although they were sent in full"),
    ([{"failed": True, "msg": "postfix_apply: refused", "sources_wanted": ["x"]}], "postfix_apply: refused"),
])
def test_a_host_that_still_asks_or_fails_fails_the_task(answers, message):
    action, sent = action_with(answers)
    result = action.run(task_vars={})
    assert result["failed"] is True and message in result["msg"] and len(sent) == len(answers)
