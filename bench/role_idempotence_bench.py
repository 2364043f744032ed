"""Benchmark: how long an idempotent re-run of the whole relay stack takes, this tree against a
previous one, with default and with two 100,000-entry access tables, on Debian 12 relay containers.

Both checkouts (this tree, uncommitted changes included, and by default a temporary git worktree
of PREVIOUS_REV) are installed the way a user installs the collection: a collections path with
ansible_collections/hardened/relay -> the checkout, then the venv's collections (community.docker).
Each gets a systemd relay container of its own (the two never share state), and each deploys its
own playbooks/site.yml with SASL (saslauthd, one sasldb user), greylisting (postgrey), SPF
(policyd-spf), DNS block lists and postscreen, with ANSIBLE_PIPELINING=1 for both.

For each configuration (the whole stack; then the whole stack plus a hash sender_access and a cidr
client_access of 100,000 entries each, used in the restriction lists, as variables; then the same
tables as files on the controller, postfix_access_maps.NAME.src, for this tree only) both converge
once (timed apart), then RUNS idempotent re-runs are timed in turns: previous, current, previous,
current, ... so that both see the same machine. An empty play with and without the tables as
variables shows what Ansible itself pays to load them. Measured: wall time of ansible-playbook as an admin runs it
(controller, transport and target). Every idempotent run of this tree must report changed=0.

Goals (the project's speed issue), judged on this tree's medians:
  whole stack, idempotent re-run <= 10 s on the 2-core bench machine
  two 100,000-entry access tables (as files) add <= 20 % to it
Writes bench/results/role_idempotence.md (also when a run fails) and prints it; exits non-zero
when a goal is missed, a run fails or an idempotent run of this tree changed something.

Usage: python bench/role_idempotence_bench.py [--runs N] [--previous REV | --previous-dir DIR]
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(TOP, ".venv", "bin")
RESULTS = os.path.join(TOP, "bench", "results")
IMAGE = "hardened-relay/debian:12"
PREVIOUS_REV = "f80cd17"
ENTRIES = 100000
GOAL_SECONDS = 10.0
GOAL_BIG_RATIO = 1.20
# A throwaway sasldb user of the bench's own relay containers (never a real account).
SASL_USER = {"name": "bench", "password": "B3nch-only-S3cret"}
SIDES = ("previous", "current")
# What a run of the site playbook reads from a checkout (to notice edits made during the bench).
CODE_DIRS = ("playbooks", "roles", "plugins", "meta")


class RunFailed(Exception):
    pass


def sh(argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs).stdout


def git(*args):
    return sh(["git", "-C", TOP] + list(args)).strip()


def describe_checkout(path):
    """Short revision of a checkout, and how many paths differ from it (uncommitted changes)."""
    try:
        rev = sh(["git", "-C", path, "rev-parse", "--short", "HEAD"]).strip()
        dirty = [line for line in sh(["git", "-C", path, "status", "--porcelain"]).splitlines() if line.strip()]
    except (subprocess.CalledProcessError, OSError):
        return "not a git checkout"
    return rev + (" + uncommitted changes in %d paths" % len(dirty) if dirty else " (clean)")


def tree_fingerprint(path):
    """Digest of the names, sizes and modification times of the files a run reads."""
    digest = hashlib.sha256()
    for top in CODE_DIRS:
        for where, dirs, files in sorted(os.walk(os.path.join(path, top))):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                stat = os.stat(os.path.join(where, name))
                digest.update(("%s/%s %d %d\n" % (where, name, stat.st_size, stat.st_mtime_ns)).encode())
    return digest.hexdigest()


def venv_collections():
    """Where hack/setup.sh put community.docker and friends: the venv's site-packages."""
    purelib = sh([os.path.join(VENV_BIN, "python"), "-c",
                  "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    if not os.path.isfile(os.path.join(purelib, "ansible_collections", "community", "docker", "MANIFEST.json")):
        raise SystemExit("community.docker is not in %s/ansible_collections: run make setup" % purelib)
    return purelib


class Checkout:
    def __init__(self, side, path, label, scratch, site_packages):
        self.side, self.path, self.label = side, path, label
        self.container = "hr-bench-idem-%s-%d" % (side, os.getpid())
        collections = os.path.join(scratch, "collections-" + side)
        link = os.path.join(collections, "ansible_collections", "hardened", "relay")
        os.makedirs(os.path.dirname(link))
        os.symlink(path, link)
        self.collections = collections
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections + os.pathsep + site_packages,
                        # Only the paths above: no copy of hardened.relay elsewhere may win.
                        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="False",
                        ANSIBLE_PIPELINING="1", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                        PATH=VENV_BIN + os.pathsep + os.environ["PATH"])
        self.env.pop("ANSIBLE_CONFIG", None)
        self.scratch = scratch
        self.fingerprint = tree_fingerprint(path)
        self.changed_before = []  # the runs before which the code had changed since the last look
        self.inventory = os.path.join(scratch, "inventory-%s.yml" % side)
        with open(self.inventory, "w", encoding="utf-8") as handle:
            handle.write("---\nrelays:\n  hosts:\n    %s:\n      ansible_connection: community.docker.docker\n"
                         "      ansible_python_interpreter: /usr/bin/python3\n" % self.container)

    def check_collections(self):
        """hardened.relay must come from this checkout, and the docker connection plugin must load."""
        listing = json.loads(sh([os.path.join(VENV_BIN, "ansible-galaxy"), "collection", "list",
                                 "--format", "json"], env=self.env, cwd=self.scratch))
        found = [where for where, names in listing.items() if "hardened.relay" in names]
        if found != [os.path.join(self.collections, "ansible_collections")]:
            raise SystemExit("%s: hardened.relay found in %r, expected only %s" % (self.side, found, self.collections))
        if not any("community.docker" in names for names in listing.values()):
            raise SystemExit("%s: community.docker not on the collections path" % self.side)
        sh([os.path.join(VENV_BIN, "ansible"), "relays", "-i", self.inventory, "-m", "ansible.builtin.ping"],
           env=self.env, cwd=self.scratch)

    def look_for_edits(self, what):
        fingerprint = tree_fingerprint(self.path)
        if fingerprint != self.fingerprint:
            self.fingerprint = fingerprint
            self.changed_before.append(what)

    def run_site(self, extra_vars_file, what):
        self.look_for_edits(what)
        argv = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", self.inventory, "-e", "@" + extra_vars_file,
                os.path.join(self.path, "playbooks", "site.yml")]
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=self.env, cwd=self.scratch, check=False)
        elapsed = time.perf_counter() - start
        recap = re.search(r"^%s\s*:.*?changed=(\d+).*?failed=(\d+)" % re.escape(self.container),
                          done.stdout.split("PLAY RECAP", 1)[-1], re.M)
        if done.returncode != 0 or not recap or recap.group(2) != "0":
            log = os.path.join(RESULTS, "role_idempotence-%s-failed.log" % self.side)
            with open(log, "w", encoding="utf-8") as handle:
                handle.write(done.stdout + "\n--- stderr ---\n" + done.stderr)
            errors = [line.strip() for line in done.stdout.splitlines()
                      if line.startswith(("fatal:", "failed:", "ERROR!", "[ERROR]"))]
            errors += [line.strip() for line in done.stderr.splitlines() if "ERROR" in line]
            raise RunFailed("%s tree, %s: ansible-playbook exited %d after %.1f s: %s (full log: %s)" % (
                self.side, what, done.returncode, elapsed,
                " | ".join(errors[:3])[:1500] or done.stderr.strip()[-800:] or "no error line", log))
        return elapsed, int(recap.group(1))


def start_relay(name):
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
    sh(["docker", "run", "-d", "--name", name, "--hostname", "relay.bench.test",
        "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--security-opt", "seccomp=unconfined",
        "--security-opt", "apparmor=unconfined", "--tmpfs", "/run", "--tmpfs", "/run/lock", "--cgroupns", "host",
        "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "-e", "container=docker", IMAGE, "/lib/systemd/systemd"])


def wait_for_systemd(name):
    for attempt in range(120):
        state = subprocess.run(["docker", "exec", name, "systemctl", "is-system-running"],
                               capture_output=True, text=True, check=False).stdout.strip()
        if state in ("running", "degraded"):
            return
        time.sleep(1)
    raise SystemExit("systemd did not boot in %s" % name)


def big_entries():
    """The two 100,000-entry tables: a hash sender_access and a cidr client_access."""
    senders = [("user%d@spam.example" % i, "REJECT") for i in range(ENTRIES)]
    clients = [("10.%d.%d.%d/32" % (100 + i // 65536, (i // 256) % 256, i % 256), "REJECT") for i in range(ENTRIES)]
    return senders, clients


def write_sources(directory):
    """The two tables as postmap source files on the controller (postfix_access_maps.NAME.src)."""
    paths = []
    for name, entries in zip(("sender_access", "client_access"), big_entries()):
        path = os.path.join(directory, name + ".src")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("".join("%s %s\n" % entry for entry in entries))
        paths.append(path)
    return paths


def stack_vars(big, sources=None):
    """The whole stack: SASL, greylisting, SPF, DNS block lists and postscreen (site.yml's switches);
    with big, two 100,000-entry tables, as variables or (sources) as files on the controller."""
    settings = {
        "postfix_myhostname": "relay.bench.test",
        "postfix_mynetworks": ["127.0.0.0/8", "10.9.0.0/16"],
        "relay_saslauthd_enabled": True,
        "saslauthd_users": [SASL_USER],
        "relay_postgrey_enabled": True,
        "relay_spf_enabled": True,
        "postfix_dnsbl_enabled": True,
        "postfix_postscreen_enabled": True,
    }
    if big and sources:
        settings["postfix_access_maps"] = {"sender_access": {"type": "hash", "src": sources[0]},
                                           "client_access": {"type": "cidr", "src": sources[1]}}
    elif big:
        senders, clients = big_entries()
        settings["postfix_access_maps"] = {
            "sender_access": {"type": "hash", "entries": dict(senders)},
            "client_access": {"type": "cidr", "entries": [{"key": k, "value": v} for k, v in clients]},
        }
        settings["postfix_smtpd_client_restrictions"] = [
            "permit_mynetworks", "permit_sasl_authenticated", "check_client_access cidr:/etc/postfix/maps/client_access"]
        settings["postfix_smtpd_sender_restrictions"] = [
            "permit_mynetworks", "permit_sasl_authenticated", "reject_non_fqdn_sender",
            "check_sender_access hash:/etc/postfix/maps/sender_access"]
    return settings


def measure(checkouts, name, extra_vars_file, runs):
    """Converge each checkout once, then time RUNS idempotent re-runs in turns."""
    result = {"converge": {}, "times": {side: [] for side in SIDES}, "changed": {side: [] for side in SIDES},
              "error": None}
    try:
        for checkout in checkouts:
            result["converge"][checkout.side] = checkout.run_site(extra_vars_file, name + " converge")
        for index in range(runs):
            for checkout in checkouts:
                elapsed, changed = checkout.run_site(extra_vars_file, "%s idempotent run %d" % (name, index + 1))
                result["times"][checkout.side].append(elapsed)
                result["changed"][checkout.side].append(changed)
                print("  %s run %d: %.1f s, changed=%d" % (checkout.side, index + 1, elapsed, changed), flush=True)
    except RunFailed as failure:
        result["error"] = str(failure)
        print("  FAILED: %s" % failure, flush=True)
    return result


def seconds(values):
    return ", ".join("%.1f" % value for value in values)


def section(title, result):
    prev, cur = result["times"]["previous"], result["times"]["current"]
    lines = ["## %s" % title, ""]
    if result["error"]:
        lines += ["**Failed**: %s" % result["error"], ""]
    lines += ["| | previous | current | current / previous |", "| --- | ---: | ---: | ---: |"]
    converge = result["converge"]
    lines.append("| converge (once, before the timed runs) | %s | %s | |" % tuple(
        "%.1f s, changed=%d" % converge[side] if side in converge else "-" for side in SIDES))
    if cur and not prev:
        lines.append("| idempotent re-run, median | - | %.1f s | |" % statistics.median(cur))
        lines.append("| idempotent re-run, min / max | - | %.1f s / %.1f s | |" % (min(cur), max(cur)))
    if prev and cur:
        pairs = [c / p for p, c in zip(prev, cur)]
        lines.append("| idempotent re-run, median | %.1f s | %.1f s | %.2f (ratio of medians) |" % (
            statistics.median(prev), statistics.median(cur), statistics.median(cur) / statistics.median(prev)))
        lines.append("| idempotent re-run, min | %.1f s | %.1f s | |" % (min(prev), min(cur)))
        lines.append("| idempotent re-run, max | %.1f s | %.1f s | |" % (max(prev), max(cur)))
        lines.append("| median of the pairwise ratios (run i current / run i previous) | | | %.2f |"
                     % statistics.median(pairs))
    lines.append("| each idempotent run, in order | %s | %s | |" % (
        seconds(prev) or "-", seconds(cur) or "-"))
    lines.append("| changed= of each idempotent run | %s | %s | |" % tuple(
        ", ".join(str(c) for c in result["changed"][side]) or "-" for side in SIDES))
    return lines + [""]


def median_of(result, side, runs):
    times = result["times"][side]
    return statistics.median(times) if len(times) == runs and not result["error"] else None


def ansible_load_cost(scratch, extra_vars_file, runs):
    """Ansible's own cost of the two tables as variables: an empty play on the controller with and
    without them, in turns (medians in seconds)."""
    play = os.path.join(scratch, "empty.yml")
    with open(play, "w", encoding="utf-8") as handle:
        handle.write("---\n- name: Nothing\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
                     "    - name: Nothing\n      ansible.builtin.debug:\n        msg: nothing\n")
    times = {"without": [], "with": []}
    for dummy in range(runs):
        for label, extra in (("without", []), ("with", ["-e", "@" + extra_vars_file])):
            start = time.perf_counter()
            subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", play] + extra,
                           capture_output=True, check=True, cwd=scratch)
            times[label].append(time.perf_counter() - start)
    return statistics.median(times["without"]), statistics.median(times["with"])


def report(meta, stack, big, files, load, runs):
    lines = ["# hardened.relay.site: idempotent re-run, previous vs current tree "
             "(Debian 12 relay containers, wall time of ansible-playbook)", ""]
    lines += ["- %s: %s" % item for item in meta] + [""]
    lines += section("Whole stack (SASL, greylisting, SPF, DNS block lists, postscreen), default tables", stack)
    lines += section("Whole stack plus two 100,000-entry access tables as variables (hash sender_access, "
                     "cidr client_access)", big)
    lines += section("Whole stack plus the same two tables as files on the controller (postfix_access_maps.NAME.src; "
                     "the previous tree cannot read them)", files)
    if load:
        lines += ["Ansible's own cost of the two tables as variables, before any task runs: an empty play on the "
                  "controller takes %.1f s without them and %.1f s with them (-e @file, medians of %d runs in turns)."
                  % (load[0], load[1], runs), ""]

    verdicts = []
    cur_stack, cur_big = median_of(stack, "current", runs), median_of(files, "current", runs)
    if cur_stack is None:
        verdicts.append(("whole stack idempotent re-run <= %.0f s (current median)" % GOAL_SECONDS,
                         "not measured", False))
    else:
        verdicts.append(("whole stack idempotent re-run <= %.0f s (current median): %.1f s" % (GOAL_SECONDS, cur_stack),
                         "met" if cur_stack <= GOAL_SECONDS else "MISSED", cur_stack <= GOAL_SECONDS))
    if cur_stack is None or cur_big is None:
        verdicts.append(("two 100,000-entry access tables (files) add <= %.0f %% (current, big / default medians)"
                         % (100 * (GOAL_BIG_RATIO - 1)), "not measured", False))
    else:
        ratio = cur_big / cur_stack
        verdicts.append(("two 100,000-entry access tables (files) add <= %.0f %% (current, big / default medians): "
                         "%.2f, +%.0f %%" % (100 * (GOAL_BIG_RATIO - 1), ratio, 100 * (ratio - 1)),
                         "met" if ratio <= GOAL_BIG_RATIO else "MISSED", ratio <= GOAL_BIG_RATIO))
    current = stack["changed"]["current"] + big["changed"]["current"] + files["changed"]["current"]
    unchanged = all(c == 0 for c in current)
    measured = bool(current)
    verdicts.append(("changed=0 on every idempotent run of the current tree (%d runs)" % len(current),
                     "met" if unchanged and measured else ("not measured" if unchanged else "MISSED"),
                     unchanged and measured))
    lines += ["## Goals", ""] + ["- %s: %s" % (text, word) for text, word, dummy in verdicts]
    prev_stack, prev_big = median_of(stack, "previous", runs), median_of(big, "previous", runs)
    cur_vars = median_of(big, "current", runs)
    if cur_stack and cur_vars:
        lines.append("- for information, the tables as variables, current big / default medians: %.2f"
                     % (cur_vars / cur_stack))
    if prev_stack and prev_big:
        lines.append("- for comparison, the previous tree's big (variables) / default medians: %.2f"
                     % (prev_big / prev_stack))
    lines += ["", "The default and big-table configurations run one after the other, not in turns: the "
              "big / default ratio spans the machine's drift between them; current / previous does not."]
    return "\n".join(lines) + "\n", all(ok for dummy, dummy2, ok in verdicts)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="timed idempotent re-runs per checkout (default 5)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--previous", metavar="REV", default=PREVIOUS_REV,
                       help="revision to compare with, checked out in a temporary git worktree (default %s)"
                       % PREVIOUS_REV)
    which.add_argument("--previous-dir", metavar="DIR", help="an existing checkout to compare with instead")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main():
    args = parse_args()
    # A SIGTERM (e.g. a CI timeout) still removes the containers and the worktree below.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    os.makedirs(RESULTS, exist_ok=True)
    for side in SIDES:  # a failed run's log from an earlier bench would mislead
        stale = os.path.join(RESULTS, "role_idempotence-%s-failed.log" % side)
        if os.path.exists(stale):
            os.remove(stale)
    load = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    scratch = tempfile.mkdtemp(prefix="hr-bench-idem-", dir="/tmp")
    worktree = None
    ansible_load = None
    checkouts = []
    try:
        if args.previous_dir:
            previous_path = os.path.abspath(args.previous_dir)
            previous_label = "%s, %s" % (previous_path, describe_checkout(previous_path))
        else:
            rev = git("rev-parse", "--verify", "--short", args.previous + "^{commit}")
            worktree = os.path.join(scratch, "previous")
            git("worktree", "add", "--detach", worktree, rev)
            previous_path = worktree
            previous_label = "%s (temporary git worktree of %s)" % (rev, args.previous)
        site_packages = venv_collections()
        checkouts = [Checkout("previous", previous_path, previous_label, scratch, site_packages),
                     Checkout("current", TOP, "%s, %s" % (TOP, describe_checkout(TOP)), scratch, site_packages)]
        for checkout in checkouts:
            start_relay(checkout.container)
        for checkout in checkouts:
            wait_for_systemd(checkout.container)
            checkout.check_collections()

        results = []
        sources = write_sources(scratch)
        for name, big, files in (("stack", False, None), ("stack-big", True, None), ("stack-big-files", True, sources)):
            extra = os.path.join(scratch, "%s.json" % name)
            with open(extra, "w", encoding="utf-8") as handle:
                json.dump(stack_vars(big, files), handle)
            print("%s: converge once each, then %d idempotent runs in turns" % (name, args.runs), flush=True)
            results.append(measure(checkouts if not files else checkouts[1:], name, extra, args.runs))
            if name == "stack-big":
                ansible_load = ansible_load_cost(scratch, extra, args.runs)
        for checkout in checkouts:
            checkout.look_for_edits("the end of the bench")
    finally:
        for checkout in checkouts:
            subprocess.run(["docker", "rm", "-f", checkout.container], capture_output=True, check=False)
        if worktree:
            subprocess.run(["git", "-C", TOP, "worktree", "remove", "--force", worktree], capture_output=True,
                           check=False)
        shutil.rmtree(scratch, ignore_errors=True)

    versions = sh([os.path.join(VENV_BIN, "ansible-playbook"), "--version"]).splitlines()[0]
    meta = [("date", started),
            ("machine", "%d CPUs (nproc), load average at start %.2f / %.2f / %.2f, at the end %.2f / %.2f / %.2f"
             % ((os.cpu_count(),) + load + os.getloadavg())),
            ("current", checkouts[1].label),
            ("previous", checkouts[0].label),
            ("runs", "%d idempotent re-runs per checkout and configuration, in turns (previous, current, "
             "previous, ...), after one converge each" % args.runs),
            ("how", "each checkout's playbooks/site.yml with the collection on ANSIBLE_COLLECTIONS_PATH "
             "(ansible_collections/hardened/relay -> the checkout, then the venv's community.docker), "
             "ANSIBLE_PIPELINING=1 for both, one %s container (systemd) per checkout; %s"
             % (IMAGE, versions.strip()))]
    for checkout in checkouts:
        if checkout.changed_before:
            meta.append(("WARNING", "the %s tree's %s changed while the bench ran (seen before: %s; at the end: %s):"
                         " its figures may mix versions of the code" % (
                             checkout.side, "/".join(CODE_DIRS), ", ".join(checkout.changed_before),
                             describe_checkout(checkout.path))))
    text, met = report(meta, results[0], results[1], results[2], ansible_load, args.runs)
    with open(os.path.join(RESULTS, "role_idempotence.md"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(text)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
