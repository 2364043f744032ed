# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SMTP sink as a provider's smarthost: STARTTLS, TLS from the first byte, AUTH and the event log."""
import base64
import json
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "smtp"))

import smtp_sink  # noqa: E402  pylint: disable=wrong-import-position,import-error

USER = "relay@example.test"
PASSWORD = "s3cret-Pa55word!"
# Every form in which the password could leak into the log: itself, and AUTH PLAIN / LOGIN payloads.
SECRETS = [PASSWORD] + [base64.b64encode(s.encode()).decode() for s in
                        (PASSWORD, "\0%s\0%s" % (USER, PASSWORD), "%s\0%s" % (USER, PASSWORD))]

# Strict enough for Python 3.13's default VERIFY_X509_STRICT as well.
OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:sink.test,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_ca(directory, name):
    key, cert = str(directory / (name + ".key")), str(directory / (name + ".pem"))
    openssl("req", "-x509", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=%s" % name,
            "-config", str(directory / "openssl.cnf"), "-extensions", "ca_ext")
    return key, cert


@pytest.fixture(name="pki", scope="module")
def pki_fixture(tmp_path_factory):
    """A throwaway CA with a server certificate for sink.test / 127.0.0.1, and an unrelated CA."""
    directory = tmp_path_factory.mktemp("pki")
    (directory / "openssl.cnf").write_text(OPENSSL_CONFIG)
    ca_key, ca_cert = make_ca(directory, "test-ca")
    dummy, other_ca_cert = make_ca(directory, "other-ca")
    key, csr, cert = (str(directory / n) for n in ("server.key", "server.csr", "server.pem"))
    openssl("req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", key, "-out", csr, "-subj", "/CN=sink.test", "-config", str(directory / "openssl.cnf"))
    openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-set_serial", "2", "-days", "2",
            "-out", cert, "-extfile", str(directory / "openssl.cnf"), "-extensions", "server_ext")
    return {"ca": ca_cert, "other_ca": other_ca_cert, "cert": cert, "key": key}


class Sink:
    """A running sink with its spool and log; the log is checked for secrets when the test ends."""

    def __init__(self, tmp_path, pki, tls=False, wrapper=False, auth=False, auth_required=False):
        self.spool = tmp_path / "spool"
        self.spool.mkdir(parents=True)
        self.log_path = tmp_path / "sink.log"
        context = smtp_sink.tls_context(pki["cert"], pki["key"]) if tls or wrapper else None
        self.server = smtp_sink.SinkServer(("127.0.0.1", 0), str(self.spool), "sink.test", tls=context,
                                           wrapper=wrapper, auth=(USER, PASSWORD.encode()) if auth else None,
                                           auth_required=auth_required, log=smtp_sink.EventLog(str(self.log_path)))
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self, event=None):
        with open(self.log_path, encoding="utf-8") as handle:
            lines = [json.loads(line) for line in handle]
        return [e for e in lines if event is None or e["event"] == event]

    def wait_for(self, event, timeout=5):
        # Sessions run in server threads: give the sink a moment to write what happened.
        deadline = time.monotonic() + timeout
        while not self.events(event) and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.events(event)

    def messages(self):
        names = sorted(n for n in os.listdir(self.spool) if n.endswith(".eml"))
        messages = []
        for name in names:
            with open(self.spool / name, encoding="utf-8", newline="") as handle:
                messages.append(handle.read())
        return messages

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        log = self.log_path.read_text(encoding="utf-8").lower()
        leaked = [s for s in SECRETS if s.lower() in log]
        assert not leaked, "the sink log holds a secret: %r" % leaked


@pytest.fixture(name="make_sink")
def make_sink_fixture(tmp_path, pki):
    sinks = []

    def make(**options):
        sinks.append(Sink(tmp_path / str(len(sinks)), pki, **options))
        return sinks[-1]

    yield make
    for sink in sinks:
        sink.stop()


@pytest.fixture(name="client_context")
def client_context_fixture(pki):
    return ssl.create_default_context(cafile=pki["ca"])


def send(smtp):
    smtp.sendmail("alice@example.test", ["bob@example.net"], "Subject: hello\r\n\r\nbody\r\n")


def extensions(smtp):
    code, dummy = smtp.ehlo("client.example.test")
    assert code == 250
    return sorted(smtp.esmtp_features)


def test_plain_sink_offers_neither_starttls_nor_auth(make_sink):
    sink = make_sink()
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        assert smtp.ehlo("client.example.test")[1] == b"sink.test\n8BITMIME\nSMTPUTF8"
        assert smtp.docmd("STARTTLS")[0] == 502
        assert smtp.docmd("AUTH", "PLAIN AGZvbwBiYXI=")[0] == 502
        send(smtp)
    stored = sink.messages()[0]
    assert "X-Sink-Auth" not in stored and "X-Sink-TLS" not in stored
    assert stored.startswith("X-Sink-Peer: 127.0.0.1\r\nX-Sink-Mail-From: <alice@example.test>\r\n"
                             "X-Sink-Rcpt-To: <bob@example.net>\r\n")
    assert [e["event"] for e in sink.events()] == ["connect"] + ["command"] * 6 + ["stored", "command"]


def test_starttls_then_auth_plain_is_recorded_on_the_message(make_sink, client_context):
    sink = make_sink(tls=True, auth=True)
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        before = extensions(smtp)
        assert "starttls" in before and "auth" not in before
        assert smtp.starttls(context=client_context)[0] == 220
        after = extensions(smtp)
        assert "starttls" not in after and smtp.esmtp_features["auth"] == " PLAIN LOGIN"
        assert smtp.login(USER, PASSWORD)[0] == 235
        send(smtp)
    stored = sink.messages()[0]
    tls = sink.events("tls")[0]
    assert tls["version"] in ("TLSv1.2", "TLSv1.3") and tls["cipher"]
    assert "X-Sink-Auth: %s\r\n" % USER in stored
    assert "X-Sink-TLS: %s %s\r\n" % (tls["version"], tls["cipher"]) in stored
    assert sink.events("auth") == [{"event": "auth", "user": USER, "ok": True, "mechanism": "PLAIN"}]
    commands = [(e["verb"], e["tls"], e.get("arg")) for e in sink.events("command")]
    assert commands == [("EHLO", False, None), ("STARTTLS", False, None), ("EHLO", True, None), ("AUTH", True, None),
                        ("MAIL", True, "<alice@example.test>"), ("RCPT", True, "<bob@example.net>"),
                        ("DATA", True, None), ("QUIT", True, None)]
    assert sink.events("stored")[0]["file"].endswith(".eml")


def test_wrong_password_is_refused_and_logged_without_it(make_sink, client_context):
    sink = make_sink(tls=True, auth=True)
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        smtp.starttls(context=client_context)
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            smtp.login(USER, PASSWORD + "x")
        assert refused.value.smtp_code == 535 and refused.value.smtp_error == b"5.7.8 Error: authentication failed"
        # Nor is the right password, had it been tried, logged: the teardown checks for both.
        smtp.docmd("AUTH", "PLAIN " + SECRETS[2])
    assert sink.events("auth")[0] == {"event": "auth", "user": USER, "ok": False, "mechanism": "PLAIN"}
    assert PASSWORD + "x" not in sink.log_path.read_text(encoding="utf-8")


def test_auth_before_starttls_needs_encryption(make_sink):
    sink = make_sink(tls=True, auth=True)
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        smtp.ehlo("client.example.test")
        code, text = smtp.docmd("AUTH", "PLAIN " + SECRETS[2])
    assert code == 538 and text == b"5.7.11 Encryption required for requested authentication mechanism"
    assert not sink.events("auth")
    assert {"event": "command", "verb": "AUTH", "tls": False} in sink.events("command")


def test_auth_required_refuses_mail_before_auth(make_sink):
    # Without TLS configured, AUTH is offered in plaintext right away.
    sink = make_sink(auth=True, auth_required=True)
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        assert "auth" in extensions(smtp)
        assert smtp.mail("alice@example.test") == (530, b"5.7.0 Authentication required")
        smtp.login(USER, PASSWORD)
        send(smtp)
    assert "X-Sink-Auth: %s\r\n" % USER in sink.messages()[0]
    assert "X-Sink-TLS" not in sink.messages()[0]


def b64(text):
    return base64.b64encode(text.encode()).decode()


OK = (235, b"2.7.0 Authentication successful")


@pytest.mark.parametrize("dialogue", [
    [("AUTH LOGIN", (334, b"VXNlcm5hbWU6")), (b64(USER), (334, b"UGFzc3dvcmQ6")), (b64(PASSWORD), OK)],
    [("AUTH LOGIN " + b64(USER), (334, b"UGFzc3dvcmQ6")), (b64(PASSWORD), OK)],
    [("AUTH PLAIN", (334, b"")), (SECRETS[2], OK)],
    [("AUTH PLAIN " + SECRETS[2], OK)],
    [("AUTH LOGIN", (334, b"VXNlcm5hbWU6")), ("*", (501, b"5.7.0 Authentication aborted"))],
    [("AUTH CRAM-MD5", (504, b"5.5.4 Error: unsupported authentication mechanism"))],
], ids=["login-two-prompts", "login-initial-response", "plain-continuation", "plain-initial-response", "cancelled",
        "unsupported"])
def test_auth_dialogues(make_sink, client_context, dialogue):
    sink = make_sink(tls=True, auth=True)
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        smtp.starttls(context=client_context)
        smtp.ehlo("client.example.test")
        for line, reply in dialogue:
            assert smtp.docmd(line) == reply
        send_ok = dialogue[-1][1] == OK
        if send_ok:
            send(smtp)
    assert [e["verb"] for e in sink.events("command")].count("AUTH") == 1
    if send_ok:
        assert "X-Sink-Auth: %s\r\n" % USER in sink.messages()[0]
        assert sink.events("auth") == [{"event": "auth", "user": USER, "ok": True, "mechanism": dialogue[0][0].split()[1]}]
    else:
        assert not sink.events("auth")


def test_smtplib_auth_login_with_and_without_initial_response(make_sink, client_context):
    sink = make_sink(tls=True, auth=True)
    for initial_response_ok in (True, False):
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
            smtp.starttls(context=client_context)
            smtp.ehlo("client.example.test")
            smtp.user, smtp.password = USER, PASSWORD
            assert smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=initial_response_ok) == OK
    assert [(e["mechanism"], e["ok"]) for e in sink.events("auth")] == [("LOGIN", True), ("LOGIN", True)]


def test_wrapper_mode_speaks_tls_from_the_first_byte(make_sink, client_context):
    sink = make_sink(wrapper=True, auth=True)
    with smtplib.SMTP_SSL("127.0.0.1", sink.port, timeout=5, context=client_context) as smtp:
        features = extensions(smtp)
        assert "starttls" not in features and "auth" in features
        assert smtp.docmd("STARTTLS")[0] == 554
        smtp.login(USER, PASSWORD)
        send(smtp)
    assert [e["event"] for e in sink.events()][:2] == ["connect", "tls"]
    assert "X-Sink-TLS: TLSv1." in sink.messages()[0]
    assert all(e["tls"] for e in sink.events("command"))


def test_client_trusting_another_ca_fails_the_handshake(make_sink, pki):
    sink = make_sink(tls=True, auth=True)
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        with pytest.raises(ssl.SSLCertVerificationError):
            smtp.starttls(context=ssl.create_default_context(cafile=pki["other_ca"]))
    failed = sink.wait_for("tls_failed")
    assert len(failed) == 1 and failed[0]["error"]
    assert not sink.events("tls") and not sink.events("auth")
    assert [e["verb"] for e in sink.events("command")] == ["EHLO", "STARTTLS"]


def test_plaintext_pipelined_after_starttls_is_dropped(make_sink, client_context):
    # RFC 3207 5: commands sent before the handshake must not run inside the TLS session.
    sink = make_sink(tls=True, auth=True)
    with socket.create_connection(("127.0.0.1", sink.port), timeout=5) as raw:
        reader = raw.makefile("rb")
        assert reader.readline().startswith(b"220 ")
        raw.sendall(b"EHLO c.test\r\nSTARTTLS\r\nMAIL FROM:<injected@example.test>\r\n")
        while not reader.readline().startswith(b"250 "):
            pass
        assert reader.readline() == b"220 2.0.0 Ready to start TLS\r\n"
        reader.close()
        with client_context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"MAIL FROM:<after-tls@example.test>\r\n")
            assert tls.recv(4096) == b"503 5.5.1 Error: send HELO/EHLO first\r\n"
            tls.sendall(b"QUIT\r\n")
            assert tls.recv(4096).startswith(b"221 ")
    commands = [(e["verb"], e["tls"]) for e in sink.events("command")]
    assert commands == [("EHLO", False), ("STARTTLS", False), ("MAIL", True), ("QUIT", True)]
    assert sink.events("command")[2]["arg"] == "<after-tls@example.test>"


def test_unknown_verbs_are_not_logged_verbatim(make_sink):
    sink = make_sink(auth=True)
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
        assert smtp.docmd(SECRETS[1])[0] == 502  # a confused client sending a credential as a command
    assert sink.events("command") == [{"event": "command", "verb": "UNKNOWN", "tls": False},
                                      {"event": "command", "verb": "QUIT", "tls": False}]


def test_build_server_reads_the_password_from_a_file(tmp_path, pki):
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n")
    server = smtp_sink.build_server(["--listen", "127.0.0.1", "--port", "0", "--spool", str(tmp_path / "spool"),
                                     "--tls-cert", pki["cert"], "--tls-key", pki["key"], "--auth-user", USER,
                                     "--auth-password-file", str(secret), "--auth-required"])
    try:
        assert server.auth == (USER, PASSWORD.encode())
        assert server.tls.minimum_version == ssl.TLSVersion.TLSv1_2
        assert server.auth_required and not server.wrapper
    finally:
        server.server_close()


@pytest.mark.parametrize("argv", [["--tls-cert", "c.pem"], ["--wrapper"], ["--auth-user", "u"], ["--auth-required"]])
def test_build_server_refuses_half_configurations(argv, tmp_path):
    with pytest.raises(SystemExit):
        smtp_sink.build_server(["--port", "0", "--spool", str(tmp_path)] + argv)
