# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsing and comparing Postfix values the way Postfix reads them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hardened.relay.plugins.module_utils import postfix as pf


@pytest.mark.parametrize("value, tokens", [
    ("a, b c,d", ["a", "b", "c", "d"]),
    ("  permit_mynetworks,\n    reject_unauth_destination  ", ["permit_mynetworks", "reject_unauth_destination"]),
    ("check_policy_service { inet:127.0.0.1:10023, timeout=10s }, reject",
     ["check_policy_service", "{ inet:127.0.0.1:10023, timeout=10s }", "reject"]),
    ("check_policy_service {inet:127.0.0.1:10023,timeout=10s}",
     ["check_policy_service", "{ inet:127.0.0.1:10023, timeout=10s }"]),
    ("$mydestination, $relay_domains", ["$mydestination", "$relay_domains"]),
    ("", []),
])
def test_split_list(value, tokens):
    assert pf.split_list(value) == tokens


@pytest.mark.parametrize("current, desired, same", [
    ("127.0.0.0/8, [::1]/128", ["127.0.0.0/8", "[::1]/128"], True),
    ("127.0.0.0/8 [::1]/128", ["127.0.0.0/8", "[::1]/128"], True),
    ("[::1]/128, 127.0.0.0/8", ["127.0.0.0/8", "[::1]/128"], False),  # order is policy
    ("$myhostname ESMTP", "$myhostname ESMTP", True),
    ("$myhostname  ESMTP", "$myhostname ESMTP", True),  # Postfix folds the run of blanks
    ("$myhostname, ESMTP", "$myhostname ESMTP", False),  # in free text a comma is text
    ("yes", True, True),
    ("no", True, False),
    ("30", 30, True),
    (None, "x", False),  # unknown to postconf: never the same
    ("${a}, b", ["${a}", "b"], True),
])
def test_same_value(current, desired, same):
    assert pf.same_value(current, desired) is same


def test_render_value_joins_lists_and_folds_multiline_text():
    assert pf.render_value(["a", "b\n  c"]) == "a, b c"
    assert pf.render_value("first line\n    continued") == "first line continued"
    assert pf.render_value(False) == "no"


def test_parse_main_cf_handles_comments_and_continuations():
    text = (
        "# comment\n"
        "myhostname = relay.example.org\n"
        "\n"
        "smtpd_relay_restrictions =\n"
        "    permit_mynetworks,\n"
        "  # a comment inside a continued value is skipped\n"
        "    reject_unauth_destination\n"
        "empty =\n"
        "with_equals = a=b\n"
    )
    assert pf.parse_main_cf(text) == {
        "myhostname": "relay.example.org",
        "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
        "empty": "",
        "with_equals": "a=b",
    }


def test_parse_master_fields_and_overrides():
    fields = pf.parse_master_fields(
        "submission/inet/service = submission\n"
        "submission/inet/chroot = y\n"
        "submission/inet/command = smtpd -o syslog_name=postfix/submission -o {smtpd_banner=$myhostname hi}\n"
        "smtp/unix/chroot = -\n")
    assert fields[("submission", "inet")]["chroot"] == "y"
    assert fields[("smtp", "unix")] == {"chroot": "-"}
    assert pf.master_command(fields[("submission", "inet")]) == "smtpd"
    overrides = pf.parse_master_params("submission/inet/syslog_name = postfix/submission\n"
                                       "submission/inet/smtpd_client_restrictions = permit_sasl_authenticated, reject\n")
    assert overrides[("submission", "inet")]["smtpd_client_restrictions"] == "permit_sasl_authenticated, reject"


def test_master_command_keeps_arguments_that_are_not_overrides():
    assert pf.master_command({"command": "pipe flags=Rq user=spf argv=/usr/bin/policyd-spf -o x=y"}) == \
        "pipe flags=Rq user=spf argv=/usr/bin/policyd-spf"
    assert pf.master_command({"command": "smtpd -v -o a=b -o c=d"}) == "smtpd -v"


@pytest.mark.parametrize("name, value, text", [
    ("syslog_name", "postfix/submission", "-o syslog_name=postfix/submission"),
    ("smtpd_banner", "$myhostname ready", "-o {smtpd_banner=$myhostname ready}"),
])
def test_override_text(name, value, text):
    assert pf.override_text(name, value) == text


def test_render_override_joins_lists_without_blanks():
    assert pf.render_override(["permit_sasl_authenticated", "reject"]) == "permit_sasl_authenticated,reject"


def test_warnings_about_picks_only_named_parameters():
    stderr = (
        "postconf: warning: /etc/postfix/main.cf: unused parameter: smtpd_helo_requird=yes\n"
        "postconf: warning: smtpd_helo_requird: unknown parameter\n"
        "postconf: warning: /etc/postfix/main.cf: unused parameter: other_thing=1\n"
        "postconf: warning: smtpd_helo_required_x: unknown parameter\n"
    )
    found = pf.warnings_about(stderr, ["smtpd_helo_requird"])
    assert found == [
        "postconf: warning: /etc/postfix/main.cf: unused parameter: smtpd_helo_requird=yes",
        "postconf: warning: smtpd_helo_requird: unknown parameter",
    ]
    # A name is matched whole: "smtpd_helo_required" does not match "smtpd_helo_required_x".
    assert pf.warnings_about(stderr, ["smtpd_helo_required"]) == []


def test_berkeley_type_reads_the_magic(tmp_path):
    hash_file = tmp_path / "h.db"
    hash_file.write_bytes(b"\0" * 12 + b"\x61\x15\x06\x00" + b"\0" * 16)
    btree_file = tmp_path / "b.db"
    btree_file.write_bytes(b"\0" * 12 + b"\x62\x31\x05\x00" + b"\0" * 16)
    other = tmp_path / "o.db"
    other.write_bytes(b"not a database")
    assert pf.berkeley_type(str(hash_file)) == "hash"
    assert pf.berkeley_type(str(btree_file)) == "btree"
    assert pf.berkeley_type(str(other)) is None
    assert pf.berkeley_type(str(tmp_path / "missing.db")) is None
