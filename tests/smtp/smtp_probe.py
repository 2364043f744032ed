# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hold one SMTP conversation and report, as JSON, how far it got and what the server said.

Runs inside client containers (Python standard library only), from the demo and
from the Molecule verifiers. Exit status is 0 whenever the conversation could be
held, whatever the server answered: the caller judges the replies.
"""
import argparse
import json
import smtplib
import socket
import sys


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="host name or address of the SMTP server")
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--helo", default=socket.getfqdn(), help="name to send in EHLO")
    parser.add_argument("--sender", default="", help="envelope sender (MAIL FROM)")
    parser.add_argument("--rcpt", action="append", default=[], help="envelope recipient (RCPT TO), repeatable")
    parser.add_argument("--token", default="", help="unique text put in the Subject and body")
    parser.add_argument("--timeout", type=float, default=30.0)
    return parser.parse_args(argv)


def build_message(args):
    return (
        "From: <{sender}>\r\nTo: {to}\r\nSubject: hardened.relay probe {token}\r\n"
        "Message-ID: <probe-{token}@{helo}>\r\n\r\nprobe token:\r\n{token}\r\n"
    ).format(sender=args.sender, to=", ".join("<%s>" % r for r in args.rcpt), token=args.token, helo=args.helo)


class ProbeSMTP(smtplib.SMTP):
    """smtplib.SMTP that reports the reply to the end of DATA instead of raising on it."""

    def send_body(self, message):
        """Send the message after a 354 reply; return the server's final (code, text)."""
        lines = message.replace("\r\n", "\n").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        # Dot-stuffing (RFC 5321 4.5.2): a line that starts with "." gets one more.
        body = "".join(("." + line if line.startswith(".") else line) + "\r\n" for line in lines)
        self.send(body.encode("utf-8") + b".\r\n")
        return self.getreply()


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

    smtp = ProbeSMTP(timeout=args.timeout)
    try:
        code, text = smtp.connect(args.server, args.port)
        result["banner"] = text.decode("utf-8", "replace")
        ok = record("connect", code, text)
        if ok:
            ok = record("ehlo", *smtp.ehlo(args.helo))
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


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    print(json.dumps(converse(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
