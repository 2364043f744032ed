# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardened.relay.postmap: when it builds, how it builds beside the live table, what it never shows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.hardened.relay.plugins.modules import postmap

HASH_MAGIC = b"\0" * 12 + b"\x61\x15\x06\x00"
BTREE_MAGIC = b"\0" * 12 + b"\x62\x31\x05\x00"


class FakePostfix:
    """postconf answers; postmap/postalias "build" by writing a table holding the source's text."""

    def __init__(self, default_type="hash", types=("btree", "cidr", "hash", "lmdb", "pcre", "texthash"),
                 build_warning=""):
        self.default_type = default_type
        self.types = types
        self.build_warning = build_warning

    def __call__(self, argv):
        tool, args = os.path.basename(argv[0]), argv[1:]
        if args[:1] == ["-c"]:
            args = args[2:]
        if tool == "postconf":
            if args == ["-h", "default_database_type"]:
                return 0, self.default_type + "\n", ""
            if args == ["-m"]:
                return 0, "\n".join(self.types) + "\n", ""
        if tool in ("postmap", "postalias") and args[0] == "-q":
            return 1, "", self.build_warning
        if tool in ("postmap", "postalias"):
            map_type, path = args[0].split(":", 1)
            if self.build_warning:
                return 0, "", self.build_warning
            with open(path, "rb") as source:
                data = source.read()
            suffix = {"hash": ".db", "btree": ".db", "lmdb": ".lmdb"}[map_type]
            with open(path + suffix, "wb") as table:
                table.write((BTREE_MAGIC if map_type == "btree" else HASH_MAGIC) + data)
            return 0, "", ""
        raise AssertionError("unexpected command %r" % argv)


def builds(runner):
    """Build commands, without the -c option the module adds on a machine without main.cf."""
    commands = [c[:1] + c[3:] if c[1:2] == ["-c"] else c for c in runner.commands]
    return [c for c in commands if os.path.basename(c[0]) in ("postmap", "postalias") and c[1] != "-q"]


def test_entries_write_source_and_build_beside_then_move(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "sender_access"
    result = runner.run(postmap, dict(path=str(path), entries={"spam@example.com": "REJECT", "example.net": "OK"}),
                        diff=True).result
    assert result["changed"] and result["source_changed"] and result["rebuilt"]
    assert result["map_type"] == "hash" and result["lookup"] == "hash:%s" % path
    assert path.read_text() == "spam@example.com REJECT\nexample.net OK\n"
    built = builds(runner)
    assert len(built) == 1
    # Built under a temporary name in the same directory, never in place.
    assert built[0][1].startswith("hash:%s/.hardened-relay-build.sender_access." % tmp_path)
    assert (tmp_path / "sender_access.db").read_bytes().endswith(path.read_bytes())
    assert sorted(os.listdir(tmp_path)) == ["remote-tmp", "sender_access", "sender_access.db"]
    assert result["diff"]["after"] == "spam@example.com REJECT\nexample.net OK\n"


def test_current_table_is_not_rebuilt(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    args = dict(path=str(path), entries={"a": "OK"})
    runner.run(postmap, args)
    runner.commands.clear()
    result = runner.run(postmap, args).result
    assert result["changed"] is False and result["rebuilt"] is False
    assert builds(runner) == []


def test_changed_entries_rebuild_once(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    runner.run(postmap, dict(path=str(path), entries={"a": "OK"}))
    changed = runner.run(postmap, dict(path=str(path), entries={"a": "OK", "b": "REJECT"})).result
    again = runner.run(postmap, dict(path=str(path), entries={"a": "OK", "b": "REJECT"})).result
    assert changed["rebuilt"] and changed["source_changed"]
    assert again["changed"] is False and again["rebuilt"] is False


def test_source_newer_than_table_is_rebuilt(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    path.write_text("a OK\n")
    (tmp_path / "access.db").write_bytes(HASH_MAGIC)
    os.utime(tmp_path / "access.db", ns=(1, 1))
    result = runner.run(postmap, dict(path=str(path))).result
    assert result["rebuilt"] is True and result["source_changed"] is False
    assert path.read_text() == "a OK\n"


def test_table_of_another_berkeley_type_is_rebuilt(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    runner.run(postmap, dict(path=str(path), type="btree", entries={"a": "OK"}))
    result = runner.run(postmap, dict(path=str(path), type="hash")).result
    assert result["rebuilt"] is True


def test_check_mode_writes_nothing(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    result = runner.run(postmap, dict(path=str(path), entries={"a": "OK"}), check_mode=True).result
    assert result["changed"] and result["rebuilt"]
    assert sorted(os.listdir(tmp_path)) == ["remote-tmp"]
    assert builds(runner) == []


def test_postmap_warning_fails_and_leaves_the_old_table(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    runner.run(postmap, dict(path=str(path), entries={"a": "OK"}))
    old_table = (tmp_path / "access.db").read_bytes()
    runner.respond = FakePostfix(build_warning="postmap: warning: %s/.x, line 1: record is in \"key: value\" format\n"
                                 % tmp_path)
    exit_ = runner.run(postmap, dict(path=str(path), entries={"a": "OK", "b": "REJECT"}))
    assert exit_.failed and "nothing was changed" in exit_.result["msg"]
    assert path.read_text() == "a OK\n"
    assert (tmp_path / "access.db").read_bytes() == old_table
    assert sorted(os.listdir(tmp_path)) == ["access", "access.db", "remote-tmp"]


def test_unsupported_type_is_refused_clearly(runner, tmp_path):
    runner.respond = FakePostfix(types=("cidr", "hash"))
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "x"), type="lmdb", entries={"a": "OK"}))
    assert exit_.failed
    assert "does not support 'lmdb' tables" in exit_.result["msg"]
    assert "postfix-lmdb" in exit_.result["msg"]


def test_auto_uses_default_database_type(runner, tmp_path):
    runner.respond = FakePostfix(default_type="lmdb")
    result = runner.run(postmap, dict(path=str(tmp_path / "x"), entries={"a": "OK"})).result
    assert result["map_type"] == "lmdb" and result["table"].endswith("x.lmdb")


def test_cidr_is_not_built_but_parsed(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "clients.cidr"
    result = runner.run(postmap, dict(path=str(path), type="cidr", entries=[
        {"key": "192.0.2.66/32", "value": "REJECT"}, {"key": "192.0.2.0/24", "value": "OK"}])).result
    assert result["rebuilt"] is False and result["table"] == str(path)
    assert builds(runner) == []
    assert [c[-3] for c in runner.commands if os.path.basename(c[0]) == "postmap"] == ["-q"]
    assert path.read_text() == "192.0.2.66/32 REJECT\n192.0.2.0/24 OK\n"


def test_cidr_that_postfix_rejects_changes_nothing(runner, tmp_path):
    runner.respond = FakePostfix(build_warning="postmap: warning: cidr map x, line 1: bad mask length\n")
    path = tmp_path / "clients.cidr"
    exit_ = runner.run(postmap, dict(path=str(path), type="cidr", entries={"192.0.2.0/33": "REJECT"}))
    assert exit_.failed and "bad mask length" in exit_.result["msg"]
    assert not path.exists()


def test_secret_entries_are_0600_and_never_shown(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "sasl_passwd"
    result = runner.run(postmap, dict(path=str(path), secret_entries={"[smtp.example.net]:587": "user:Pa55word"}),
                        diff=True).result
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(str(path) + ".db").st_mode & 0o777) == "0o600"
    assert "Pa55word" not in json.dumps(result)
    assert result["diff"]["after"] == "[smtp.example.net]:587 ********\n"


def test_secret_entries_stay_out_of_the_printed_result_and_the_logs(runner, tmp_path):
    """What the controller receives (invocation included) and what the module logs."""
    runner.respond = FakePostfix()
    path = tmp_path / "sasl_passwd"
    for check_mode in (True, False):
        exit_ = runner.run_json(postmap, dict(path=str(path), secret_entries={"[smtp.example.net]:587": "user:Pa55word"}),
                                check_mode=check_mode, diff=True)
        assert not exit_.failed and exit_.result["changed"] is True
        assert "invocation" in exit_.result
        assert "Pa55word" not in json.dumps(exit_.result)
    assert runner.logs and not any("Pa55word" in line for line in runner.logs)
    assert "user:Pa55word" in path.read_text()


@pytest.mark.parametrize("entries", [
    {"[smtp.example.net]:587": "user:Pa55word", "[backup.example.net]:587": 4242421337},
    [{"key": "[smtp.example.net]:587", "value": "user:Pa55word"},
     {"key": "[backup.example.net]:587", "value": 4242421337}],
])
def test_secret_with_entries_is_refused_without_showing_them(runner, tmp_path, entries):
    runner.respond = FakePostfix()
    path = tmp_path / "sasl_passwd"
    for check_mode in (True, False):
        exit_ = runner.run_json(postmap, dict(path=str(path), secret=True, entries=entries),
                                check_mode=check_mode, diff=True)
        assert exit_.failed
        assert "give these entries as secret_entries" in exit_.result["msg"]
        assert "invocation" in exit_.result
        printed = json.dumps(exit_.result)
        assert "Pa55word" not in printed and "4242421337" not in printed
    assert runner.commands == []
    assert os.listdir(tmp_path) == ["remote-tmp"]


def test_entries_without_secret_are_still_shown(runner, tmp_path):
    """The refusal is about secret=true only: ordinary tables keep their visible arguments and diff."""
    runner.respond = FakePostfix()
    exit_ = runner.run_json(postmap, dict(path=str(tmp_path / "access"), entries={"example.net": "REJECT spam"}),
                            diff=True)
    assert not exit_.failed
    assert exit_.result["invocation"]["module_args"]["entries"] == {"example.net": "REJECT spam"}
    assert exit_.result["diff"]["after"] == "example.net REJECT spam\n"


def test_secret_without_entries_builds_the_given_source_as_0600(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "sasl_passwd"
    path.write_text("[smtp.example.net]:587 user:Pa55word\n")
    result = runner.run(postmap, dict(path=str(path), secret=True)).result
    assert result["rebuilt"] is True
    assert oct(os.stat(str(path) + ".db").st_mode & 0o777) == "0o600"


def test_check_mode_reports_a_mode_change_without_making_it(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    runner.run(postmap, dict(path=str(path), entries={"a": "OK"}, mode="0644"))
    result = runner.run(postmap, dict(path=str(path), entries={"a": "OK"}, mode="0640"), check_mode=True).result
    assert result["changed"] is True and result["rebuilt"] is False
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    assert oct(os.stat(str(path) + ".db").st_mode & 0o777) == "0o644"


def test_postalias_flavour(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "aliases"
    result = runner.run(postmap, dict(path=str(path), flavour="postalias", entries={"postmaster": "root"})).result
    assert result["rebuilt"]
    assert os.path.basename(builds(runner)[0][0]) == "postalias"
    assert path.read_text() == "postmaster: root\n"


def test_missing_source_without_entries(runner, tmp_path):
    runner.respond = FakePostfix()
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "nothing")))
    assert exit_.failed and "does not exist; create it or give entries" in exit_.result["msg"]


def test_leftovers_of_a_killed_build_are_removed(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    runner.run(postmap, dict(path=str(path), entries={"a": "OK"}))
    (tmp_path / ".hardened-relay-build.access.999").write_text("a OK\n")
    (tmp_path / ".hardened-relay-build.access.999.db").write_bytes(b"partial")
    runner.run(postmap, dict(path=str(path), entries={"a": "OK"}))
    assert sorted(os.listdir(tmp_path)) == ["access", "access.db", "remote-tmp"]


@pytest.mark.parametrize("entries, message", [
    ({"two words": "OK"}, "may not contain whitespace"),
    ({"a": ""}, "the value is empty"),
])
def test_bad_entries_name_the_variable(runner, tmp_path, entries, message):
    runner.respond = FakePostfix()
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "x"), entries=entries))
    assert exit_.failed and exit_.result["msg"].startswith("entries: ") and message in exit_.result["msg"]
