# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hold one SMTP conversation and report, as JSON, how far it got and what the server said.

Runs inside client containers (Python standard library only), from the demo and
from the Molecule verifiers. Exit status is 0 whenever the conversation could be
held, whatever the server answered: the caller judges the replies.
"""
import argparse
import json
import os
import smtplib
import socket
import ssl
import sys
import time


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="host name or address of the SMTP server")
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--helo", default=socket.getfqdn(), help="name to send in EHLO")
    parser.add_argument("--sender", default="", help="envelope sender (MAIL FROM)")
    parser.add_argument("--rcpt", action="append", default=[], help="envelope recipient (RCPT TO), repeatable")
    parser.add_argument("--token", default="", help="unique text put in the Subject and body")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--mode", default="mail", choices=sorted(MODES),
                        help="mail: a whole transaction (default); see MODES for the protocol tests")
    parser.add_argument("--starttls", action="store_true", help="mail mode: STARTTLS after EHLO")
    parser.add_argument("--wrapper", action="store_true", help="mail mode: TLS from the first byte (port 465)")
    parser.add_argument("--auth-user", default="", help="mail mode: AUTH as this user (after STARTTLS if asked)")
    parser.add_argument("--auth-password", default="", help="mail mode: the password for --auth-user")
    parser.add_argument("--auth-password-env", default="",
                        help="mail mode: the environment variable that holds the password (keeps it off the command "
                             "line, which Ansible prints with a task's result)")
    parser.add_argument("--tls-version", default="", choices=["", "1.1", "1.2", "1.3"],
                        help="tls mode: the only TLS version the client offers")
    parser.add_argument("--tls-ciphers", default="",
                        help="tls modes: offer only these OpenSSL cipher suites (TLS 1.2 at most, where the list applies)")
    parser.add_argument("--header", action="append", default=[],
                        help="mail mode: one more 'Name: value' header line in the message, repeatable")
    parser.add_argument("--vrfy", default="root", help="vrfy mode: the name to ask about")
    parser.add_argument("--count", type=int, default=10, help="connections mode: how many connections")
    return parser.parse_args(argv)


def build_message(args):
    extra = "".join(" ".join(header.split()) + "\r\n" for header in getattr(args, "header", []))
    return (
        "From: <{sender}>\r\nTo: {to}\r\nSubject: hardened.relay probe {token}\r\n"
        "Message-ID: <probe-{token}@{helo}>\r\n{extra}\r\nprobe token:\r\n{token}\r\n"
    ).format(sender=args.sender, to=", ".join("<%s>" % r for r in args.rcpt), token=args.token, helo=args.helo,
             extra=extra)


class ProbeSMTP(smtplib.SMTP):
    """smtplib.SMTP that reports the reply to the end of DATA instead of raising on it."""

    def connect(self, host="localhost", port=0, source_address=None):
        # smtplib only remembers the host (which STARTTLS needs) when given to the constructor.
        self._host = host
        return smtplib.SMTP.connect(self, host, port, source_address)

    def send_body(self, message):
        """Send the message after a 354 reply; return the server's final (code, text)."""
        lines = message.replace("\r\n", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        # Dot-stuffing (RFC 5321 4.5.2): a line that starts with "." gets one more.
        body = "".join(("." + line if line.startswith(".") else line) + "\r\n" for line in lines)
        self.send(body.encode("utf-8") + b".\r\n")
        return self.getreply()


class ProbeSMTPS(ProbeSMTP, smtplib.SMTP_SSL):
    """ProbeSMTP with TLS from the first byte (smtps, port 465)."""


def tls_context(version="", ciphers=""):
    """A client context that does not verify the (self-signed) certificate; with a version,
    that version only, and OpenSSL's security level lowered so the client really offers it.
    With ciphers, only those suites (ssl.SSLError when OpenSSL has none of them), up to TLS 1.2:
    TLS 1.3 suites are not chosen by the cipher list, and none of them is anonymous or weak."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if version:
        wanted = {"1.1": ssl.TLSVersion.TLSv1_1, "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[version]
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        context.minimum_version = context.maximum_version = wanted
    if ciphers:
        context.set_ciphers(ciphers + ":@SECLEVEL=0")
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


def offered(context):
    """The TLS 1.2-and-older suites a context offers (what a cipher-list test really tried)."""
    return sorted(c["name"] for c in context.get_ciphers() if c["protocol"] != "TLSv1.3")


def converse(args):
    """Return a dict: stage reached, last code and text, whether the message was accepted."""
    result = {"server": args.server, "port": args.port, "steps": []}

    def record(stage, code, text):
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        text = " ".join(text.split())
        result["steps"].append({"stage": stage, "code": code, "text": text})
        result.update(stage=stage, code=code, text=text)
        return 200 <= code < 400

    smtp = ProbeSMTPS(timeout=args.timeout, context=tls_context()) if args.wrapper else ProbeSMTP(timeout=args.timeout)
    try:
        code, text = smtp.connect(args.server, args.port)
        result["banner"] = text.decode("utf-8", "replace")
        if args.wrapper:
            result["tls_version"] = smtp.sock.version()
        ok = record("connect", code, text)
        if ok:
            ok = record("ehlo", *smtp.ehlo(args.helo))
            result["extensions"] = sorted(smtp.esmtp_features)
            result["auth_before_tls"] = smtp.esmtp_features.get("auth", "")
        if ok and args.starttls:
            ok = record("starttls", *smtp.starttls(context=tls_context()))
            result["tls_version"] = smtp.sock.version() if ok else None
            if ok:
                ok = record("ehlo", *smtp.ehlo(args.helo))
                result["extensions_after_tls"] = sorted(smtp.esmtp_features)
                result["auth_after_tls"] = smtp.esmtp_features.get("auth", "")
        if ok and args.auth_user:
            try:
                password = os.environ.get(args.auth_password_env, "") if args.auth_password_env else args.auth_password
                ok = record("auth", *smtp.login(args.auth_user, password))
            except smtplib.SMTPAuthenticationError as exc:
                ok = record("auth", exc.smtp_code, exc.smtp_error)
            except smtplib.SMTPNotSupportedError:
                ok = record("auth", 0, "AUTH not offered")
        if ok:
            ok = record("mail", *smtp.docmd("MAIL", "FROM:<%s>" % args.sender))
        accepted = []
        for rcpt in args.rcpt if ok else []:
            if record("rcpt", *smtp.docmd("RCPT", "TO:<%s>" % rcpt)):
                accepted.append(rcpt)
        ok = ok and bool(accepted) and len(accepted) == len(args.rcpt)
        if ok:
            ok = record("data", *smtp.docmd("DATA"))
        if ok:
            ok = record("message", *smtp.send_body(build_message(args)))
        result["accepted"] = ok
        try:
            smtp.quit()
        except smtplib.SMTPServerDisconnected:
            pass
    except smtplib.SMTPServerDisconnected as exc:
        result.update(accepted=False, error="disconnected: %s" % exc)
    except (OSError, smtplib.SMTPException) as exc:
        result.update(accepted=False, error="%s: %s" % (type(exc).__name__, exc))
    finally:
        smtp.close()
    return result


def read_replies(sock, timeout=3.0, first_only=False):
    """Everything the server sends until it hangs up or is silent for `timeout` seconds, as reply
    lines; with first_only, just the first complete reply (e.g. the greeting)."""
    sock.settimeout(timeout)
    data = b""
    while not (first_only and _complete_reply(data)):
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return [line for line in data.decode("utf-8", "replace").split("\r\n") if line]


def _complete_reply(data):
    """True when data holds a whole reply: a line "NNN text" ends it ("NNN-text" continues)."""
    lines = data.split(b"\r\n")
    return any(len(line) >= 4 and line[:3].isdigit() and line[3:4] == b" " for line in lines[:-1])


def raw_session(args, before_greeting, lines):
    """Send lines at once (optionally before the greeting) and report every reply line."""
    sock = socket.create_connection((args.server, args.port), timeout=args.timeout)
    try:
        greeting = [] if before_greeting else read_replies(sock, 10.0, first_only=True)
        sock.sendall("".join(line + "\r\n" for line in lines).encode("ascii"))
        return {"server": args.server, "replies": greeting + read_replies(sock)}
    finally:
        sock.close()


def pregreet(args):
    """Talk before the greeting, as spambots do."""
    return raw_session(args, True, ["EHLO " + args.helo, "QUIT"])


def pipeline(args):
    """Pipeline commands after HELO (which grants no PIPELINING)."""
    return raw_session(args, False, ["HELO " + args.helo, "MAIL FROM:<%s>" % args.sender,
                                     "RCPT TO:<%s>" % (args.rcpt or ["postmaster"])[0], "QUIT"])


def simple_commands(args, commands):
    smtp = ProbeSMTP(timeout=args.timeout)
    try:
        code, text = smtp.connect(args.server, args.port)
        replies = [[code, text.decode("utf-8", "replace")]]
        for verb, argument in commands:
            code, text = smtp.docmd(verb, argument)
            replies.append([code, " ".join(text.decode("utf-8", "replace").split())])
        smtp.close()
        return {"server": args.server, "replies": replies}
    except (OSError, smtplib.SMTPException) as exc:
        return {"server": args.server, "error": "%s: %s" % (type(exc).__name__, exc)}


def vrfy(args):
    return simple_commands(args, [("EHLO", args.helo), ("VRFY", args.vrfy)])


def mail_before_helo(args):
    return simple_commands(args, [("MAIL", "FROM:<%s>" % args.sender)])


def tls_handshake(args):
    """EHLO, STARTTLS offering one TLS version; report whether the handshake succeeded."""
    smtp = ProbeSMTP(timeout=args.timeout)
    result = {"server": args.server, "offered": args.tls_version}
    try:
        smtp.connect(args.server, args.port)
        smtp.ehlo(args.helo)
        result["starttls_offered"] = smtp.has_extn("starttls")
        code, dummy = smtp.docmd("STARTTLS")
        result["starttls_reply"] = code
        context = tls_context(args.tls_version, args.tls_ciphers)
        if args.tls_ciphers:
            result["offered_ciphers"] = offered(context)
        sock = context.wrap_socket(smtp.sock, server_hostname=args.server)
        result.update(handshake=True, version=sock.version(), cipher=sock.cipher()[0])
        sock.close()
    except ssl.SSLError as exc:
        result.update(handshake=False, error="%s: %s" % (exc.reason, exc))
    except (OSError, smtplib.SMTPException) as exc:
        result.update(handshake=False, error="%s: %s" % (type(exc).__name__, exc))
    return result


def tls_wrapped(args):
    """Implicit TLS (port 465): the handshake comes first, then the greeting."""
    result = {"server": args.server}
    try:
        context = tls_context(args.tls_version, args.tls_ciphers)
        if args.tls_ciphers:
            result["offered_ciphers"] = offered(context)
        raw = socket.create_connection((args.server, args.port), timeout=args.timeout)
        sock = context.wrap_socket(raw, server_hostname=args.server)
        result.update(handshake=True, version=sock.version(), cipher=sock.cipher()[0])
        lines = read_replies(sock, 10.0, first_only=True)
        result["banner"] = lines[0] if lines else ""
        sock.close()
    except (OSError, ssl.SSLError) as exc:
        result.update(handshake=False, error="%s: %s" % (type(exc).__name__, exc))
    return result


def connections(args):
    """Open connections one after another; report each greeting's code (or how it failed)."""
    codes = []
    for attempt in range(args.count):
        try:
            sock = socket.create_connection((args.server, args.port), timeout=args.timeout)
            lines = read_replies(sock, 10.0, first_only=True)
            codes.append(lines[0] if lines else "no greeting")
            try:
                sock.sendall(b"QUIT\r\n")
            except OSError:
                pass
            sock.close()
        except OSError as exc:
            codes.append("%s: %s" % (type(exc).__name__, exc))
        time.sleep(0.05)
    return {"server": args.server, "greetings": codes}


MODES = {"mail": converse, "pregreet": pregreet, "pipeline": pipeline, "vrfy": vrfy,
         "mail-before-helo": mail_before_helo, "tls": tls_handshake, "tls-wrapped": tls_wrapped,
         "connections": connections}


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(json.dumps(MODES[args.mode](args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
