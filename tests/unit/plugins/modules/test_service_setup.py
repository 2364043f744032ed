# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardened.relay.service_setup: what one call probes, changes and reports, against a scripted
Debian host (dpkg, apt, id, usermod, systemctl) and real files in tmp_path."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import json
import os
import pwd
import time

import pytest

from ansible.module_utils import basic
from ansible_collections.hardened.relay.plugins.modules import service_setup

ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name
PROBES = ("dpkg-query", "id", "is-enabled", "is-active")
APT_LOCK = ["-o", "DPkg::Lock::Timeout=60"]


def words(argv):
    """The program's name and its arguments, without apt-get's lock timeout (asserted once)."""
    args = argv[3:] if argv[1:3] == APT_LOCK else argv[1:]
    return os.path.basename(argv[0]), args


class Host:
    """Answers the module's commands as a Debian host would, and remembers what they changed."""

    def __init__(self, installed=("postfix",), groups=None, enabled=True, active=True):
        self.installed = set(installed)
        self.groups = dict(groups or {"nobody": ["nogroup"]})
        self.enabled, self.active = enabled, active
        self.fail = {}  # tool or "tool verb" -> (rc, stdout, stderr)
        self.run = {}  # program name -> function(argv) doing what the program does

    def __call__(self, argv):
        tool, args = words(argv)
        for key in (tool, "%s %s" % (tool, args[0] if args else "")):
            if key in self.fail:
                return self.fail[key]
        if tool == "dpkg-query":
            assert args[:3] == ["-W", "-f", "${db:Status-Abbrev}${binary:Package}\\n"]
            unknown = [name for name in args[3:] if name not in self.installed]
            out = "".join("ii %s\n" % name for name in args[3:] if name in self.installed)
            return (1 if unknown else 0), out, "".join("dpkg-query: no packages found matching %s\n" % n for n in unknown)
        if tool == "apt-get" and args[0] == "install":
            self.installed.update(a for a in args[1:] if not a.startswith("-") and "::" not in a)
            return 0, "Setting up ...\n", ""
        if tool in ("apt-get", "debconf-set-selections"):
            return 0, "", ""
        if tool == "id":
            return 0, " ".join(self.groups[args[1]]) + "\n", ""
        if tool == "usermod":
            self.groups[args[3]] += args[2].split(",")
            return 0, "", ""
        if tool == "systemctl":
            return self.systemctl(args)
        if tool in self.run:
            return self.run[tool](argv)
        raise AssertionError("unexpected command %r" % argv)

    def systemctl(self, args):
        if args[0] == "is-enabled":
            return (0, "enabled\n", "") if self.enabled else (1, "disabled\n", "")
        if args[0] == "is-active":
            return (0, "active\n", "") if self.active else (3, "inactive\n", "")
        if args[0] == "enable":
            self.enabled = True
        if args[0] in ("start", "restart"):
            self.active = True
        return 0, "", ""


@pytest.fixture(name="host")
def host_fixture(runner, monkeypatch, tmp_path):
    """A Host answering the runner; runner.kwargs records run_command's keyword arguments (data, environ_update)."""
    host = Host()
    runner.respond = host
    runner.kwargs = []
    patch = runner._patch

    def patch_and_record():
        patch()
        fake = basic.AnsibleModule.run_command

        def run_command(self_, argv, **kwargs):
            runner.kwargs.append(kwargs)
            return fake(self_, argv, **kwargs)
        monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(runner, "_patch", patch_and_record)
    lists = tmp_path / "apt-lists"
    lists.mkdir()
    (lists / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages").write_text("")
    monkeypatch.setattr(service_setup, "APT_LISTS", str(lists))
    monkeypatch.setattr(service_setup, "APT_STAMP", str(tmp_path / "no-stamp"))
    monkeypatch.setattr(service_setup, "SYSTEMD_PREFIX", str(tmp_path / "systemd") + "/")
    return host


def names(runner):
    """Each command as program and first argument (systemctl's verb, apt-get's command)."""
    return [" ".join([tool] + args[:1]) for tool, args in map(words, runner.commands)]


def mutating(runner):
    return [c for c in names(runner) if not any(probe in c for probe in PROBES)]


def age(path, seconds):
    stamp = time.time() - seconds
    os.utime(str(path), (stamp, stamp))


def full_setup(tmp_path):
    """A setup of every kind, and the host as a call left it."""
    conf = tmp_path / "etc"
    args = dict(
        packages=["postfix"],
        user_groups=[{"user": "nobody", "groups": ["mail"]}],
        directories=[{"path": str(conf), "owner": ME, "group": MY_GROUP, "mode": "0755"}],
        commands=[{"argv": ["postalias", str(conf / "aliases")], "creates": str(conf / "aliases.db"),
                   "sources": [str(conf / "aliases")]}],
        files=[{"path": str(conf / "daemon.conf"), "content": "port = 10023\n", "owner": ME, "group": MY_GROUP,
                "mode": "0640"},
               {"path": str(conf / "aliases.db"), "owner": ME, "group": MY_GROUP, "mode": "0644"}],
        service={"name": "postgrey"},
    )
    return args, conf


def postalias(argv):
    with open(argv[1] + ".db", "w") as table:
        table.write("built\n")
    return 0, "", ""


def settle(host, conf):
    """The host as a real call leaves it."""
    host.groups["nobody"] = ["nogroup", "mail"]
    conf.mkdir(mode=0o755)
    os.chmod(str(conf), 0o755)
    (conf / "aliases").write_text("postmaster: root\n")
    age(conf / "aliases", 60)
    (conf / "aliases.db").write_text("built\n")
    os.chmod(str(conf / "aliases.db"), 0o644)
    (conf / "daemon.conf").write_text("port = 10023\n")
    os.chmod(str(conf / "daemon.conf"), 0o640)


def test_an_unchanged_setup_runs_only_the_read_only_probes(runner, host, tmp_path):
    args, conf = full_setup(tmp_path)
    settle(host, conf)
    result = runner.run(service_setup, args, diff=True).result
    assert result["changed"] is False and "diff" not in result
    assert runner.commands == [
        ["/usr/sbin/dpkg-query", "-W", "-f", "${db:Status-Abbrev}${binary:Package}\\n", "postfix"],
        ["/usr/sbin/id", "-nG", "nobody"],
        ["/usr/sbin/systemctl", "is-enabled", "postgrey"],
        ["/usr/sbin/systemctl", "is-active", "postgrey"],
    ]
    for key in ("packages_installed", "groups_added", "directories_changed", "commands_run", "files_changed",
                "service_actions", "packages_missing"):
        assert result[key] == []
    assert result["preview_incomplete"] is False


def test_check_mode_reports_what_the_real_run_does_and_changes_nothing(runner, host, tmp_path):
    args, conf = full_setup(tmp_path)
    host.run["postalias"] = postalias
    check = runner.run(service_setup, args, check_mode=True, diff=True).result
    assert sorted(os.listdir(str(tmp_path))) == ["apt-lists", "remote-tmp"]
    assert mutating(runner) == []
    runner.commands.clear()
    real = runner.run(service_setup, args, diff=True).result
    keys = ("changed", "groups_added", "directories_changed", "commands_run", "files_changed", "service_actions")
    assert [check[k] for k in keys] == [real[k] for k in keys]
    assert real["groups_added"] == ["nobody:mail"] and real["directories_changed"] == [str(conf)]
    assert real["commands_run"] == [str(conf / "aliases.db")]
    # postalias made aliases.db with the wanted owner and mode already.
    assert real["files_changed"] == [str(conf / "daemon.conf")]
    assert real["service_actions"] == ["restart"]
    assert mutating(runner) == ["usermod -a", "postalias " + str(conf / "aliases"), "systemctl restart"]
    assert (conf / "daemon.conf").read_text() == "port = 10023\n"
    assert oct(os.stat(str(conf / "daemon.conf")).st_mode & 0o7777) == "0o640"
    assert oct(os.stat(str(conf)).st_mode & 0o7777) == "0o755"
    # The content-less file that the command makes is announced in check mode, not refused.
    summary = check["diff"][-1]
    assert "file %s: would be created by postalias\n" % (conf / "aliases.db") in summary["after"]
    assert "directory %s: absent\n" % conf in summary["before"]
    assert "user nobody: groups nogroup\n" in summary["before"] and "user nobody: groups nogroup mail\n" in summary["after"]
    assert "postgrey: active\n" in summary["before"] and "postgrey: restarted\n" in summary["after"]
    assert check["diff"][0] == dict(before_header=str(conf / "daemon.conf"), after_header=str(conf / "daemon.conf"),
                                    before="", after="port = 10023\n")
    runner.commands.clear()
    again = runner.run(service_setup, args, diff=True).result
    assert again["changed"] is False and mutating(runner) == []


def test_a_missing_package_updates_stale_lists_answers_debconf_then_installs(runner, host, tmp_path):
    age(tmp_path / "apt-lists", 7200)
    debconf = [{"name": "postfix", "question": "postfix/main_mailer_type", "vtype": "select", "value": "No configuration"},
               {"name": "postgrey", "question": "postgrey/enabled", "vtype": "boolean", "value": True}]
    result = runner.run(service_setup, dict(packages=["postfix", "postgrey"], debconf=debconf), diff=True).result
    assert result["changed"] and result["packages_installed"] == ["postgrey"] and result["packages_missing"] == ["postgrey"]
    assert names(runner) == ["dpkg-query -W", "apt-get update", "debconf-set-selections", "apt-get install", "dpkg-query -W"]
    assert runner.kwargs[2]["data"] == ("postfix postfix/main_mailer_type select No configuration\n"
                                        "postgrey postgrey/enabled boolean true\n")
    install = runner.commands[3]
    assert install[:4] == ["/usr/sbin/apt-get"] + APT_LOCK + ["install"] and runner.commands[1][1:3] == APT_LOCK
    assert install[-2:] == ["--no-install-recommends", "postgrey"]
    assert "Dpkg::Options::=--force-confold" in install and "Dpkg::Options::=--force-confdef" in install
    assert runner.kwargs[3]["environ_update"] == {"DEBIAN_FRONTEND": "noninteractive"}
    assert result["diff"] == [dict(before_header=service_setup.SUMMARY, after_header=service_setup.SUMMARY,
                                   before="postgrey: not installed\n", after="postgrey: installed\n")]


def test_fresh_lists_are_not_updated_and_recommends_can_be_installed(runner, host):
    result = runner.run(service_setup, dict(packages=["postgrey"], install_recommends=True, debconf=[])).result
    assert result["packages_installed"] == ["postgrey"]
    assert names(runner) == ["dpkg-query -W", "apt-get install", "dpkg-query -W"]
    assert "--no-install-recommends" not in runner.commands[1]


def test_lists_without_package_files_are_updated(runner, host, tmp_path):
    for name in os.listdir(str(tmp_path / "apt-lists")):
        os.unlink(str(tmp_path / "apt-lists" / name))
    runner.run(service_setup, dict(packages=["postgrey"]))
    assert "apt-get update" in names(runner)


def test_debconf_is_not_set_while_the_packages_are_installed(runner, host):
    debconf = [{"name": "postfix", "question": "postfix/mailname", "vtype": "string", "value": "relay.example"}]
    result = runner.run(service_setup, dict(packages=["postfix"], debconf=debconf)).result
    assert result["changed"] is False and names(runner) == ["dpkg-query -W"]


def test_a_failed_install_quotes_apt_get(runner, host):
    host.fail["apt-get install"] = (100, "Reading package lists...\n", "E: Unable to locate package postgrey\n")
    exit_ = runner.run(service_setup, dict(packages=["postgrey"], files=[]))
    assert exit_.failed
    assert exit_.result["msg"] == ("apt-get install of postgrey failed (exit status 100): "
                                   "E: Unable to locate package postgrey")


def test_a_package_that_stays_missing_is_named(runner, host):
    host.fail["apt-get install"] = (0, "", "")
    exit_ = runner.run(service_setup, dict(packages=["mail-transport-agent"]))
    assert exit_.failed and "mail-transport-agent is still not installed" in exit_.result["msg"]


def test_check_mode_stops_the_preview_while_packages_are_missing(runner, host, tmp_path):
    args, conf = full_setup(tmp_path)
    args["packages"] = ["postfix", "postgrey"]
    result = runner.run(service_setup, args, check_mode=True).result
    assert result["changed"] is True and result["preview_incomplete"] is True
    assert result["packages_missing"] == ["postgrey"]
    assert names(runner) == ["dpkg-query -W"]
    assert not conf.exists()


def test_user_groups_adds_the_missing_groups_only(runner, host):
    host.groups["nobody"] = ["nogroup", "mail"]
    result = runner.run(service_setup, dict(user_groups=[
        {"user": "nobody", "groups": ["mail", "daemon", "daemon"]}, {"user": "nobody", "groups": ["daemon"]}])).result
    assert result["groups_added"] == ["nobody:daemon"]
    assert runner.commands == [["/usr/sbin/id", "-nG", "nobody"], ["/usr/sbin/usermod", "-a", "-G", "daemon", "nobody"]]


def test_directories_are_created_when_missing_and_corrected_when_different(runner, host, tmp_path):
    top, sub = tmp_path / "top", tmp_path / "top" / "sub"
    args = dict(directories=[{"path": str(top), "mode": "0750", "owner": ME, "group": MY_GROUP},
                             {"path": str(sub), "mode": "0700", "owner": ME, "group": MY_GROUP}])
    check = runner.run(service_setup, args, check_mode=True).result
    assert check["directories_changed"] == [str(top), str(sub)] and not top.exists()
    runner.run(service_setup, args)
    assert oct(os.stat(str(sub)).st_mode & 0o7777) == "0o700" and oct(os.stat(str(top)).st_mode & 0o7777) == "0o750"
    os.chmod(str(sub), 0o755)
    result = runner.run(service_setup, args, diff=True).result
    assert result["directories_changed"] == [str(sub)]
    assert result["diff"][0]["before"] == "directory %s: mode 0755\n" % sub
    assert result["diff"][0]["after"] == "directory %s: mode 0700\n" % sub
    assert oct(os.stat(str(sub)).st_mode & 0o7777) == "0o700"


def test_a_missing_parent_is_refused_unless_listed_earlier(runner, host, tmp_path):
    exit_ = runner.run(service_setup, dict(directories=[{"path": str(tmp_path / "a" / "b"), "mode": "0755"}]))
    assert exit_.failed
    assert exit_.result["msg"] == ("directories[0].path %s: its parent %s does not exist; list it earlier in directories"
                                   % (tmp_path / "a" / "b", tmp_path / "a"))


def test_content_is_written_atomically_with_owner_and_mode(runner, host, tmp_path):
    path = tmp_path / "conf"
    path.write_text("old\n")
    os.chmod(str(path), 0o644)
    args = dict(files=[{"path": str(path), "content": "new\n", "mode": "0600", "owner": ME, "group": MY_GROUP}])
    result = runner.run(service_setup, args, diff=True).result
    assert result["files_changed"] == [str(path)] and path.read_text() == "new\n"
    assert oct(os.stat(str(path)).st_mode & 0o7777) == "0o600"
    assert sorted(os.listdir(str(tmp_path))) == ["apt-lists", "conf", "remote-tmp"]
    assert result["diff"][0] == dict(before_header=str(path), after_header=str(path), before="old\n", after="new\n")
    assert result["diff"][1]["before"] == "file %s: mode 0644\n" % path
    assert runner.run(service_setup, args).result["changed"] is False


def test_force_false_never_touches_existing_content(runner, host, tmp_path):
    path = tmp_path / "whitelist"
    path.write_text("edited by the admin\n")
    os.chmod(str(path), 0o600)
    args = dict(files=[{"path": str(path), "content": "default\n", "mode": "0644", "force": False, "owner": ME,
                        "group": MY_GROUP}])
    result = runner.run(service_setup, args).result
    assert result["files_changed"] == [str(path)] and path.read_text() == "edited by the admin\n"
    assert oct(os.stat(str(path)).st_mode & 0o7777) == "0o644"
    assert runner.run(service_setup, args).result["changed"] is False
    path.unlink()
    runner.run(service_setup, args)
    assert path.read_text() == "default\n"


def test_a_file_without_content_gets_its_mode_and_must_exist(runner, host, tmp_path):
    path = tmp_path / "key.pem"
    args = dict(files=[{"path": str(path), "mode": "0600", "owner": ME, "group": MY_GROUP}])
    for check_mode in (True, False):
        exit_ = runner.run(service_setup, args, check_mode=check_mode)
        assert exit_.failed
        assert exit_.result["msg"] == ("files[0].path %s does not exist; give its content, or a command that makes it"
                                       % path)
    path.write_text("key\n")
    os.chmod(str(path), 0o644)
    assert runner.run(service_setup, args).result["files_changed"] == [str(path)]
    assert oct(os.stat(str(path)).st_mode & 0o7777) == "0o600" and path.read_text() == "key\n"


def test_check_mode_names_the_command_that_would_make_a_file_from_its_arguments(runner, host, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    args = dict(commands=[{"argv": ["openssl", "req", "-keyout", str(key), "-out", str(cert)], "creates": str(cert)}],
                files=[{"path": str(key), "mode": "0600"}, {"path": str(cert), "mode": "0644"}])
    result = runner.run(service_setup, args, check_mode=True, diff=True).result
    assert result["changed"] and result["commands_run"] == [str(cert)] and runner.commands == []
    assert "file %s: would be created by openssl\n" % key in result["diff"][0]["after"]
    assert "%s: made by openssl\n" % cert in result["diff"][0]["after"]


def test_a_command_runs_when_its_file_is_missing_or_older_than_a_source(runner, host, tmp_path):
    source, table = tmp_path / "aliases", tmp_path / "aliases.db"
    source.write_text("postmaster: root\n")
    host.run["postalias"] = postalias
    args = dict(commands=[{"argv": ["postalias", str(source)], "creates": str(table), "sources": [str(source), "/nowhere"]}])
    assert runner.run(service_setup, args).result["commands_run"] == [str(table)]
    assert runner.commands == [["/usr/sbin/postalias", str(source)]]
    runner.commands.clear()
    assert runner.run(service_setup, args).result["changed"] is False and runner.commands == []
    age(table, 30)
    result = runner.run(service_setup, args, diff=True).result
    assert result["commands_run"] == [str(table)]
    assert result["diff"][0]["before"] == "%s: older than %s\n" % (table, source)


def test_a_failing_command_is_quoted(runner, host, tmp_path):
    host.run["openssl"] = lambda argv: (1, "", "req: Can't open key.pem\n  for writing, Permission denied\n\n")
    exit_ = runner.run(service_setup, dict(commands=[{"argv": ["openssl", "req"], "creates": str(tmp_path / "c")}]))
    assert exit_.failed
    assert exit_.result["msg"] == ("commands[0]: openssl (making %s) failed (exit status 1): req: Can't open key.pem | "
                                   "for writing, Permission denied" % (tmp_path / "c"))


def test_a_command_that_does_not_make_its_file_fails(runner, host, tmp_path):
    host.run["true"] = lambda argv: (0, "", "")
    exit_ = runner.run(service_setup, dict(commands=[{"argv": ["true"], "creates": str(tmp_path / "c")}]))
    assert exit_.failed and "true succeeded but did not make %s" % (tmp_path / "c") in exit_.result["msg"]


@pytest.mark.parametrize("enabled, active, changed, on_change, actions", [
    (True, True, False, "restart", []),
    (True, False, False, "restart", ["start"]),
    (False, False, False, "restart", ["enable", "start"]),
    (True, True, True, "restart", ["restart"]),
    (True, True, True, "reload", ["reload"]),
    (True, True, True, "none", []),
    (True, False, True, "reload", ["start"]),
])
def test_service(runner, host, tmp_path, enabled, active, changed, on_change, actions):
    host.enabled, host.active = enabled, active
    path = tmp_path / "conf"
    if not changed:
        path.write_text("x\n")
        os.chmod(str(path), 0o644)
    args = dict(files=[{"path": str(path), "content": "x\n", "mode": "0644", "owner": ME, "group": MY_GROUP}],
                service={"name": "postgrey", "on_change": on_change})
    result = runner.run(service_setup, args).result
    assert result["service_actions"] == actions
    assert result["changed"] is (changed or bool(actions))
    assert [c[1] for c in runner.commands if c[1] not in ("is-enabled", "is-active")] == actions


def test_daemon_reload_comes_first_when_a_file_below_etc_systemd_changed(runner, host, tmp_path):
    dropin = tmp_path / "systemd" / "saslauthd.service.d"
    args = dict(directories=[{"path": str(tmp_path / "systemd"), "mode": "0755", "owner": ME, "group": MY_GROUP},
                             {"path": str(dropin), "mode": "0755", "owner": ME, "group": MY_GROUP}],
                files=[{"path": str(dropin / "override.conf"), "content": "[Service]\nPIDFile=/x\n", "mode": "0644",
                        "owner": ME, "group": MY_GROUP}],
                service={"name": "saslauthd"})
    result = runner.run(service_setup, args).result
    assert result["service_actions"] == ["daemon-reload", "restart"]
    assert [c[1:] for c in runner.commands if c[1] not in ("is-enabled", "is-active")] == [["daemon-reload"], ["restart", "saslauthd"]]
    other = runner.run(service_setup, dict(files=[{"path": str(tmp_path / "other"), "content": "x", "mode": "0644", "owner": ME, "group": MY_GROUP}],
                                           service={"name": "saslauthd"})).result
    assert other["service_actions"] == ["restart"]
    forced = runner.run(service_setup, dict(files=[{"path": str(tmp_path / "again"), "content": "x", "mode": "0644", "owner": ME, "group": MY_GROUP}],
                                            service={"name": "saslauthd", "daemon_reload": True})).result
    assert forced["service_actions"] == ["daemon-reload", "restart"]


def test_a_unit_that_does_not_exist_fails_naming_it(runner, host):
    host.fail["systemctl is-enabled"] = (1, "", "Failed to get unit file state for nope.service: No such file or directory\n")
    exit_ = runner.run(service_setup, dict(service={"name": "nope"}))
    assert exit_.failed and exit_.result["msg"].startswith("service.name nope: systemd has no such unit")


def test_secret_content_is_never_shown(runner, host, tmp_path):
    secret = "user = relay\npassword = S3cr3t-Value\n"
    path = tmp_path / "secret.conf"
    args = dict(files=[{"path": str(path), "content": secret, "mode": "0600", "secret": True, "owner": ME, "group": MY_GROUP}])
    for check_mode in (True, False, True):
        exit_ = runner.run_json(service_setup, args, check_mode=check_mode, diff=True)
        assert not exit_.failed and "invocation" in exit_.result
        assert "S3cr3t-Value" not in runner.printed and "S3cr3t-Value" not in json.dumps(runner.logs)
    assert path.read_text() == secret and oct(os.stat(str(path)).st_mode & 0o777) == "0o600"
    path.write_text("password = old-S3cr3t\n")
    result = runner.run(service_setup, args, diff=True).result
    assert result["diff"][0]["before"] == "(secret content)\n"
    assert result["diff"][0]["after"] == "(secret content, changed; not shown)\n"
    assert "S3cr3t" not in json.dumps(result)


def test_a_failure_does_not_quote_a_secret(runner, host, tmp_path):
    args = dict(files=[{"path": str(tmp_path / "missing-dir" / "f"), "content": "S3cr3t-Value", "mode": "0600", "secret": True}])
    exit_ = runner.run_json(service_setup, args)
    assert exit_.failed and "the directory %s does not exist" % (tmp_path / "missing-dir") in exit_.result["msg"]
    assert "S3cr3t-Value" not in runner.printed


@pytest.mark.parametrize("args, msg", [
    (dict(files=[{"path": "/etc/x", "mode": "rw"}]), 'files[0].mode "rw" is not an octal mode such as "0644"; nothing was changed.'),
    (dict(files=[{"path": "/etc/x", "mode": 420}]),
     'files[0].mode "420" is not an octal mode such as "0644"; quote it (YAML reads an unquoted 0644 as a number); nothing was changed.'),
    (dict(directories=[{"path": "etc/x", "mode": "0755"}]),
     'directories[0].path "etc/x" is not an absolute path written plainly (such as /etc/x); nothing was changed.'),
    (dict(files=[{"path": "/etc/x/", "mode": "0644"}]),
     'files[0].path "/etc/x/" is not an absolute path written plainly (such as /etc/x); nothing was changed.'),
    (dict(files=[{"path": "/etc/x\ny", "mode": "0644"}]), 'files[0].path "/etc/x\\ny" holds a line break; nothing was changed.'),
    (dict(files=[{"path": "/etc/x", "mode": "0644"}, {"path": "/etc/x", "mode": "0644"}]),
     'files[1].path "/etc/x" is listed twice (in directories and files, each path may appear once); nothing was changed.'),
    (dict(packages=["postfix", "-o=x"]),
     'packages[1] "-o=x" is not a Debian package name (give the name only, no version or architecture); nothing was changed.'),
    (dict(files=[{"path": "/etc/x", "mode": "0644", "content": ["a"]}]),
     "files[0].content must be text (a string), not a list; nothing was changed."),
    (dict(commands=[{"argv": [], "creates": "/x"}]), 'commands[0].argv "[]" names no program; nothing was changed.'),
    (dict(commands=[{"argv": ["x"], "creates": "/x", "sources": ["y"]}]),
     'commands[0].sources[0] "y" is not an absolute path written plainly (such as /y); nothing was changed.'),
    (dict(user_groups=[{"user": "nobody", "groups": ["mail,root"]}]),
     'user_groups[0].groups[0] "mail,root" is not a group name; nothing was changed.'),
])
def test_options_are_checked_before_anything_runs(runner, host, args, msg):
    exit_ = runner.run(service_setup, args)
    assert exit_.failed and exit_.result["msg"] == msg
    assert runner.commands == []


def test_an_unknown_group_is_refused_once_the_packages_are_installed(runner, host, tmp_path):
    files = [{"path": str(tmp_path / "x"), "content": "", "mode": "0644", "group": "no-such-group-here"}]
    args = dict(packages=["postfix"], files=files)
    exit_ = runner.run(service_setup, args)
    assert exit_.failed
    assert exit_.result["msg"] == 'files[0].group "no-such-group-here": there is no group of that name on this host'
    assert names(runner) == ["dpkg-query -W"] and not (tmp_path / "x").exists()
