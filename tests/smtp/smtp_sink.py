# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A minimal SMTP server that accepts every message and stores it as a file.

It stands in for "the rest of the Internet" in the demo and in Molecule: the
relay under test hands outbound mail to it, so nothing leaves the test networks
and a verifier can prove what was relayed. Python standard library only.
Each message is written to SPOOL/<n>.eml, prefixed with X-Sink-* envelope headers.

With --tls-cert/--tls-key (STARTTLS, or TLS from the first byte with --wrapper)
and --auth-user/--auth-password-file it plays a mail provider's smarthost instead;
--log records every session event as one JSON object per line (never a secret).
"""
import argparse
import base64
import binascii
import hmac
import json
import os
import socketserver
import ssl
import sys
import tempfile
import threading

_counter_lock = threading.Lock()
_counter = [0]

# Verbs logged by name. Anything else is logged as UNKNOWN: a confused client may
# send a credential (or its base64 form) where a command is expected.
KNOWN_VERBS = frozenset(["EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "STARTTLS", "AUTH",
                         "VRFY", "EXPN", "HELP", "BDAT", "ETRN", "XCLIENT", "XFORWARD"])


def next_name():
    with _counter_lock:
        _counter[0] += 1
        return "%d-%06d.eml" % (os.getpid(), _counter[0])


class EventLog:
    """JSON lines shared by all session threads; without a path it records nothing."""

    def __init__(self, path=None):
        self._lock = threading.Lock()
        self._handle = open(path, "a", encoding="utf-8") if path else None  # pylint: disable=consider-using-with

    def write(self, event, **fields):
        line = json.dumps(dict(event=event, **fields)) + "\n"
        # One write and one flush per line, under the lock, so lines never interleave
        # and a test reading the file sees each event as soon as it happened. A session
        # thread may still be talking when the server closes the log: then it is dropped.
        with self._lock:
            if self._handle is not None:
                self._handle.write(line)
                self._handle.flush()

    def close(self):
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


def tls_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def b64decode(text):
    # RFC 4954 4: a lone "=" is an empty initial response.
    if text == "=":
        return b""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None


class SinkHandler(socketserver.StreamRequestHandler):
    """One SMTP session: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; STARTTLS and AUTH when configured."""

    timeout = 60

    def reply(self, line):
        # Through the connection, not wfile: after STARTTLS it is the TLS socket.
        self.connection.sendall(line.encode("ascii") + b"\r\n")

    def handle(self):
        server = self.server
        self.tls = None   # (version, cipher) once the session is encrypted
        self.user = None  # the user name once AUTH succeeded
        server.log.write("connect", peer=self.client_address[0])
        if server.wrapper and not self.start_tls():
            return
        self.reply("220 %s ESMTP sink" % server.hostname)
        sender, rcpts = None, []
        need_ehlo = False  # only ever set by STARTTLS, so plain sessions behave as before
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            self.log_command(verb, line)
            if verb == "EHLO":
                need_ehlo = False
                lines = [server.hostname, "8BITMIME"]
                if server.tls is not None and self.tls is None:
                    lines.append("STARTTLS")
                if self.auth_offered():
                    lines.append("AUTH PLAIN LOGIN")
                lines.append("SMTPUTF8")
                for extension in lines[:-1]:
                    self.reply("250-%s" % extension)
                self.reply("250 %s" % lines[-1])
            elif verb == "HELO":
                need_ehlo = False
                self.reply("250 %s" % server.hostname)
            elif verb == "STARTTLS" and server.tls is not None:
                if self.tls is not None:
                    self.reply("554 5.5.1 Error: TLS already active")
                elif line.strip().upper() != "STARTTLS":
                    self.reply("501 5.5.4 Syntax: STARTTLS")
                else:
                    self.reply("220 2.0.0 Ready to start TLS")
                    if not self.start_tls():
                        return
                    # RFC 3207 4.2: forget everything learnt in plaintext; the client must EHLO again.
                    sender, rcpts, need_ehlo, self.user = None, [], True, None
            elif verb == "AUTH" and server.auth is not None:
                if server.tls is not None and self.tls is None:
                    self.reply("538 5.7.11 Encryption required for requested authentication mechanism")
                elif need_ehlo:
                    self.reply("503 5.5.1 Error: send HELO/EHLO first")
                elif self.user is not None:
                    self.reply("503 5.5.1 Error: already authenticated")
                elif sender is not None:
                    self.reply("503 5.5.1 Error: MAIL transaction in progress")
                else:
                    self.authenticate(line.split()[1:])
            elif verb == "MAIL":
                if need_ehlo:
                    self.reply("503 5.5.1 Error: send HELO/EHLO first")
                elif server.auth_required and self.user is None:
                    self.reply("530 5.7.0 Authentication required")
                else:
                    sender, rcpts = line[line.find(":") + 1:].strip(), []
                    self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                if sender is None:
                    self.reply("503 5.5.1 Error: need MAIL command")
                    continue
                rcpts.append(line[line.find(":") + 1:].strip())
                self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if not rcpts:
                    self.reply("503 5.5.1 Error: need RCPT command")
                    continue
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                name = self.store(sender, rcpts, self.read_body())
                self.reply("250 2.0.0 Ok: queued as %s" % name)
                sender, rcpts = None, []
            elif verb == "RSET":
                sender, rcpts = None, []
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")

    def auth_offered(self):
        # Like a real provider: when TLS is configured, AUTH only shows up under TLS.
        return self.server.auth is not None and (self.server.tls is None or self.tls is not None)

    def log_command(self, verb, line):
        # The verb only: AUTH arguments are credentials. MAIL/RCPT add the bare address.
        event = {"verb": verb if verb in KNOWN_VERBS else "UNKNOWN", "tls": self.tls is not None}
        if verb in ("MAIL", "RCPT"):
            event["arg"] = (line[line.find(":") + 1:].strip().split(" ", 1) + [""])[0]
        self.server.log.write("command", **event)

    def start_tls(self):
        """Server-side handshake on the connection; False (logged) when it fails."""
        conn = self.server.tls.wrap_socket(self.connection, server_side=True, do_handshake_on_connect=False)
        try:
            conn.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            self.server.log.write("tls_failed", error=str(exc))
            conn.close()
            return False
        # A fresh reader: whatever the client pipelined in plaintext after STARTTLS
        # sits in the old buffer and is dropped with it (no command injection).
        self.rfile.close()
        self.connection = conn
        self.rfile = conn.makefile("rb", self.rbufsize)
        self.tls = (conn.version(), conn.cipher()[0])
        self.server.log.write("tls", version=self.tls[0], cipher=self.tls[1])
        return True

    def challenge(self, prompt):
        """A 334 prompt; the client's line, or None when it cancelled ("*") or went away."""
        self.reply("334 %s" % prompt)
        raw = self.rfile.readline(4096)
        if not raw:
            return None
        line = raw.decode("ascii", "replace").strip()
        if line == "*":
            self.reply("501 5.7.0 Authentication aborted")
            return None
        return line

    def authenticate(self, args):
        """AUTH PLAIN and AUTH LOGIN (RFC 4954), with or without an initial response."""
        mechanism = args[0].upper() if args else ""
        initial = args[1] if len(args) > 1 else None
        if mechanism == "PLAIN":
            response = initial if initial is not None else self.challenge("")
            if response is None:
                return
            # authzid NUL authcid NUL password (RFC 4616); authzid empty or the user itself.
            fields = (b64decode(response) or b"").split(b"\0")
            if len(fields) != 3 or fields[0] not in (b"", fields[1]):
                fields = [b"", b"", None]
            user, password = fields[1], fields[2]
        elif mechanism == "LOGIN":
            response = initial if initial is not None else self.challenge("VXNlcm5hbWU6")  # "Username:"
            if response is None:
                return
            user = b64decode(response) or b""
            response = self.challenge("UGFzc3dvcmQ6")  # "Password:"
            if response is None:
                return
            password = b64decode(response)
        else:
            self.reply("504 5.5.4 Error: unsupported authentication mechanism")
            return
        name, secret = self.server.auth
        # Both comparisons always run, in constant time, so timing reveals nothing.
        ok = hmac.compare_digest(user, name.encode("utf-8"))
        ok = hmac.compare_digest(password or b"", secret) and password is not None and ok
        user = user.decode("utf-8", "replace")
        self.server.log.write("auth", user=user, ok=ok, mechanism=mechanism)
        if ok:
            self.user = user
            self.reply("235 2.7.0 Authentication successful")
        else:
            self.reply("535 5.7.8 Error: authentication failed")

    def read_body(self):
        lines = []
        while True:
            raw = self.rfile.readline(65536)
            if not raw or raw in (b".\r\n", b".\n"):
                return b"".join(lines)
            # Undo dot-stuffing (RFC 5321 4.5.2).
            lines.append(raw[1:] if raw.startswith(b"..") else raw)

    def store(self, sender, rcpts, body):
        name = next_name()
        envelope = "X-Sink-Peer: %s\r\nX-Sink-Mail-From: %s\r\n" % (self.client_address[0], sender)
        envelope += "".join("X-Sink-Rcpt-To: %s\r\n" % r for r in rcpts)
        # Which credentials and which TLS the message came with, for the verifier.
        if self.user is not None:
            envelope += "X-Sink-Auth: %s\r\n" % self.user
        if self.tls is not None:
            envelope += "X-Sink-TLS: %s %s\r\n" % self.tls
        fd, tmp = tempfile.mkstemp(dir=self.server.spool, prefix=".incoming-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(envelope.encode("utf-8") + body)
        os.rename(tmp, os.path.join(self.server.spool, name))
        self.server.log.write("stored", file=name)
        return name

    def finish(self):
        socketserver.StreamRequestHandler.finish(self)
        # The server only closes the original socket, which the TLS socket took over.
        if self.connection is not self.request:
            self.connection.close()


class SinkServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address, spool, hostname, tls=None, wrapper=False, auth=None, auth_required=False, log=None):
        """tls: a server SSLContext; auth: (user, password bytes); log: an EventLog, closed with the server."""
        self.spool = spool
        self.hostname = hostname
        self.tls = tls
        self.wrapper = wrapper
        self.auth = auth
        self.auth_required = auth_required
        self.log = log if log is not None else EventLog()
        socketserver.ThreadingTCPServer.__init__(self, address, SinkHandler)

    def server_close(self):
        socketserver.ThreadingTCPServer.server_close(self)
        self.log.close()


def read_password(path):
    with open(path, "rb") as handle:
        secret = handle.read()
    # `echo` and editors end the file with a newline that is no part of the password.
    return secret[:-1] if secret.endswith(b"\n") else secret


def build_server(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--spool", default="/var/spool/smtp-sink")
    parser.add_argument("--hostname", default="sink.test")
    parser.add_argument("--tls-cert", help="PEM certificate (chain): offer STARTTLS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--wrapper", action="store_true", help="TLS from the first byte (port 465) instead of STARTTLS")
    parser.add_argument("--auth-user", help="offer AUTH PLAIN LOGIN for this user")
    parser.add_argument("--auth-password-file", help="file holding the password (never on the command line)")
    parser.add_argument("--auth-required", action="store_true", help="refuse MAIL before a successful AUTH")
    parser.add_argument("--log", help="append one JSON object per event to this file")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    for wrong, message in ((bool(args.tls_cert) != bool(args.tls_key), "--tls-cert and --tls-key go together"),
                           (args.wrapper and not args.tls_cert, "--wrapper needs --tls-cert and --tls-key"),
                           (bool(args.auth_user) != bool(args.auth_password_file), "--auth-user needs --auth-password-file"),
                           (args.auth_required and not args.auth_user, "--auth-required needs --auth-user")):
        if wrong:
            parser.error(message)
    os.makedirs(args.spool, exist_ok=True)
    return SinkServer((args.listen, args.port), args.spool, args.hostname,
                      tls=tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None,
                      wrapper=args.wrapper,
                      auth=(args.auth_user, read_password(args.auth_password_file)) if args.auth_user else None,
                      auth_required=args.auth_required, log=EventLog(args.log))


def main(argv=None):
    server = build_server(argv)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
