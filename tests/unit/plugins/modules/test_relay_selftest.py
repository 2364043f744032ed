# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hardened.relay.relay_selftest: the module's result and failures, with real conversations against
a scripted SMTP server on 127.0.0.1 and the ip commands answered by the test."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import socket
import socketserver
import threading

import pytest

from ansible_collections.hardened.relay.plugins.module_utils import smtp_selftest
from ansible_collections.hardened.relay.plugins.modules import relay_selftest

IP = "/usr/sbin/ip"  # what the conftest's get_bin_path answers
DENIED = "554 5.7.1 <hardened-relay-selftest@selftest.invalid>: Relay access denied"


class ScriptedHandler(socketserver.StreamRequestHandler):
    """Greets, answers each verb from the server's `replies`, records what it receives."""

    timeout = 10

    def handle(self):
        self.server.peers.append(self.client_address[0])
        self.wfile.write(b"220 fake.test ESMTP\r\n")
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.server.received.append(line)
            verb = line.split(" ", 1)[0].upper()
            self.wfile.write(self.server.replies.get(verb, "502 5.5.2 Error").encode() + b"\r\n")
            if verb == "QUIT":
                return


@pytest.fixture(name="smtp")
def smtp_fixture():
    servers = []

    def start(**replies):
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), ScriptedHandler)
        server.daemon_threads = True
        server.replies = dict(EHLO="250-fake.test\r\n250 PIPELINING", MAIL="250 2.1.0 Ok", RCPT=DENIED,
                              RSET="250 2.0.0 Ok", DATA="354 go ahead", QUIT="221 2.0.0 Bye")
        server.replies.update(replies)
        server.received, server.peers = [], []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class HostIP:
    """Answers the module's ip commands: this host has `addresses`; adds and removes succeed."""

    def __init__(self, *addresses):
        self.addresses = list(addresses)

    def __call__(self, argv):
        assert argv[0] == IP, argv
        args = argv[1:]
        if args == ["-j", "address", "show"]:
            return 0, json.dumps([dict(ifname="lo", addr_info=[dict(local=a) for a in self.addresses])]), ""
        if args[:2] == ["address", "add"]:
            self.addresses.append(args[2].split("/")[0])
            return 0, "", ""
        if args[:2] == ["address", "del"]:
            self.addresses.remove(args[2].split("/")[0])
            return 0, "", ""
        raise AssertionError(argv)


def changes(runner):
    return [argv[1:3] + [argv[3]] for argv in runner.commands if argv[1:2] == ["address"]]


def args(*listeners, **extra):
    return dict(dict(listeners=list(listeners), trusted_networks=["10.0.0.0/8", "[::1]/128"], timeout=5), **extra)


def test_a_refusing_listener_passes_and_the_test_address_goes_away(runner, smtp):
    server = smtp()
    runner.respond = ip = HostIP("127.0.0.1", "::1")
    # 127.0.0.2 is not on the (answered) host, so the module adds it, like a chosen candidate;
    # the kernel lets the test bind it anyway, as all of 127.0.0.0/8 is local.
    outcome = runner.run(relay_selftest, args(dict(name="smtp/inet", port=server.server_address[1]),
                                              source_address="127.0.0.2"))
    assert not outcome.failed, outcome.result["msg"]
    result = outcome.result
    assert result["changed"] is False
    assert result["source_address"] == "127.0.0.2" and result["source_addresses"] == ["127.0.0.2"]
    assert result["msg"] == "All 1 listeners refused to relay for a stranger at 127.0.0.2."
    item = result["listeners"][0]
    assert (item["name"], item["verdict"], item["stage"], item["reply"]) == ("smtp/inet", "refused", "rcpt", DENIED)
    assert item["source"] == "127.0.0.2" and server.peers == ["127.0.0.2"]
    assert "compact" not in item
    assert changes(runner) == [["address", "add", "127.0.0.2/32"], ["address", "del", "127.0.0.2/32"]]
    assert ip.addresses == ["127.0.0.1", "::1"]


def test_a_relaying_listener_fails_with_its_dialogue_and_gets_no_data(runner, smtp):
    refusing, relaying = smtp(), smtp(RCPT="250 2.1.5 Ok")
    runner.respond = HostIP("127.0.0.1")
    outcome = runner.run(relay_selftest, args(dict(name="smtp/inet", port=refusing.server_address[1]),
                                              dict(name="127.0.0.1:2525/inet", port=relaying.server_address[1],
                                                   tls="none"),
                                              source_address="127.0.0.1"))
    assert outcome.failed
    msg = outcome.result["msg"]
    assert msg.startswith("relay_selftest: 1 of 2 listeners failed. 127.0.0.1:2525/inet (127.0.0.1 port %d, tested "
                          "from 127.0.0.1) RELAYS FOR A STRANGER: RCPT TO:<hardened-relay-selftest@selftest.invalid> "
                          "was accepted" % relaying.server_address[1])
    assert "C: RCPT TO:<hardened-relay-selftest@selftest.invalid> | S: 250 2.1.5 Ok | C: RSET" in msg
    assert "smtp/inet (" not in msg
    assert [item["verdict"] for item in outcome.result["listeners"]] == ["refused", "relayed"]
    assert outcome.result["changed"] is False
    assert relaying.received[-2:] == ["RSET", "QUIT"] and "DATA" not in relaying.received
    # The host had the address: nothing was added or removed.
    assert changes(runner) == []


def test_a_listener_that_is_not_serving_fails(runner):
    port = free_port()
    runner.respond = HostIP("127.0.0.1")
    outcome = runner.run(relay_selftest, args(dict(name="submission/inet", port=port), source_address="127.0.0.1"))
    assert outcome.failed
    assert ("submission/inet (127.0.0.1 port %d, tested from 127.0.0.1) is not serving: the connection to 127.0.0.1 "
            "port %d was refused" % (port, port)) in outcome.result["msg"]
    assert outcome.result["listeners"][0]["verdict"] == "unreachable"


def test_check_mode_skips_after_checking_the_options(runner, smtp):
    server = smtp()
    runner.respond = HostIP("127.0.0.1")
    outcome = runner.run(relay_selftest, args(dict(name="smtp/inet", port=server.server_address[1])), check_mode=True)
    assert not outcome.failed and outcome.result["skipped"] is True and outcome.result["changed"] is False
    assert "check_mode: false" in outcome.result["msg"]
    assert runner.commands == [] and server.received == [] and server.peers == []
    bad = runner.run(relay_selftest, args(dict(name="smtp/inet", port=25), helo="localhost"), check_mode=True)
    assert bad.failed and bad.result["msg"].startswith("helo: 'localhost' does not look like")


def test_options_are_refused_in_sentences_before_the_host_is_touched(runner):
    runner.respond = HostIP()
    outcome = runner.run(relay_selftest, dict(listeners=[dict(name="smtp/inet", port=25)],
                                              trusted_networks=["127.0.0.0/8", "hash:/etc/postfix/network_table"]))
    assert outcome.failed and outcome.result["msg"].startswith(
        "trusted_networks: 'hash:/etc/postfix/network_table' is not an address or a network.")
    assert runner.commands == []


def test_a_chosen_candidate_is_added_and_removed(runner, monkeypatch):
    seen = []

    def refused(listener, source, **kwargs):
        seen.append(str(source))
        return dict(name=listener["name"], host=str(listener["host"]), port=listener["port"], tls=listener["tls"],
                    source=str(source), verdict="refused", stage="rcpt", reply=DENIED, encrypted=False,
                    detail="refused at RCPT", dialogue=[], compact=[])

    monkeypatch.setattr(smtp_selftest, "converse", refused)
    runner.respond = HostIP("127.0.0.1", "198.18.25.25")
    outcome = runner.run(relay_selftest, dict(listeners=[dict(name="smtp/inet", port=25)],
                                              trusted_networks=["127.0.0.0/8", "[::1]/128", "198.19.0.0/16"]))
    assert not outcome.failed
    assert seen == ["100.64.25.25"] and outcome.result["source_address"] == "100.64.25.25"
    assert [argv for argv in runner.commands if argv[1] == "address"] == [
        [IP, "address", "add", "100.64.25.25/32", "dev", "lo", "label", "lo:hrselftest"],
        [IP, "address", "del", "100.64.25.25/32", "dev", "lo"]]


def test_the_address_is_removed_when_a_conversation_raises(runner, monkeypatch):
    def crash(listener, source, **kwargs):
        raise RuntimeError("conversation crashed")

    monkeypatch.setattr(smtp_selftest, "converse", crash)
    runner.respond = HostIP("127.0.0.1")
    with pytest.raises(RuntimeError, match="conversation crashed"):
        runner.run(relay_selftest, args(dict(name="smtp/inet", port=25)))
    assert changes(runner) == [["address", "add", "198.18.25.25/32"], ["address", "del", "198.18.25.25/32"]]


def test_sigterm_fails_with_a_sentence_after_removing_the_address(runner, monkeypatch):
    def terminated(listener, source, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the test")

    monkeypatch.setattr(smtp_selftest, "converse", terminated)
    runner.respond = HostIP("127.0.0.1")
    outcome = runner.run(relay_selftest, args(dict(name="smtp/inet", port=25)))
    assert outcome.failed
    assert outcome.result["msg"] == ("relay_selftest: stopped by signal %d before the test ended; the test address "
                                     "was removed from lo." % signal.SIGTERM)
    assert changes(runner) == [["address", "add", "198.18.25.25/32"], ["address", "del", "198.18.25.25/32"]]


def test_printed_result_is_json_with_warnings_for_weak_refusals(runner, smtp):
    server = smtp(MAIL="450 4.1.8 <selftest@hardened-relay.invalid>: Sender address rejected: Domain not found")
    runner.respond = HostIP("127.0.0.1")
    outcome = runner.run_json(relay_selftest, args(dict(name="smtp/inet", port=server.server_address[1]),
                                                   source_address="127.0.0.1"))
    assert not outcome.failed
    item = outcome.result["listeners"][0]
    assert (item["verdict"], item["stage"]) == ("refused", "mail")
    assert item["dialogue"][0].startswith("* connected from 127.0.0.1 to 127.0.0.1 port ")
    # ansible-core 2.19 prints warnings as structured events; the sentence is inside.
    assert "smtp/inet turned the stranger away at MAIL (450 4.1.8" in json.dumps(outcome.result["warnings"])
