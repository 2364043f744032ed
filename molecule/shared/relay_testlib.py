# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers the Molecule verifiers share: hosts by name, SMTP probes from clients, waiting for mail.

Containers are reached with testinfra's docker backend (a `docker exec` per command),
which is much faster than going through Ansible for every probe.
"""
import json
import os
import re
import shlex
import subprocess
import time
import uuid

import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner

PROBE = "/opt/hardened-relay-test/smtp_probe.py"
CONVERGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "converge.yml")


def inventory_hosts(group):
    """Names of the hosts in an inventory group of the running scenario."""
    return sorted(AnsibleRunner(os.environ["MOLECULE_INVENTORY_FILE"]).get_hosts(group))


def container(name):
    return testinfra.get_host("docker://" + name)


def new_token():
    return "hr-" + uuid.uuid4().hex


def smtp_probe(client, server, sender="", rcpts=(), helo="client.test", token="", port=25, mode="mail", **options):
    """Hold one SMTP conversation (or protocol test, see smtp_probe.py --mode) from the client
    container; return the probe's JSON report. options become --name value (True: a bare flag)."""
    argv = ["python3", PROBE, "--server", server, "--port", str(port), "--helo", helo,
            "--sender", sender, "--token", token, "--mode", mode]
    for rcpt in rcpts:
        argv += ["--rcpt", rcpt]
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        for item in value if isinstance(value, (list, tuple)) else [value]:  # a list: the flag once per item
            argv += [flag] if item is True else [flag, str(item)]
    out = client.check_output(" ".join(shlex.quote(a) for a in argv))
    return json.loads(out)


def assert_relay_denied(client, relay, sender, helo):
    """A stranger's mail to an outside domain is refused at RCPT: the relay is not open."""
    result = smtp_probe(client, relay, sender=sender, helo=helo, rcpts=["someone@outside.example"])
    assert result["stage"] == "rcpt" and result["code"] == 554, result
    assert result["text"].endswith("Relay access denied")
    return result


def assert_delivered_locally(client, relay, sender, helo):
    """Mail to alice@ the relay is accepted and arrives in her mailbox."""
    token = new_token()
    result = smtp_probe(client, relay, sender=sender, helo=helo, rcpts=[local_address(relay)], token=token)
    assert result["accepted"] is True, result
    assert token in wait_for_text(container(relay), "/var/mail/alice", token)
    return result


def wait_for_text(host, path, text, timeout=60):
    """Poll until a file (or any file under a directory) on the host contains text; return its content."""
    deadline = time.monotonic() + timeout
    command = "grep -rlF -- %s %s" % (shlex.quote(text), shlex.quote(path))
    while True:
        found = host.run(command)
        if found.rc == 0:
            return host.check_output("cat %s" % " ".join(shlex.quote(p) for p in found.stdout.split()))
        if time.monotonic() > deadline:
            raise AssertionError("%r did not appear under %s within %s s" % (text, path, timeout))
        time.sleep(1)


def wait_for_log(host, pattern, identifier="", timeout=20):
    """Poll the host's journal until a line matches the (PCRE) pattern; return the matching lines.
    With identifier, only lines of that syslog identifier (e.g. postfix/postscreen)."""
    deadline = time.monotonic() + timeout
    only = "-t %s " % shlex.quote(identifier) if identifier else ""
    command = "journalctl --no-pager -q %s-g %s" % (only, shlex.quote(pattern))
    while True:
        lines = host.run(command).stdout
        if lines.strip():
            return lines
        if time.monotonic() > deadline:
            raise AssertionError("no journal line matching %r%s within %s s"
                                 % (pattern, " from " + identifier if identifier else "", timeout))
        time.sleep(1)


def text_absent(host, path, text, settle=5):
    """True when text has not appeared under path after settle seconds."""
    time.sleep(settle)
    return host.run("grep -rqF -- %s %s" % (shlex.quote(text), shlex.quote(path))).rc != 0


def headers(message):
    """The header block of a stored message, unfolded: [(name, value)]."""
    block = message.replace("\r\n", "\n").split("\n\n", 1)[0]
    unfolded = re.sub(r"\n[ \t]+", " ", block)
    return [tuple(part.strip() for part in line.split(":", 1)) for line in unfolded.split("\n") if ":" in line]


def postconf(host, name):
    return host.check_output("postconf -h %s" % shlex.quote(name))


def local_address(relay, user="alice"):
    """user@ the relay's myhostname: an address the relay delivers locally."""
    return "%s@%s" % (user, postconf(container(relay), "myhostname"))


def master_pid(relay):
    """The process id of the relay's Postfix master: the same after a reload, new after a restart."""
    return container(relay).check_output("cat /var/spool/postfix/pid/master.pid").strip()


def run_site(*args):
    """Run the site playbook (through the shared converge.yml) against the scenario's inventory,
    with the collection as installed from its tarball; return the completed process."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.environ["HR_INSTALLED_COLLECTIONS"],
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    done = subprocess.run(["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], CONVERGE] + list(args),
                          env=env, capture_output=True, text=True, check=False)
    # Every play's output, for hack/secret_scan.py to look for the test secrets in.
    if os.environ.get("HR_PLAY_LOG"):
        with open(os.environ["HR_PLAY_LOG"], "a", encoding="utf-8") as log:
            log.write("\n#### a run of the site playbook (its arguments may hold secrets, so not them)\n")
            log.write(done.stdout + done.stderr)
    return done


def converge(*args):
    """run_site that must succeed."""
    done = run_site(*args)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return done


def recap_changed(output):
    """{host: changed count} from a play recap."""
    return {host: int(changed) for host, changed in re.findall(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)", output, re.M)}
