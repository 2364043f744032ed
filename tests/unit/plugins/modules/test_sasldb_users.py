# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardened.relay.sasldb_users: when a password is set, what is recorded and when, what is never shown."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import hmac
import json
import os
import pwd
import grp

import pytest

from ansible.module_utils import basic
from ansible_collections.hardened.relay.plugins.modules import sasldb_users

REALM = "relay.example.org"
ALICE_PW = "Al1ce-S3cret-pw"
BOB_PW = "B0b-S3cret-pw"
IS_ROOT = os.getuid() == 0


class FakeSasl:
    """sasldblistusers2 and saslpasswd2 over an in-memory {login: password}; set creates the file."""

    def __init__(self, path, state_dir):
        self.path = path
        self.state_dir = state_dir
        self.db = {}
        self.fail = {}          # name -> stderr of a failing saslpasswd2
        self.listing = None     # (rc, out, err) of a failing sasldblistusers2
        self.kwargs = []        # run_command's keyword arguments, per call
        self.recorded_when_set = []

    def recorded(self):
        try:
            with open(os.path.join(self.state_dir, "fingerprints.json")) as handle:
                return json.load(handle)
        except FileNotFoundError:
            return {}

    def __call__(self, argv, **kwargs):
        self.kwargs.append(kwargs)
        tool, args = os.path.basename(argv[0]), argv[1:]
        if tool == "sasldblistusers2":
            assert args == ["-f", self.path] and os.path.exists(self.path)
            if self.listing:
                return self.listing
            return 0, "".join("%s: userPassword\n" % login for login in sorted(self.db)), ""
        assert tool == "saslpasswd2"
        login = "%s@%s" % (args[-1], args[-2])
        if args[0] == "-d":
            assert args[:-1] == ["-d", "-f", self.path, "-u", REALM]
            del self.db[login]
            return 0, "", ""
        assert args[:-1] == ["-p", "-c", "-f", self.path, "-u", REALM]
        self.recorded_when_set.append(login in self.recorded())
        if args[-1] in self.fail:
            return 1, "", self.fail[args[-1]]
        if not os.path.exists(self.path):
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o666 & ~kwargs["umask"]))
        self.db[login] = kwargs["data"]
        return 0, "", ""


@pytest.fixture(name="sasl")
def sasl_fixture(runner, tmp_path, monkeypatch):
    """The fake answers run_command and sees its keyword arguments (the password on stdin)."""
    fake = FakeSasl(str(tmp_path / "sasldb2"), str(tmp_path / "state"))
    original = runner._patch

    def patch():
        original()

        def run_command(self_, argv, **kwargs):
            runner.commands.append(list(argv))
            return fake(list(argv), **kwargs)
        monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)

    runner._patch = patch
    if not IS_ROOT:
        monkeypatch.setattr(sasldb_users, "ROOT_UID", os.getuid())
        monkeypatch.setattr(sasldb_users, "ROOT_GID", os.getgid())
    return fake


def args(sasl, users, **extra):
    result = dict(realm=REALM, users=users, path=sasl.path, state_dir=sasl.state_dir)
    if not IS_ROOT:
        result.update(owner=pwd.getpwuid(os.getuid())[0], group=grp.getgrgid(os.getgid())[0])
    result.update(extra)
    return result


def both(alice=ALICE_PW, bob=BOB_PW):
    return [dict(name="alice", password=alice), dict(name="bob", password=bob)]


def mode(path):
    return os.stat(path).st_mode & 0o7777


def fingerprint(sasl, name, password):
    with open(os.path.join(sasl.state_dir, "fingerprint.key"), "rb") as handle:
        key = handle.read()
    message = b"hardened.relay sasldb v1\0" + ("%s\0%s\0%s" % (REALM, name, password)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def test_first_run_sets_all_and_records_after_saslpasswd2(runner, sasl):
    result = runner.run(sasldb_users, args(sasl, both())).result
    assert result == dict(changed=True, set=["alice", "bob"], removed=[], attributes_changed=False, legacy_removed=0)
    assert sasl.db == {"alice@" + REALM: ALICE_PW, "bob@" + REALM: BOB_PW}
    # No sasldb yet: nobody listed, sasldblistusers2 not run.
    assert [os.path.basename(c[0]) for c in runner.commands] == ["saslpasswd2", "saslpasswd2"]
    assert sasl.recorded_when_set == [False, False]
    # The password on stdin (run_command adds the line break, as the role's command stdin did).
    assert [(k["data"], k["umask"], k.get("binary_data", False)) for k in sasl.kwargs] == [
        (ALICE_PW, 0o077, False), (BOB_PW, 0o077, False)]
    assert all(ALICE_PW not in word and BOB_PW not in word for c in runner.commands for word in c)
    assert mode(sasl.state_dir) == 0o700 and mode(sasl.path) == 0o600
    key = os.path.join(sasl.state_dir, "fingerprint.key")
    assert mode(key) == 0o600 and os.path.getsize(key) == 32
    store = os.path.join(sasl.state_dir, "fingerprints.json")
    assert mode(store) == 0o600
    assert sasl.recorded() == {"alice@" + REALM: fingerprint(sasl, "alice", ALICE_PW),
                               "bob@" + REALM: fingerprint(sasl, "bob", BOB_PW)}
    assert sorted(os.listdir(sasl.state_dir)) == ["fingerprint.key", "fingerprints.json"]


def test_second_run_only_lists(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    runner.commands.clear()
    result = runner.run(sasldb_users, args(sasl, both()), diff=True).result
    assert result == dict(changed=False, set=[], removed=[], attributes_changed=False, legacy_removed=0)
    assert runner.commands == [["/usr/sbin/sasldblistusers2", "-f", sasl.path]]


def test_changed_password_is_set(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    result = runner.run(sasldb_users, args(sasl, both(alice="N3w-alice-pw"))).result
    assert result["changed"] and result["set"] == ["alice"]
    assert sasl.db["alice@" + REALM] == "N3w-alice-pw"
    assert sasl.recorded_when_set[-1] is False  # forgotten before saslpasswd2 ran
    assert sasl.recorded()["alice@" + REALM] == fingerprint(sasl, "alice", "N3w-alice-pw")


def test_user_deleted_from_sasldb_is_set_again(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    del sasl.db["bob@" + REALM]
    result = runner.run(sasldb_users, args(sasl, both())).result
    assert result["set"] == ["bob"] and sasl.db["bob@" + REALM] == BOB_PW


def test_lost_sasldb_sets_all(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    os.unlink(sasl.path)
    sasl.db.clear()
    runner.commands.clear()
    result = runner.run(sasldb_users, args(sasl, both())).result
    assert result["set"] == ["alice", "bob"]
    assert [os.path.basename(c[0]) for c in runner.commands] == ["saslpasswd2", "saslpasswd2"]


def test_user_of_another_realm_does_not_count(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    del sasl.db["bob@" + REALM]
    sasl.db["bob@other.example.org"] = "x"
    assert runner.run(sasldb_users, args(sasl, both())).result["set"] == ["bob"]


def test_lost_or_short_key_sets_all(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    with open(os.path.join(sasl.state_dir, "fingerprint.key"), "wb") as handle:
        handle.write(b"short")
    assert runner.run(sasldb_users, args(sasl, both())).result["set"] == ["alice", "bob"]
    assert os.path.getsize(os.path.join(sasl.state_dir, "fingerprint.key")) == 32
    assert runner.run(sasldb_users, args(sasl, both())).result["changed"] is False


def test_absent_user_is_removed_and_forgotten(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    sasl.db["eve@" + REALM] = "not managed"
    users = [dict(name="alice", password=ALICE_PW), dict(name="bob", state="absent")]
    result = runner.run(sasldb_users, args(sasl, users)).result
    assert result == dict(changed=True, set=[], removed=["bob"], attributes_changed=False, legacy_removed=0)
    assert sorted(sasl.db) == ["alice@" + REALM, "eve@" + REALM]
    assert list(sasl.recorded()) == ["alice@" + REALM]
    runner.commands.clear()
    assert runner.run(sasldb_users, args(sasl, users)).result["changed"] is False
    assert len(runner.commands) == 1


def test_fingerprint_of_an_absent_unlisted_user_is_forgotten_quietly(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    del sasl.db["bob@" + REALM]
    users = [dict(name="alice", password=ALICE_PW), dict(name="bob", state="absent")]
    result = runner.run(sasldb_users, args(sasl, users)).result
    assert result["changed"] is False and result["removed"] == []
    assert list(sasl.recorded()) == ["alice@" + REALM]


def test_failed_saslpasswd2_names_the_user_records_nothing_and_is_retried(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    sasl.fail["bob"] = "saslpasswd2: generic failure\n"
    exit_ = runner.run_json(sasldb_users, args(sasl, both(alice="N3w-alice-pw", bob="N3w-bob-pw")))
    assert exit_.failed
    msg = exit_.result["msg"]
    assert msg.startswith("users[1] (bob): saslpasswd2 could not set the password in %s" % sasl.path)
    assert "saslpasswd2: generic failure" in msg and "next run sets it again" in msg
    assert exit_.result["set"] == ["alice"] and exit_.result["changed"] is True
    assert "N3w-bob-pw" not in runner.printed and BOB_PW not in runner.printed
    assert "bob@" + REALM not in sasl.recorded()
    del sasl.fail["bob"]
    result = runner.run(sasldb_users, args(sasl, both(alice="N3w-alice-pw", bob="N3w-bob-pw"))).result
    assert result["set"] == ["bob"] and sasl.db["bob@" + REALM] == "N3w-bob-pw"


def test_check_mode_writes_nothing_and_reports_what_a_real_run_does(runner, sasl, tmp_path):
    result = runner.run(sasldb_users, args(sasl, both()), check_mode=True).result
    assert result == dict(changed=True, set=["alice", "bob"], removed=[], attributes_changed=False, legacy_removed=0)
    assert sorted(os.listdir(tmp_path)) == ["remote-tmp"] and runner.commands == []
    runner.run(sasldb_users, args(sasl, both()))
    before = {name: open(os.path.join(sasl.state_dir, name), "rb").read() for name in os.listdir(sasl.state_dir)}
    os.chmod(sasl.path, 0o644)
    runner.commands.clear()
    users = [dict(name="alice", password="N3w-alice-pw"), dict(name="bob", state="absent")]
    result = runner.run(sasldb_users, args(sasl, users), check_mode=True).result
    assert result == dict(changed=True, set=["alice"], removed=["bob"], attributes_changed=True, legacy_removed=0)
    assert [os.path.basename(c[0]) for c in runner.commands] == ["sasldblistusers2"]
    assert {name: open(os.path.join(sasl.state_dir, name), "rb").read() for name in os.listdir(sasl.state_dir)} \
        == before
    assert mode(sasl.path) == 0o644 and len(sasl.db) == 2
    assert runner.run(sasldb_users, args(sasl, users)).result == result


def test_check_mode_without_key_would_set_everyone(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    os.unlink(os.path.join(sasl.state_dir, "fingerprint.key"))
    result = runner.run(sasldb_users, args(sasl, both()), check_mode=True).result
    assert result["set"] == ["alice", "bob"]
    assert not os.path.exists(os.path.join(sasl.state_dir, "fingerprint.key"))


def test_diff_lists_the_realm_users_and_never_a_password(runner, sasl):
    first = runner.run(sasldb_users, args(sasl, both()), diff=True).result["diff"]
    assert first["before"] == ""
    assert first["after"] == "alice@%s (password set)\nbob@%s (password set)\n" % (REALM, REALM)
    sasl.db["eve@" + REALM] = "not managed"
    os.chmod(sasl.path, 0o640)
    users = [dict(name="alice", password="N3w-alice-pw"), dict(name="bob", state="absent"),
             dict(name="carol", password="C4rol-pw")]
    diff = runner.run(sasldb_users, args(sasl, users), diff=True).result["diff"]
    assert diff["before"] == "alice@{0}\nbob@{0}\neve@{0}\nsasldb {1}: mode 0640\n".format(REALM, sasl.path)
    assert diff["after"] == ("alice@{0} (password set)\ncarol@{0} (password set)\neve@{0}\nsasldb {1}: mode 0600\n"
                             .format(REALM, sasl.path))
    assert "diff" not in runner.run(sasldb_users, args(sasl, users), diff=True).result


@pytest.mark.skipif(not IS_ROOT, reason="changing a file's owner needs root")
def test_attributes_are_enforced_when_no_user_changed(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    os.chown(sasl.path, 1, 1)
    os.chmod(sasl.path, 0o640)
    result = runner.run(sasldb_users, args(sasl, both()), diff=True).result
    assert result == dict(changed=True, set=[], removed=[], attributes_changed=True, legacy_removed=0, diff=result["diff"])
    assert result["diff"]["before"].endswith("sasldb %s: mode 0640 owner %s group %s\n"
                                             % (sasl.path, pwd.getpwuid(1)[0], grp.getgrgid(1)[0]))
    assert result["diff"]["after"].endswith("sasldb %s: mode 0600 owner root group root\n" % sasl.path)
    st = os.stat(sasl.path)
    assert (st.st_uid, st.st_gid, mode(sasl.path)) == (0, 0, 0o600)
    assert runner.run(sasldb_users, args(sasl, both())).result["changed"] is False


def test_password_and_fingerprint_never_leave_the_module(runner, sasl):
    for check_mode in (True, False, True, False):
        exit_ = runner.run_json(sasldb_users, args(sasl, both()), check_mode=check_mode, diff=True)
        assert not exit_.failed
        secrets = [ALICE_PW, BOB_PW]
        if os.path.exists(os.path.join(sasl.state_dir, "fingerprint.key")):
            secrets += [fingerprint(sasl, "alice", ALICE_PW), fingerprint(sasl, "bob", BOB_PW)]
            with open(os.path.join(sasl.state_dir, "fingerprint.key"), "rb") as handle:
                key = handle.read()
            secrets += [key.hex(), repr(key)[2:-1]]
        for secret in secrets:
            assert secret not in runner.printed
            assert not any(secret in line for line in runner.logs)
    assert "invocation" in exit_.result and exit_.result["changed"] is False


@pytest.mark.parametrize("spoil, problem", [
    (lambda s: os.chmod(s.state_dir, 0o755), "is mode 0755, open to group or others"),
    (lambda s: os.chmod(os.path.join(s.state_dir, "fingerprint.key"), 0o640), "is mode 0640"),
    (lambda s: os.chmod(os.path.join(s.state_dir, "fingerprints.json"), 0o604), "is mode 0604"),
    (lambda s: (os.rename(s.state_dir, s.state_dir + ".real"), os.symlink(s.state_dir + ".real", s.state_dir)),
     "is not a directory (it may not be a symbolic link)"),
    (lambda s: (os.rename(os.path.join(s.state_dir, "fingerprint.key"), s.state_dir + ".key"),
                os.symlink(s.state_dir + ".key", os.path.join(s.state_dir, "fingerprint.key"))),
     "fingerprint.key is not a file"),
])
def test_insecure_state_is_refused(runner, sasl, spoil, problem):
    runner.run(sasldb_users, args(sasl, both()))
    spoil(sasl)
    runner.commands.clear()
    for check_mode in (True, False):
        exit_ = runner.run(sasldb_users, args(sasl, both(alice="N3w-alice-pw")), check_mode=check_mode)
        assert exit_.failed and exit_.result["msg"].startswith("state_dir: ")
        assert problem in exit_.result["msg"] and "Nothing was changed" in exit_.result["msg"]
    assert runner.commands == [] and sasl.db["alice@" + REALM] == ALICE_PW


@pytest.mark.skipif(not IS_ROOT, reason="changing a file's owner needs root")
def test_state_not_owned_by_root_is_refused(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    os.chown(os.path.join(sasl.state_dir, "fingerprint.key"), 1000, 0)
    exit_ = runner.run(sasldb_users, args(sasl, both()))
    assert exit_.failed and "fingerprint.key is owned by uid 1000, not root" in exit_.result["msg"]


@pytest.mark.parametrize("realm", ["", "relay example.org", "relay/example", "a@relay.example.org", "relay\x01"])
def test_bad_realm_is_refused(runner, sasl, realm):
    exit_ = runner.run(sasldb_users, args(sasl, both(), realm=realm))
    assert exit_.failed and exit_.result["msg"].startswith("realm: ")
    assert runner.commands == []


@pytest.mark.parametrize("users, message", [
    ([dict(name="", password=ALICE_PW)], "users[0] ('').name: is empty"),
    ([dict(name="al ice", password=ALICE_PW)], "users[0] ('al ice').name: holds ' '"),
    ([dict(name="al/ice", password=ALICE_PW)], "holds '/'"),
    ([dict(name="alice@example.org", password=ALICE_PW)], "holds '@'"),
    ([dict(name="al:ice", password=ALICE_PW)], "holds ':'"),
    ([dict(name="al\tice", password=ALICE_PW)], "holds '\\t'"),
    ([dict(name="-d", password=ALICE_PW)], "starts with '-'"),
    (both() + [dict(name="alice", state="absent")], "users[2] (alice).name: users[0] has this name too"),
    ([dict(name="alice")], "users[0] (alice).password: is missing"),
    ([dict(name="alice", password="")], "users[0] (alice).password: is empty"),
    ([dict(name="alice", password=ALICE_PW + "\nx")], "users[0] (alice).password: holds a line break"),
    ([dict(name="alice", password="\r" + ALICE_PW)], "users[0] (alice).password: holds a line break"),
])
def test_bad_users_are_refused_without_showing_passwords(runner, sasl, users, message):
    exit_ = runner.run_json(sasldb_users, args(sasl, users))
    assert exit_.failed and exit_.result["msg"].startswith("users: ") and message in exit_.result["msg"]
    assert ALICE_PW not in runner.printed and runner.commands == []


def test_absent_user_needs_no_password(runner, sasl):
    result = runner.run(sasldb_users, args(sasl, [dict(name="bob", state="absent")])).result
    assert result == dict(changed=False, set=[], removed=[], attributes_changed=False, legacy_removed=0)
    assert not os.path.exists(sasl.state_dir)


def test_failing_listing_fails_naming_path(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    sasl.listing = (1, "", "listusers failed\n")
    exit_ = runner.run(sasldb_users, args(sasl, both()))
    assert exit_.failed and exit_.result["msg"].startswith("path: sasldblistusers2 could not list")
    assert "listusers failed" in exit_.result["msg"]


def test_missing_sasldb_directory_is_refused(runner, sasl, tmp_path):
    exit_ = runner.run(sasldb_users, args(sasl, both(), path=str(tmp_path / "missing" / "sasldb2")))
    assert exit_.failed and "the directory %s does not exist" % (tmp_path / "missing") in exit_.result["msg"]
    assert not os.path.exists(sasl.state_dir)


def test_the_earlier_unkeyed_fingerprint_files_are_removed(runner, sasl):
    runner.run(sasldb_users, args(sasl, both()))
    legacy = os.path.join(sasl.state_dir, "alice@" + REALM)
    with open(legacy, "w") as handle:
        handle.write("0123abcd\n")
    preview = runner.run(sasldb_users, args(sasl, both()), check_mode=True).result
    assert (preview["changed"], preview["legacy_removed"]) == (True, 1) and os.path.exists(legacy)
    result = runner.run(sasldb_users, args(sasl, both())).result
    assert (result["changed"], result["legacy_removed"], result["set"]) == (True, 1, [])
    assert not os.path.exists(legacy)
    assert runner.run(sasldb_users, args(sasl, both())).result["changed"] is False
