# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stranger's relay test behind hardened.relay.relay_selftest: choose an address that no
listener trusts, put it on the loopback interface for the length of the test, and hold one SMTP
conversation per listener from it, up to RCPT TO and never further.

Standard library only, so that the unit tests import it without Ansible. The `ip` command is
reached through a `run(argv) -> (rc, stdout, stderr)` callable (AnsibleModule.run_command on the
target)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import ipaddress
import json
import re
import signal
import socket
import ssl
import threading
import time

DEFAULT_SENDER = "selftest@hardened-relay.invalid"
DEFAULT_RECIPIENT = "hardened-relay-selftest@selftest.invalid"
DEFAULT_HELO = "selftest.hardened-relay.invalid"
DEFAULT_TIMEOUT = 30
TLS_MODES = ("none", "starttls", "wrapper")
VERDICTS = ("refused", "relayed", "unreachable", "error")
# The module options that shape the stranger (relay_selftest, and postfix_apply's selftest).
STRANGER_OPTIONS = dict(
    trusted_networks=dict(type="list", elements="str", required=True),
    recipient=dict(type="str", default=DEFAULT_RECIPIENT),
    sender=dict(type="str", default=DEFAULT_SENDER),
    helo=dict(type="str", default=DEFAULT_HELO),
    timeout=dict(type="int", default=DEFAULT_TIMEOUT),
    source_address=dict(type="str"),
)

# Host addresses in ranges that are never routed on the Internet (RFC 2544 benchmarking first:
# nobody numbers a real network from it; then shared address space, the documentation ranges,
# and for IPv6 the benchmarking, documentation and discard-only prefixes). Two per range differ
# in their /16 or /64, so that trusting one subnet of a range still leaves a candidate in it.
CANDIDATES = {
    4: ("198.18.25.25", "198.19.25.25", "100.64.25.25", "100.127.25.25", "203.0.113.25",
        "198.51.100.25", "192.0.2.25"),
    6: ("2001:2::25", "2001:2:0:25::25", "2001:db8:25::25", "2001:db8:2525::25", "100::25"),
}
# The label marks an address this module added (ip -4 address show label lo:hrselftest), should a
# killed run ever leave one behind. IPv6 addresses have no labels.
LABEL = "lo:hrselftest"

# Commands the client can say. DATA and BDAT are not among them, so nothing can ever be queued,
# and AUTH is not, so no credential is ever sent.
VERBS = ("EHLO", "HELO", "STARTTLS", "MAIL", "RCPT", "RSET", "QUIT")
MAX_LINE = 8192        # as smtplib: a longer reply line is not SMTP
MAX_REPLY_LINES = 200  # a server that never ends a reply is not SMTP either
MAX_SHOWN = 300        # characters of one server line kept in the dialogue
REPLY_LINE = re.compile(r"^([0-9]{3})([ -]|$)(.*)$")
FQDN = re.compile(r"^(?=.{4,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                  r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
# An envelope address as this test sends it: printable ASCII without blanks, angle brackets or
# quotes, so that no option can smuggle a second command or a parameter into MAIL or RCPT.
# The domain needs a dot: a one-label domain is refused by reject_non_fqdn_recipient (or sender)
# before the relay restrictions are asked.
MAILBOX = re.compile(r"^[!#-'*-;=?A-Z^-~]{1,64}@(?=.{3,253}$)(?:[A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*$")


class SelftestError(Exception):
    """A sentence for the operator: an option the test cannot work with, or an `ip` failure."""


# ---- Addresses -----------------------------------------------------------------------------

def parse_address(text):
    """An IP address from "192.0.2.1", "::1" or "[::1]"; None when it is not one."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def parse_networks(entries):
    """The networks of a list in Postfix notation ("127.0.0.0/8", "[::1]/128", bare addresses;
    an item may hold several, separated by blanks or commas as in main.cf).

    "!network" (an exclusion in mynetworks) is kept as a network to avoid: the test only needs an
    address about which no list says anything. Tables, files and host names are refused, because
    whether they cover an address cannot be told here."""
    networks = []
    for entry in entries:
        for token in re.split(r"[\s,]+", str(entry)):
            if not token:
                continue
            text = token[1:] if token.startswith("!") else token
            address, slash, length = text.partition("/")
            if address.startswith("[") and address.endswith("]"):
                address = address[1:-1]
            network = None
            if address and (not slash or length.isdigit()):
                try:
                    network = ipaddress.ip_network(address + slash + length, strict=False)
                except ValueError:
                    network = None
            if network is None:
                raise SelftestError(
                    "trusted_networks: %r is not an address or a network. Give the networks themselves "
                    "(for example 127.0.0.0/8 or [::1]/128): the module cannot tell what a table, a file "
                    "or a host name would match." % token)
            networks.append(network)
    return networks


def postfix_notation(network):
    """A network as main.cf writes it: IPv6 in brackets, an IPv4-mapped one in dotted form (which
    Python prints only from 3.13 on)."""
    if network.version == 4:
        return str(network)
    mapped = network.network_address.ipv4_mapped
    return "[%s]/%d" % ("::ffff:%s" % mapped if mapped is not None else network.network_address, network.prefixlen)


def trusting_network(address, networks):
    """The first of `networks` that covers `address`, IPv4-mapped IPv6 forms included (Postfix
    may see an IPv4 client as ::ffff:a.b.c.d); None when none does."""
    forms = [address]
    if address.version == 4:
        forms.append(ipaddress.IPv6Address("::ffff:%s" % address))
    elif address.ipv4_mapped is not None:
        forms.append(address.ipv4_mapped)
    for network in networks:
        for form in forms:
            if form.version == network.version and form in network:
                return network
    return None


def usable_candidates(version, networks, present, candidates=None):
    """The candidates for an IP version that no trusted network covers and that this host does not
    have already, in order; and a sentence for each one left out."""
    usable, skipped = [], []
    for text in (candidates or CANDIDATES)[version]:
        address = ipaddress.ip_address(text)
        network = trusting_network(address, networks)
        if network is not None:
            skipped.append("%s is inside trusted network %s" % (address, postfix_notation(network)))
        elif address in present:
            skipped.append("%s is already an address of this host" % address)
        else:
            usable.append(address)
    return usable, skipped


def no_candidate_message(version, networks, skipped):
    everything = ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")
    if everything in networks:
        return ("trusted_networks holds %s: a relay that trusts every IPv%d address relays for anyone "
                "who reaches it, and no address is left to test from." % (postfix_notation(everything), version))
    return ("no address is left to test IPv%d listeners from: %s. Give source_address, an IPv%d address "
            "outside trusted_networks." % (version, "; ".join(skipped), version))


def host_prefix(address):
    return "%s/%d" % (address, address.max_prefixlen)


class LoopbackHost:
    """This host as the `ip` command sees it: its addresses, whether an address is local, and the
    stranger's addresses this run puts on `lo` and takes away again."""

    def __init__(self, run, ip="ip"):
        self._run = run
        self._ip = ip
        self.added = []

    def _json(self, args, what):
        rc, out, err = self._run([self._ip, "-j"] + args)
        if rc != 0:
            raise SelftestError("could not %s: %s failed (rc=%d): %s"
                                % (what, " ".join(["ip", "-j"] + args), rc, (err or out).strip()))
        try:
            return json.loads(out or "[]")
        except ValueError:
            raise SelftestError("could not %s: ip -j %s printed no JSON." % (what, " ".join(args)))

    def addresses(self):
        """Every address on every interface of this host."""
        found = set()
        for interface in self._json(["address", "show"], "list this host's addresses"):
            for info in interface.get("addr_info", []):
                address = parse_address(info.get("local", ""))
                if address is not None:
                    found.add(address)
        return found

    def is_local(self, address):
        """Whether packets to `address` stay on this host (the kernel's route to it is local)."""
        if address.is_loopback:
            return True
        rc, out, err = self._run([self._ip, "-j", "route", "get", str(address)])
        if rc != 0:
            return False
        try:
            routes = json.loads(out or "[]")
        except ValueError:
            return False
        return bool(routes) and routes[0].get("type") == "local"

    def add(self, address):
        """Put `address` on lo as a host address. False when it is there already (another run of
        this module may have taken it since the addresses were listed): that one is not ours."""
        argv = [self._ip, "address", "add", host_prefix(address), "dev", "lo"]
        # IPv4: a label that says whose it is. IPv6: no duplicate address detection, which would
        # keep the address unusable ("tentative") for a second or so.
        argv += ["label", LABEL] if address.version == 4 else ["nodad"]
        rc, out, err = self._run(argv)
        # "File exists" (IPv6, older kernels) or "Address already assigned" (IPv4, newer kernels).
        if rc != 0 and re.search(r"exists|already assigned", err + out, re.I):
            return False
        if rc != 0:
            raise SelftestError("could not add the test address %s to lo: %s failed (rc=%d): %s"
                                % (address, " ".join(["ip"] + argv[1:]), rc, (err or out).strip()))
        self.added.append(address)
        return True

    def remove_added(self):
        """Take away every address this run added. Returns a sentence for each that stayed."""
        failures = []
        while self.added:
            address = self.added.pop()
            argv = [self._ip, "address", "del", host_prefix(address), "dev", "lo"]
            rc, out, err = self._run(argv)
            if rc != 0:
                failures.append("%s (%s)" % (address, (err or out).strip() or "rc=%d" % rc))
        return failures


def take_source(host, version, networks, present, wanted=None):
    """The stranger's address for listeners of one IP version: `wanted` (used as it is when the host
    has it, added otherwise), or the first usable candidate that could be added."""
    if wanted is not None:
        # prepare() made sure no trusted network covers it.
        if wanted not in present:
            host.add(wanted)
        return wanted
    usable, skipped = usable_candidates(version, networks, present)
    for address in usable:
        if host.add(address):
            return address
        skipped.append("%s appeared on this host meanwhile" % address)
    raise SelftestError(no_candidate_message(version, networks, skipped))


class Terminated(Exception):
    """SIGTERM or SIGHUP arrived during the test (after which the test address was removed)."""


class SignalsAsException:
    """While a change is under way, SIGTERM and SIGHUP (Ansible's timeout, a closed SSH session)
    raise an exception, so that the `finally` that undoes it still runs and the module can say
    what happened: the test address on lo here, the live files in the postfix_apply transaction.
    Only SIGKILL can leave the change behind. Signal handlers can be set from the main thread only."""

    SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

    def __init__(self, error=None, message="stopped by signal %d"):
        self._previous = {}
        self._error = error or Terminated
        self._message = message

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                # A signal ignored on purpose (nohup) stays ignored.
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._previous[signum] = signal.signal(signum, self._raise)
        return self

    def _raise(self, signum, frame):
        raise self._error(self._message % signum)

    def quiet(self):
        """Ignore the signals while cleaning up: a second one must not interrupt the undoing."""
        for signum in self._previous:
            signal.signal(signum, signal.SIG_IGN)

    def __exit__(self, *exc_info):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        return False


# ---- Options ---------------------------------------------------------------------------------

def check_settings(listeners, sender, recipient, helo, timeout):
    """Refuse, with a sentence, what the conversation could not send as asked. Returns the listeners
    with their host as an address."""
    if not listeners:
        raise SelftestError("listeners: give at least one listener to test.")
    if not FQDN.match(helo or ""):
        raise SelftestError("helo: %r does not look like a fully qualified host name (for example "
                            "selftest.example.net); Postfix's HELO restrictions would refuse it before the "
                            "relay restrictions are asked." % helo)
    if sender and not MAILBOX.match(sender):
        raise SelftestError("sender: %r is not a plain address local@domain (printable ASCII without blanks "
                            "or angle brackets), or empty for the null sender." % sender)
    if not MAILBOX.match(recipient or ""):
        raise SelftestError("recipient: %r is not a plain address local@domain (printable ASCII without "
                            "blanks or angle brackets)." % recipient)
    if timeout <= 0:
        raise SelftestError("timeout: give a positive number of seconds.")
    checked = []
    for index, listener in enumerate(listeners):
        label = "listeners[%d] (%s)" % (index, listener.get("name"))
        address = parse_address(listener.get("host") or "")
        if address is None:
            raise SelftestError("%s: host %r is not an IP address. Give the address the listener listens on "
                                "(for example 127.0.0.1 or ::1)." % (label, listener.get("host")))
        port = listener.get("port")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise SelftestError("%s: port %r is not a TCP port (1-65535)." % (label, port))
        if listener.get("tls", "starttls") not in TLS_MODES:
            raise SelftestError("%s: tls must be one of %s." % (label, ", ".join(TLS_MODES)))
        checked.append(dict(name=listener["name"], host=address, port=port, tls=listener.get("tls", "starttls")))
    return checked


# ---- The conversation ------------------------------------------------------------------------

class Hangup(Exception):
    """The server closed the connection, or would not end a reply."""


class Timeout(Exception):
    """The conversation's time ran out."""


def printable(text):
    """A server line as it can be shown: control characters replaced, long lines cut."""
    text = re.sub(r"[\x00-\x1f\x7f]", "?", text)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


def tls_context():
    """TLS without certificate checks: the relay may use a self-signed certificate, and the test
    is about what the server accepts, not who it is."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class StrangerSession:
    """One SMTP connection from the stranger's address, with its dialogue recorded: `dialogue` has
    every line ("C: ..." sent, "S: ..." received, "* ..." what happened), `compact` one entry per
    command, reply or event, for messages."""

    def __init__(self, host, port, source, timeout, clock=time.monotonic):
        self.host = str(host)
        self.port = port
        self.source = str(source)
        self.timeout = timeout
        self._clock = clock
        self._deadline = clock() + timeout
        self.sock = None
        self._reader = None
        self.connected = False
        self.encrypted = False
        self.dialogue = []
        self.compact = []

    def note(self, text):
        self.dialogue.append("* " + text)
        self.compact.append("* " + text)

    def _remaining(self):
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            raise Timeout("no answer within %s seconds" % self.timeout)
        return remaining

    def connect(self, wrapper):
        """TCP from the stranger's address (TLS from the first byte when `wrapper`); then the greeting."""
        self.sock = socket.create_connection((self.host, self.port), timeout=self._remaining(),
                                             source_address=(self.source, 0))
        self.connected = True
        self.note("connected from %s to %s port %d" % (self.source, self.host, self.port))
        if wrapper:
            self._handshake()

    def _handshake(self):
        self.sock.settimeout(self._remaining())
        self.sock = tls_context().wrap_socket(self.sock)
        self._reader = None
        self.encrypted = True
        self.note("TLS %s, %s; the certificate is not verified" % (self.sock.version(), self.sock.cipher()[0]))

    def starttls(self):
        self._handshake()

    def command(self, verb, argument=""):
        """Send one command and return its reply."""
        line = verb + (" " + argument if argument else "")
        if verb not in VERBS or "\r" in line or "\n" in line:
            # Unreachable from the options, which check_settings validated; kept as the last guard.
            raise ValueError("relay_selftest never sends %r" % line)
        self.dialogue.append("C: " + line)
        self.compact.append("C: " + line)
        self.sock.settimeout(self._remaining())
        self.sock.sendall(line.encode("ascii") + b"\r\n")
        return self.reply()

    def reply(self):
        """(code, lines) of the next reply; code -1 for a line that is not SMTP."""
        if self._reader is None:
            self._reader = self.sock.makefile("rb")
        texts, shown, code = [], [], None
        while True:
            self.sock.settimeout(self._remaining())
            try:
                raw = self._reader.readline(MAX_LINE + 1)
            except (socket.timeout, TimeoutError):
                raise Timeout("no answer within %s seconds" % self.timeout)
            if not raw:
                self._compact_reply(shown)
                raise Hangup("the server closed the connection")
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.dialogue.append("S: " + printable(text))
            shown.append(printable(text))
            match = REPLY_LINE.match(text)
            if len(raw) > MAX_LINE or not match or (texts and match.group(1) != code):
                self._compact_reply(shown)
                return -1, texts + [text]
            code = match.group(1)
            texts.append(match.group(3))
            if match.group(2) != "-":
                self._compact_reply(shown)
                return int(code), texts
            if len(texts) >= MAX_REPLY_LINES:
                self._compact_reply(shown)
                raise Hangup("the server's reply did not end after %d lines" % MAX_REPLY_LINES)

    def _compact_reply(self, shown):
        if shown:
            more = " (+%d lines)" % (len(shown) - 1) if len(shown) > 1 else ""
            self.compact.append("S: " + shown[0] + more)

    def close(self):
        for closable in (self._reader, self.sock):
            if closable is not None:
                try:
                    closable.close()
                except OSError:
                    pass
        self._reader = self.sock = None


def one_line(code, texts):
    """A reply on one line; a line that is not SMTP (code -1) as it came."""
    text = " ".join(t.strip() for t in texts)
    return printable(text if code < 0 else ("%d %s" % (code, text)).strip())


def extensions(texts):
    """The EHLO keywords (the first line is the server's greeting of us)."""
    return set(t.split(" ", 1)[0].upper() for t in texts[1:] if t)


def converse(listener, source, sender=DEFAULT_SENDER, recipient=DEFAULT_RECIPIENT, helo=DEFAULT_HELO,
             timeout=DEFAULT_TIMEOUT, clock=time.monotonic):
    """Ask a listener, as a stranger at `source`, to take mail for `recipient`. Returns the listener's
    result: its verdict, the stage and reply that decided it, and the dialogue."""
    result = dict(name=listener["name"], host=str(listener["host"]), port=listener["port"], tls=listener["tls"],
                  source=str(source), verdict="error", stage="connect", reply="", encrypted=False, detail="")
    session = StrangerSession(listener["host"], listener["port"], source, timeout, clock)

    def finish(verdict, detail, code=None, texts=None):
        result.update(verdict=verdict, detail=detail)
        if code is not None:
            result["reply"] = one_line(code, texts)

    def polite_quit():
        # The server decides nothing more; QUIT lets it log a clean end. Its failure changes nothing.
        try:
            session.command("QUIT")
        except (Hangup, Timeout, OSError):
            pass

    try:
        try:
            session.connect(listener["tls"] == "wrapper")
        except ssl.SSLError as exc:
            finish("error", "the TLS handshake on connect failed (%s); is this a wrapper-mode (smtps) port?"
                   % (exc.reason or exc))
            return result
        except (socket.timeout, TimeoutError, Timeout):
            if session.connected:
                finish("unreachable", "the listener accepted the connection but did not finish the TLS handshake "
                       "within %s seconds" % timeout)
            else:
                finish("unreachable", "nothing answered on %s port %d within %s seconds"
                       % (result["host"], result["port"], timeout))
            return result
        except ConnectionRefusedError:
            finish("unreachable", "the connection to %s port %d was refused: nothing listens there"
                   % (result["host"], result["port"]))
            return result
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                finish("error", "could not connect from %s: %s" % (source, exc.strerror or exc))
            else:
                finish("unreachable", "could not connect to %s port %d: %s"
                       % (result["host"], result["port"], exc.strerror or exc))
            return result

        result["stage"] = "greeting"
        try:
            code, texts = session.reply()
        except Timeout:
            finish("unreachable", "the listener accepted the connection but sent no greeting within %s seconds"
                   % timeout)
            return result
        if code == 220:
            pass
        elif 400 <= code < 600:
            finish("refused", "the greeting turned the stranger away", code, texts)
            polite_quit()
            return result
        else:
            finish("error", "the greeting is not an SMTP greeting (220)", code, texts)
            return result

        decided = greet(session, result, finish, helo)
        if not decided and listener["tls"] == "starttls":
            decided = start_tls(session, result, finish, helo)
        if not decided:
            decided = envelope(session, result, finish, sender, recipient)
        if result["verdict"] == "relayed":
            # Undo the accepted recipient; the message itself (DATA) is never sent.
            try:
                session.command("RSET")
            except (Hangup, Timeout, OSError):
                pass
        polite_quit()
    except Timeout as exc:
        finish("error", "%s at %s" % (exc, result["stage"].upper()))
    except Hangup as exc:
        if result["verdict"] not in ("refused", "relayed"):
            finish("error", "%s at %s" % (exc, result["stage"].upper()))
    except ssl.SSLError as exc:
        finish("error", "TLS failed at %s: %s" % (result["stage"].upper(), exc.reason or exc))
    except OSError as exc:
        if result["verdict"] not in ("refused", "relayed"):
            finish("error", "the connection failed at %s: %s" % (result["stage"].upper(), exc.strerror or exc))
    finally:
        result["encrypted"] = session.encrypted
        result["dialogue"] = session.dialogue
        result["compact"] = session.compact
        session.close()
    return result


def _ask(session, result, stage, verb, argument=""):
    """Send a command; the stage is set first, so that a timeout or hangup names it."""
    result["stage"] = stage
    return session.command(verb, argument)


def _judge(result, finish, code, texts, ok):
    """True when the reply decided the verdict (a refusal, or a reply that is not SMTP)."""
    if ok(code):
        return False
    stage = result["stage"].upper()
    if 400 <= code < 600:
        finish("refused", "refused at %s" % stage, code, texts)
    else:
        finish("error", "unexpected reply to %s" % stage, code, texts)
    return True


def _is_2xx(code):
    return 200 <= code < 300


def greet(session, result, finish, helo):
    """EHLO, and HELO when EHLO is refused permanently, as a client that knows no ESMTP would."""
    code, texts = _ask(session, result, "ehlo", "EHLO", helo)
    if _is_2xx(code):
        result["extensions"] = sorted(extensions(texts))
        return False
    if 500 <= code < 600:
        code, texts = _ask(session, result, "helo", "HELO", helo)
        result["extensions"] = []
    return _judge(result, finish, code, texts, _is_2xx)


def start_tls(session, result, finish, helo):
    """STARTTLS when offered, then EHLO again. When the server does not offer it, or turns it down,
    go on in clear: a stranger would, and the relay decision must hold for them too."""
    if "STARTTLS" not in result.get("extensions", []):
        session.note("STARTTLS is not offered; going on without TLS")
        return False
    code, texts = _ask(session, result, "starttls", "STARTTLS")
    if code == 421:
        finish("refused", "the server closed the session at STARTTLS", code, texts)
        return True
    if code != 220:
        if not 400 <= code < 600:
            finish("error", "unexpected reply to STARTTLS", code, texts)
            return True
        session.note("STARTTLS was turned down; going on without TLS as a stranger could")
        return False
    session.starttls()
    return greet(session, result, finish, helo)


def envelope(session, result, finish, sender, recipient):
    """MAIL FROM and RCPT TO, the stranger's request to relay. A 2xx at RCPT: relayed."""
    code, texts = _ask(session, result, "mail", "MAIL", "FROM:<%s>" % sender)
    if _judge(result, finish, code, texts, _is_2xx):
        return True
    code, texts = _ask(session, result, "rcpt", "RCPT", "TO:<%s>" % recipient)
    if _is_2xx(code):
        finish("relayed", "RCPT TO:<%s> was accepted from a client outside the trusted networks, without AUTH"
               % recipient, code, texts)
        return True
    return _judge(result, finish, code, texts, _is_2xx)


# ---- The whole test --------------------------------------------------------------------------

def check_hosts_local(host, listeners):
    """Every listener address must be this host's own: the stranger's address is valid only here,
    and a packet from it must never leave the host."""
    for listener in listeners:
        if not host.is_local(listener["host"]):
            raise SelftestError("listeners (%s): %s is not an address of this host. The self-test talks only to "
                                "this host's own listeners, so that the test address never reaches a network."
                                % (listener["name"], listener["host"]))


def prepare(listeners, trusted_networks, sender=DEFAULT_SENDER, recipient=DEFAULT_RECIPIENT, helo=DEFAULT_HELO,
            timeout=DEFAULT_TIMEOUT, source_address=None):
    """Check the options without touching the host (also in check mode). Returns the plan
    run_selftest follows; raises SelftestError with a sentence."""
    listeners = check_settings(listeners, sender, recipient, helo, timeout)
    networks = parse_networks(trusted_networks)
    versions = sorted(set(listener["host"].version for listener in listeners))
    wanted = None
    if source_address:
        wanted = parse_address(source_address)
        if wanted is None:
            raise SelftestError("source_address: %r is not an IP address." % source_address)
        if wanted.version not in versions:
            raise SelftestError("source_address: %s is an IPv%d address, but no listener has an IPv%d address; "
                                "a connection is made from an address of its own version."
                                % (wanted, wanted.version, wanted.version))
        network = trusting_network(wanted, networks)
        if network is not None:
            raise SelftestError("source_address: %s is inside trusted network %s. A trusted client may relay, "
                                "so the test would prove nothing; give an address outside trusted_networks."
                                % (wanted, postfix_notation(network)))
    return dict(listeners=listeners, networks=networks, versions=versions, wanted=wanted, sender=sender,
                recipient=recipient, helo=helo, timeout=timeout)


def run_selftest(host, plan, talk=None):
    """Test every listener of the plan; returns (the results in listener order, {IP version: address
    used}). The test addresses this run added are removed whatever happens; a failure to remove one
    raises SelftestError, as it breaks the module's promise to leave nothing behind."""
    talk = talk or converse
    check_hosts_local(host, plan["listeners"])
    present = host.addresses()
    sources, results = {}, []
    with SignalsAsException() as guard:
        try:
            for version in plan["versions"]:
                wanted = plan["wanted"] if plan["wanted"] is not None and plan["wanted"].version == version else None
                sources[version] = take_source(host, version, plan["networks"], present, wanted)
            for listener in plan["listeners"]:
                results.append(talk(listener, sources[listener["host"].version], sender=plan["sender"],
                                    recipient=plan["recipient"], helo=plan["helo"], timeout=plan["timeout"]))
        finally:
            guard.quiet()
            left = host.remove_added()
            if left:
                # Raised from the finally on purpose: an address left behind matters more than
                # whatever else went wrong (which stays attached as the exception's context).
                raise SelftestError("could not remove the test address from lo: %s. Remove it by hand "
                                    "(ip address del ADDRESS/32 dev lo, /128 for IPv6)." % "; ".join(left))
    return results, sources


def failure_message(results):
    """One sentence per listener that relayed or was not tested, with its dialogue, compact."""
    parts = []
    for item in results:
        if item["verdict"] == "refused":
            continue
        what = {"relayed": "RELAYS FOR A STRANGER", "unreachable": "is not serving",
                "error": "could not be tested"}[item["verdict"]]
        parts.append("%s (%s port %d, tested from %s) %s: %s. Dialogue: %s."
                     % (item["name"], item["host"], item["port"], item["source"], what, item["detail"],
                        " | ".join(item.get("compact") or ["(none)"])))
    return "relay_selftest: %d of %d listeners failed. %s" % (len(parts), len(results), " ".join(parts))


def weak_refusals(results):
    """Warnings for refusals that prove less than a permanent refusal at RCPT TO."""
    warnings = []
    for item in results:
        if item["verdict"] != "refused":
            continue
        if item["stage"] != "rcpt":
            warnings.append("%s turned the stranger away at %s (%s), before it was asked to relay: such a client "
                            "cannot relay, but the relay restrictions themselves were not reached."
                            % (item["name"], item["stage"].upper(), item["reply"]))
        elif item["reply"].startswith("4"):
            warnings.append("%s refused the recipient only temporarily (%s): a later try may be accepted "
                            "(greylisting, a DNS failure, soft_bounce); a permanent 5xx refusal is the proof."
                            % (item["name"], item["reply"]))
    return warnings
