# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardened.relay.postfix_apply: one transaction over a fake host. The live configuration lives in a
temporary directory; postconf, postmap, postfix, systemctl, journalctl and ip are answered by
FakePostfix, which edits master.cf, builds tables and runs (or fails to run) the live main.cf."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import socketserver
import sys
import threading

import pytest

from ansible_collections.hardened.relay.plugins.module_utils.postfix import logical_lines, parse_main_cf
from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import MASK, render_source
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard, transaction
from ansible_collections.hardened.relay.plugins.modules import postfix_apply

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "module_utils"))
from relay_config_vars import validated  # noqa: E402  pylint: disable=wrong-import-position

# A distinctive secret: the password, and the whole user:password value, must never be shown.
USER, PASSWORD = "relayuser-q7", "Zebra-S3cret-7781"
SECRET = "%s:%s" % (USER, PASSWORD)
RELAYHOST = "[smtp.example.net]:587"
HASH_MAGIC = b"\0" * 12 + b"\x61\x15\x06\x00"
DEBIAN_MASTER_CF = """# Postfix master process configuration file.
# ==========================================================================
# service type  private unpriv  chroot  wakeup  maxproc command + args
# ==========================================================================
smtp      inet  n       -       y       -       -       smtpd
#submission inet n       -       y       -       -       smtpd
#  -o syslog_name=postfix/submission
pickup    unix  n       -       y       60      1       pickup
cleanup   unix  n       -       y       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
"""
UNRUNNABLE = "192.0.2.99"


class FakePostfix:
    """Answers the module's commands as a host with Postfix 3.7 would, on the files in the test's
    directories. Postfix runs a live main.cf unless it listens on UNRUNNABLE."""

    def __init__(self, config_dir, running=False):
        self.config_dir = config_dir
        self.running = running
        self.journal = []
        self.addresses = ["127.0.0.1", "::1"]
        # complain(source path, source text) -> stderr of postmap, for tables Postfix warns about.
        self.complain = lambda path, text: ""

    def __call__(self, argv):
        tool, args = os.path.basename(argv[0]), argv[1:]
        directory = self.config_dir
        if args[:1] == ["-c"]:
            directory, args = args[1], args[2:]
        handler = getattr(self, "_" + tool.replace("-", "_"), None)
        if handler is None:
            raise AssertionError("unexpected command %r" % argv)
        return handler(directory, args)

    # -- postconf ------------------------------------------------------------------------------
    def _postconf(self, directory, args):
        if args == ["-d", "mail_version", "default_database_type"]:
            return 0, "mail_version = 3.7.11\ndefault_database_type = hash\n", ""
        if args == ["-n"]:
            main = parse_main_cf(read(os.path.join(directory, "main.cf")))
            warnings = "".join("postconf: warning: %s/main.cf: unused parameter: %s=%s\n" % (directory, name, value)
                               for name, value in main.items() if name.startswith("bogus"))
            return 0, "".join("%s = %s\n" % item for item in main.items()), warnings
        if args == ["-M"]:
            return 0, read(os.path.join(directory, "master.cf")), ""
        if args[:1] == ["-h"]:
            main = parse_main_cf(read(os.path.join(directory, "main.cf")))
            return 0, "".join(main.get(name, "all") + "\n" for name in args[1:]), ""
        if args[:1] in (["-M"], ["-MX"]):
            self._edit_master(os.path.join(directory, "master.cf"), args[0], args[1:])
            return 0, "", ""
        raise AssertionError("unexpected postconf %r" % args)

    @staticmethod
    def _edit_master(path, flag, entries):
        lines = read(path).splitlines(True)
        for entry in entries:
            key, dummy, line = entry.partition("=")
            kept, skipping = [], False
            for text in lines:
                words = text.split()
                if text[:1].isspace() and skipping:
                    continue
                skipping = len(words) >= 2 and not text.startswith("#") and "%s/%s" % tuple(words[:2]) == key
                if not skipping:
                    kept.append(text)
            lines = kept + ([" ".join(line.split()) + "\n"] if flag == "-M" else [])
        with open(path, "w") as handle:
            handle.write("".join(lines))

    # -- postmap -------------------------------------------------------------------------------
    def _postmap(self, directory, args):
        probe = args[:1] == ["-q"]
        map_type, path = args[-1].split(":", 1)
        text = read(path)
        warnings = self.complain(path, text)
        keys = [line.split()[0] for line in logical_lines(text)]
        warnings += "".join('postmap: warning: %s.db: duplicate entry: "%s"\n' % (path, key)
                            for index, key in enumerate(keys) if key in keys[:index])
        if probe:
            return 1, "", warnings
        with open(path + {"hash": ".db", "btree": ".db", "lmdb": ".lmdb", "cdb": ".cdb"}[map_type], "wb") as table:
            table.write(HASH_MAGIC + text.encode())
        return 0, "", warnings

    _postalias = _postmap

    # -- running Postfix -----------------------------------------------------------------------
    def _start(self):
        main = parse_main_cf(read(os.path.join(self.config_dir, "main.cf")))
        if main.get("inet_interfaces") == UNRUNNABLE:
            self.running = False
            self.journal.append("postfix/master[1234]: fatal: parameter inet_interfaces: no local interface found for "
                                "%s" % UNRUNNABLE)
            # A secret may show up in what Postfix logs; the module must hide it there too.
            self.journal.append("postfix/smtp[99]: warning: SASL authentication failure for %s" % SECRET)
        else:
            self.running = True

    def _postfix(self, directory, args):
        if args == ["status"]:
            if self.running:
                return 0, "", ""
            return 1, "", "postfix/postfix-script: fatal: the Postfix mail system is not running\n"
        raise AssertionError("unexpected postfix %r" % args)

    def _systemctl(self, directory, args):
        action, unit = args
        assert unit == "postfix"
        if action == "restart":
            self._start()
        elif action == "reload":
            if not self.running:
                return 1, "", "postfix.service is not active, cannot reload.\n"
            self._start()
        elif action == "stop":
            self.running = False
        return 0, "", ""

    def _journalctl(self, directory, args):
        assert args[:2] == ["--since", args[1]] and "SYSLOG_FACILITY=2" in args
        return 0, "".join(line + "\n" for line in self.journal + self.journal[:1]), ""

    # -- the stranger's address ----------------------------------------------------------------
    def _ip(self, directory, args):
        if args == ["-j", "address", "show"]:
            return 0, json.dumps([dict(ifname="lo", addr_info=[dict(local=a) for a in self.addresses])]), ""
        if args[:2] == ["address", "add"]:
            self.addresses.append(args[2].split("/")[0])
            return 0, "", ""
        if args[:2] == ["address", "del"]:
            self.addresses.remove(args[2].split("/")[0])
            return 0, "", ""
        raise AssertionError("unexpected ip %r" % args)


def read(path):
    with open(path) as handle:
        return handle.read()


class Host:
    """The test's host: its directories, the fake Postfix, and how to run the module on it."""

    def __init__(self, runner, tmp_path, monkeypatch):
        self.runner = runner
        self.root = tmp_path / "host"
        self.config_dir = self.root / "etc" / "postfix"
        self.config_dir.mkdir(parents=True)
        (self.config_dir / "master.cf").write_text(DEBIAN_MASTER_CF)
        self.fake = FakePostfix(str(self.config_dir))
        runner.respond = self.fake
        (tmp_path / "systemd").mkdir()
        monkeypatch.setattr(transaction, "SYSTEMD_RUNTIME", str(tmp_path / "systemd"))
        monkeypatch.setattr(transaction, "RETRY_SECONDS", 0.01)

    def config(self, hand=None, **changes):
        """The role's model for the variables, post-processed as the postfix_config action does, with
        every /etc/postfix path moved into the test's directory."""
        variables, errors = validated(**dict(dict(postfix_relayhost=RELAYHOST, postfix_relayhost_username=USER,
                                                  postfix_relayhost_password=PASSWORD,
                                                  postfix_transport={"example.com": "smtp:[mx.example.com]"},
                                                  postfix_sasl_enabled=True, postfix_header_privacy=False), **changes))
        assert errors == []
        config, problems = guard.judge(variables)
        assert problems == []
        if hand:
            hand(config)
        config["listeners"] = []
        config["postconf_services"] = [dict((k, v) for k, v in s.items() if k != "origin") for s in config["master_cf"]]
        for table in config["tables"]:
            if table["secret"]:
                table["entries"] = [[key, MASK] for key, dummy in table["entries"]]
        moved = json.dumps(config).replace("/etc/postfix", str(self.config_dir))
        return json.loads(moved.replace('"/etc/aliases"', json.dumps(str(self.root / "etc" / "aliases"))))

    def args(self, config, **extra):
        args = dict(config=config, managed_comment="Ansible managed", config_dir=str(self.config_dir),
                    stage_dir=str(self.root / "var" / "stage"), previous_dir=str(self.root / "var" / "previous"),
                    secret_entries={str(self.config_dir / "maps" / "sasl_passwd"): {RELAYHOST: SECRET}}, timeout=1)
        args.update(extra)
        return args

    def run(self, config, check_mode=False, diff=True, **extra):
        self.runner.commands.clear()
        return self.runner.run(postfix_apply, self.args(config, **extra), check_mode=check_mode, diff=diff)

    def run_json(self, config, check_mode=False, diff=True, **extra):
        self.runner.commands.clear()
        return self.runner.run_json(postfix_apply, self.args(config, **extra), check_mode=check_mode, diff=diff)

    def snapshot(self):
        """Every file and directory of the host: bytes (as a checksum), mode and modification time."""
        found = {}
        for directory, dirs, files in os.walk(str(self.root)):
            for name in dirs + files:
                path = os.path.join(directory, name)
                status = os.lstat(path)
                digest = None if os.path.isdir(path) else hashlib.sha256(open(path, "rb").read()).hexdigest()
                found[os.path.relpath(path, str(self.root))] = (digest, oct(status.st_mode), status.st_mtime_ns)
        return found

    def live(self):
        """Checksums of the live files only (/etc)."""
        return dict((path, facts[0]) for path, facts in self.live_files().items())

    def live_files(self):
        """The live files (/etc) with checksum, mode and time; directories' times change with their entries."""
        return dict((path, facts) for path, facts in self.snapshot().items() if path.startswith("etc") and facts[0])

    def tools(self, *names):
        return [c for c in self.runner.commands if os.path.basename(c[0]) in names]


@pytest.fixture(name="host")
def host_fixture(runner, tmp_path, monkeypatch):
    return Host(runner, tmp_path, monkeypatch)


def builds(host):
    return [c[-1].split(":", 1)[1] for c in host.tools("postmap", "postalias") if "-q" not in c]


# ---- The first run, and runs that change nothing ------------------------------------------------

def test_first_run_installs_everything_checked_and_starts_postfix(host):
    outcome = host.run(host.config())
    assert not outcome.failed, outcome.result["msg"]
    result = outcome.result
    maps = host.config_dir / "maps"
    assert result["changed"] is True and result["action"] == "restart" and result["rolled_back"] is False
    assert result["postfix_version"] == "3.7.11" and result["selftest"] == []
    assert sorted(result["changed_files"]) == sorted(str(p) for p in (
        host.config_dir / "main.cf", host.config_dir / "master.cf", maps / "transport", maps / "transport.db",
        maps / "sasl_passwd", maps / "sasl_passwd.db", maps / "smarthost_tls_policy", maps / "smarthost_tls_policy.db",
        host.config_dir / "sasl" / "smtpd.conf", host.root / "etc" / "aliases", host.root / "etc" / "aliases.db"))
    assert (host.root / "etc" / "aliases").read_text() == "postmaster: root\nabuse: root\n"
    main_cf = (host.config_dir / "main.cf").read_text()
    assert main_cf.startswith("# Ansible managed\n# Rendered by the hardened.relay.postfix role")
    assert "compatibility_level = 3.6\n" in main_cf and "smtpd_forbid_bare_newline = yes\n" in main_cf
    assert (maps / "sasl_passwd").read_text() == "%s %s\n" % (RELAYHOST, SECRET)
    for name, mode in (("sasl_passwd", 0o600), ("sasl_passwd.db", 0o600), ("transport", 0o644), ("transport.db", 0o644)):
        assert os.stat(str(maps / name)).st_mode & 0o777 == mode, name
    # Postfix's own postconf wrote the services, in one call; the check ran on the stage.
    master_cf = (host.config_dir / "master.cf").read_text()
    assert "submission inet n - y - - smtpd -o syslog_name=postfix/submission" in master_cf
    assert "pickup    unix  n       -       y       60      1       pickup" in master_cf
    stage = str(host.root / "var" / "stage")
    # Without a main.cf before, Postfix is restarted (started) without asking the restart parameters.
    assert [c[1:] for c in host.tools("postconf") if c[1:3] == ["-c", stage]] == [["-c", stage, "-n"], ["-c", stage, "-M"]]
    assert [c[1:] for c in host.tools("systemctl")] == [["restart", "postfix"]]
    assert host.fake.running
    manifest = json.loads((host.root / "var" / "previous" / "manifest.json").read_text())
    assert [(r["path"], r["existed"]) for r in manifest if r["existed"]] == [(str(host.config_dir / "master.cf"), True)]


def test_the_systems_own_aliases_are_kept_and_built_again_only_when_they_change(host):
    aliases = host.root / "etc" / "aliases"
    aliases.write_text("postmaster: admin\n")
    config = host.config()
    host.run(config)
    assert aliases.read_text() == "postmaster: admin\n" and (host.root / "etc" / "aliases.db").exists()
    assert host.run(config).result["changed"] is False
    aliases.write_text("postmaster: admin\nabuse: admin\n")  # edited by hand: kept, and its table rebuilt
    result = host.run(config).result
    assert result["changed"] is True and str(aliases) + ".db" in result["changed_files"]
    assert str(aliases) not in result["changed_files"] and aliases.read_text().endswith("abuse: admin\n")


def test_an_unchanged_run_writes_nothing_builds_nothing_and_leaves_postfix_alone(host):
    config = host.config()
    host.run(config)
    before = host.snapshot()
    outcome = host.run(config)
    assert not outcome.failed, outcome.result["msg"]
    result = outcome.result
    assert (result["changed"], result["action"], result["changed_files"], result["diff"]) == (False, "none", [], [])
    assert host.snapshot() == before
    assert builds(host) == [] and host.tools("systemctl", "postfix", "journalctl") == []
    # One postconf run reads the facts, one writes every service into the candidate master.cf (no
    # -MX: the services to remove are not in master.cf); nothing else runs.
    assert [c[3] if c[1] == "-c" else c[1] for c in host.tools("postconf")] == ["-d", "-M"]
    assert set(os.path.basename(c[0]) for c in host.runner.commands) == {"postconf"}


def test_check_mode_writes_nothing_and_reports_what_the_real_run_then_does(host):
    config = host.config()
    before = host.snapshot()
    preview = host.run(config, check_mode=True).result
    assert host.snapshot() == before
    assert host.tools("systemctl") == [] and not host.fake.running
    # Postfix checked and built the candidate all the same, below the module's temporary directory.
    assert len(builds(host)) == 4 and all(host.runner.remote_tmp in path for path in builds(host))
    real = host.run(config).result
    for key in ("changed", "action", "changed_files", "diff"):
        assert preview[key] == real[key], key
    assert preview["changed"] is True and preview["action"] == "restart"
    headers = [d["before_header"] for d in real["diff"]]
    names = ("main.cf", "master.cf", "maps/transport", "../aliases", "maps/smarthost_tls_policy", "maps/sasl_passwd",
             "sasl/smtpd.conf")
    assert headers == [os.path.normpath(str(host.config_dir / name)) for name in names]
    assert host.run(config, check_mode=True).result["changed"] is False


def test_a_changed_table_is_the_only_one_rebuilt_and_postfix_is_reloaded(host):
    host.run(host.config())
    maps = host.config_dir / "maps"
    untouched = dict((name, os.stat(str(maps / name)).st_ino) for name in ("sasl_passwd", "sasl_passwd.db"))
    config = host.config(postfix_transport={"example.com": "smtp:[mx.example.com]", "example.net": "relay:[gw]"})
    outcome = host.run(config)
    assert not outcome.failed, outcome.result["msg"]
    result = outcome.result
    assert result["action"] == "reload"
    assert sorted(result["changed_files"]) == [str(maps / "transport"), str(maps / "transport.db")]
    assert builds(host) == [str(host.root / "var" / "stage" / "root") + str(maps / "transport")]
    assert result["diff"] == [dict(before_header=str(maps / "transport"), after_header=str(maps / "transport"),
                                   before="example.com smtp:[mx.example.com]\n",
                                   after="example.com smtp:[mx.example.com]\nexample.net relay:[gw]\n")]
    assert dict((name, os.stat(str(maps / name)).st_ino) for name in untouched) == untouched
    assert [c[1:] for c in host.tools("systemctl")] == [["reload", "postfix"]]
    # The table is never older than its source, so the next run has nothing to do.
    assert os.stat(str(maps / "transport.db")).st_mtime_ns >= os.stat(str(maps / "transport")).st_mtime_ns
    assert host.run(config).result["changed"] is False


def by_digest(config, text=None):
    """The config with the transport table given by the SHA-256 of its source (of text if given)."""
    for table in config["tables"]:
        if table["path"].endswith("/maps/transport"):
            source = text if text is not None else render_source([tuple(e) for e in table.pop("entries")])
            table.pop("entries", None)
            table["source_sha256"] = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return config


def test_a_source_given_by_its_digest_is_the_live_one_or_asked_for(host):
    host.run(host.config())
    before = host.snapshot()
    # The live source has that digest: the run goes on as with the text, and finds nothing to do.
    outcome = host.run(by_digest(host.config()))
    assert not outcome.failed, outcome.result["msg"]
    assert (outcome.result["changed"], outcome.result["changed_files"]) == (False, [])
    assert "sources_wanted" not in outcome.result and host.snapshot() == before
    # Another digest (the variables changed): nothing is compared, built or changed; the text is asked for.
    for check_mode in (True, False):
        outcome = host.run(by_digest(host.config(), text="example.org smtp:[mx.example.org]\n"), check_mode=check_mode)
        assert not outcome.failed, outcome.result["msg"]
        assert outcome.result["sources_wanted"] == [str(host.config_dir / "maps" / "transport")]
        assert (outcome.result["changed"], outcome.result["changed_files"]) == (False, [])
        assert host.snapshot() == before and builds(host) == [] and host.tools("systemctl") == []
    # A missing live source is asked for too.
    os.remove(str(host.config_dir / "maps" / "transport"))
    assert host.run(by_digest(host.config())).result["sources_wanted"] == [str(host.config_dir / "maps" / "transport")]


@pytest.mark.parametrize("spoil", [
    lambda table: table.update(source_sha256="abc"),
    lambda table: table.update(source="x y\n"),
    lambda table: table.update(entries=[]),
])
def test_a_bad_digest_is_refused_before_anything_changes(host, spoil):
    config = by_digest(host.config())
    spoil([t for t in config["tables"] if "source_sha256" in t][0])
    outcome = host.run(config)
    assert outcome.failed and "source_sha256 is the SHA-256 (64 hex digits)" in outcome.result["msg"]
    assert not (host.config_dir / "main.cf").exists()


def test_a_stale_or_missing_built_table_is_rebuilt_from_the_unchanged_source(host):
    config = host.config()
    host.run(config)
    table = host.config_dir / "maps" / "transport.db"
    os.utime(str(table), ns=(1, 1))
    result = host.run(config).result
    assert result["changed_files"] == [str(table)] and result["diff"] == []
    os.unlink(str(table))
    assert host.run(config).result["changed_files"] == [str(table)]
    assert table.read_bytes().endswith(b"example.com smtp:[mx.example.com]\n")


def test_a_wrong_mode_is_a_change(host):
    config = host.config()
    host.run(config)
    secret = host.config_dir / "maps" / "sasl_passwd"
    os.chmod(str(secret), 0o644)
    result = host.run(config).result
    assert sorted(result["changed_files"]) == [str(secret), str(secret) + ".db"]
    assert os.stat(str(secret)).st_mode & 0o777 == 0o600
    assert result["diff"][0]["after_header"] == "%s (mode 0644, not 0600)" % secret


def test_restart_parameters_decide_between_reload_and_restart(host):
    host.run(host.config())
    assert host.run(host.config(postfix_smtpd_banner="$myhostname ESMTP relay")).result["action"] == "reload"
    assert host.run(host.config(postfix_inet_protocols="ipv4")).result["action"] == "restart"
    host.fake.running = False  # stopped by hand: a reload would not start it
    assert host.run(host.config(postfix_smtpd_banner="$myhostname ESMTP")).result["action"] == "restart"
    assert host.fake.running


def test_a_service_switched_off_is_removed_and_shown_in_check_mode(host):
    host.run(host.config())
    config = host.config(postfix_smtps_enabled=False)
    result = host.run(config, check_mode=True).result
    path = str(host.config_dir / "master.cf")
    assert result["changed_files"] == [path] and result["action"] == "reload"
    assert result["diff"] == [dict(before_header=path, after_header=path, after="", before=(
        "smtps inet n - y - - smtpd -o syslog_name=postfix/smtps -o smtpd_tls_wrappermode=yes -o "
        "smtpd_client_restrictions=permit_sasl_authenticated,reject -o smtpd_relay_restrictions="
        "permit_sasl_authenticated,reject -o smtpd_sasl_auth_enable=yes\n"))]
    assert "smtps inet" in read(path)
    host.run(config)
    assert "smtps inet" not in read(path)


def test_the_install_order_keeps_a_running_postfix_consistent(host, monkeypatch):
    moved = []
    real_replace = transaction.replace_with

    def replace_with(module, src, dest):
        moved.append(os.path.relpath(dest, str(host.config_dir)))
        return real_replace(module, src, dest)

    monkeypatch.setattr(transaction, "replace_with", replace_with)
    host.run(host.config())
    assert moved == ["sasl/smtpd.conf", "maps/transport.db", "maps/transport", "../aliases.db", "../aliases",
                     "maps/smarthost_tls_policy.db", "maps/smarthost_tls_policy", "maps/sasl_passwd.db", "maps/sasl_passwd",
                     "master.cf", "main.cf"]


# ---- Refusals before anything changes ----------------------------------------------------------

def unknown_parameter(config):
    config["main_cf"][-1]["parameters"].append(dict(name="bogus_parameter", value="yes", origin="by hand"))


def test_a_postfix_warning_in_the_stage_fails_before_anything_live_changes(host):
    host.run(host.config())
    before = host.live()
    outcome = host.run(host.config(hand=unknown_parameter, postfix_transport={"example.org": "smtp:[mx]"}))
    assert outcome.failed and outcome.result["rolled_back"] is False and outcome.result["changed"] is False
    msg = outcome.result["msg"]
    assert msg == ("postfix_apply: Postfix refused the candidate configuration, so nothing was changed: postconf: "
                   "warning: %s/main.cf: unused parameter: bogus_parameter=yes. Fix what Postfix names in the role's "
                   "variables." % host.config_dir)
    assert "stage" not in msg and outcome.result["postfix_warnings"] == [msg.split(": ", 2)[2].split(". Fix")[0]]
    assert host.live() == before and builds(host) == [] and host.tools("systemctl") == []


def test_a_postmap_warning_fails_before_anything_live_changes(host):
    host.run(host.config())
    before = host.live()
    config = host.config()
    config["tables"][0]["entries"].append(["example.com", "error:twice"])
    outcome = host.run(config)
    assert outcome.failed and outcome.result["rolled_back"] is False
    assert outcome.result["msg"] == ('postfix_apply: postmap refused %s, so nothing was changed: postmap: warning: '
                                     '%s.db: duplicate entry: "example.com".' % ((host.config_dir / "maps" / "transport",) * 2))
    assert host.live() == before and host.tools("systemctl") == []


def test_a_secret_table_warning_is_cut_before_the_value(host):
    host.fake.complain = lambda path, text: ('postmap: warning: %s, line 1: record is in "key: value" format: "%s"\n'
                                             % (path, text.strip()) if "sasl_passwd" in path else "")
    outcome = host.run_json(host.config())
    assert outcome.failed
    path = host.config_dir / "maps" / "sasl_passwd"
    assert ('postmap refused %s, so nothing was changed: postmap: warning: %s, line 1: record is in "key: value" '
            'format: "%s [the rest is hidden: the table is secret].' % (path, path, RELAYHOST)) in outcome.result["msg"]
    assert USER not in host.runner.printed and PASSWORD not in host.runner.printed


def test_secret_entries_must_have_the_keys_that_were_judged(host):
    outcome = host.run(host.config(), secret_entries={str(host.config_dir / "maps" / "sasl_passwd"):
                                                      {"[other.example.net]:587": SECRET}})
    assert outcome.failed and "secret_entries for %s has the keys [other.example.net]:587, but the configuration " \
                              "that was judged has %s." % (host.config_dir / "maps" / "sasl_passwd", RELAYHOST) \
                              in outcome.result["msg"]
    assert PASSWORD not in json.dumps(outcome.result) and host.runner.commands == []


def test_stage_and_previous_directories_may_not_hold_the_configuration(host):
    outcome = host.run(host.config(), stage_dir=str(host.root / "etc"))
    assert outcome.failed and outcome.result["msg"].startswith("postfix_apply: stage_dir: %s must be an absolute "
                                                               "directory of its own" % (host.root / "etc"))
    assert host.runner.commands == []


# ---- Failures after the install: the rollback --------------------------------------------------

def test_postfix_not_running_the_new_configuration_rolls_back_byte_for_byte(host):
    host.run(host.config())
    before, files = host.live(), host.live_files()
    config = host.config(postfix_inet_interfaces=[UNRUNNABLE], postfix_transport={"example.org": "smtp:[mx]"},
                         postfix_access_maps={"client_access": {"type": "hash", "entries": {"192.0.2.1": "REJECT"}}})
    outcome = host.run(config)
    assert outcome.failed
    result = outcome.result
    assert result["rolled_back"] is True and result["changed"] is False and result["rollback_problems"] == []
    assert result["msg"] == (
        "postfix_apply: Postfix did not run the new configuration after the restart (postfix status: "
        "postfix/postfix-script: fatal: the Postfix mail system is not running). The previous configuration was put "
        "back (3 files restored, 2 new files removed) and Postfix runs it again. Postfix logged: postfix/master[1234]: "
        "fatal: parameter inet_interfaces: no local interface found for 192.0.2.99 / postfix/smtp[99]: warning: SASL "
        "authentication failure for ********.")
    assert host.live() == before
    # Mode and times too: the restored table is still current, so the next run of the old config is a no-op.
    assert host.live_files() == files
    assert [c[1:] for c in host.tools("systemctl")] == [["restart", "postfix"], ["restart", "postfix"]]
    assert host.fake.running


def test_a_first_install_that_does_not_run_removes_every_new_file_and_directory(host):
    before = host.snapshot()
    outcome = host.run(host.config(postfix_inet_interfaces=[UNRUNNABLE]))
    assert outcome.failed and outcome.result["rolled_back"] is True
    assert "put back (1 file restored, 10 new files removed)" in outcome.result["msg"]
    after = host.snapshot()
    # The same files and directories (maps/ and sasl/ were made and are gone again), master.cf as it was.
    assert sorted(p for p in after if p.startswith("etc")) == sorted(p for p in before if p.startswith("etc"))
    assert after["etc/postfix/master.cf"] == before["etc/postfix/master.cf"]
    # Postfix had no configuration before: it is stopped, not restarted on a missing main.cf.
    assert [c[1:] for c in host.tools("systemctl")] == [["restart", "postfix"], ["stop", "postfix"]]


class Greeter(socketserver.StreamRequestHandler):
    """An SMTP server that greets and answers each verb from the server's `replies`."""

    timeout = 10

    def handle(self):
        self.wfile.write(b"220 relay.test ESMTP\r\n")
        while True:
            line = self.rfile.readline(4096).decode("ascii", "replace").strip()
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            self.server.conversations[self.client_address].append(verb)
            self.wfile.write(self.server.replies.get(verb, "502 5.5.2 Error").encode() + b"\r\n")
            if verb == "QUIT":
                return


class Recorder(socketserver.ThreadingTCPServer):
    """Records each connection's verbs apart, in the order the connections were accepted: the
    greeting check sends QUIT without waiting for the reply, so one shared list would race."""

    def __init__(self, *args):
        socketserver.ThreadingTCPServer.__init__(self, *args)
        self.conversations = {}
        self.handlers = []

    def process_request(self, request, client_address):
        self.conversations[client_address] = []
        handler = threading.Thread(target=self.process_request_thread, args=(request, client_address), daemon=True)
        self.handlers.append((client_address, handler))
        handler.start()

    def verbs_of(self):
        """[[verb, ...] of each connection], once each has ended (the client has hung up)."""
        for dummy, handler in self.handlers:
            handler.join(10)
        return [self.conversations[address] for address, dummy in self.handlers]


@pytest.fixture(name="smtp")
def smtp_fixture():
    servers = []

    def start(rcpt):
        server = Recorder(("127.0.0.1", 0), Greeter)
        server.replies = dict(EHLO="250-relay.test\r\n250 PIPELINING", MAIL="250 2.1.0 Ok", RCPT=rcpt,
                              RSET="250 2.0.0 Ok", QUIT="221 2.0.0 Bye")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def with_listener(config, port):
    config["listeners"] = [dict(name="127.0.0.1:%d/inet" % port, host="127.0.0.1", port=port, tls="none")]
    return config


SELFTEST = dict(trusted_networks=["10.0.0.0/8"], source_address="127.0.0.2", timeout=5)


def test_a_listener_that_refuses_the_stranger_passes_the_selftest(host, smtp):
    server = smtp("554 5.7.1 <hardened-relay-selftest@selftest.invalid>: Relay access denied")
    outcome = host.run(with_listener(host.config(), server.server_address[1]), selftest=SELFTEST)
    assert not outcome.failed, outcome.result["msg"]
    assert [(r["verdict"], r["stage"]) for r in outcome.result["selftest"]] == [("refused", "rcpt")]
    assert "compact" not in outcome.result["selftest"][0]
    # The greeting check said QUIT; the stranger's conversation followed.
    first, second = server.verbs_of()
    assert first == ["QUIT"] and "RCPT" in second and host.fake.addresses == ["127.0.0.1", "::1"]


def test_a_selftest_that_relays_rolls_back_byte_for_byte_and_quotes_the_dialogue(host, smtp):
    host.run(host.config())
    before = host.live()
    server = smtp("250 2.1.5 Ok")
    outcome = host.run(with_listener(host.config(postfix_transport={"example.org": "smtp:[mx]"}),
                                     server.server_address[1]), selftest=SELFTEST)
    assert outcome.failed and outcome.result["rolled_back"] is True
    msg = outcome.result["msg"]
    assert msg.startswith("postfix_apply: the relay self-test failed: relay_selftest: 1 of 1 listeners failed. "
                          "127.0.0.1:%d/inet (127.0.0.1 port %d, tested from 127.0.0.2) RELAYS FOR A STRANGER"
                          % ((server.server_address[1],) * 2))
    assert "C: RCPT TO:<hardened-relay-selftest@selftest.invalid> | S: 250 2.1.5 Ok | C: RSET" in msg
    assert "The previous configuration was put back (2 files restored, 0 new files removed)" in msg
    assert [r["verdict"] for r in outcome.result["selftest"]] == ["relayed"]
    assert host.live() == before and "DATA" not in sum(server.verbs_of(), [])


def test_a_listener_that_does_not_greet_rolls_back(host):
    host.run(host.config())
    before = host.live()
    sock = socketserver.TCPServer(("127.0.0.1", 0), Greeter)
    port = sock.server_address[1]
    sock.server_close()  # nothing listens there now
    outcome = host.run(with_listener(host.config(postfix_smtpd_banner="$myhostname ESMTP x"), port), timeout=1)
    assert outcome.failed and outcome.result["rolled_back"] is True
    assert outcome.result["msg"].startswith(
        "postfix_apply: listener 127.0.0.1:%d/inet did not greet within 1 second after the reload: could not connect "
        "to 127.0.0.1 port %d" % (port, port))
    assert host.live() == before


def test_selftest_options_are_checked_before_anything_changes(host):
    outcome = host.run(host.config(), selftest=dict(trusted_networks=["hash:/etc/postfix/network_table"]))
    assert outcome.failed and outcome.result["msg"].startswith(
        "postfix_apply: selftest: listeners: give at least one listener to test. Nothing was changed.")
    assert not (host.config_dir / "main.cf").exists()


# ---- Secrets -----------------------------------------------------------------------------------

def test_no_secret_reaches_the_output_whatever_happens(host):
    shown = []
    outcome = host.run_json(host.config())
    shown.append(host.runner.printed)
    assert not outcome.failed
    changed_password = dict(secret_entries={str(host.config_dir / "maps" / "sasl_passwd"):
                                            {RELAYHOST: "%s:Other-S3cret-9934" % USER}})
    outcome = host.run_json(host.config(), check_mode=True, **changed_password)
    shown.append(host.runner.printed)
    secret_diff = [d for d in outcome.result["diff"] if d["before_header"].endswith("sasl_passwd")][0]
    assert secret_diff["after"] == "%s %s (changed)\n" % (RELAYHOST, MASK)
    outcome = host.run_json(host.config(postfix_inet_interfaces=[UNRUNNABLE]), **changed_password)
    shown.append(host.runner.printed)
    assert outcome.failed and outcome.result["rolled_back"] is True
    assert (host.config_dir / "maps" / "sasl_passwd").read_text() == "%s %s\n" % (RELAYHOST, SECRET)
    for printed in shown + host.runner.logs:
        for secret in (PASSWORD, USER, SECRET, "Other-S3cret-9934"):
            assert secret not in str(printed)
