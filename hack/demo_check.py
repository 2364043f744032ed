"""Talk SMTP to the demo relay from its clients and print what happened as a table.

Exit status 1 when any conversation did not end the way a safe relay must end it.
"""
import argparse
import json
import subprocess
import sys
import time
import uuid

PROBE = "/opt/hardened-relay-test/smtp_probe.py"


def docker_exec(container, *argv):
    return subprocess.run(["docker", "exec", container] + list(argv), check=False,
                          capture_output=True, text=True)


def probe(client, relay, helo, sender, rcpt, token):
    done = docker_exec(client, "python3", PROBE, "--server", relay, "--helo", helo,
                       "--sender", sender, "--rcpt", rcpt, "--token", token)
    if done.returncode != 0:
        return {"accepted": False, "code": 0, "text": done.stderr.strip() or "probe failed"}
    return json.loads(done.stdout)


def arrived(container, path, token, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if docker_exec(container, "grep", "-rqF", token, path).returncode == 0:
            return True
        time.sleep(1)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relay", required=True)
    parser.add_argument("--relay-name", required=True)
    parser.add_argument("--sink", required=True)
    args = parser.parse_args()

    cases = [
        # client, network, helo, recipient, must be accepted, where it must arrive
        ("hr-demo-client-untrusted", "untrusted", "untrusted.client.test", "someone@outside.example",
         False, None),
        ("hr-demo-client-untrusted", "untrusted", "untrusted.client.test", "alice@" + args.relay_name,
         True, (args.relay, "/var/mail/alice", "in alice's mailbox")),
        ("hr-demo-client-trusted", "trusted", "trusted.client.test", "someone@outside.example",
         True, (args.sink, "/var/spool/smtp-sink", "handed to the upstream sink")),
    ]
    rows, failures = [], 0
    for client, network, helo, rcpt, must_accept, destination in cases:
        token = "demo-" + uuid.uuid4().hex[:12]
        result = probe(client, args.relay, helo, "user@" + helo, rcpt, token)
        reply = "%s %s" % (result.get("code", ""), result.get("text", result.get("error", "")))
        if must_accept and result.get("accepted"):
            good = arrived(destination[0], destination[1], token)
            verdict = ("OK: relayed, " if network == "trusted" else "OK: accepted, ") + (
                destination[2] if good else "but it never arrived")
        elif not must_accept and not result.get("accepted"):
            good = result.get("stage") == "rcpt"
            verdict = "OK: refused, not an open relay" if good else "refused, but not at RCPT"
        else:
            good = False
            verdict = "WRONG: " + ("open relay!" if result.get("accepted") else "should have been accepted")
        failures += not good
        rows.append((client.replace("hr-demo-", ""), network, rcpt, reply, verdict))

    headers = ("client", "network", "recipient", "SMTP reply", "verdict")
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(line)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |")
    print(line)
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |")
    print(line)
    if failures:
        print("%d conversation(s) did not end as a safe relay must." % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
