# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A minimal SMTP server that accepts every message and stores it as a file.

It stands in for "the rest of the Internet" in the demo and in Molecule: the
relay under test hands outbound mail to it, so nothing leaves the test networks
and a verifier can prove what was relayed. Python standard library only.
Each message is written to SPOOL/<n>.eml, prefixed with X-Sink-* envelope headers.
"""
import argparse
import os
import socketserver
import sys
import tempfile
import threading

_counter_lock = threading.Lock()
_counter = [0]


def next_name():
    with _counter_lock:
        _counter[0] += 1
        return "%d-%06d.eml" % (os.getpid(), _counter[0])


class SinkHandler(socketserver.StreamRequestHandler):
    """One SMTP session: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    timeout = 60

    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self):
        self.reply("220 %s ESMTP sink" % self.server.hostname)
        sender, rcpts = None, []
        while True:
            raw = self.rfile.readline(4096)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-%s" % self.server.hostname)
                self.reply("250-8BITMIME")
                self.reply("250 SMTPUTF8")
            elif verb == "HELO":
                self.reply("250 %s" % self.server.hostname)
            elif verb == "MAIL":
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
        fd, tmp = tempfile.mkstemp(dir=self.server.spool, prefix=".incoming-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(envelope.encode("utf-8") + body)
        os.rename(tmp, os.path.join(self.server.spool, name))
        return name


class SinkServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address, spool, hostname):
        self.spool = spool
        self.hostname = hostname
        socketserver.ThreadingTCPServer.__init__(self, address, SinkHandler)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--spool", default="/var/spool/smtp-sink")
    parser.add_argument("--hostname", default="sink.test")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    os.makedirs(args.spool, exist_ok=True)
    server = SinkServer((args.listen, args.port), args.spool, args.hostname)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
