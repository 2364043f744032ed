# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SMTP probe and sink that the demo and Molecule verifiers rely on, talking to each other on loopback."""
import os
import sys
import threading

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "smtp"))

import smtp_probe  # noqa: E402  pylint: disable=wrong-import-position,import-error
import smtp_sink  # noqa: E402  pylint: disable=wrong-import-position,import-error


@pytest.fixture(name="sink")
def sink_fixture(tmp_path):
    server = smtp_sink.SinkServer(("127.0.0.1", 0), str(tmp_path), "sink.test")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def probe(server, *extra):
    args = ["--server", "127.0.0.1", "--port", str(server.server_address[1]), "--helo", "client.example.test"]
    return smtp_probe.converse(smtp_probe.parse_args(args + list(extra)))


def spooled(server):
    return sorted(n for n in os.listdir(server.spool) if n.endswith(".eml"))


def test_message_accepted_and_stored_with_envelope(sink):
    result = probe(sink, "--sender", "alice@example.test", "--rcpt", "bob@example.net",
                   "--rcpt", "carol@example.net", "--token", "tok-123")
    assert result["accepted"] is True
    assert result["stage"] == "message" and result["code"] == 250
    assert [s["stage"] for s in result["steps"]] == ["connect", "ehlo", "mail", "rcpt", "rcpt", "data", "message"]
    names = spooled(sink)
    assert len(names) == 1
    with open(os.path.join(sink.spool, names[0]), encoding="utf-8") as handle:
        stored = handle.read()
    assert "X-Sink-Mail-From: <alice@example.test>" in stored
    assert "X-Sink-Rcpt-To: <bob@example.net>" in stored and "X-Sink-Rcpt-To: <carol@example.net>" in stored
    assert "Subject: hardened.relay probe tok-123" in stored


def test_dot_stuffing_round_trips(sink):
    # Unstuffed, "..x" would arrive as ".x": the test fails unless both sides stuff and unstuff.
    token = "..starts-with-two-dots"
    result = probe(sink, "--sender", "a@example.test", "--rcpt", "b@example.net", "--token", token)
    assert result["accepted"] is True
    with open(os.path.join(sink.spool, spooled(sink)[0]), encoding="utf-8", newline="") as handle:
        body = handle.read().split("\r\n\r\n", 1)[1]
    assert body == "probe token:\r\n%s\r\n" % token


def test_refused_recipient_stops_before_data(sink):
    # The sink refuses RCPT before MAIL; the probe reports the stage and the reply.
    smtp = smtp_probe.ProbeSMTP(timeout=5)
    smtp.connect("127.0.0.1", sink.server_address[1])
    code, text = smtp.docmd("RCPT", "TO:<x@example.net>")
    smtp.close()
    assert code == 503 and b"need MAIL" in text
    assert not spooled(sink)


def test_unreachable_server_is_reported_not_raised():
    result = smtp_probe.converse(smtp_probe.parse_args(
        ["--server", "127.0.0.1", "--port", "1", "--sender", "a@b.test", "--rcpt", "c@d.test", "--timeout", "2"]))
    assert result["accepted"] is False
    assert "ConnectionRefusedError" in result["error"]


def test_partial_recipient_refusal_is_not_accepted(sink, monkeypatch):
    real = smtp_probe.ProbeSMTP.docmd

    def refuse_second(self, cmd, args=""):
        if cmd == "RCPT" and "refused@" in args:
            return 554, b"5.7.1 <refused@example.net>: Relay access denied"
        return real(self, cmd, args)

    monkeypatch.setattr(smtp_probe.ProbeSMTP, "docmd", refuse_second)
    result = probe(sink, "--sender", "a@example.test", "--rcpt", "ok@example.net", "--rcpt", "refused@example.net")
    assert result["accepted"] is False
    assert result["stage"] == "rcpt" and result["code"] == 554
    assert result["text"].endswith("Relay access denied")
    assert not spooled(sink)


def test_connections_mode_reports_each_greeting(sink):
    args = smtp_probe.parse_args(["--server", "127.0.0.1", "--port", str(sink.server_address[1]),
                                  "--mode", "connections", "--count", "3"])
    greetings = smtp_probe.connections(args)["greetings"]
    assert greetings == ["220 sink.test ESMTP sink"] * 3


def test_pipeline_mode_reports_every_reply(sink):
    args = smtp_probe.parse_args(["--server", "127.0.0.1", "--port", str(sink.server_address[1]), "--mode", "pipeline",
                                  "--helo", "c.test", "--sender", "a@b.test", "--rcpt", "x@y.test"])
    replies = smtp_probe.pipeline(args)["replies"]
    assert replies == ["220 sink.test ESMTP sink", "250 sink.test", "250 2.1.0 Ok", "250 2.1.5 Ok", "221 2.0.0 Bye"]


def test_vrfy_mode_reports_the_reply(sink):
    args = smtp_probe.parse_args(["--server", "127.0.0.1", "--port", str(sink.server_address[1]), "--mode", "vrfy"])
    replies = smtp_probe.vrfy(args)["replies"]
    assert replies[-1] == [502, "5.5.2 Error: command not recognized"]


@pytest.mark.parametrize("data, complete", [
    (b"220 ready\r\n", True),
    (b"250-first\r\n250-second\r\n", False),
    (b"250-first\r\n250 last\r\n", True),
    (b"220 partial", False),
])
def test_complete_reply(data, complete):
    assert smtp_probe._complete_reply(data) is complete  # pylint: disable=protected-access


def test_tls_context_offers_only_the_asked_version():
    context = smtp_probe.tls_context("1.1")
    assert context.minimum_version == context.maximum_version == smtp_probe.ssl.TLSVersion.TLSv1_1
    assert smtp_probe.tls_context().verify_mode == smtp_probe.ssl.CERT_NONE


def test_auth_against_a_server_without_auth_is_reported(sink):
    result = probe(sink, "--sender", "a@example.test", "--rcpt", "b@example.net", "--auth-user", "u",
                   "--auth-password", "p")
    assert result["accepted"] is False
    assert result["stage"] == "auth" and result["text"] == "AUTH not offered"
    assert result["auth_before_tls"] == ""
    assert not spooled(sink)
