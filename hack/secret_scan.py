"""secret_scan.py --scenario NAME [--log FILE]... — fail when a test secret shows up anywhere the
suite leaves it: in a play's output or the Molecule log (the files given), in any container's
journal or output, or in any file a container gained or changed (docker diff, plus /run, which
is a tmpfs diff does not see) other than the root-only stores it belongs in.

Run by hack/molecule.sh after a scenario's verify and before its destroy. The secrets are in
tests/test_secrets.yml; each is looked for as written, in base64 and as its MD5, SHA-1
and SHA-256 hex digest (an unkeyed fingerprint would let a word list recover it offline). Prints
where it found each hit, never the secret.
"""
import argparse
import base64
import fnmatch
import hashlib
import os
import subprocess
import sys

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRY = os.path.join(TOP, "tests", "test_secrets.yml")


def forms(secret):
    """The ways a leaked secret could look: as written, base64, and unkeyed digests."""
    raw = secret.encode("utf-8")
    return {"as written": raw, "base64": base64.b64encode(raw).rstrip(b"="),
            "md5": hashlib.md5(raw).hexdigest().encode(), "sha1": hashlib.sha1(raw).hexdigest().encode(),
            "sha256": hashlib.sha256(raw).hexdigest().encode()}


def needles(secrets):
    return [(index, form, text) for index, secret in enumerate(secrets) for form, text in forms(secret).items()]


def hits_in(data, found_in, wanted):
    return ["%s: test secret #%d (%s)" % (found_in, index, form) for index, form, text in wanted if text in data]


def docker(*argv, check=True):
    done = subprocess.run(["docker"] + list(argv), capture_output=True, check=False)
    if check and done.returncode != 0:
        raise SystemExit("secret_scan: docker %s failed: %s" % (" ".join(argv[:2]), done.stderr.decode(errors="replace")))
    return done


def containers(scenario):
    names = docker("ps", "-a", "--filter", "name=^hr-%s-" % scenario, "--format", "{{.Names}}").stdout.decode().split()
    return sorted(names)


def changed_files(name):
    """Regular files the container gained or changed since its image, and those under /run."""
    paths = [line[2:] for line in docker("diff", name).stdout.decode().splitlines() if line[:2] in ("A ", "C ")]
    listing = docker("exec", name, "find", "/run", "-xdev", "-type", "f", check=False).stdout.decode().split("\n")
    candidates = sorted(set(paths + [p for p in listing if p]))
    script = 'for f in "$@"; do [ -f "$f" ] && [ ! -L "$f" ] && printf "%s\\0" "$f"; done'
    found = docker("exec", name, "sh", "-c", script, "sh", *candidates, check=False).stdout if candidates else b""
    return [p.decode() for p in found.split(b"\0") if p]


def scan_container(name, wanted, stores):
    problems = []
    journal = docker("exec", name, "journalctl", "--no-pager", "-q", "-o", "cat", check=False)
    if journal.returncode == 0:
        problems += hits_in(journal.stdout, "%s journal" % name, wanted)
    logs = docker("logs", name, check=False)
    problems += hits_in(logs.stdout + logs.stderr, "%s output (docker logs)" % name, wanted)
    files = changed_files(name)
    # One grep in the container over every file, the needles on its stdin (never on a command line).
    patterns = b"\n".join(text for dummy, dummy, text in wanted) + b"\n"
    listed = subprocess.run(["docker", "exec", "-i", name, "sh", "-c", 'grep -lF -f /dev/stdin -- "$@" || true', "sh"]
                            + files, input=patterns, capture_output=True, check=False).stdout if files else b""
    for path in [p for p in listed.decode(errors="replace").splitlines() if p]:
        data = docker("exec", name, "cat", "--", path, check=False).stdout
        found = hits_in(data, "%s:%s" % (name, path), wanted)
        if any(fnmatch.fnmatchcase(path, pattern) for pattern in stores):
            mode = docker("exec", name, "stat", "-c", "%a %U", "--", path).stdout.decode().split()
            if mode == ["600", "root"]:
                continue
            found = ["%s (a store, but mode %s owner %s instead of 600 root)" % (f, mode[0], mode[1]) for f in found]
        problems += found
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--log", action="append", default=[], help="a controller-side log or play output to scan")
    args = parser.parse_args(argv)
    with open(REGISTRY, encoding="utf-8") as handle:
        registry = yaml.safe_load(handle)
    wanted = needles(registry["secrets"])
    problems = []
    for path in args.log:
        if os.path.exists(path):
            with open(path, "rb") as handle:
                problems += hits_in(handle.read(), path, wanted)
    names = containers(args.scenario)
    for name in names:
        problems += scan_container(name, wanted, registry["stores"])
    for problem in problems:
        print("secret_scan: %s" % problem)
    print("secret_scan: %s: %d test secrets in %d forms, %d containers, %d logs: %s" % (
        args.scenario, len(registry["secrets"]), len(wanted), len(names), len(args.log),
        "%d hits" % len(problems) if problems else "none found"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
