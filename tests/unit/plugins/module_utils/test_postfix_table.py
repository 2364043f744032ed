# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table sources: parsing what admins write, rendering what tasks give, diffs that keep secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hardened.relay.plugins.module_utils import postfix_table as pt


def test_parse_source_with_comments_and_continuation_lines():
    text = (
        "# sender access\n"
        "spammer@example.com   REJECT go away\n"
        "\n"
        "example.net OK\n"
        "multi.example   REJECT this reply\n"
        "    continues here\n"
        "  # indented comment\n"
    )
    assert pt.parse_source(text) == [
        ("spammer@example.com", "REJECT go away"),
        ("example.net", "OK"),
        ("multi.example", "REJECT this reply continues here"),
    ]


def test_parse_empty_source():
    assert pt.parse_source("") == []
    assert pt.parse_source("# only a comment\n\n") == []


def test_parse_aliases():
    assert pt.parse_source("postmaster: root\nabuse:root, alice\n", "postalias") == [
        ("postmaster", "root"), ("abuse", "root, alice")]


def test_parse_pcre_keeps_blanks_inside_patterns():
    text = "/^Subject: .*viagra/i REJECT spam\n!/^From: .*@example\\.org/ DUNNO\n"
    assert pt.parse_source(text, map_type="pcre") == [
        ("/^Subject: .*viagra/i", "REJECT spam"), ("!/^From: .*@example\\.org/", "DUNNO")]


def test_normalize_entries_keeps_order_of_a_list():
    given = [{"key": "192.0.2.66/32", "value": "REJECT"}, {"key": "192.0.2.0/24", "value": "OK"}]
    assert pt.normalize_entries(given, "cidr") == [("192.0.2.66/32", "REJECT"), ("192.0.2.0/24", "OK")]


def test_normalize_entries_from_mapping_and_list_values():
    assert pt.normalize_entries({"a@example.com": ["a", "b"], "b": "REJECT  too\nmany"}, "hash") == [
        ("a@example.com", "a, b"), ("b", "REJECT too many")]


@pytest.mark.parametrize("given, map_type, message", [
    ({"bad key": "OK"}, "hash", "may not contain whitespace"),
    ({"#x": "OK"}, "hash", "may not be empty or start with '#'"),
    ({"x": ""}, "hash", "the value is empty"),
    ([{"key": "x"}], "cidr", "exactly 'key' and 'value'"),
    ("x OK", "hash", "give a mapping"),
])
def test_normalize_entries_refuses_bad_input(given, map_type, message):
    with pytest.raises(ValueError, match=message):
        pt.normalize_entries(given, map_type)


def test_pattern_keys_may_hold_blanks():
    assert pt.normalize_entries({"/^Subject: buy now/": "REJECT"}, "pcre") == [("/^Subject: buy now/", "REJECT")]


def test_alias_names_may_not_hold_a_colon():
    with pytest.raises(ValueError, match="':'"):
        pt.normalize_entries({"a:b": "root"}, "hash", "postalias")


def test_render_source_round_trips():
    entries = [("a@example.com", "REJECT no thanks"), ("example.net", "OK")]
    assert pt.parse_source(pt.render_source(entries)) == entries
    assert pt.render_source([("postmaster", "root")], "postalias") == "postmaster: root\n"


def test_entries_diff_shows_entries():
    diff = pt.entries_diff("a OK\nb REJECT\n", "a OK\nc REJECT\n", "postmap", "/etc/postfix/x", False)
    assert diff["before"] == "a OK\nb REJECT\n"
    assert diff["after"] == "a OK\nc REJECT\n"


def test_secret_diff_masks_values_but_marks_changed_ones():
    diff = pt.entries_diff("[smtp.example.net]:587 user:old\n",
                           "[smtp.example.net]:587 user:new\n[backup.example.net]:587 user:pw\n",
                           "postmap", "/etc/postfix/sasl_passwd", True)
    text = diff["before"] + diff["after"]
    assert "old" not in text and "new" not in text and "user:pw" not in text
    assert diff["after"] == ("[smtp.example.net]:587 ******** (changed)\n"
                             "[backup.example.net]:587 ********\n")
