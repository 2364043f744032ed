# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pieces of relay_config/transaction.py on their own: master.cf entries as postconf -M takes
them, what counts as a change, the install order, the facts of the installed Postfix, the greeting
check, and how secrets are kept out of what Postfix's words are quoted in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import socket
import socketserver
import threading

import pytest

from ansible_collections.hardened.relay.plugins.module_utils import postfix as postfix_utils
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import transaction
from ansible_collections.hardened.relay.plugins.module_utils.relay_config.transaction import (
    Item, Secrets, TransactionError, built_change, check_config, entry_line, fresh_directory, greet_once,
    installed_facts, master_diff, master_entries, redact, replace_with, shipped_compatibility_level, wait_for_greeting,
)

HASH_MAGIC = b"\0" * 12 + b"\x61\x15\x06\x00"
BTREE_MAGIC = b"\0" * 12 + b"\x62\x31\x05\x00"


def service(command="smtpd", **options):
    return dict(name="submission", type="inet", state="present", private="n", unprivileged="-", chroot="y",
                wakeup="-", process_limit="-", command=command, options=options)


# ---- master.cf -------------------------------------------------------------------------------

def test_an_entry_line_puts_the_overrides_after_the_daemon_options():
    assert entry_line(service(syslog_name="postfix/submission", smtpd_tls_security_level="encrypt")) == (
        "submission inet n - y - - smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt")
    assert entry_line(service("smtpd -v", smtpd_banner="$myhostname  ESMTP  test")) == (
        "submission inet n - y - - smtpd -v -o {smtpd_banner=$myhostname ESMTP test}")
    # After pipe's own options, before its arguments: there they would be arguments of the program.
    assert entry_line(service("pipe flags=Rq user=filter argv=/usr/bin/filter -f ${sender}", a="b")) == (
        "submission inet n - y - - pipe -o a=b flags=Rq user=filter argv=/usr/bin/filter -f ${sender}")


def test_master_entries_are_logical_lines_keyed_by_name_and_type():
    text = ("# comment\nsmtp      inet  n  -  y  -  -  smtpd\n#submission inet n - y - - smtpd\n"
            "smtps inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=yes\npickup unix n - y 60 1 pickup\n")
    assert master_entries(text) == {"smtp/inet": "smtp      inet  n  -  y  -  -  smtpd",
                                    "smtps/inet": "smtps inet n - y - - smtpd -o smtpd_tls_wrappermode=yes",
                                    "pickup/unix": "pickup unix n - y 60 1 pickup"}
    diff = master_diff("/etc/postfix/master.cf", text, "smtp inet n - y - - postscreen\npickup unix n - y 60 1 pickup\n")
    assert diff == dict(before_header="/etc/postfix/master.cf", after_header="/etc/postfix/master.cf",
                        before="smtp      inet  n  -  y  -  -  smtpd\nsmtps inet n - y - - smtpd -o smtpd_tls_wrappermode=yes\n",
                        after="smtp inet n - y - - postscreen\n")


# ---- Secrets -----------------------------------------------------------------------------------

def test_secrets_hide_values_and_their_parts_but_not_short_words():
    secrets = Secrets({"/etc/postfix/maps/sasl_passwd": {"[smtp.example.net]:587": "relayuser:Zebra  S3cret"}})
    assert secrets.entries == {"/etc/postfix/maps/sasl_passwd": [["[smtp.example.net]:587", "relayuser:Zebra S3cret"]]}
    assert secrets.values() == {"relayuser:Zebra S3cret"}
    assert secrets.hide("login relayuser:Zebra S3cret, user relayuser, password S3cret") == \
        "login ********, user ********, password ********"
    short = Secrets({"/t": {"k": "bob:pw"}})
    assert short.hide("bob said pw; bob:pw") == "bob said pw; ********"


def test_secret_entries_that_are_no_mapping_are_refused_without_showing_them():
    with pytest.raises(TransactionError) as caught:
        Secrets({"/t": ["hunter2-secret"]})
    assert str(caught.value) == "secret_entries: the entries of /t must be a mapping {key: value}."
    with pytest.raises(TransactionError, match=r"entry 0 of /t must be a key with a non-empty string value"):
        Secrets({"/t": {"key": ""}})


def test_a_warning_about_a_secret_table_is_cut_after_the_key():
    path = "/etc/postfix/maps/sasl_passwd"
    assert redact('postmap: warning: %s.db: duplicate entry: "[smtp]:587"' % path, path, ["[smtp]:587"]) == \
        'postmap: warning: %s.db: duplicate entry: "[smtp]:587"' % path
    assert redact('postmap: warning: %s, line 1: "[smtp]:587 user:pw"' % path, path, ["[smtp]:587"]) == \
        'postmap: warning: %s, line 1: "[smtp]:587 [the rest is hidden: the table is secret]' % path
    assert redact('postmap: warning: %s, line 3: expected format: "key whitespace value"' % path, path, ["[smtp]:587"]) == \
        "postmap: warning: %s, line 3: expected format: [the rest is hidden: the table is secret]" % path


# ---- The configuration given -----------------------------------------------------------------

def test_check_config_names_every_problem_and_no_secret():
    config = dict(main_cf=[], postconf_services=[dict(name="smtp", type="inet", command="")], listeners=[{}],
                  tables=[dict(path="maps/x", type="dbm", entries=[["a", "b"]]),
                          dict(path="/m/secret", type="hash", secret=True, entries=[["k", "********"]]),
                          dict(path="/m/t", type="hash", mode="644x", entries=[["a", "b"]])],
                  files=[dict(path="/m/t", content="x", mode="0644")])
    secrets = Secrets({"/m/other": {"k": "hunter2-secret"}})
    with pytest.raises(TransactionError) as caught:
        check_config(config, secrets)
    message = str(caught.value)
    for expected in ("config.tables[0]: path 'maps/x' must be an absolute file path",
                     "config.tables[0] (maps/x): type 'dbm' is not one of auto, hash",
                     "config.tables[1]: /m/secret is a secret table, and secret_entries gives no entries for it.",
                     "config.tables[2] (/m/t): mode '644x' is not an octal file mode",
                     "config.postconf_services[0] (smtp/inet): command is empty.",
                     "config.listeners[0] must be {name, host, port, tls}.",
                     "secret_entries names /m/other, which config.tables has no secret table for.",
                     "config writes /m/t more than once"):
        assert expected in message
    assert "hunter2" not in message


def test_check_config_takes_the_real_entries_of_a_secret_table_and_makes_it_root_only():
    config = dict(main_cf=[], tables=[dict(path="/m/sasl", type="auto", secret=True, mode="0644",
                                           entries=[["[relay]:587", "********"]])])
    tables, files, services = check_config(config, Secrets({"/m/sasl": {"[relay]:587": "u:p"}}))
    assert tables == [dict(path="/m/sasl", type="auto", flavour="postmap", secret=True, mode=0o600,
                           entries=[("[relay]:587", "u:p")], text="[relay]:587 u:p\n", keep_existing=False,
                           wanted=False)]
    assert (files, services) == ([], [])


def test_a_table_comes_as_its_source_text_or_as_entries_and_a_secret_one_never_as_text():
    config = dict(main_cf=[], tables=[
        dict(path="/m/a", type="hash", source="a OK\nb REJECT\n"),
        dict(path="/m/b", type="cidr", entries=[["10.0.0.0/8", "OK"]]),
    ])
    tables, dummy, dummy2 = check_config(config, Secrets({}))
    assert [(t["text"], t["entries"]) for t in tables] == [("a OK\nb REJECT\n", None), ("10.0.0.0/8 OK\n", None)]
    for bad in (dict(path="/m/s", secret=True, source="k v\n", entries=[["k", "********"]]),
                dict(path="/m/t", source=["a OK"]), dict(path="/m/u", source="a OK\n", entries=[])):
        with pytest.raises(TransactionError) as caught:
            check_config(dict(main_cf=[], tables=[bad]), Secrets({"/m/s": {"k": "v"}}))
        assert "source is the text of a table that is not secret" in str(caught.value)


# ---- Facts -------------------------------------------------------------------------------------

def test_installed_facts_come_from_the_built_in_defaults_and_the_shipped_proto(tmp_path):
    (tmp_path / "main.cf.proto").write_text("# proto\ncompatibility_level = 3.7\n")
    calls = []

    def run(argv):
        calls.append(argv)
        return 0, "mail_version = 3.7.11\ndefault_database_type = lmdb\n", "postconf: warning: no master.cf\n"

    assert installed_facts(run, "/usr/sbin/postconf", str(tmp_path)) == dict(
        mail_version="3.7.11", version_tuple=[3, 7, 11], default_database_type="lmdb", max_compatibility_level="3.7")
    assert calls == [["/usr/sbin/postconf", "-d", "mail_version", "default_database_type"]]


def test_without_a_proto_the_level_falls_back_by_version(tmp_path, monkeypatch):
    monkeypatch.setattr(postfix_utils, "DISTRIBUTED_PROTOS", ())
    assert shipped_compatibility_level(str(tmp_path), [3, 10, 2]) == "3.6"
    assert shipped_compatibility_level(str(tmp_path), [3, 5, 0]) == "2"


def test_a_postconf_that_prints_no_version_is_named():
    with pytest.raises(TransactionError) as caught:
        installed_facts(lambda argv: (1, "", "postconf: fatal: bad"), "/bin/postconf")
    assert str(caught.value) == ("Could not learn the installed Postfix's version and default table type: -d mail_version "
                                 "default_database_type printed postconf: fatal: bad. Check that Postfix is installed "
                                 "and /bin/postconf is its postconf.")


# ---- What counts as a change ---------------------------------------------------------------------

def table_items(tmp_path, resolved="hash", source_changed=""):
    source = tmp_path / "access"
    source.write_text("a OK\n")
    os.chmod(str(source), 0o644)
    table = dict(path=str(source), resolved=resolved, mode=0o644)
    source_item = Item(str(source), "source", 0o644, b"a OK\n", table=table)
    source_item.changed = source_changed
    return table, source_item, Item(str(source) + ".db", "table", 0o644, table=table)


def test_a_built_table_is_current_only_when_newer_of_the_type_and_mode(tmp_path):
    table, source, built = table_items(tmp_path)
    assert built_change(table, source, built) == "missing"
    path = tmp_path / "access.db"
    path.write_bytes(HASH_MAGIC)
    os.chmod(str(path), 0o644)
    assert built_change(table, source, built) == ""
    source.changed = "content"
    assert built_change(table, source, built) == "source changed"
    source.changed = ""
    os.utime(str(path), ns=(1, 1))
    assert built_change(table, source, built) == "older than its source"
    path.write_bytes(BTREE_MAGIC)
    assert built_change(table, source, built) == "not a hash table"
    path.write_bytes(HASH_MAGIC)
    os.chmod(str(path), 0o640)
    assert built_change(table, source, built) == "mode 0640, not 0644"


def test_the_install_order_puts_tables_before_main_cf_and_each_table_before_its_source():
    tables = [dict(path="/m/a"), dict(path="/m/b")]
    items = [Item("/etc/postfix/main.cf", "main.cf", 0o644), Item("/m/b", "source", 0o644, table=tables[1]),
             Item("/etc/postfix/master.cf", "master.cf", 0o644), Item("/m/a.db", "table", 0o644, table=tables[0]),
             Item("/m/b.db", "table", 0o644, table=tables[1]), Item("/etc/postfix/sasl/smtpd.conf", "file", 0o644),
             Item("/m/a", "source", 0o644, table=tables[0])]
    assert [i.live for i in transaction.Transaction.install_order(items)] == [
        "/etc/postfix/sasl/smtpd.conf", "/m/b.db", "/m/b", "/m/a.db", "/m/a", "/etc/postfix/master.cf",
        "/etc/postfix/main.cf"]


def test_a_fresh_directory_loses_only_what_the_module_puts_there(tmp_path):
    stage = tmp_path / "stage"
    (stage / "root" / "etc").mkdir(parents=True)
    (stage / "main.cf").write_text("old")
    (stage / "notes.txt").write_text("the operator's")
    os.chmod(str(stage), 0o755)
    fresh_directory(str(stage), ["main.cf", "master.cf", "root"])
    assert sorted(os.listdir(str(stage))) == ["notes.txt"]
    assert os.stat(str(stage)).st_mode & 0o777 == 0o700


# ---- Greetings -------------------------------------------------------------------------------

class Greeting(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(self.server.greeting)
        self.server.said.append(self.rfile.readline(100))


@pytest.fixture(name="greeter")
def greeter_fixture():
    servers = []

    def start(greeting):
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Greeting)
        server.daemon_threads = True
        server.greeting, server.said = greeting, []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return dict(name="test/inet", host="127.0.0.1", port=server.server_address[1], tls="starttls"), server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_a_greeting_is_220_and_gets_a_quit(greeter):
    listener, server = greeter(b"220 relay.test ESMTP\r\n")
    assert greet_once(listener, 5) is None
    listener, postscreen = greeter(b"220-relay.test ESMTP\r\n")
    assert greet_once(listener, 5) is None  # postscreen's first line; its pregreet test is not disturbed
    listener, busy = greeter(b"421 4.3.2 Service shutting down\r\n")
    assert greet_once(listener, 5) == "127.0.0.1 port %d answered '421 4.3.2 Service shutting down' instead of a " \
                                      "220 greeting" % listener["port"]
    server.shutdown()
    assert server.said == [b"QUIT\r\n"] and postscreen.said == [b""]


def test_a_wrapper_listener_must_complete_a_tls_handshake(greeter):
    listener, server = greeter(b"220 relay.test ESMTP\r\n")
    problem = greet_once(dict(listener, tls="wrapper"), 5)
    assert problem.startswith("the TLS handshake with 127.0.0.1 port %d failed (" % listener["port"])


def test_waiting_for_a_greeting_retries_until_the_deadline():
    port = closed_port()
    # Each try reads the clock twice (for its timeout, then against the deadline): 1 < 5, 3 < 5, 5.
    clock = iter(range(100)).__next__
    naps = []
    problem = wait_for_greeting(dict(name="smtp/inet", host="127.0.0.1", port=port, tls="starttls"), 5,
                                clock=clock, sleep=naps.append)
    assert problem.startswith("could not connect to 127.0.0.1 port %d (" % port)
    assert naps == [transaction.RETRY_SECONDS / 2.0] * 2


class Module216:
    """An AnsibleModule of ansible-core 2.16 as far as replace_with looks: atomic_move without
    keep_dest_attrs (and it gives the new file the old one's attributes, which must not happen)."""

    def __init__(self, selinux=False):
        self.selinux = selinux
        self.contexts = []

    def atomic_move(self, src, dest, unsafe_writes=False):
        raise AssertionError("replace_with must not use 2.16's atomic_move")

    def selinux_enabled(self):
        return self.selinux

    def selinux_default_context(self, path):
        return ["system_u", "object_r", "postfix_etc_t", "s0"]

    def set_context_if_different(self, path, context, changed):
        self.contexts.append((path, context))
        return True


class Module217(Module216):
    def __init__(self):
        self.moves = []

    def atomic_move(self, src, dest, unsafe_writes=False, keep_dest_attrs=True):
        self.moves.append((src, dest, keep_dest_attrs))
        os.rename(src, dest)


@pytest.fixture(name="staged")
def staged_fixture(tmp_path):
    live, staged = tmp_path / "live", tmp_path / "staged"
    live.write_text("old secret\n")
    os.chmod(str(live), 0o644)
    staged.write_text("new secret\n")
    os.chmod(str(staged), 0o600)
    os.utime(str(staged), ns=(1000000000, 2000000000))
    return str(staged), str(live)


def assert_replaced(staged, live):
    status = os.stat(live)
    assert open(live).read() == "new secret\n" and not os.path.exists(staged)
    assert (status.st_mode & 0o7777, status.st_mtime_ns, status.st_uid) == (0o600, 2000000000, os.getuid())


def test_replace_with_keeps_the_staged_attributes_on_ansible_core_2_17_and_later(staged):
    module = Module217()
    replace_with(module, *staged)
    assert module.moves == [(staged[0], staged[1], False)]
    assert_replaced(*staged)


def rename_across_devices(monkeypatch, staged, fail_second=False):
    """os.rename as the kernel does it when the staged file is on another file system: EXDEV
    for the staged file itself (and, with fail_second, an error for the copy's rename too)."""
    real_rename = os.rename
    calls = []

    def rename(src, dest):
        calls.append(src)
        if src == staged[0]:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        if fail_second:
            raise OSError(errno.EIO, "Input/output error")
        return real_rename(src, dest)
    monkeypatch.setattr(transaction.os, "rename", rename)
    return calls


@pytest.mark.parametrize("other_file_system", [False, True])
def test_replace_with_keeps_the_staged_attributes_on_ansible_core_2_16(staged, monkeypatch, other_file_system):
    calls = rename_across_devices(monkeypatch, staged) if other_file_system else []
    module = Module216()
    replace_with(module, *staged)
    assert_replaced(*staged)
    assert os.listdir(os.path.dirname(staged[1])) == ["live"]  # no temporary copy left behind
    assert len(calls) == (2 if other_file_system else 0) and module.contexts == []


def test_replace_with_keeps_the_staged_file_when_the_copy_cannot_be_renamed(staged, monkeypatch):
    rename_across_devices(monkeypatch, staged, fail_second=True)
    with pytest.raises(OSError):
        replace_with(Module216(), *staged)
    assert open(staged[0]).read() == "new secret\n" and open(staged[1]).read() == "old secret\n"
    assert sorted(os.listdir(os.path.dirname(staged[1]))) == ["live", "staged"]


def test_replace_with_gives_the_default_selinux_context_on_ansible_core_2_16(staged):
    module = Module216(selinux=True)
    replace_with(module, *staged)
    assert_replaced(*staged)
    assert module.contexts == [(staged[1], ["system_u", "object_r", "postfix_etc_t", "s0"])]
