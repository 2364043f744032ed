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
                 build_warning="", complain=None):
        self.default_type = default_type
        self.types = types
        self.build_warning = build_warning
        # complain(source path, source text) -> (rc, stderr): what postmap says about a source,
        # for tests where Postfix's words quote the source (as its warnings do).
        self.complain = complain

    def __call__(self, argv):
        tool, args = os.path.basename(argv[0]), argv[1:]
        if args[:1] == ["-c"]:
            args = args[2:]
        if tool == "postconf":
            if args == ["-h", "default_database_type"]:
                return 0, self.default_type + "\n", ""
            if args == ["-m"]:
                return 0, "\n".join(self.types) + "\n", ""
        if tool in ("postmap", "postalias") and self.complain:
            path = args[-1].split(":", 1)[1]
            with open(path, encoding="utf-8") as source:
                rc, err = self.complain(path, source.read())
            return rc, "", err
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


# --- Secrets in failures -------------------------------------------------------------------------
# A secret with what repr() and JSON escape (a quote, a backslash, a tab, a newline, non-ASCII),
# so that a message quoting it escaped would slip past Ansible's masking of the exact value.
SECRET = 'Zq7"Kx\\9\tpässwörd\n"x'
# The same on one line, for the failures that need a value the module accepts.
ONE_LINE_SECRET = SECRET.replace("\n", " ")
KEY = "[smtp.example.net]:587"


def strings(data):
    """Every key and value in a result, as text."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(data, (list, tuple)):
        for item in data:
            yield from strings(item)
    else:
        yield str(data)


def secret_pieces(secret):
    """The secret, its escaped forms, and every piece of it (as given or whitespace-folded, as the
    module writes it) longer than 3 characters."""
    folded = " ".join(secret.split())
    pieces = {secret, folded, repr(secret), repr(secret)[1:-1], json.dumps(secret)[1:-1],
              json.dumps(secret, ensure_ascii=False)[1:-1]}
    for text in (secret, folded):
        pieces.update(text[i:i + 4] for i in range(len(text) - 3))
    return pieces


def assert_hidden(runner, exit_, secret):
    texts = [runner.printed, json.dumps(exit_.result, ensure_ascii=False)] + list(strings(exit_.result)) + runner.logs
    for piece in secret_pieces(secret):
        for text in texts:
            assert piece not in text, "%r shows in %r" % (piece, text)


@pytest.mark.parametrize("secret_entries, secret, message", [
    ({"two words": ONE_LINE_SECRET}, ONE_LINE_SECRET, "entry 0 (key 'two words'): a hash key may not contain whitespace"),
    ({KEY: ONE_LINE_SECRET, "backup": ""}, ONE_LINE_SECRET, "entry 1 (key 'backup'): the value is empty"),
    ({KEY: ONE_LINE_SECRET, "#x": ONE_LINE_SECRET}, ONE_LINE_SECRET, "entry 1 (key '#x'): a key may not be empty"),
    ({"": ONE_LINE_SECRET}, ONE_LINE_SECRET, "entry 0 (key ''): a key may not be empty"),
    ({"a\nb": ONE_LINE_SECRET}, ONE_LINE_SECRET, "entry 0 (key 'a\\nb'): the key holds a line break"),
    ({KEY: SECRET}, SECRET, "entry 0 (key '[smtp.example.net]:587'): the value holds a line break"),
    ({KEY: SECRET.replace("\n", "\r")}, SECRET.replace("\n", "\r"), "the value holds a line break"),
    ({KEY: ["relayuser", SECRET]}, SECRET, "the value holds a line break"),
    ({KEY: ["relayuser", {"password": ONE_LINE_SECRET}]}, ONE_LINE_SECRET, "not a list holding a mapping"),
    ({KEY: {"password": ONE_LINE_SECRET}}, ONE_LINE_SECRET, "not a mapping"),
    ({KEY: ONE_LINE_SECRET + "\ud800"}, ONE_LINE_SECRET, "not valid UTF-8"),
    ([KEY + " " + ONE_LINE_SECRET], ONE_LINE_SECRET, "item 0: list items must be mappings"),
    ([{"key": KEY, "value": ONE_LINE_SECRET, "note": ONE_LINE_SECRET}], ONE_LINE_SECRET, "a mapping with other keys"),
    ([{KEY: ONE_LINE_SECRET}], ONE_LINE_SECRET, "item 0: list items must be mappings"),
    ("%s %s" % (KEY, ONE_LINE_SECRET), ONE_LINE_SECRET, "give a mapping"),
])
def test_refused_secret_entries_are_named_by_index_and_key_only(runner, tmp_path, secret_entries, secret, message):
    runner.respond = FakePostfix()
    path = tmp_path / "sasl_passwd"
    for check_mode in (True, False):
        exit_ = runner.run_json(postmap, dict(path=str(path), secret_entries=secret_entries),
                                check_mode=check_mode, diff=True)
        assert exit_.failed
        assert exit_.result["msg"].startswith("secret_entries: ") and message in exit_.result["msg"]
        assert "Nothing was changed" in exit_.result["msg"]
        assert_hidden(runner, exit_, secret)
    assert sorted(os.listdir(tmp_path)) == ["remote-tmp"]
    assert builds(runner) == []


def echo_source(template, rc=0):
    """A postmap that complains quoting the source's lines, as Postfix's warnings do."""
    def complain(path, text):
        return rc, "".join(template % dict(path=path, line=line, n=n) + "\n"
                           for n, line in enumerate(text.splitlines(), 1))
    return complain


SECRET_COMPLAINTS = [
    echo_source('postmap: warning: %(path)s, line %(n)d: duplicate entry: "%(line)s"'),
    echo_source('postmap: warning: %(path)s, line %(n)d: record %(line)s is odd'),
    echo_source('postmap: fatal: %(path)s, line %(n)d: bad entry: %(line)s', rc=1),
]


# A failed build without a warning line is quoted whole; a lookup's (cidr's) exit status only says
# "not found", so there only warning lines count.
@pytest.mark.parametrize("complain, map_type", [(c, t) for c in SECRET_COMPLAINTS for t in ("hash", "cidr")] + [
    (echo_source('%(line)s', rc=1), "hash")])
def test_postfix_complaints_about_a_secret_table_are_cut_after_the_key(runner, tmp_path, complain, map_type):
    runner.respond = FakePostfix(complain=complain)
    path = tmp_path / "sasl_passwd"
    exit_ = runner.run_json(postmap, dict(path=str(path), type=map_type, secret_entries={KEY: ONE_LINE_SECRET}))
    assert exit_.failed and "nothing was changed" in exit_.result["msg"]
    assert KEY in exit_.result["msg"] and "the rest is hidden" in exit_.result["msg"]
    assert ".hardened-relay-build" not in exit_.result["msg"]
    assert_hidden(runner, exit_, ONE_LINE_SECRET)
    assert sorted(os.listdir(tmp_path)) == ["remote-tmp"]


def test_complaints_about_a_secret_source_without_entries_hide_what_postfix_quotes(runner, tmp_path):
    """With secret=true and the admin's own source, the module knows no key: it cuts at Postfix's quote."""
    runner.respond = FakePostfix(complain=echo_source(
        'postmap: warning: %(path)s, line %(n)d: expected format: key whitespace value: "%(line)s"'))
    path = tmp_path / "sasl_passwd"
    path.write_text("%s %s\n" % (KEY, ONE_LINE_SECRET))
    exit_ = runner.run_json(postmap, dict(path=str(path), secret=True))
    assert exit_.failed
    assert "line 1: expected format: key whitespace value: [the rest is hidden" in exit_.result["msg"]
    assert_hidden(runner, exit_, ONE_LINE_SECRET)
    assert sorted(os.listdir(tmp_path)) == ["remote-tmp", "sasl_passwd"]


def test_complaints_about_an_ordinary_table_are_quoted_whole(runner, tmp_path):
    runner.respond = FakePostfix(complain=echo_source('postmap: warning: %(path)s, line %(n)d: duplicate entry: "%(line)s"'))
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "access"), entries={"a": "REJECT no thanks"}))
    assert exit_.failed
    assert 'postmap: warning: %s, line 1: duplicate entry: "a REJECT no thanks"' % (tmp_path / "access") \
        in exit_.result["msg"]


# --- Every Postfix warning fails -----------------------------------------------------------------
@pytest.mark.parametrize("warning", [
    'postmap: warning: {temp}.db: duplicate entry: "a"',
    "postmap: warning: hash:{temp} is unavailable. open database {temp}.db: Permission denied",
    "postmap: warning: cidr map {temp}, line 1: address 192.0.2.1 has host bits set",
    "postmap: error: {temp}: something Postfix calls an error",
])
def test_any_postmap_warning_fails_in_postfix_words(runner, tmp_path, warning):
    def complain(path, text):
        return 0, warning.format(temp=path) + "\n"

    runner.respond = FakePostfix(complain=complain)
    path = tmp_path / "access"
    exit_ = runner.run(postmap, dict(path=str(path), entries={"a": "OK"}))
    assert exit_.failed and "nothing was changed" in exit_.result["msg"]
    assert warning.format(temp=path) in exit_.result["msg"]
    assert sorted(os.listdir(tmp_path)) == ["remote-tmp"]


def test_postalias_warning_fails(runner, tmp_path):
    def complain(path, text):
        return 0, 'postalias: warning: %s, line 2: duplicate entry: "postmaster"\n' % path

    runner.respond = FakePostfix(complain=complain)
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "aliases"), flavour="postalias", entries={"postmaster": "root"}))
    assert exit_.failed and 'postalias: warning: %s, line 2: duplicate entry: "postmaster"' % (tmp_path / "aliases") \
        in exit_.result["msg"]


# --- Values that would become structure ---------------------------------------------------------
@pytest.mark.parametrize("map_type, entries, message", [
    ("pcre", {"/^Subject: a/\n/^From: b/": "REJECT"}, "entry 0 (key '/^Subject: a/\\n/^From: b/'): the key holds a line break"),
    ("regexp", [{"key": "/a/\r/b/", "value": "OK"}], "entry 0 (key '/a/\\r/b/'): the key holds a line break"),
    ("hash", {"example.net": "OK\nevil.example OK"}, "entry 0 (key 'example.net'): the value holds a line break"),
    ("hash", {"example.net": "OK\r\nevil.example OK"}, "the value holds a line break"),
    ("hash", {"example.net": ["a@example.net", "b@example.net\nevil.example OK"]}, "the value holds a line break"),
    ("pcre", {"/a/": "REJECT\n/b/ OK"}, "the value holds a line break"),
    ("hash", {"example.net": None}, "the value is empty (null)"),
    ("hash", {"example.net": ["a", ""]}, "holding an empty item"),
])
def test_line_breaks_inside_keys_and_values_are_refused(runner, tmp_path, map_type, entries, message):
    runner.respond = FakePostfix()
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "table"), type=map_type, entries=entries))
    assert exit_.failed and exit_.result["msg"].startswith("entries: ") and message in exit_.result["msg"]
    assert sorted(os.listdir(tmp_path)) == ["remote-tmp"]


def test_line_break_in_an_alias_value_is_refused(runner, tmp_path):
    runner.respond = FakePostfix()
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "aliases"), flavour="postalias",
                                     entries={"postmaster": "root\nevil: |/bin/sh"}))
    assert exit_.failed and "entry 0 (key 'postmaster'): the value holds a line break" in exit_.result["msg"]


def test_outer_line_breaks_are_dropped_not_refused(runner, tmp_path):
    """A YAML block scalar ends with a newline: it is outer whitespace, not another line."""
    runner.respond = FakePostfix()
    path = tmp_path / "checks.pcre"
    result = runner.run(postmap, dict(path=str(path), type="pcre", entries={"/^Subject: x/\n": "REJECT no\n"})).result
    assert result["changed"] and path.read_text() == "/^Subject: x/ REJECT no\n"


def test_many_bad_entries_are_listed_up_to_five(runner, tmp_path):
    runner.respond = FakePostfix()
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "x"), entries=dict(("k%d x" % i, "OK") for i in range(8))))
    assert exit_.failed and "entry 4 (key 'k4 x')" in exit_.result["msg"] and "and 3 more" in exit_.result["msg"]


# --- Paths and files: failures, never tracebacks ------------------------------------------------
def test_path_that_is_a_directory(runner, tmp_path):
    runner.respond = FakePostfix()
    (tmp_path / "access").mkdir()
    for entries in ({"a": "OK"}, None):
        exit_ = runner.run(postmap, dict(path=str(tmp_path / "access"), entries=entries))
        assert exit_.failed and exit_.result["msg"].startswith("path: ") and "is a directory" in exit_.result["msg"]
    assert runner.commands == []


def test_path_in_a_missing_directory(runner, tmp_path):
    runner.respond = FakePostfix()
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "missing" / "access"), entries={"a": "OK"}))
    assert exit_.failed and exit_.result["msg"].startswith("path: ")
    assert "the directory %s does not exist; create it first" % (tmp_path / "missing") in exit_.result["msg"]


def test_path_with_a_line_break(runner, tmp_path):
    runner.respond = FakePostfix()
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "acc\ness"), entries={"a": "OK"}))
    assert exit_.failed and exit_.result["msg"].startswith("path: ") and "holds a line break" in exit_.result["msg"]
    assert sorted(os.listdir(tmp_path)) == ["remote-tmp"]


def test_table_path_that_is_a_directory(runner, tmp_path):
    runner.respond = FakePostfix()
    (tmp_path / "access.db").mkdir()
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "access"), entries={"a": "OK"}))
    assert exit_.failed and exit_.result["msg"].startswith("path: ")
    assert "the table %s is not a regular file" % (tmp_path / "access.db") in exit_.result["msg"]


def test_directory_that_is_not_writable(runner, tmp_path, monkeypatch):
    """Tests run as root, who may write anywhere: the directory's refusal is simulated."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **kw: False if p == str(tmp_path) else real_access(p, m, **kw))
    runner.respond = FakePostfix()
    for check_mode in (True, False):
        exit_ = runner.run(postmap, dict(path=str(tmp_path / "access"), entries={"a": "OK"}), check_mode=check_mode)
        assert exit_.failed and exit_.result["msg"].startswith("path: ") and "is not writable" in exit_.result["msg"]
        assert "become: true" in exit_.result["msg"]
    assert builds(runner) == []


def test_write_that_fails_leaves_the_old_table_and_no_leftovers(runner, tmp_path, monkeypatch):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    runner.run(postmap, dict(path=str(path), entries={"a": "OK"}))
    before = (path.read_bytes(), (tmp_path / "access.db").read_bytes())
    real_open = os.open

    def read_only_fs(name, *args, **kwargs):
        if postmap.TEMP_PREFIX in str(name):
            raise OSError(30, "Read-only file system", name)
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_fs)
    exit_ = runner.run(postmap, dict(path=str(path), entries={"a": "REJECT"}))
    monkeypatch.undo()
    assert exit_.failed and exit_.result["msg"].startswith("path: ")
    assert "could not write the new source or table beside %s (Read-only file system)" % path in exit_.result["msg"]
    assert (path.read_bytes(), (tmp_path / "access.db").read_bytes()) == before
    assert sorted(os.listdir(tmp_path)) == ["access", "access.db", "remote-tmp"]


def test_source_that_cannot_be_read(runner, tmp_path, monkeypatch):
    path = tmp_path / "access"
    path.write_text("a OK\n")

    def unreadable(name, *args, **kwargs):
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(postmap, "open", unreadable, raising=False)
    runner.respond = FakePostfix()
    exit_ = runner.run(postmap, dict(path=str(path), entries={"a": "REJECT"}))
    assert exit_.failed and exit_.result["msg"].startswith("path: ")
    assert "cannot read %s (Permission denied)" % path in exit_.result["msg"]


def test_source_that_is_not_utf8_is_refused_not_replaced(runner, tmp_path):
    runner.respond = FakePostfix()
    path = tmp_path / "access"
    path.write_bytes(b"caf\xe9.example REJECT\n")
    exit_ = runner.run_json(postmap, dict(path=str(path), entries={"a": "OK"}), diff=True)
    assert exit_.failed and exit_.result["msg"].startswith("path: ") and "is not UTF-8 text" in exit_.result["msg"]
    assert path.read_bytes() == b"caf\xe9.example REJECT\n"


def test_auto_type_that_this_module_cannot_build(runner, tmp_path):
    runner.respond = FakePostfix(default_type="")
    exit_ = runner.run(postmap, dict(path=str(tmp_path / "access"), entries={"a": "OK"}))
    assert exit_.failed and exit_.result["msg"].startswith("type: ") and "give type explicitly" in exit_.result["msg"]


def test_a_folded_secret_value_is_masked_wherever_postfix_prints_it(runner, tmp_path):
    """The source holds a value whitespace-folded (a tab becomes a blank), which Ansible's masking of
    the value as given does not match; a complaint naming neither key nor quote still hides it."""
    secret = "Kx\\9\tpässwörd"

    def complain(path, text):
        return 0, "postmap: warning: %s, line 1: odd value %s\n" % (path, text.split(None, 1)[1].strip())

    runner.respond = FakePostfix(complain=complain)
    exit_ = runner.run_json(postmap, dict(path=str(tmp_path / "sasl_passwd"), secret_entries={KEY: secret}))
    assert exit_.failed and "odd value ********" in exit_.result["msg"]
    assert_hidden(runner, exit_, secret)
