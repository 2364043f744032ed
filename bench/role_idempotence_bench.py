"""Benchmark: how long a second (idempotent) run of hardened.relay.site takes, with small and
with 100,000-entry access tables, against a Debian 12 relay container.

Measures wall time of `ansible-playbook` as an admin runs it (controller + transport included),
and checks that the second run reports changed=0. Writes bench/results/role_idempotence.md.
"""
import json
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(TOP, ".venv", "bin")
RESULTS = os.path.join(TOP, "bench", "results")
CONTAINER = "hr-bench-relay"
IMAGE = "hardened-relay/debian:12"
ENTRIES = 100000


def sh(argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs).stdout


def start_relay():
    subprocess.run(["docker", "rm", "-f", CONTAINER], capture_output=True, check=False)
    sh(["docker", "run", "-d", "--name", CONTAINER, "--hostname", "relay.bench.test",
        "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--security-opt", "seccomp=unconfined",
        "--security-opt", "apparmor=unconfined", "--tmpfs", "/run", "--tmpfs", "/run/lock", "--cgroupns", "host",
        "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "-e", "container=docker", IMAGE, "/lib/systemd/systemd"])
    for attempt in range(60):
        state = subprocess.run(["docker", "exec", CONTAINER, "systemctl", "is-system-running"],
                               capture_output=True, text=True, check=False).stdout.strip()
        if state in ("running", "degraded"):
            return
        time.sleep(1)
    raise SystemExit("systemd did not boot in %s" % CONTAINER)


def run_site(extra_vars_file):
    inventory = os.path.join(RESULTS, "bench-inventory.yml")
    with open(inventory, "w", encoding="utf-8") as handle:
        handle.write("---\nrelays:\n  hosts:\n    %s:\n      ansible_connection: community.docker.docker\n"
                     "      ansible_python_interpreter: /usr/bin/python3\n" % CONTAINER)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(TOP, ".build", "collections"),
               PATH=VENV_BIN + os.pathsep + os.environ["PATH"])
    start = time.perf_counter()
    out = sh([os.path.join(VENV_BIN, "ansible-playbook"), "-i", inventory, "-e", "@" + extra_vars_file,
              os.path.join(TOP, "playbooks", "site.yml")], env=env)
    elapsed = time.perf_counter() - start
    changed = int(re.search(r"changed=(\d+)", out.split("PLAY RECAP", 1)[1]).group(1))
    return elapsed, changed


def write_vars(name, big):
    settings = {"postfix_myhostname": "relay.bench.test", "postfix_mynetworks": ["127.0.0.0/8", "10.9.0.0/16"]}
    if big:
        settings["postfix_access_maps"] = {
            "sender_access": {"type": "hash", "entries": {"user%d@spam.example" % i: "REJECT" for i in range(ENTRIES)}},
            "client_access": {"type": "cidr", "entries": [
                {"key": "10.%d.%d.%d/32" % (100 + i // 65536, (i // 256) % 256, i % 256), "value": "REJECT"}
                for i in range(ENTRIES)]},
        }
        settings["postfix_smtpd_client_restrictions"] = [
            "permit_mynetworks", "permit_sasl_authenticated", "check_client_access cidr:/etc/postfix/maps/client_access"]
        settings["postfix_smtpd_sender_restrictions"] = [
            "permit_mynetworks", "permit_sasl_authenticated", "reject_non_fqdn_sender",
            "check_sender_access hash:/etc/postfix/maps/sender_access"]
    path = os.path.join(RESULTS, name)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(settings, handle)
    return path


def main():
    os.makedirs(RESULTS, exist_ok=True)
    start_relay()
    rows = []
    try:
        for label, big in (("default tables", False), ("two 100,000-entry access tables", True)):
            extra = write_vars("bench-%s.json" % ("big" if big else "small"), big)
            first, first_changed = run_site(extra)
            second, second_changed = run_site(extra)
            rows.append((label, first, first_changed, second, second_changed))
    finally:
        subprocess.run(["docker", "rm", "-f", CONTAINER], capture_output=True, check=False)
    lines = ["# hardened.relay.site: first and idempotent run (Debian 12 relay container, wall time)", "",
             "| configuration | run | time | changed |", "| --- | --- | ---: | ---: |"]
    for label, first, first_changed, second, second_changed in rows:
        lines.append("| %s | converge | %.1f s | %d |" % (label, first, first_changed))
        lines.append("| %s | idempotent | %.1f s | %d |" % (label, second, second_changed))
    report = "\n".join(lines) + "\n"
    with open(os.path.join(RESULTS, "role_idempotence.md"), "w", encoding="utf-8") as handle:
        handle.write(report)
    print(report)
    return 0 if all(row[4] == 0 for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
