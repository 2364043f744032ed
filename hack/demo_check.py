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
OUTSIDE = "someone@outside.example"


def docker_exec(container, *argv):
    return subprocess.run(["docker", "exec", container] + list(argv), check=False,
                          capture_output=True, text=True)


def probe(case, relay, token):
    argv = ["python3", PROBE, "--server", relay, "--port", str(case.get("port", 25)), "--helo", case["helo"],
            "--sender", case["sender"], "--rcpt", case["rcpt"], "--token", token]
    if case.get("auth"):
        argv += ["--starttls", "--auth-user", case["auth"][0], "--auth-password", case["auth"][1]]
    elif case.get("port", 25) != 25:
        argv += ["--starttls"]
    done = docker_exec("hr-demo-client-" + case["client"], *argv)
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


def judge(case, result, token, relay, sink):
    """(good, verdict) for one conversation."""
    expect = case["expect"]
    if expect in ("local", "relayed"):
        if not result.get("accepted"):
            return False, "WRONG: should have been accepted"
        where = (relay, "/var/mail/alice", "in alice's mailbox") if expect == "local" else \
            (sink, "/var/spool/smtp-sink", "handed to the upstream sink")
        ok = arrived(where[0], where[1], token)
        return ok, ("OK: %s, %s" % ("accepted" if expect == "local" else "relayed", where[2]) if ok
                    else "WRONG: accepted but it never arrived")
    if result.get("accepted"):
        return False, "WRONG: accepted" + (" (open relay!)" if case["rcpt"] == OUTSIDE else "")
    code, text = result.get("code", 0), result.get("text", "")
    if expect == "greylisted":
        return code == 450 and "Greylisted" in text, "OK: greylisted, a real server retries later"
    good = result.get("stage") in ("rcpt", "auth") and case["must_say"] in text
    return good, ("OK: refused, " + case["why"]) if good else "WRONG: refused, but not as expected"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relay", required=True)
    parser.add_argument("--relay-name", required=True)
    parser.add_argument("--sink", required=True)
    args = parser.parse_args()
    alice, bob = "alice@" + args.relay_name, "bob@" + args.relay_name
    stranger = dict(client="untrusted", network="untrusted", helo="untrusted.client.test")
    carol = ("carol@" + args.relay_name, "demo-password")
    cases = [
        dict(stranger, sender="me@untrusted.client.test", rcpt=OUTSIDE, expect="refused",
             must_say="Relay access denied", why="not an open relay"),
        dict(stranger, sender="me@untrusted.client.test", rcpt=alice, expect="local"),
        dict(client="trusted", network="trusted", helo="trusted.client.test", sender="app@trusted.client.test",
             rcpt=OUTSIDE, expect="relayed"),
        dict(stranger, sender="first-%s@untrusted.client.test" % uuid.uuid4().hex[:6], rcpt=bob, expect="greylisted"),
        dict(client="listed", network="untrusted", helo="listed.client.test", sender="me@untrusted.client.test",
             rcpt=alice, expect="refused", must_say="blocked using dnsbl.demo.test", why="client on a DNS block list"),
        dict(client="zombie", network="untrusted", helo="zombie.client.test", sender="me@untrusted.client.test",
             rcpt=alice, expect="refused", must_say="blocked using zombies.demo.test",
             why="postscreen: block list score 3"),
        dict(stranger, sender="forged@spf-fail.demo.test", rcpt=alice, expect="refused", must_say="SPF",
             why="sender fails SPF"),
        dict(stranger, port=587, sender=carol[0], rcpt=OUTSIDE, expect="refused",
             must_say="Access denied", why="no AUTH, no relay on 587"),
        dict(stranger, port=587, sender=carol[0], rcpt=OUTSIDE, auth=(carol[0], "wrong"), expect="refused",
             must_say="authentication failed", why="wrong password"),
        dict(stranger, port=587, sender=carol[0], rcpt=OUTSIDE, auth=carol, expect="relayed"),
        dict(stranger, port=587, sender=alice, rcpt=OUTSIDE, auth=carol, expect="refused",
             must_say="not owned by user", why="AUTH as carol, sender alice"),
    ]
    rows, failures = [], 0
    for case in cases:
        token = "demo-" + uuid.uuid4().hex[:12]
        result = probe(case, args.relay, token)
        reply = "%s %s" % (result.get("code", ""), result.get("text", result.get("error", "")))
        good, verdict = judge(case, result, token, args.relay, args.sink)
        failures += not good
        client = "%s%s" % (case["client"], " :%d%s" % (case["port"], " AUTH" if case.get("auth") else "")
                           if case.get("port") else "")
        rows.append((client, case["network"], case["rcpt"], reply[:70], verdict))

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
