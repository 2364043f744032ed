# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stranger's relay test: the address choice, the loopback address's life, and real SMTP
conversations with a scripted server on 127.0.0.1."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading

import pytest

from ansible_collections.hardened.relay.plugins.module_utils import smtp_selftest as st

ADDR = ipaddress.ip_address
RELAY_DENIED = "554 5.7.1 <hardened-relay-selftest@selftest.invalid>: Relay access denied"
SILENT = object()   # a reply the fake server never sends (it waits until the client hangs up)
HANGUP = object()   # the fake server closes the connection instead of replying


# ---- A scripted SMTP server ---------------------------------------------------------------------

class FakeSMTP:
    """Answers each command from `replies` (verb -> reply text, CRLF between lines of a multi-line
    reply, SILENT or HANGUP), records every line it receives and the client's address."""

    def __init__(self, greeting="220 fake.test ESMTP", replies=None, starttls=None, wrapper=None):
        self.greeting = greeting
        self.starttls = starttls      # a server SSLContext: STARTTLS is offered and works
        self.wrapper = wrapper        # a server SSLContext: TLS from the first byte
        self.replies = {
            "EHLO": "250-fake.test\r\n250-PIPELINING\r\n%s250 8BITMIME" % ("250-STARTTLS\r\n" if starttls else ""),
            "HELO": "250 fake.test",
            "MAIL": "250 2.1.0 Ok",
            "RCPT": RELAY_DENIED,
            "RSET": "250 2.0.0 Ok",
            "DATA": "354 End data with <CR><LF>.<CR><LF>",
            "QUIT": "221 2.0.0 Bye",
        }
        self.replies.update(replies or {})
        self.received = []
        self.peers = []
        self.tls_seen = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self):
        self._stop.set()
        self._thread.join(10)
        self.sock.close()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.peers.append(peer[0])
            try:
                self._session(conn)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    def _wait_for_hangup(self, conn):
        while not self._stop.is_set():
            try:
                if not conn.recv(4096):
                    return
            except socket.timeout:
                continue

    def _session(self, conn):
        conn.settimeout(0.5)
        if self.wrapper:
            conn.settimeout(10)
            conn = self.wrapper.wrap_socket(conn, server_side=True)
            self.tls_seen.append("wrapper")
        if self.greeting is SILENT:
            self._wait_for_hangup(conn)
            return
        conn.sendall(self.greeting.encode() + b"\r\n")
        conn.settimeout(10)
        reader = conn.makefile("rb")
        while True:
            raw = reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.received.append(line)
            verb = line.split(" ", 1)[0].upper()
            if verb == "STARTTLS" and self.starttls and "STARTTLS" not in self.replies:
                conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                conn = self.starttls.wrap_socket(conn, server_side=True)
                reader = conn.makefile("rb")
                self.tls_seen.append("starttls")
                continue
            reply = self.replies.get(verb, "502 5.5.2 Error: command not recognized")
            if reply is HANGUP:
                return
            if reply is SILENT:
                conn.settimeout(0.5)
                self._wait_for_hangup(conn)
                return
            conn.sendall(reply.encode() + b"\r\n")
            if verb == "QUIT":
                return


@pytest.fixture(name="serve")
def serve_fixture():
    servers = []

    def start(**kwargs):
        server = FakeSMTP(**kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(name="server_tls", scope="module")
def server_tls_fixture(tmp_path_factory):
    """A server SSLContext with a self-signed certificate made by the openssl CLI."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is not installed")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=fake.test"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def listener(server_or_port, tls="starttls", name="smtp/inet"):
    port = server_or_port if isinstance(server_or_port, int) else server_or_port.port
    return dict(name=name, host=ADDR("127.0.0.1"), port=port, tls=tls)


def talk(server, tls="starttls", source="127.0.0.1", timeout=5, **kwargs):
    return st.converse(listener(server, tls), ADDR(source), timeout=timeout, **kwargs)


def free_port():
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# ---- Networks and the address choice ------------------------------------------------------------

def test_postfix_notation_networks():
    networks = st.parse_networks(["127.0.0.0/8", "[::1]/128", "192.0.2.7", "[2001:db8::5]",
                                  "10.0.0.0/8, 172.16.0.0/12  [fe80::]/10", "!198.18.0.0/16", "10.1.2.3/8"])
    assert [str(n) for n in networks] == ["127.0.0.0/8", "::1/128", "192.0.2.7/32", "2001:db8::5/128",
                                          "10.0.0.0/8", "172.16.0.0/12", "fe80::/10", "198.18.0.0/16",
                                          "10.0.0.0/8"]


@pytest.mark.parametrize("entry", ["hash:/etc/postfix/network_table", "/etc/postfix/networks", "relay.example.net",
                                   "192.0.2.0/33", "[::1]/abc", "2001:db8::/", "cidr:/etc/postfix/trusted.cidr"])
def test_tables_files_and_names_are_refused(entry):
    with pytest.raises(st.SelftestError, match="trusted_networks: .* is not an address or a network"):
        st.parse_networks(["127.0.0.0/8", entry])


def test_ipv4_mapped_networks_cover_ipv4_addresses():
    networks = st.parse_networks(["[::ffff:198.18.0.0]/112"])
    assert st.trusting_network(ADDR("198.18.25.25"), networks) == networks[0]
    assert st.trusting_network(ADDR("198.19.25.25"), networks) is None
    assert st.trusting_network(ADDR("::ffff:10.1.1.1"), st.parse_networks(["10.0.0.0/8"])) is not None


def test_networks_shown_in_postfix_notation():
    shown = [st.postfix_notation(n) for n in st.parse_networks(["[::1]/128", "[::ffff:127.0.0.0]/104", "10.0.0.0/8"])]
    assert shown == ["[::1]/128", "[::ffff:127.0.0.0]/104", "10.0.0.0/8"]


def test_first_candidate_when_nothing_covers_it():
    usable, skipped = st.usable_candidates(4, st.parse_networks(["127.0.0.0/8", "[::1]/128"]), set())
    assert usable[0] == ADDR("198.18.25.25") and skipped == []


def test_candidates_inside_trusted_networks_are_skipped():
    networks = st.parse_networks(["198.18.0.0/16", "[::ffff:198.19.0.0]/112", "100.64.25.25", "100.127.0.0/16"])
    usable, skipped = st.usable_candidates(4, networks, set())
    assert usable[0] == ADDR("203.0.113.25")
    assert skipped == ["198.18.25.25 is inside trusted network 198.18.0.0/16",
                       "198.19.25.25 is inside trusted network [::ffff:198.19.0.0]/112",
                       "100.64.25.25 is inside trusted network 100.64.25.25/32",
                       "100.127.25.25 is inside trusted network 100.127.0.0/16"]


def test_ipv6_candidates_skip_bracketed_networks_and_bare_addresses():
    networks = st.parse_networks(["[2001:2::]/48", "[2001:db8:25::25]"])
    usable, skipped = st.usable_candidates(6, networks, set())
    assert usable[0] == ADDR("2001:db8:2525::25")
    assert len(skipped) == 3


def test_candidates_the_host_has_are_skipped():
    usable, skipped = st.usable_candidates(4, [], {ADDR("198.18.25.25"), ADDR("127.0.0.1")})
    assert usable[0] == ADDR("198.19.25.25")
    assert skipped == ["198.18.25.25 is already an address of this host"]


def test_trusting_everything_is_named_an_open_relay():
    with pytest.raises(st.SelftestError, match="trusts every IPv4 address relays for anyone"):
        st.take_source(FakeIP(), 4, st.parse_networks(["0.0.0.0/0"]), set())


def test_no_candidate_left_asks_for_source_address():
    everything = st.parse_networks(list(st.CANDIDATES[6]))
    with pytest.raises(st.SelftestError, match="no address is left to test IPv6 listeners from: .* Give source_address"):
        st.take_source(FakeIP(), 6, everything, set())


def test_source_address_inside_trusted_networks_is_refused():
    with pytest.raises(st.SelftestError, match="source_address: 10.1.2.3 is inside trusted network 10.0.0.0/8"):
        st.prepare([dict(name="smtp/inet", host="127.0.0.1", port=25, tls="none")], ["10.0.0.0/8"],
                   source_address="10.1.2.3")


def test_source_address_of_an_unused_ip_version_is_refused():
    with pytest.raises(st.SelftestError, match="no listener has an IPv6 address"):
        st.prepare([dict(name="smtp/inet", host="127.0.0.1", port=25, tls="none")], [], source_address="2001:2::1")


@pytest.mark.parametrize("field, value, message", [
    ("helo", "localhost", "helo: 'localhost' does not look like a fully qualified host name"),
    ("helo", "198.18.25.25", "helo: .* does not look like"),
    ("recipient", "someone@localhost", "recipient: .* is not a plain address"),
    ("recipient", "a@b.example\r\nDATA", "recipient: .* is not a plain address"),
    ("sender", "x> SIZE=1@example.net", "sender: .* is not a plain address"),
    ("timeout", 0, "timeout: give a positive number"),
])
def test_options_that_could_not_be_sent_as_asked_are_refused(field, value, message):
    kwargs = dict(sender=st.DEFAULT_SENDER, recipient=st.DEFAULT_RECIPIENT, helo=st.DEFAULT_HELO, timeout=30)
    kwargs[field] = value
    with pytest.raises(st.SelftestError, match=message):
        st.prepare([dict(name="smtp/inet", host="127.0.0.1", port=25, tls="none")], [], **kwargs)


def test_listener_host_must_be_an_address():
    with pytest.raises(st.SelftestError, match=r"listeners\[0\] \(smtp/inet\): host 'localhost' is not an IP address"):
        st.prepare([dict(name="smtp/inet", host="localhost", port=25, tls="none")], [])
    plan = st.prepare([dict(name="v6", host="[::1]", port=25, tls="none")], [], sender="")
    assert plan["listeners"][0]["host"] == ADDR("::1") and plan["versions"] == [6]


# ---- The address on lo ---------------------------------------------------------------------------

class FakeIP:
    """Answers the ip commands LoopbackHost runs; `commands` records them."""

    def __init__(self, addresses=(), local=(), add_error=None, del_error=None):
        self.addresses = list(addresses)
        self.local = set(local)
        self.add_error = add_error or {}
        self.del_error = del_error
        self.commands = []

    def __call__(self, argv):
        self.commands.append(list(argv))
        args = argv[1:]
        if args == ["-j", "address", "show"]:
            infos = [dict(family="inet6" if ":" in a else "inet", local=a, prefixlen=8) for a in self.addresses]
            return 0, json.dumps([dict(ifname="lo", addr_info=infos)]), ""
        if args[:3] == ["-j", "route", "get"]:
            if args[3] in self.local:
                return 0, json.dumps([dict(type="local", dst=args[3], dev="lo")]), ""
            return 0, json.dumps([dict(dst=args[3], gateway="192.0.2.1", dev="eth0")]), ""
        if args[:2] == ["address", "add"]:
            address = args[2].split("/")[0]
            if address in self.add_error:
                return 2, "", self.add_error[address]
            self.addresses.append(address)
            return 0, "", ""
        if args[:2] == ["address", "del"]:
            if self.del_error:
                return 2, "", self.del_error
            self.addresses.remove(args[2].split("/")[0])
            return 0, "", ""
        raise AssertionError(argv)

    def changes(self):
        return [c[1:] for c in self.commands if c[1:2] == ["address"] and c[2] in ("add", "del")]


def plan_for(*listeners, **kwargs):
    return st.prepare([dict(name=n, host=h, port=p, tls="none") for n, h, p in listeners],
                      kwargs.pop("trusted", ["127.0.0.0/8", "[::1]/128"]), **kwargs)


def refusing_talk(calls):
    def talk_(lst, source, **kwargs):
        calls.append((lst["name"], str(source)))
        return dict(name=lst["name"], verdict="refused", source=str(source))
    return talk_


def test_address_added_to_lo_and_removed():
    ip = FakeIP(addresses=["127.0.0.1", "::1"])
    calls = []
    results, sources = st.run_selftest(st.LoopbackHost(ip, "ip"), plan_for(("smtp/inet", "127.0.0.1", 25)),
                                       talk=refusing_talk(calls))
    assert sources == {4: ADDR("198.18.25.25")} and calls == [("smtp/inet", "198.18.25.25")]
    assert ip.changes() == [["address", "add", "198.18.25.25/32", "dev", "lo", "label", "lo:hrselftest"],
                            ["address", "del", "198.18.25.25/32", "dev", "lo"]]
    assert ip.addresses == ["127.0.0.1", "::1"]
    assert results[0]["verdict"] == "refused"


def test_ipv6_listeners_get_an_ipv6_address_without_dad():
    ip = FakeIP(addresses=["127.0.0.1", "::1"])
    calls = []
    dummy, sources = st.run_selftest(st.LoopbackHost(ip, "ip"),
                                     plan_for(("smtp/inet", "127.0.0.1", 25), ("v6", "[::1]", 25)),
                                     talk=refusing_talk(calls))
    assert sources == {4: ADDR("198.18.25.25"), 6: ADDR("2001:2::25")}
    assert calls == [("smtp/inet", "198.18.25.25"), ("v6", "2001:2::25")]
    assert ["address", "add", "2001:2::25/128", "dev", "lo", "nodad"] in ip.changes()
    assert ip.addresses == ["127.0.0.1", "::1"]


def test_an_address_the_host_has_is_neither_added_nor_removed():
    ip = FakeIP(addresses=["127.0.0.1", "198.18.25.25"])
    dummy, sources = st.run_selftest(st.LoopbackHost(ip, "ip"), plan_for(("smtp/inet", "127.0.0.1", 25)),
                                     talk=refusing_talk([]))
    assert sources == {4: ADDR("198.19.25.25")}
    assert [c[2] for c in ip.changes()] == ["198.19.25.25/32", "198.19.25.25/32"]
    assert "198.18.25.25" in ip.addresses


def test_a_given_source_address_the_host_has_is_used_as_it_is():
    ip = FakeIP(addresses=["127.0.0.1", "203.0.113.9"])
    dummy, sources = st.run_selftest(st.LoopbackHost(ip, "ip"),
                                     plan_for(("smtp/inet", "127.0.0.1", 25), source_address="203.0.113.9"),
                                     talk=refusing_talk([]))
    assert sources == {4: ADDR("203.0.113.9")} and ip.changes() == []


def test_an_address_taken_meanwhile_is_left_alone():
    ip = FakeIP(add_error={"198.18.25.25": "Error: ipv4: Address already assigned."})
    dummy, sources = st.run_selftest(st.LoopbackHost(ip, "ip"), plan_for(("smtp/inet", "127.0.0.1", 25)),
                                     talk=refusing_talk([]))
    assert sources == {4: ADDR("198.19.25.25")}
    assert [c[:3] for c in ip.changes()] == [["address", "add", "198.18.25.25/32"],
                                             ["address", "add", "198.19.25.25/32"],
                                             ["address", "del", "198.19.25.25/32"]]


def test_an_add_failure_is_a_sentence():
    ip = FakeIP(add_error={"198.18.25.25": "RTNETLINK answers: Operation not permitted"})
    with pytest.raises(st.SelftestError, match="could not add the test address 198.18.25.25 to lo: ip address add "
                                               ".* Operation not permitted"):
        st.run_selftest(st.LoopbackHost(ip, "ip"), plan_for(("smtp/inet", "127.0.0.1", 25)), talk=refusing_talk([]))


def test_address_removed_when_a_conversation_raises():
    ip = FakeIP()

    def exploding(lst, source, **kwargs):
        raise RuntimeError("conversation crashed")

    with pytest.raises(RuntimeError, match="conversation crashed"):
        st.run_selftest(st.LoopbackHost(ip, "ip"), plan_for(("smtp/inet", "127.0.0.1", 25)), talk=exploding)
    assert [c[1] for c in ip.changes()] == ["add", "del"] and ip.addresses == []


def test_address_removed_on_sigterm_and_the_handler_restored():
    ip = FakeIP()
    before = signal.getsignal(signal.SIGTERM)

    def terminated(lst, source, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the test")

    with pytest.raises(st.Terminated, match="stopped by signal %d" % signal.SIGTERM):
        st.run_selftest(st.LoopbackHost(ip, "ip"), plan_for(("smtp/inet", "127.0.0.1", 25)), talk=terminated)
    assert [c[1] for c in ip.changes()] == ["add", "del"] and ip.addresses == []
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_removal_failure_is_reported_above_everything():
    ip = FakeIP(del_error="RTNETLINK answers: Operation not permitted")
    with pytest.raises(st.SelftestError, match=r"could not remove the test address from lo: 198.18.25.25 "
                                               r"\(RTNETLINK answers: Operation not permitted\)\. Remove it by hand"):
        st.run_selftest(st.LoopbackHost(ip, "ip"), plan_for(("smtp/inet", "127.0.0.1", 25)), talk=refusing_talk([]))


def test_listeners_must_be_on_this_host():
    ip = FakeIP(local={"192.0.2.2"})
    calls = []
    with pytest.raises(st.SelftestError, match=r"listeners \(far\): 203.0.113.80 is not an address of this host"):
        st.run_selftest(st.LoopbackHost(ip, "ip"), plan_for(("near", "192.0.2.2", 25), ("far", "203.0.113.80", 25)),
                        talk=refusing_talk(calls))
    assert calls == [] and ip.changes() == []
    # Loopback addresses are local by definition; ip is not asked about them.
    assert [c for c in ip.commands if "route" in c] == [["ip", "-j", "route", "get", "192.0.2.2"],
                                                        ["ip", "-j", "route", "get", "203.0.113.80"]]


# ---- Conversations ---------------------------------------------------------------------------------

def test_relayed_is_caught_and_no_data_is_sent(serve):
    server = serve(replies={"RCPT": "250 2.1.5 Ok"})
    result = talk(server, source="127.0.0.2")
    assert result["verdict"] == "relayed" and result["stage"] == "rcpt" and result["reply"] == "250 2.1.5 Ok"
    assert server.peers == ["127.0.0.2"]
    assert server.received == ["EHLO selftest.hardened-relay.invalid", "MAIL FROM:<selftest@hardened-relay.invalid>",
                               "RCPT TO:<hardened-relay-selftest@selftest.invalid>", "RSET", "QUIT"]
    assert not [line for line in server.received if line.upper().startswith(("DATA", "BDAT", "AUTH"))]
    assert result["dialogue"][0] == "* connected from 127.0.0.2 to 127.0.0.1 port %d" % server.port
    assert result["dialogue"][1:5] == ["S: 220 fake.test ESMTP", "C: EHLO selftest.hardened-relay.invalid",
                                       "S: 250-fake.test", "S: 250-PIPELINING"]
    assert "S: 250 2.1.5 Ok" in result["dialogue"] and result["dialogue"][-1] == "S: 221 2.0.0 Bye"
    assert "S: 250-fake.test (+2 lines)" in result["compact"]
    message = st.failure_message([result])
    assert message.startswith("relay_selftest: 1 of 1 listeners failed. smtp/inet (127.0.0.1 port %d, tested from "
                              "127.0.0.2) RELAYS FOR A STRANGER: RCPT TO:<hardened-relay-selftest@selftest.invalid> "
                              "was accepted" % server.port)
    assert "C: RCPT TO:<hardened-relay-selftest@selftest.invalid> | S: 250 2.1.5 Ok | C: RSET" in message


def test_refused_at_rcpt(serve):
    server = serve()
    result = talk(server)
    assert result["verdict"] == "refused" and result["stage"] == "rcpt" and result["reply"] == RELAY_DENIED
    assert server.received[-1] == "QUIT" and "RSET" not in server.received
    assert result["extensions"] == ["8BITMIME", "PIPELINING"]
    assert st.failure_message([result]) == "relay_selftest: 0 of 1 listeners failed. "
    assert st.weak_refusals([result]) == []


def test_refused_at_mail(serve):
    server = serve(replies={"MAIL": "553 5.7.1 Sender address rejected: not logged in"})
    result = talk(server)
    assert (result["verdict"], result["stage"]) == ("refused", "mail")
    assert not [line for line in server.received if line.startswith("RCPT")]
    assert "before it was asked to relay" in st.weak_refusals([result])[0]


def test_temporary_refusal_at_rcpt_counts_with_a_warning(serve):
    result = talk(serve(replies={"RCPT": "450 4.7.1 Client host rejected: cannot find your hostname"}))
    assert (result["verdict"], result["stage"]) == ("refused", "rcpt")
    assert "only temporarily" in st.weak_refusals([result])[0]


def test_greeting_554_is_a_refusal(serve):
    server = serve(greeting="554 5.7.1 No SMTP service here")
    result = talk(server)
    assert (result["verdict"], result["stage"], result["reply"]) == ("refused", "greeting", "554 5.7.1 No SMTP service here")
    assert server.received == ["QUIT"]


def test_greeting_that_is_not_smtp_is_an_error(serve):
    result = talk(serve(greeting="SSH-2.0-OpenSSH_9.2"))
    assert (result["verdict"], result["stage"]) == ("error", "greeting")
    assert "not an SMTP greeting" in result["detail"] and result["dialogue"][-1] == "S: SSH-2.0-OpenSSH_9.2"
    assert result["reply"] == "SSH-2.0-OpenSSH_9.2"


def test_connection_refused_is_unreachable():
    port = free_port()
    result = st.converse(listener(port), ADDR("127.0.0.1"), timeout=5)
    assert (result["verdict"], result["stage"]) == ("unreachable", "connect")
    assert result["detail"] == "the connection to 127.0.0.1 port %d was refused: nothing listens there" % port
    assert "is not serving: the connection" in st.failure_message([result])


def test_no_greeting_is_unreachable(serve):
    result = talk(serve(greeting=SILENT), timeout=1)
    assert (result["verdict"], result["stage"]) == ("unreachable", "greeting")
    assert "sent no greeting within 1 seconds" in result["detail"]


def test_silence_mid_conversation_is_an_error(serve):
    result = talk(serve(replies={"MAIL": SILENT}), timeout=1)
    assert (result["verdict"], result["stage"]) == ("error", "mail")
    assert result["detail"] == "no answer within 1 seconds at MAIL"


def test_hangup_before_rcpt_is_an_error(serve):
    result = talk(serve(replies={"RCPT": HANGUP}))
    assert (result["verdict"], result["stage"]) == ("error", "rcpt")
    assert result["detail"] == "the server closed the connection at RCPT"


def test_ehlo_refused_falls_back_to_helo(serve):
    server = serve(replies={"EHLO": "502 5.5.2 Error: command not recognized"})
    result = talk(server)
    assert result["verdict"] == "refused" and server.received[:2] == ["EHLO selftest.hardened-relay.invalid",
                                                                      "HELO selftest.hardened-relay.invalid"]
    assert result["extensions"] == []


def test_starttls_not_offered_goes_on_in_clear(serve):
    server = serve()
    result = talk(server, tls="starttls")
    assert result["verdict"] == "refused" and result["encrypted"] is False
    assert "STARTTLS" not in server.received
    assert "* STARTTLS is not offered; going on without TLS" in result["dialogue"]


def test_starttls_turned_down_goes_on_in_clear(serve):
    server = serve(replies={"EHLO": "250-fake.test\r\n250 STARTTLS", "STARTTLS": "454 4.7.0 TLS not available"})
    result = talk(server, tls="starttls")
    assert result["verdict"] == "refused" and result["stage"] == "rcpt" and result["encrypted"] is False
    assert server.received[1] == "STARTTLS" and server.received[2].startswith("MAIL")


def test_starttls_offered_is_used(serve, server_tls):
    server = serve(starttls=server_tls, replies={"RCPT": "250 2.1.5 Ok"})
    result = talk(server, tls="starttls")
    assert result["verdict"] == "relayed" and result["encrypted"] is True and server.tls_seen == ["starttls"]
    assert server.received[:3] == ["EHLO selftest.hardened-relay.invalid", "STARTTLS",
                                   "EHLO selftest.hardened-relay.invalid"]
    assert any(line.startswith("* TLS ") and "not verified" in line for line in result["dialogue"])
    assert "DATA" not in server.received


def test_tls_none_never_starts_tls(serve, server_tls):
    server = serve(starttls=server_tls)
    result = talk(server, tls="none")
    assert result["verdict"] == "refused" and result["encrypted"] is False and "STARTTLS" not in server.received


def test_wrapper_mode_with_a_self_signed_certificate(serve, server_tls):
    server = serve(wrapper=server_tls)
    result = talk(server, tls="wrapper")
    assert (result["verdict"], result["stage"], result["encrypted"]) == ("refused", "rcpt", True)
    assert server.tls_seen == ["wrapper"] and server.received[-1] == "QUIT"
    assert result["dialogue"][1].startswith("* TLS TLSv1.")


def test_wrapper_mode_without_a_handshake_is_unreachable(serve):
    # A listener whose smtpd does not start (Postfix refuses an open relay policy, for example): the
    # master accepts the connection, and nothing else happens.
    result = talk(serve(greeting=SILENT), tls="wrapper", timeout=1)
    assert (result["verdict"], result["stage"]) == ("unreachable", "connect")
    assert result["detail"] == "the listener accepted the connection but did not finish the TLS handshake within 1 seconds"


def test_wrapper_mode_against_a_clear_listener_is_an_error(serve):
    result = talk(serve(), tls="wrapper")
    assert (result["verdict"], result["stage"]) == ("error", "connect")
    assert "TLS handshake on connect failed" in result["detail"]


def test_the_client_cannot_say_data():
    session = st.StrangerSession("127.0.0.1", 25, "127.0.0.1", 5)
    for verb, argument in (("DATA", ""), ("AUTH", "PLAIN"), ("BDAT", "1 LAST"), ("RCPT", "TO:<a@b.example>\r\nDATA")):
        with pytest.raises(ValueError, match="never sends"):
            session.command(verb, argument)
