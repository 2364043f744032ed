# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""relay_config.sources: access maps read from files on the controller (postfix_access_maps.NAME.src)
are judged like entries given in variables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard, sources
from relay_config_vars import validated


@pytest.fixture(name="action")
def action_fixture(tmp_path):
    """What the action plugin does with its file search: here, files in the test's directory."""
    class Action:
        @staticmethod
        def _read_sources(maps):
            def find(name):
                path = tmp_path / name
                if not path.exists():
                    raise sources.NotFound("Could not find or access '%s'" % name)
                return str(path)
            return sources.read_access_map_sources(maps, find)
    return Action()


def test_a_src_file_becomes_the_entries_postmap_reads(action, tmp_path):
    (tmp_path / "senders").write_text("# spammers\nuser1@spam.example REJECT\n\nuser2@spam.example 550 5.7.1\n  go away\n")
    maps = {"sender_access": {"type": "hash", "src": "senders"}, "other": {"entries": {"a@b.example": "REJECT"}}}
    assert action._read_sources(maps) == []
    assert maps["sender_access"] == {"type": "hash", "entries": [
        {"key": "user1@spam.example", "value": "REJECT"}, {"key": "user2@spam.example", "value": "550 5.7.1 go away"}]}
    assert maps["other"] == {"entries": {"a@b.example": "REJECT"}}


def test_the_guard_judges_a_src_file_like_entries(action, tmp_path):
    (tmp_path / "clients").write_text("10.0.0.0/8 OK\n")
    variables, errors = validated(
        postfix_access_maps={"client_access": {"type": "cidr", "src": "clients"}},
        postfix_smtpd_relay_restrictions=["check_client_access cidr:/etc/postfix/maps/client_access",
                                          "reject_unauth_destination"])
    assert errors == []
    assert action._read_sources(variables["postfix_access_maps"]) == []
    dummy, problems = guard.judge(variables)
    assert any(re.match(r"^postfix_smtpd_relay_restrictions\[0\].*can answer OK", p) for p in problems), problems


@pytest.mark.parametrize("spec, content, expected", [
    ({"src": "missing"}, None, r"^postfix_access_maps\.t\.src: Could not find or access 'missing'$"),
    ({"src": "latin1"}, b"caf\xe9 REJECT\n", r"^postfix_access_maps\.t\.src latin1 cannot be read as UTF-8 text"),
    ({"src": "f", "entries": {}}, b"", r"^postfix_access_maps\.t has both src and entries"),
])
def test_a_src_that_cannot_be_read_is_refused_naming_the_variable(action, tmp_path, spec, content, expected):
    if content is not None:
        (tmp_path / spec["src"]).write_bytes(content)
    problems = action._read_sources({"t": spec})
    assert len(problems) == 1
    assert re.match(expected, problems[0]), problems
