# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared code for the hardened.relay Postfix modules: running postconf, reading its output,
and comparing Postfix parameter values the way Postfix reads them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil

# Parameter names as postconf(5) spells them, including service-prefixed ones
# such as "policyd-spf_time_limit" and "submission/inet" style keys elsewhere.
PARAMETER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SERVICE_TYPES = ("inet", "unix", "unix-dgram", "fifo", "pass")
# master.cf columns after service and type, in order, as `postconf -F` names them.
MASTER_FIELDS = ("private", "unprivileged", "chroot", "wakeup", "process_limit", "command")
# Berkeley DB magic numbers (at byte 12) tell a hash table from a btree one: both end in ".db".
BERKELEY_MAGIC = {b"\x61\x15\x06\x00": "hash", b"\x00\x06\x15\x61": "hash",
                  b"\x62\x31\x05\x00": "btree", b"\x00\x05\x31\x62": "btree"}
TABLE_SUFFIX = {"hash": ".db", "btree": ".db", "lmdb": ".lmdb", "cdb": ".cdb", "dbm": ".pag", "sdbm": ".pag"}
# Types that Postfix reads straight from the source file: there is nothing to build.
SOURCE_ONLY_TYPES = ("cidr", "pcre", "regexp", "texthash", "static", "inline")


def berkeley_type(path):
    """"hash" or "btree" for a Berkeley DB file, None when it is neither (or unreadable)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return None
    return BERKELEY_MAGIC.get(head[12:16])


def collapse(value):
    """A main.cf value as Postfix reads it: continuation lines joined, outer whitespace gone."""
    return " ".join(str(value).split())


def split_list(value):
    """Split a Postfix list value on commas and whitespace, keeping { ... } groups whole.

    >>> split_list("permit_mynetworks, check_policy_service { inet:127.0.0.1:10023, timeout=10s }")
    ['permit_mynetworks', 'check_policy_service', '{ inet:127.0.0.1:10023, timeout=10s }']
    """
    return [_normalize_group(t) for t in _tokens(value, ",")]


def _tokens(value, separators=""):
    """Split on whitespace (and the given separators) outside { ... } groups."""
    tokens, current, depth = [], [], 0
    for char in str(value):
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        if depth == 0 and (char in separators or char.isspace()):
            if current:
                tokens.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def _normalize_group(token):
    if token.startswith("{") and token.endswith("}"):
        inner = [collapse(part) for part in token[1:-1].split(",")]
        return "{ " + ", ".join(p for p in inner if p) + " }"
    return token


def render_value(value):
    """The text to give `postconf -e` for a value from a task (str, list, int or bool)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(collapse(v) for v in value)
    return collapse(value)


def same_value(current, desired):
    """True when the current value (postconf's text) means the same as the desired one.

    A list from the task is compared item by item, so "a, b", "a,b" and "a b" are the same;
    a string is compared as Postfix reads it (whitespace runs folded), because in free text
    such as smtpd_banner a comma is not a separator.
    """
    if current is None:
        return False
    if isinstance(desired, (list, tuple)):
        return split_list(current) == split_list(render_value(desired))
    return collapse(current) == render_value(desired)


def parse_assignments(text):
    """Parse `postconf` output ("name = value" per line) into an ordered dict."""
    result = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep:
            continue
        result[name.strip()] = value.strip()
    return result


def logical_lines(text):
    """Lines as Postfix reads main.cf and table sources: comments and blank lines skipped,
    a line that starts with whitespace continues the one before."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0].isspace() and lines:
            lines[-1] += " " + stripped
        else:
            lines.append(stripped)
    return lines


def parse_main_cf(text):
    """Explicit assignments in main.cf text, {name: value}. Read-only: changes always go
    through postconf."""
    result = {}
    for line in logical_lines(text):
        name, sep, value = line.partition("=")
        if sep:
            result[name.strip()] = collapse(value)
    return result


def override_text(name, value):
    """A master.cf "-o" override; values with whitespace need Postfix 3's { name=value } form."""
    if any(c.isspace() for c in value):
        return "-o {%s=%s}" % (name, value)
    return "-o %s=%s" % (name, value)


def render_override(value):
    """An override value for `postconf -P`, which takes no whitespace: lists joined by commas."""
    if isinstance(value, (list, tuple)):
        return ",".join(collapse(v) for v in value)
    return render_value(value)


def parse_master_fields(text):
    """Parse `postconf -F` output into {(service, type): {field: value}}."""
    services = {}
    for name, value in parse_assignments(text).items():
        parts = name.split("/")
        if len(parts) != 3:
            continue
        services.setdefault((parts[0], parts[1]), {})[parts[2]] = value
    return services


def parse_master_params(text):
    """Parse `postconf -P` output into {(service, type): {parameter: value}} (the -o overrides)."""
    return parse_master_fields(text)


def master_command(fields):
    """The command column of a master.cf entry without its -o overrides (postconf -F keeps them)."""
    words = _tokens(fields.get("command", ""))
    kept, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        if word == "-o":
            skip = True
            continue
        if word.startswith("-o") and len(word) > 2:  # "-oname=value"
            continue
        kept.append(word)
    return " ".join(kept)


def warnings_about(stderr, names):
    """postconf warnings (its own words) that mention any of the given names."""
    found = []
    for line in stderr.splitlines():
        if "warning:" not in line and "fatal:" not in line:
            continue
        for name in names:
            if re.search(r"(^|[^A-Za-z0-9_.-])%s([^A-Za-z0-9_.-]|$)" % re.escape(name), line):
                found.append(line.strip())
                break
    return found


DEFAULT_CONFIG_DIR = "/etc/postfix"
# Where a Postfix package keeps its pristine main.cf when config_directory has no main.cf.proto.
DISTRIBUTED_PROTOS = ("/usr/share/postfix/main.cf.dist",)


def version_tuple(version):
    """[major, minor, patch] of a mail_version such as "3.7.11"."""
    return [int(part) for part in re.findall(r"\d+", version)[:3]]


def shipped_compatibility_level(config_directory, version):
    """The compatibility_level in the main.cf.proto this Postfix ships: the level a new
    installation of it uses. 3.6 (the last level that changed defaults) for a Postfix 3.6 or
    later without the file, 2 for older ones."""
    for proto in (os.path.join(config_directory, "main.cf.proto"),) + DISTRIBUTED_PROTOS:
        try:
            with open(proto, encoding="utf-8", errors="replace") as handle:
                level = parse_main_cf(handle.read()).get("compatibility_level")
        except OSError:
            continue
        if level:
            return level
    return "3.6" if version >= [3, 6] else "2"


class PostfixCommand:
    """Runs Postfix's own tools for a module, always as argv lists and in the C locale.

    Postfix's tools refuse to run without a main.cf, which a freshly installed package
    (debconf "No configuration") does not have. Then they are pointed at a scratch
    directory holding an empty main.cf, so that they answer with Postfix's defaults.
    """

    def __init__(self, module, config_dir=None):
        self.module = module
        self._bins = {}
        self.configured = os.path.exists(os.path.join(config_dir or DEFAULT_CONFIG_DIR, "main.cf"))
        if self.configured:
            self.config_dir = config_dir
        else:
            self.config_dir = os.path.join(module.tmpdir, "postfix-defaults")
            os.makedirs(self.config_dir, exist_ok=True)
            open(os.path.join(self.config_dir, "main.cf"), "a").close()
            master = os.path.join(config_dir or DEFAULT_CONFIG_DIR, "master.cf")
            if os.path.exists(master):
                shutil.copyfile(master, os.path.join(self.config_dir, "master.cf"))

    def config_args(self):
        """["-c", dir] when the tools must not read Postfix's default directory."""
        return ["-c", self.config_dir] if self.config_dir else []

    def bin(self, name):
        if name not in self._bins:
            self._bins[name] = self.module.get_bin_path(name, True)
        return self._bins[name]

    def postconf_argv(self, args, config_dir=None):
        argv = [self.bin("postconf")]
        directory = config_dir or self.config_dir
        if directory:
            argv += ["-c", directory]
        return argv + list(args)

    def run(self, argv, what):
        """Run argv; fail the module with the tool's own message when it exits non-zero."""
        rc, out, err = self.module.run_command(argv, environ_update={"LC_ALL": "C", "LANG": "C"})
        if rc != 0:
            self.module.fail_json(msg="%s failed: %s" % (what, (err or out).strip()), rc=rc,
                                  cmd=argv, stdout=out, stderr=err)
        return out, err

    def postconf(self, args, config_dir=None):
        """Run postconf; return (stdout, stderr)."""
        return self.run(self.postconf_argv(args, config_dir), "postconf")

    def values(self, names, config_dir=None):
        """Effective values of the named parameters ({} for none), and postconf's warnings."""
        if not names:
            return {}, ""
        out, err = self.postconf(list(names), config_dir)
        return parse_assignments(out), err

    def map_types(self):
        out, dummy = self.postconf(["-m"])
        return sorted(set(out.split()))
