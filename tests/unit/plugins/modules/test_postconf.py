# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardened.relay.postconf: what it asks postconf to do, and what it reports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil

import pytest

from ansible_collections.hardened.relay.plugins.modules import postconf


class FakePostconf:
    """Answers postconf argv lists as Postfix 3.7 and 3.10 do; -e/-X edit the copy's main.cf.

    `values` are the parameters Postfix knows. A name set in main.cf that Postfix does not know
    (a user-defined parameter that nothing references) gets no value: `postconf name` warns
    "unknown parameter" and, like `postconf -n`, "unused parameter: name=value" on stderr,
    and `postconf -n` leaves it out of stdout.
    """

    def __init__(self, values):
        self.values = dict(values)
        self.known = set(values)

    def unused(self, directory):
        if directory is None:
            return ""
        with open(os.path.join(directory, "main.cf"), encoding="utf-8") as handle:
            explicit = postconf.parse_main_cf(handle.read())
        return "".join("postconf: warning: %s/main.cf: unused parameter: %s=%s\n" % (directory, n, v)
                       for n, v in explicit.items() if n not in self.known)

    def __call__(self, argv):
        assert argv[0] == "/usr/sbin/postconf"
        args = argv[1:]
        directory = None
        if args[:1] == ["-c"]:
            directory, args = args[1], args[2:]
        if args[:1] == ["-e"]:
            with open(os.path.join(directory, "main.cf"), "a", encoding="utf-8") as handle:
                for assignment in args[1:]:
                    name, dummy, value = assignment.partition("=")
                    handle.write("%s = %s\n" % (name, value))
                    if name in self.known:
                        self.values[name] = value
            return 0, "", ""
        if args[:1] == ["-X"]:
            path = os.path.join(directory, "main.cf")
            with open(path, encoding="utf-8") as handle:
                kept = [line for line in handle if line.split("=")[0].strip() not in args[1:]]
            with open(path, "w", encoding="utf-8") as handle:
                handle.writelines(kept)
            return 0, "", ""
        if args == ["-n"]:
            return 0, "", self.unused(directory)
        if args == ["-M"]:
            return 0, "", ""
        out = "".join("%s = %s\n" % (n, self.values[n]) for n in args if n in self.values)
        err = "".join("postconf: warning: %s: unknown parameter\n" % n for n in args if n not in self.values)
        return 0, out, err + self.unused(directory)


@pytest.fixture(name="live")
def live_fixture(tmp_path):
    directory = tmp_path / "postfix"
    directory.mkdir()
    (directory / "main.cf").write_text("# managed\nmynetworks = 127.0.0.0/8\nsmtpd_helo_required = no\n")
    (directory / "master.cf").write_text("smtp inet n - y - - smtpd\n")
    return directory


VALUES = {"mynetworks": "127.0.0.0/8", "smtpd_helo_required": "no", "myhostname": "relay.example.org"}


def postconf_e_calls(runner):
    return [c for c in runner.commands if "-e" in c]


def test_only_changed_parameters_are_set_in_one_call(runner, live):
    runner.respond = FakePostconf(VALUES)
    result = runner.run(postconf, dict(config_dir=str(live), parameters=dict(
        mynetworks=["127.0.0.0/8", "10.0.0.0/8"], smtpd_helo_required=True, myhostname="relay.example.org")),
        diff=True).result
    assert result["changed"] is True
    assert result["changed_parameters"] == ["mynetworks", "smtpd_helo_required"]
    calls = postconf_e_calls(runner)
    assert len(calls) == 1
    assert calls[0][-3:] == ["-e", "mynetworks=127.0.0.0/8, 10.0.0.0/8", "smtpd_helo_required=yes"]
    assert result["diff"][0]["before"] == "mynetworks = 127.0.0.0/8\nsmtpd_helo_required = no\n"
    assert result["diff"][0]["after"] == "mynetworks = 127.0.0.0/8, 10.0.0.0/8\nsmtpd_helo_required = yes\n"
    assert "smtpd_helo_required = yes" in (live / "main.cf").read_text()


def test_check_mode_reports_and_writes_nothing(runner, live):
    before = (live / "main.cf").read_bytes()
    runner.respond = FakePostconf(VALUES)
    result = runner.run(postconf, dict(config_dir=str(live), parameters=dict(smtpd_helo_required=True)),
                        check_mode=True).result
    assert result["changed"] is True and result["changed_parameters"] == ["smtpd_helo_required"]
    assert (live / "main.cf").read_bytes() == before


def test_same_effective_value_is_not_a_change(runner, live):
    runner.respond = FakePostconf(dict(VALUES, mynetworks="127.0.0.0/8 10.0.0.0/8"))
    result = runner.run(postconf, dict(config_dir=str(live), parameters=dict(
        mynetworks=["127.0.0.0/8", "10.0.0.0/8"], smtpd_helo_required=False))).result
    assert result["changed"] is False
    assert postconf_e_calls(runner) == []


def test_unknown_parameter_fails_in_postfix_words_and_changes_nothing(runner, live):
    before = (live / "main.cf").read_bytes()
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(live), parameters=dict(smtpd_helo_requird=True)))
    assert exit_.failed
    assert "smtpd_helo_requird: unknown parameter" in exit_.result["msg"]
    assert "expect_unknown" in exit_.result["msg"]
    assert (live / "main.cf").read_bytes() == before


def test_warning_names_the_live_file_not_the_scratch_copy(runner, live):
    fake = FakePostconf(dict(VALUES, smtpd_use_tls="no"))
    runner.respond = fake

    def respond(argv):
        rc, out, err = fake(argv)
        if argv[-1] == "-n":
            err += "postconf: warning: %s/main.cf: support for parameter smtpd_use_tls will be removed\n" % argv[2]
        return rc, out, err

    runner.respond = respond
    exit_ = runner.run(postconf, dict(config_dir=str(live), parameters=dict(smtpd_use_tls=True)))
    assert exit_.failed
    assert "%s/main.cf: support for parameter smtpd_use_tls" % live in exit_.result["msg"]
    assert "remote-tmp" not in exit_.result["msg"]


def test_expected_unknown_parameter_is_accepted(runner, live):
    runner.respond = FakePostconf(VALUES)
    result = runner.run(postconf, dict(config_dir=str(live), parameters=dict(my_local_list="a, b"),
                                       expect_unknown=["my_local_list"])).result
    assert result["changed"] is True
    assert result["changed_parameters"] == ["my_local_list"]
    assert "my_local_list = a, b" in (live / "main.cf").read_text()


def test_expected_unknown_parameter_with_the_same_value_is_not_a_change(runner, live):
    """Postfix gives an unreferenced parameter no value; main.cf does."""
    runner.respond = FakePostconf(VALUES)
    args = dict(config_dir=str(live), parameters=dict(my_local_list=["a", "b"]), expect_unknown=["my_local_list"])
    runner.run(postconf, args)
    main_cf = (live / "main.cf").read_bytes()
    runner.commands = []
    result = runner.run(postconf, args, diff=True).result
    asked = [c for c in runner.commands if c[-1] == "my_local_list"]
    assert asked and "unused parameter: my_local_list=a, b" in runner.respond(asked[0])[2]
    assert result["changed"] is False
    assert result["changed_parameters"] == []
    assert result["diff"] == []
    assert result["parameters"] == {"my_local_list": "a, b"}
    assert postconf_e_calls(runner) == []
    assert (live / "main.cf").read_bytes() == main_cf


def test_expected_unknown_parameter_with_another_value_is_a_change(runner, live):
    runner.respond = FakePostconf(VALUES)
    args = dict(config_dir=str(live), expect_unknown=["my_local_list"])
    runner.run(postconf, dict(args, parameters=dict(my_local_list="a, b")))
    result = runner.run(postconf, dict(args, parameters=dict(my_local_list="a, c")), diff=True).result
    assert result["changed"] is True
    assert result["diff"][0]["before"] == "my_local_list = a, b\n"
    assert result["diff"][0]["after"] == "my_local_list = a, c\n"
    assert result["parameters"] == {"my_local_list": "a, c"}


def test_unknown_parameter_not_in_expect_unknown_still_fails_when_already_set(runner, live):
    """The main.cf fallback is only for expect_unknown: a misspelling already in main.cf is refused."""
    (live / "main.cf").write_text("smtpd_helo_requird = yes\n")
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(live), parameters=dict(smtpd_helo_requird=True)))
    assert exit_.failed and "smtpd_helo_requird" in exit_.result["msg"]


def test_absent_removes_only_parameters_that_are_set(runner, live):
    runner.respond = FakePostconf(VALUES)
    result = runner.run(postconf, dict(config_dir=str(live), state="absent",
                                       parameters=["smtpd_helo_required", "never_set"])).result
    assert result["changed_parameters"] == ["smtpd_helo_required"]
    assert [c for c in runner.commands if "-X" in c][0][-2:] == ["-X", "smtpd_helo_required"]
    assert "smtpd_helo_required" in result["parameters"]  # the value that applies after removal
    assert "smtpd_helo_required" not in (live / "main.cf").read_text()


def test_bad_parameter_name_fails_before_postconf_runs(runner, live):
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(live), parameters={"bad name": "x"}))
    assert exit_.failed and "not a Postfix parameter name: bad name" in exit_.result["msg"]
    assert runner.commands == []


def test_present_needs_values(runner, live):
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(live), parameters=dict(mynetworks=None)))
    assert exit_.failed and "mynetworks needs a string" in exit_.result["msg"]


def service(**kwargs):
    base = dict(name="submission", type="inet", state="present", private=None, unprivileged=None, chroot=None,
                wakeup=None, process_limit=None, command=None, options={}, exclusive_options=False)
    base.update(kwargs)
    return base


FULL = dict(private="n", unprivileged="-", chroot="y", wakeup="-", process_limit="-", command="smtpd")
EXISTING = {"private": "n", "unprivileged": "-", "chroot": "y", "wakeup": "-", "process_limit": "-",
            "command": "smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=may"}
EXISTING_OVERRIDES = {"syslog_name": "postfix/submission", "smtpd_tls_security_level": "may"}


def test_new_service_is_added_whole_with_its_overrides():
    calls, error = postconf.plan_service(service(options=dict(syslog_name="postfix/submission",
                                                              smtpd_client_restrictions=["permit_sasl_authenticated",
                                                                                         "reject"]), **FULL),
                                         None, {})
    assert error is None
    assert calls == [["-M", "submission/inet=submission inet n - y - - smtpd -o syslog_name=postfix/submission "
                            "-o smtpd_client_restrictions=permit_sasl_authenticated,reject"]]


def test_new_service_needs_every_column():
    calls, error = postconf.plan_service(service(command="smtpd"), None, {})
    assert calls == [] and "give private, unprivileged, chroot, wakeup, process_limit" in error


def test_changed_override_uses_postconf_P_and_removed_one_PX():
    calls, error = postconf.plan_service(
        service(options=dict(smtpd_tls_security_level="encrypt", syslog_name=None)), EXISTING, EXISTING_OVERRIDES)
    assert error is None
    assert calls == [["-PX", "submission/inet/syslog_name"],
                     ["-P", "submission/inet/smtpd_tls_security_level=encrypt"]]


def test_exclusive_options_remove_the_others():
    calls, dummy = postconf.plan_service(
        service(options=dict(smtpd_tls_security_level="may"), exclusive_options=True), EXISTING, EXISTING_OVERRIDES)
    assert calls == [["-PX", "submission/inet/syslog_name"]]


def test_unchanged_service_needs_no_call():
    calls, dummy = postconf.plan_service(service(options=EXISTING_OVERRIDES, **FULL), EXISTING, EXISTING_OVERRIDES)
    assert calls == []


def test_changed_column_uses_postconf_F():
    calls, dummy = postconf.plan_service(service(chroot="n", process_limit="50"), EXISTING, EXISTING_OVERRIDES)
    assert calls == [["-F", "submission/inet/chroot=n"], ["-F", "submission/inet/process_limit=50"]]


def test_changed_command_keeps_the_overrides():
    calls, dummy = postconf.plan_service(service(command="smtpd -v"), EXISTING, EXISTING_OVERRIDES)
    assert calls == [["-F", "submission/inet/command=smtpd -v -o syslog_name=postfix/submission "
                            "-o smtpd_tls_security_level=may"]]


def test_override_with_blanks_is_written_in_braces():
    calls, dummy = postconf.plan_service(service(options=dict(smtpd_banner="$myhostname ready")),
                                         EXISTING, EXISTING_OVERRIDES)
    assert calls == [["-F", "submission/inet/command=smtpd -o syslog_name=postfix/submission "
                            "-o smtpd_tls_security_level=may -o {smtpd_banner=$myhostname ready}"]]


def test_many_overrides_change_one_by_one():
    overrides = dict(("p%02d" % i, "v%d" % i) for i in range(20))
    wanted = dict(overrides, p03="changed", p17="changed")
    calls, dummy = postconf.plan_service(service(options=wanted), dict(EXISTING, command="smtpd"), overrides)
    assert calls == [["-P", "submission/inet/p03=changed"], ["-P", "submission/inet/p17=changed"]]


def test_absent_service():
    assert postconf.plan_service(service(state="absent"), EXISTING, {}) == ([["-MX", "submission/inet"]], None)
    assert postconf.plan_service(service(state="absent"), None, {}) == ([], None)


# --- master.cf through main() ---------------------------------------------------------------------
class FakeMaster(FakePostconf):
    """FakePostconf with master.cf, one entry a line: postconf -M, -F and -P show and edit it, -MX and
    -PX remove. warn(entries, directory) is what postconf says about master.cf on every run that
    reads it, as Postfix parses the whole file each time."""

    def __init__(self, values, warn=None):
        super().__init__(values)
        self.warn = warn or (lambda entries, directory: "")

    @staticmethod
    def words(text):
        return re.findall(r"\{[^{}]*\}|\S+", text)

    def load(self, directory):
        with open(os.path.join(directory, "master.cf"), encoding="utf-8") as handle:
            return [self.words(line) for line in handle if line.strip() and not line.startswith("#")]

    @staticmethod
    def overrides(words):
        found, index = {}, 8
        while index < len(words) and words[index].startswith("-"):
            if words[index] == "-o":
                name, dummy, value = words[index + 1].strip("{}").partition("=")
                found[name] = (index, value)
                index += 2
            else:
                index += 1
        return found

    def __call__(self, argv):
        args = argv[1:]
        directory = None
        if args[:1] == ["-c"]:
            directory, args = args[1], args[2:]
        if args[:1] not in (["-M"], ["-F"], ["-P"], ["-MX"], ["-PX"]) or (args == ["-M"] and directory is None):
            return super().__call__(argv)
        entries = self.load(directory)
        out = self.master(args[0], args[1:], entries)
        with open(os.path.join(directory, "master.cf"), "w", encoding="utf-8") as handle:
            handle.writelines(" ".join(words) + "\n" for words in entries)
        return 0, out, self.warn(entries, directory)

    def master(self, mode, args, entries):
        by_key = dict(("%s/%s" % (w[0], w[1]), w) for w in entries)
        if mode == "-M" and args and "=" in args[0]:
            key, dummy, text = args[0].partition("=")
            entries[:] = [w for w in entries if "%s/%s" % (w[0], w[1]) != key] + [self.words(text)]
        elif mode == "-M":
            return "".join(" ".join(w) + "\n" for k, w in by_key.items() if not args or k in args)
        elif mode == "-MX":
            entries[:] = [w for w in entries if "%s/%s" % (w[0], w[1]) not in args]
        elif mode == "-F" and args:
            name, kind, field = args[0].partition("=")[0].split("/")
            words = by_key["%s/%s" % (name, kind)]
            value = args[0].partition("=")[2]
            if field == "command":
                words[7:] = self.words(value)
            else:
                words[2 + postconf.MASTER_FIELDS.index(field)] = value
        elif mode == "-F":
            return "".join("%s/%s = %s\n" % (k, f, " ".join(w[7:]) if f == "command" else w[2 + i])
                           for k, w in by_key.items() for i, f in enumerate(postconf.MASTER_FIELDS))
        elif mode == "-P" and args:
            target, dummy, value = args[0].partition("=")
            key, name = target.rsplit("/", 1)
            words = by_key[key]
            if name in self.overrides(words):
                words[self.overrides(words)[name][0] + 1] = "%s=%s" % (name, value)
            else:
                words[8:8] = ["-o", "%s=%s" % (name, value)]
        elif mode == "-P":
            return "".join("%s/%s = %s\n" % (k, n, v) for k, w in by_key.items()
                           for n, (dummy, v) in sorted(self.overrides(w).items()))
        elif mode == "-PX":
            key, name = args[0].rsplit("/", 1)
            index = self.overrides(by_key[key])[name][0]
            del by_key[key][index:index + 2]
        return ""


SUBMISSION = dict(name="submission", type="inet", **FULL)


def run_services(runner, live, services, **kwargs):
    return runner.run(postconf, dict(config_dir=str(live), services=services, **kwargs))


def test_services_are_added_and_then_left_alone(runner, live):
    runner.respond = FakeMaster(VALUES)
    services = [dict(SUBMISSION, options=dict(syslog_name="postfix/submission", smtpd_banner="$myhostname ready"))]
    first = run_services(runner, live, services).result
    second = run_services(runner, live, services).result
    assert first["changed"] and first["changed_services"] == ["submission/inet"]
    assert second["changed"] is False
    assert "submission inet n - y - - smtpd -o syslog_name=postfix/submission -o {smtpd_banner=$myhostname ready}\n" \
        in (live / "master.cf").read_text()


def test_pipe_service_keeps_its_programs_options_and_gets_overrides_where_postfix_reads_them(runner, live):
    """sendmail -oi after argv= is the program's option, not a -o override: accepted, kept, and
    the service's own overrides go before pipe's arguments, where Postfix reads them."""
    runner.respond = FakeMaster(VALUES)
    command = "pipe flags=Rq user=spamd argv=/usr/bin/spamc -e /usr/sbin/sendmail -oi -f ${sender} ${recipient}"
    services = [dict(name="spamassassin", type="unix", private="-", unprivileged="n", chroot="n", wakeup="-",
                     process_limit="-", command=command, options=dict(syslog_name="postfix/spam"))]
    first = run_services(runner, live, services).result
    second = run_services(runner, live, services).result
    assert first["changed"] and second["changed"] is False
    assert ("spamassassin unix - n n - - pipe -o syslog_name=postfix/spam flags=Rq user=spamd argv=/usr/bin/spamc "
            "-e /usr/sbin/sendmail -oi -f ${sender} ${recipient}\n") in (live / "master.cf").read_text()


@pytest.mark.parametrize("changes, message", [
    (dict(options=dict(smtpd_banner="$myhostname\nrelay inet n - y - - smtpd")),
     "services[0] (submission/inet): options.smtpd_banner holds a line break"),
    (dict(options=dict(smtpd_banner="ready\r")), None),
    (dict(options=dict(smtpd_banner="a\rb")), "options.smtpd_banner holds a line break"),
    (dict(options=dict(smtpd_client_restrictions=["permit_mynetworks", "reject\n-o x=y"])),
     "options.smtpd_client_restrictions holds a line break"),
    (dict(options=dict(smtpd_banner="ready} -o {smtpd_relay_restrictions=permit")),
     "options.smtpd_banner has a '}' that closes no '{'"),
    (dict(options=dict(smtpd_banner="x}")), "has a '}' that closes no '{'"),
    (dict(options=dict(smtpd_banner="{ ready")), "has a '{' that is never closed"),
    (dict(options=dict(smtpd_banner={"a": "b"})), "options.smtpd_banner holds a mapping"),
    (dict(private="n y"), "services[0] (submission/inet): private is 'n y'; give y, n or -"),
    (dict(unprivileged="- -"), "unprivileged is '- -'"),
    (dict(chroot="y\n"), None),
    (dict(chroot="yes"), "chroot is 'yes'; give y, n or -"),
    (dict(wakeup="60 ?"), "wakeup is '60 ?'; give - or a number of seconds"),
    (dict(process_limit="1\t00"), "process_limit is '1\\t00'; give - or a number"),
    (dict(name="sub mission"), "services[0]: name 'sub mission' is not a master.cf service name"),
    (dict(name="sub\nmission"), "services[0]: name 'sub\\nmission' is not a master.cf service name"),
    (dict(name="#submission"), "does not start with '#'"),
    (dict(command="smtpd\n-o smtpd_relay_restrictions=permit"), "command holds a line break"),
    (dict(command="smtpd -o smtpd_relay_restrictions=permit"), "command holds the -o override '-o'"),
    (dict(command="smtpd -osmtpd_relay_restrictions=permit"), "command holds the -o override '-osmtpd_relay"),
    (dict(command="smtpd -vo smtpd_relay_restrictions=permit"), "command holds the -o override '-vo'"),
    (dict(command="smtpd {-o smtpd_relay_restrictions=permit}"), "command holds the -o override '{-o smtpd_relay"),
    (dict(command="smtpd -v { -o smtpd_relay_restrictions=permit }"), "command holds the -o override"),
    (dict(command="smtpd {"), "command has a '{' that is never closed"),
    (dict(command="  "), "command is empty"),
])
def test_values_that_would_change_master_cf_structure_are_refused(runner, live, changes, message):
    runner.respond = FakeMaster(VALUES)
    before = (live / "master.cf").read_bytes()
    exit_ = run_services(runner, live, [dict(SUBMISSION, **changes)])
    if message is None:  # outer whitespace only: accepted
        assert not exit_.failed
        return
    assert exit_.failed and message in exit_.result["msg"] and "Nothing was changed" in exit_.result["msg"]
    assert runner.commands == []
    assert (live / "master.cf").read_bytes() == before


def test_every_structural_problem_is_listed(runner, live):
    runner.respond = FakeMaster(VALUES)
    exit_ = run_services(runner, live, [dict(SUBMISSION, private="x y", command="smtpd -o a=b"),
                                        dict(SUBMISSION, name="smtps", options=dict(smtpd_banner="a\nb"))])
    assert exit_.failed
    assert "services[0] (submission/inet): private is" in exit_.result["msg"]
    assert "services[0] (submission/inet): command holds the -o override" in exit_.result["msg"]
    assert "services[1] (smtps/inet): options.smtpd_banner holds a line break" in exit_.result["msg"]


@pytest.mark.parametrize("parameters, message", [
    (dict(smtpd_banner="$myhostname ESMTP\nmynetworks = 0.0.0.0/0"), "parameters: the value of smtpd_banner holds a line break"),
    (dict(smtpd_banner="ready\rmynetworks = 0.0.0.0/0"), "parameters: the value of smtpd_banner holds a line break"),
    (dict(mynetworks=["127.0.0.0/8", "10.0.0.0/8\nrelay_domains = *"]), "the value of mynetworks holds a line break"),
    (dict(mynetworks=["127.0.0.0/8", {"a": "b"}]), "the value of mynetworks holds a mapping"),
    ({"mynetworks\n": "127.0.0.0/8"}, "not a Postfix parameter name: 'mynetworks\\n'"),
])
def test_values_that_would_add_main_cf_lines_are_refused(runner, live, parameters, message):
    runner.respond = FakePostconf(VALUES)
    before = (live / "main.cf").read_bytes()
    exit_ = runner.run(postconf, dict(config_dir=str(live), parameters=parameters))
    assert exit_.failed and message in exit_.result["msg"]
    assert runner.commands == []
    assert (live / "main.cf").read_bytes() == before


def test_outer_line_break_of_a_parameter_value_is_dropped(runner, live):
    """A YAML block scalar ends with a newline: outer whitespace, as Postfix reads main.cf."""
    runner.respond = FakePostconf(VALUES)
    result = runner.run(postconf, dict(config_dir=str(live), parameters=dict(myhostname="relay.example.org\n"))).result
    assert result["changed"] is False


# --- Postfix's warnings about the services the task sets -----------------------------------------
def undefined_parameter(name):
    """postconf's warning about an override value that references a parameter nothing defines."""
    def warn(entries, directory):
        if any("$" + name in " ".join(words) for words in entries):
            return "postconf: warning: %s/master.cf: undefined parameter: %s\n" % (directory, name)
        return ""
    return warn


def test_warning_that_a_service_change_causes_fails_and_changes_nothing(runner, live):
    runner.respond = FakeMaster(VALUES, warn=undefined_parameter("mua_sender_restrictions"))
    before = (live / "master.cf").read_bytes()
    exit_ = run_services(runner, live, [dict(SUBMISSION, options=dict(
        smtpd_sender_restrictions="$mua_sender_restrictions"))])
    assert exit_.failed
    assert "%s/master.cf: undefined parameter: mua_sender_restrictions" % live in exit_.result["msg"]
    assert "remote-tmp" not in exit_.result["msg"]
    assert (live / "master.cf").read_bytes() == before


def test_new_warning_that_names_nothing_of_the_task_still_fails(runner, live):
    """Whatever Postfix says about master.cf only once the task's change is in, the change caused."""
    def warn(entries, directory):
        return "postconf: warning: master.cf: an entry Postfix finds odd\n" if len(entries) > 1 else ""

    runner.respond = FakeMaster(VALUES, warn=warn)
    exit_ = run_services(runner, live, [dict(SUBMISSION, options=dict(syslog_name="postfix/submission"))])
    assert exit_.failed and "master.cf: an entry Postfix finds odd" in exit_.result["msg"]


def test_warning_about_a_service_fails_even_when_it_is_already_so(runner, live):
    """The task asserts the service as it is; Postfix's warning about its override still fails it."""
    (live / "master.cf").write_text("submission inet n - y - - smtpd -o smtpd_sender_restrictions=$mua_sender_restrictions\n")
    runner.respond = FakeMaster(VALUES, warn=undefined_parameter("mua_sender_restrictions"))
    exit_ = run_services(runner, live, [dict(SUBMISSION, options=dict(
        smtpd_sender_restrictions="$mua_sender_restrictions"))])
    assert exit_.failed and "undefined parameter: mua_sender_restrictions" in exit_.result["msg"]


def test_warning_that_names_a_service_of_the_task_fails(runner, live):
    def warn(entries, directory):
        return "postconf: warning: master.cf: submission/inet: something Postfix dislikes\n"

    runner.respond = FakeMaster(VALUES, warn=warn)
    exit_ = run_services(runner, live, [dict(SUBMISSION, options=dict(syslog_name="postfix/submission"))])
    assert exit_.failed and "submission/inet: something Postfix dislikes" in exit_.result["msg"]


def test_old_warning_about_another_service_does_not_fail_the_task(runner, live):
    (live / "master.cf").write_text("smtp inet n - y - - smtpd\nrelay unix - - n - - smtp -o x=$undefined_thing\n")
    runner.respond = FakeMaster(dict(VALUES, x="1"), warn=undefined_parameter("undefined_thing"))
    result = run_services(runner, live, [dict(SUBMISSION, options=dict(syslog_name="postfix/submission"))]).result
    assert result["changed"] and result["changed_services"] == ["submission/inet"]


# --- config_dir: failures, never tracebacks --------------------------------------------------------
def test_config_dir_that_does_not_exist(runner, tmp_path):
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(tmp_path / "nowhere"), parameters=dict(myhostname="x")))
    assert exit_.failed and exit_.result["msg"].startswith("config_dir: %s does not exist" % (tmp_path / "nowhere"))
    assert runner.commands == [] and not (tmp_path / "nowhere").exists()


def test_config_dir_that_is_a_file(runner, tmp_path):
    (tmp_path / "file").write_text("")
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(tmp_path / "file"), parameters=dict(myhostname="x")))
    assert exit_.failed and "config_dir: %s is not a directory" % (tmp_path / "file") in exit_.result["msg"]


@pytest.mark.parametrize("name", ["main.cf", "master.cf"])
def test_main_cf_or_master_cf_that_is_a_directory(runner, tmp_path, name):
    (tmp_path / name).mkdir()
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(tmp_path), parameters=dict(myhostname="x")))
    assert exit_.failed and exit_.result["msg"].startswith("config_dir: %s is not a regular file" % (tmp_path / name))
    assert runner.commands == []


def test_config_dir_with_a_line_break(runner, tmp_path):
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(tmp_path) + "\n/etc", parameters=dict(myhostname="x")))
    assert exit_.failed and exit_.result["msg"].startswith("config_dir: ") and "holds a line break" in exit_.result["msg"]


def test_config_dir_that_is_not_writable(runner, live, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **kw: False if p == str(live) else real_access(p, m, **kw))
    before = (live / "main.cf").read_bytes()
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(live), parameters=dict(smtpd_helo_required=True)))
    assert exit_.failed and exit_.result["msg"].startswith("config_dir: %s is not writable" % live)
    assert (live / "main.cf").read_bytes() == before


def test_config_files_that_cannot_be_read(runner, live, monkeypatch):
    def unreadable(source, destination, **kwargs):
        raise PermissionError(13, "Permission denied", source)

    monkeypatch.setattr(shutil, "copyfile", unreadable)
    runner.respond = FakePostconf(VALUES)
    exit_ = runner.run(postconf, dict(config_dir=str(live), parameters=dict(myhostname="x")))
    assert exit_.failed
    assert exit_.result["msg"].startswith("config_dir: cannot read %s/main.cf (Permission denied)" % live)
