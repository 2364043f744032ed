# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardened.relay.postconf: what it asks postconf to do, and what it reports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

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
