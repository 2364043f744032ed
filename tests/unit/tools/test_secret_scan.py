# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""hack/secret_scan.py: the registry of test secrets is complete, and a leak in any of the forms it
knows is reported by where it is, never by the secret itself."""
import base64
import glob
import hashlib
import os
import re
import sys

import pytest
import yaml

TOP = os.path.join(os.path.dirname(__file__), "..", "..", "..")
sys.path.insert(0, os.path.join(TOP, "hack"))

import secret_scan  # noqa: E402  pylint: disable=wrong-import-position,import-error

# How the scenarios write a password: YAML and Python keys, constants, saslpasswd2's stdin, and a
# postmap credential "user:password".
LITERALS = [re.compile(p) for p in (
    r"""password["']?\s*[:=]\s*["']?([A-Za-z0-9!@#%^&*_+.-]{6,})""",
    r"""PASSWORD\s*=\s*["']([^"']+)["']""",
    r"""printf %%s '([^']+)' \| saslpasswd2""",
    r""":\s*["']?relayuser:([^"'\s]+)""",
    r"""sl_pw:\s*\[([^\]]+)\]""",
    r"""__guard_secrets:\s*\{([^}]+)\}""",
)]


def registry():
    with open(secret_scan.REGISTRY, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def passwords_in_the_scenarios():
    found = {}
    for path in glob.glob(os.path.join(TOP, "molecule", "**", "*"), recursive=True):
        if not path.endswith((".py", ".yml")):
            continue
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for pattern in LITERALS:
            for match in pattern.finditer(text):
                for value in match.group(1).split(","):
                    value = value.split(": ")[-1].strip().strip("'\"")  # "key: value" items of a dict too
                    # Names of variables and Python constants, not values.
                    # ("@@key@@": a placeholder the guard scenario fills in from its secrets.)
                    if value and not re.match(r"^(?:[A-Z_]+|[a-z_]+\(?|\{\{.*|@@.*)$", value):
                        found.setdefault(value, os.path.relpath(path, TOP))
    return found


def test_every_password_the_scenarios_use_is_in_the_registry():
    found = passwords_in_the_scenarios()
    # The patterns find them at all (the known ones), so an empty result cannot pass.
    assert {"c4rol-Secret!", "d4ve-Compat!", "T0p-Secret-PW", "Al1ce-First-PW", "erin-Secret!", "Guard-S3cret-erin"} <= set(found)
    missing = dict((value, path) for value, path in found.items() if value not in registry()["secrets"])
    assert missing == {}, "add these to tests/test_secrets.yml: %s" % missing


def test_each_secret_is_looked_for_in_every_form():
    secret = "c4rol-Secret!"
    wanted = secret_scan.needles([secret])
    raw = secret.encode()
    assert set(text for dummy, dummy, text in wanted) == {
        raw, base64.b64encode(raw).rstrip(b"="), hashlib.md5(raw).hexdigest().encode(),
        hashlib.sha1(raw).hexdigest().encode(), hashlib.sha256(raw).hexdigest().encode()}


@pytest.mark.parametrize("form", ["as written", "base64", "sha256"])
def test_a_leak_in_a_log_fails_the_scan_and_names_where_not_what(tmp_path, monkeypatch, capsys, form):
    secret = registry()["secrets"][0]
    leaked = dict(secret_scan.forms(secret))[form]
    log = tmp_path / "play.log"
    log.write_bytes(b"TASK [x]\nok: " + leaked + b"\n")
    clean = tmp_path / "clean.log"
    clean.write_bytes(b"nothing to see\n")
    monkeypatch.setattr(secret_scan, "containers", lambda scenario: [])
    assert secret_scan.main(["--scenario", "x", "--log", str(clean)]) == 0
    assert secret_scan.main(["--scenario", "x", "--log", str(log), "--log", str(clean)]) == 1
    printed = capsys.readouterr().out
    assert "%s: test secret #0 (%s)" % (log, form) in printed and "1 hits" in printed
    assert all(text.decode() not in printed for text in secret_scan.forms(secret).values())
