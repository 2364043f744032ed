# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The postfix role's configuration model applied to the host as one transaction, in one module
run (hardened.relay.postfix_apply is the thin shell around ``Transaction``).

1. Compare: the candidate main.cf (rendered with the installed Postfix's facts), master.cf (the
   live one with every service of the model written by ``postconf -M``), every table source
   and every file are computed in memory or in the module's private scratch directory, and
   compared with the live bytes, mode and owner. A built table counts as changed when its
   source changes or when it is missing, older than its source, of another type or mode.
   Nothing is written on the host and no table is built: an unchanged run ends here.
2. Stage: the changed candidate is laid out in a fresh root-only stage directory (under the
   module's temporary directory in check mode, so that check mode writes nothing on the host),
   Postfix checks it (``postconf -n`` and ``-M``; any output on stderr refuses it) and
   ``postmap`` builds the changed tables there. A refusal quotes Postfix with the live paths.
3. Install: every live file about to be replaced is copied to the previous directory with a
   manifest (what existed, its owner and checksum), then each staged file is moved into place.
4. Apply: reload Postfix, or restart it when a restart parameter changes or it did not run;
   wait for ``postfix status`` and the greeting of every listener; run the stranger's relay
   test when asked.
5. Roll back on any failure after step 3 began: the previous files go back byte for byte, the
   new ones are removed, Postfix is restarted, and the failure names what Postfix logged.

Secrets: the real entries of secret tables come from ``secret_entries`` only. Every message the
module builds names tables and keys, never values, and text quoted from Postfix or the journal
is scrubbed of the values and of their parts (``Secrets.hide``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import hashlib
import inspect
import json
import os
import re
import shutil
import socket
import ssl
import time

from ansible_collections.hardened.relay.plugins.module_utils import smtp_selftest
from ansible_collections.hardened.relay.plugins.module_utils.postfix import (
    SOURCE_ONLY_TYPES, TABLE_SUFFIX, berkeley_type, logical_lines, override_text, parse_assignments,
    shipped_compatibility_level, version_tuple,
)
from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import (
    MASK, entries_diff, parse_source, render_source,
)
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import render
from ansible_collections.hardened.relay.plugins.module_utils.relay_config.model import table_entries

SHA256 = re.compile(r"^[0-9a-fA-F]{64}\Z")
DEFAULT_CONFIG_DIR = "/etc/postfix"
DEFAULT_STAGE_DIR = "/var/lib/hardened-relay/postfix-stage"
DEFAULT_PREVIOUS_DIR = "/var/lib/hardened-relay/postfix-previous"
DEFAULT_RESTART_PARAMETERS = ("inet_interfaces", "inet_protocols")
DEFAULT_TIMEOUT = 30
TABLE_TYPES = ("auto", "hash", "btree", "lmdb", "cdb", "cidr", "pcre", "regexp")
FLAVOURS = ("postmap", "postalias")
C_LOCALE = {"LC_ALL": "C", "LANG": "C"}
# How Postfix's tools mark what went wrong (msg_warn, msg_error, msg_fatal, msg_panic).
PROBLEM_MARKS = ("warning:", "error:", "fatal:", "panic:")
# Debian keeps a pristine copy of main.cf.proto here.
# In the stage and previous directories every live file keeps its absolute path below ROOT;
# main.cf and master.cf of the stage sit at its top, where postconf -c and postmap -c read them.
ROOT = "root"
MANIFEST = "manifest.json"
# Postfix logs why it would not run (mail facility) rather than telling systemd.
JOURNAL = ["--quiet", "--no-pager", "--priority", "warning", "SYSLOG_FACILITY=2", "--output", "cat"]
JOURNAL_LINES = 30
GREETING = re.compile(r"^220(?:[ -]|$)")
# Parts of a secret value (user:password) shorter than this are not scrubbed on their own:
# they would mask ordinary words of Postfix's messages, and say little about the secret.
SECRET_PART_LENGTH = 4
HIDDEN = " [the rest is hidden: the table is secret]"
# Present while systemd runs the host (sd_booted(3)).
SYSTEMD_RUNTIME = "/run/systemd/system"
# Seconds between two `postfix status` questions while Postfix starts, and how long to ask: the
# start (postfix start runs master -w) has returned by then, so the master runs or has failed;
# the role asked 10 times, a second apart.
RETRY_SECONDS = 1
STATUS_SECONDS = 10
# Install order (see Transaction._install): what main.cf names is in place before main.cf.
INSTALL_RANK = {"file": 0, "table": 1, "source": 2, "master.cf": 3, "main.cf": 4}


class TransactionError(Exception):
    """A sentence for the operator. ``details`` go into the module's result (rolled_back, the
    self-test's results, Postfix's words)."""

    def __init__(self, message, **details):
        super(TransactionError, self).__init__(message)
        self.details = details


class Interrupted(TransactionError):
    """SIGTERM or SIGHUP arrived while the live files were being changed or applied."""


# ---- Facts of the installed Postfix --------------------------------------------------------


def installed_facts(run, postconf, config_directory=DEFAULT_CONFIG_DIR):
    """What render.main_cf needs to know of the installed Postfix: mail_version, version_tuple,
    max_compatibility_level and default_database_type. ``run(argv) -> (rc, stdout, stderr)``.

    The built-in defaults (postconf -d) are read: the candidate main.cf does not set these, so
    the defaults are what it will run with, and they need no main.cf (a package installed with
    debconf's "No configuration" has none)."""
    argv = [postconf, "-d", "mail_version", "default_database_type"]
    rc, out, err = run(argv)
    values = parse_assignments(out)
    missing = [name for name in ("mail_version", "default_database_type") if not values.get(name)]
    if rc != 0 or missing:
        raise TransactionError("Could not learn the installed Postfix's version and default table type: %s printed "
                               "%s. Check that Postfix is installed and %s is its postconf."
                               % (" ".join(argv[1:]), (err or out).strip() or "no value", postconf))
    version = version_tuple(values["mail_version"])
    return dict(mail_version=values["mail_version"], version_tuple=version,
                default_database_type=values["default_database_type"],
                max_compatibility_level=shipped_compatibility_level(config_directory, version))


# ---- Secrets ---------------------------------------------------------------------------------

class Secrets:
    """The real entries of the secret tables ({path: [[key, value]]}), and what must never be
    shown: every value, and its parts around ':' and blanks (a user name and a password)."""

    def __init__(self, given):
        self.entries = {}
        self.fragments = set()
        for path, entries in (given or {}).items():
            normalized = table_entries(entries) if isinstance(entries, dict) else None
            # Only the path and the entry's place are named: the entry itself may be the secret.
            if normalized is None:
                raise TransactionError("secret_entries: the entries of %s must be a mapping {key: value}." % path)
            for index, entry in enumerate(normalized):
                if entry is None or not entry[0] or not entry[1]:
                    raise TransactionError("secret_entries: entry %d of %s must be a key with a non-empty string value."
                                           % (index, path))
            self.entries[str(path)] = normalized
            self.add(value for dummy, value in normalized)

    def add(self, values):
        """Values that must not be shown, and their parts. Returns the whole values, for
        AnsibleModule.no_log_values (the last net: it masks them anywhere in the result)."""
        values = set(value for value in values if value)
        for value in values:
            self.fragments.add(value)
            self.fragments.update(part for part in re.split(r"[:\s]+", value) if len(part) >= SECRET_PART_LENGTH)
        return values

    def values(self):
        return set(value for entries in self.entries.values() for dummy, value in entries)

    def hide(self, text):
        """Text from Postfix or the journal with every secret fragment masked, longest first."""
        for fragment in sorted(self.fragments, key=len, reverse=True):
            text = text.replace(fragment, MASK)
        return text


def redact(line, path, keys):
    """A Postfix warning about a secret table, cut after the first key it names: what follows could
    quote the value. Naming no key, it is cut where Postfix starts quoting the source ('"')."""
    start = line.rfind(path) + len(path) if path in line else 0
    found = [(line.find(key, start), len(key)) for key in keys if key and line.find(key, start) >= 0]
    if found:
        position, length = min(found)
        end = position + length + (1 if line[position + length:position + length + 1] == '"' else 0)
    else:
        end = line.find('"', start)
        if end < 0:
            return line
    return line[:end].rstrip() + (HIDDEN if line[end:].strip() else "")


# ---- The configuration given -----------------------------------------------------------------

def _mode(value, what, problems):
    text = str(value if value is not None else "")
    if not re.match(r"^0?[0-7]{3,4}\Z", text):
        problems.append("%s: mode %r is not an octal file mode such as '0644'." % (what, value))
        return 0o644
    return int(text, 8)


def _path_problem(path, what):
    if not isinstance(path, str) or not path.startswith("/") or any(c in path for c in "\n\r\0") \
            or "/../" in path + "/" or path.endswith("/"):
        return "%s: path %r must be an absolute file path on one line, without '..'." % (what, path)
    return None


def check_config(config, secrets):
    """The tables, files and services of ``config`` in the form the transaction uses, after
    checking what the model promises (postfix_config computed it, but the module may be called
    directly). Raises TransactionError listing every problem; none names a secret value."""
    problems = []
    if not isinstance(config.get("main_cf"), list):
        problems.append("config.main_cf must be the model's list of main.cf sections (the config that hardened.relay.postfix_config returns).")
    for key in ("postconf_services", "tables", "files", "listeners"):
        if not isinstance(config.get(key, []), list):
            problems.append("config.%s must be a list." % key)
    if problems:
        raise TransactionError(" ".join(problems))
    tables = [_table(index, spec, secrets, problems) for index, spec in enumerate(config.get("tables", []))]
    files = [_file(index, spec, problems) for index, spec in enumerate(config.get("files", []))]
    services = [_service(index, spec, problems) for index, spec in enumerate(config.get("postconf_services", []))]
    for index, listener in enumerate(config.get("listeners", [])):
        if not isinstance(listener, dict) or not {"name", "host", "port"} <= set(listener):
            problems.append("config.listeners[%d] must be {name, host, port, tls}." % index)
    unused = sorted(set(secrets.entries) - set(t["path"] for t in tables if t and t["secret"]))
    if unused:
        problems.append("secret_entries names %s, which config.tables has no secret table for." % ", ".join(unused))
    paths = [t["path"] for t in tables if t] + [f["path"] for f in files if f]
    repeated = sorted(set(p for p in paths if paths.count(p) > 1))
    if repeated:
        problems.append("config writes %s more than once; give each table and file once." % ", ".join(repeated))
    if problems:
        raise TransactionError(" ".join(problems))
    return tables, files, services


def _table(index, spec, secrets, problems):
    what = "config.tables[%d]" % index
    if not isinstance(spec, dict):
        problems.append("%s must be a table {path, type, flavour, mode, secret, entries}." % what)
        return None
    path = spec.get("path")
    found = [_path_problem(path, what)]
    map_type, flavour = spec.get("type", "auto"), spec.get("flavour", "postmap")
    if map_type not in TABLE_TYPES:
        found.append("%s (%s): type %r is not one of %s." % (what, path, map_type, ", ".join(TABLE_TYPES)))
    if flavour not in FLAVOURS:
        found.append("%s (%s): flavour %r is not postmap or postalias." % (what, path, flavour))
    secret = spec.get("secret") is True
    source = spec.get("source")
    entries = spec.get("entries", [])
    keep = spec.get("keep_existing") is True
    if keep and secret:
        found.append("%s (%s): keep_existing is for a table whose live source is left as it is, not a secret one." % (what, path))
    if source is not None and (secret or "entries" in spec or not isinstance(source, str)):
        found.append("%s (%s): source is the text of a table that is not secret, given instead of entries." % (what, path))
        source = None
    wanted = False
    if "source_sha256" in spec:
        digest = spec["source_sha256"]
        if secret or keep or "entries" in spec or "source" in spec or not SHA256.match(str(digest)):
            found.append("%s (%s): source_sha256 is the SHA-256 (64 hex digits) of the source of a table that is neither "
                         "secret nor keep_existing, given instead of source and entries." % (what, path))
        elif not found[0]:
            source = live_source_with_digest(path, str(digest).lower())
            wanted = source is None
    if not isinstance(entries, list) or not all(isinstance(e, (list, tuple)) and len(e) == 2 for e in entries):
        found.append("%s (%s): entries must be a list of [key, value] pairs." % (what, path))
        entries = []
    if secret:
        # The model holds the keys only (its values are masked); the values come from secret_entries.
        real = secrets.entries.get(path)
        if real is None:
            found.append("%s: %s is a secret table, and secret_entries gives no entries for it." % (what, path))
        elif [str(k) for k, dummy in entries] != [k for k, dummy in real]:
            found.append("%s: secret_entries for %s has the keys %s, but the configuration that was judged has %s."
                         % (what, path, ", ".join(k for k, dummy in real) or "none",
                            ", ".join(str(k) for k, dummy in entries) or "none"))
        entries = real or []
    problems += [problem for problem in found if problem]
    mode = 0o600 if secret else _mode(spec.get("mode", "0644"), "%s (%s)" % (what, path), problems)
    text = source if source is not None else render_source([(str(k), str(v)) for k, v in entries], flavour)
    return dict(path=path, type=map_type, flavour=flavour, secret=secret, mode=mode, text=text, keep_existing=keep,
                entries=[(str(k), str(v)) for k, v in entries] if secret else None, wanted=wanted)


def live_source_with_digest(path, digest):
    """The live source's text when its SHA-256 is digest, else None (missing, other, not UTF-8):
    the caller then sends the text itself (sources_wanted)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError):
        return None
    if hashlib.sha256(data).hexdigest() != digest:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _file(index, spec, problems):
    what = "config.files[%d]" % index
    if not isinstance(spec, dict) or not isinstance(spec.get("content"), str):
        problems.append("%s must be {path, content, mode} with content a string." % what)
        return None
    problem = _path_problem(spec.get("path"), what)
    if problem:
        problems.append(problem)
    return dict(path=spec.get("path"), content=spec["content"],
                mode=_mode(spec.get("mode", "0644"), "%s (%s)" % (what, spec.get("path")), problems))


def _service(index, spec, problems):
    what = "config.postconf_services[%d]" % index
    if not isinstance(spec, dict) or not spec.get("name") or not spec.get("type"):
        problems.append("%s must be a service {name, type, state, columns, command, options}." % what)
        return None
    service = dict(spec)
    service.setdefault("state", "present")
    for column in ("private", "unprivileged", "chroot", "wakeup", "process_limit"):
        service[column] = str(service.get(column) if service.get(column) is not None else "-")
    words = [str(service.get(x, "")) for x in ("name", "type", "private", "unprivileged", "chroot", "wakeup",
                                               "process_limit")]
    if any(not w or any(c.isspace() for c in w) for w in words):
        problems.append("%s (%s/%s): name, type and each column must be one word." % (what, spec["name"], spec["type"]))
    if service["state"] not in ("present", "absent"):
        problems.append("%s: state must be present or absent." % what)
    if service["state"] == "present" and not str(service.get("command") or "").split():
        problems.append("%s (%s/%s): command is empty." % (what, spec["name"], spec["type"]))
    options = service.get("options") or {}
    if not isinstance(options, dict) or any(re.search(r"[\r\n{}]", str(v)) for v in options.values()):
        problems.append("%s (%s/%s): options must be {parameter: value}, each value one line without braces."
                        % (what, spec["name"], spec["type"]))
        options = {}
    service["options"] = options
    return service


# ---- master.cf -------------------------------------------------------------------------------

def entry_line(service):
    """The whole master.cf entry of a service, as `postconf -M name/type=...` takes it: the -o
    overrides after the daemon's own options (words starting with '-'), before its other
    arguments, where Postfix reads them; a value with blanks in the {name=value} form."""
    words = str(service["command"]).split()
    end = 1
    while end < len(words) and words[end].startswith("-"):
        end += 1
    overrides = [override_text(str(name), " ".join(str(value).split())) for name, value in service["options"].items()]
    columns = [service[c] for c in ("name", "type", "private", "unprivileged", "chroot", "wakeup", "process_limit")]
    return " ".join(columns + words[:end] + overrides + words[end:])


def master_entries(text):
    """{name/type: the entry's logical line} of master.cf text, in file order."""
    entries = {}
    for line in logical_lines(text):
        words = line.split()
        if len(words) >= 2:
            entries["%s/%s" % (words[0], words[1])] = line
    return entries


def master_diff(path, before, after):
    """The master.cf entries that change: before, those removed or changed; after, those added or changed."""
    old, new = master_entries(before), master_entries(after)
    return dict(before_header=path, after_header=path,
                before="".join(line + "\n" for key, line in old.items() if new.get(key) != line),
                after="".join(line + "\n" for key, line in new.items() if old.get(key) != line))


# ---- Files of the transaction ------------------------------------------------------------------

class Item:
    """One live file the transaction may replace. ``data`` is the candidate's bytes, or None for a
    built table (postmap makes it in the stage). ``changed`` says why it is replaced, or ''."""

    def __init__(self, live, kind, mode, data=None, secret=False, table=None):
        self.live = live
        self.kind = kind
        self.mode = mode
        self.data = data
        self.secret = secret
        self.table = table
        self.changed = ""
        self.staged = None


def read_live(path):
    """(bytes, stat) of a live file, (None, None) when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), os.fstat(handle.fileno())
    except FileNotFoundError:
        return None, None


def attribute_change(status, mode):
    """Why an existing file's mode or owner is not what the transaction makes, or ''."""
    if status.st_mode & 0o7777 != mode:
        return "mode %04o, not %04o" % (status.st_mode & 0o7777, mode)
    if (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
        return "owner %d:%d, not %d:%d" % (status.st_uid, status.st_gid, os.geteuid(), os.getegid())
    return ""


def content_change(item):
    """Compare a candidate with its live file: sets item.changed, returns the live bytes."""
    data, status = read_live(item.live)
    if data is None:
        item.changed = "new"
    elif data != item.data:
        item.changed = "content"
    else:
        item.changed = attribute_change(status, item.mode)
    return data


def built_change(table, source_item, built_item):
    """Why the live built table must be rebuilt, or '': its source changes, or it is missing, older
    than its source, of another Berkeley type, or of another mode or owner."""
    try:
        built = os.stat(built_item.live)
    except FileNotFoundError:
        return "missing"
    if source_item.changed:
        return "source changed"
    if built.st_mtime_ns < os.stat(source_item.live).st_mtime_ns:
        return "older than its source"
    if TABLE_SUFFIX[table["resolved"]] == ".db" and berkeley_type(built_item.live) != table["resolved"]:
        return "not a %s table" % table["resolved"]
    return attribute_change(built, table["mode"])


def count(number, noun):
    return "%d %s%s" % (number, noun, "" if number == 1 else "s")


def copy_privately(src, temp, uid, gid):
    """A copy of src at the new path temp with src's mode and times and the given owner; readable
    by the owner alone until it has its mode (a secret is never readable by others, not even
    briefly). Owner, mode and times are set through the open file, never by a path that another
    process could have swapped."""
    status = os.stat(src)
    if os.path.lexists(temp):  # left by a run that was killed
        os.unlink(temp)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        with open(src, "rb") as source:
            shutil.copyfileobj(source, out)
        out.flush()
        os.fchown(out.fileno(), uid, gid)
        os.fchmod(out.fileno(), status.st_mode & 0o7777)
        os.utime(out.fileno(), ns=(status.st_atime_ns, status.st_mtime_ns))


def replace_with(module, src, dest):
    """Move src over dest in one rename, keeping src's mode, owner and times: atomic_move with
    keep_dest_attrs=False. ansible-core 2.16 has no keep_dest_attrs (its atomic_move gives the
    new file the old one's attributes), so there the rename is done here: when the kernel refuses
    it across file systems (EXDEV), through a private copy in dest's directory, and src is removed
    only once dest is in place. dest gets its default SELinux context, as atomic_move gives it."""
    if "keep_dest_attrs" in inspect.signature(module.atomic_move).parameters:
        module.atomic_move(src, dest, keep_dest_attrs=False)
        return
    try:
        os.rename(src, dest)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        directory = os.path.dirname(os.path.abspath(dest))
        temp = os.path.join(directory, ".hardened-relay-move.%s.%d" % (os.path.basename(dest), os.getpid()))
        status = os.stat(src)
        copy_privately(src, temp, status.st_uid, status.st_gid)
        try:
            os.rename(temp, dest)
        except OSError:
            os.unlink(temp)
            raise
        os.unlink(src)
    if module.selinux_enabled():
        module.set_context_if_different(dest, module.selinux_default_context(dest), False)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def write_file(path, data, mode):
    """A staged file, made with no access for others first and then given its mode, whatever the umask."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)


def fresh_directory(path, names):
    """A root-only directory with none of the names (files or trees) this module puts there left
    over from an earlier run. Other content is left alone: the directory is the operator's."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    for name in names:
        target = os.path.join(path, name)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        elif os.path.lexists(target):
            os.unlink(target)


# ---- Greetings -------------------------------------------------------------------------------

def greet_once(listener, timeout):
    """None when the listener sends an SMTP greeting (220) within timeout, else what happened.
    STARTTLS listeners are read in clear; wrapper-mode (smtps) ones after a TLS handshake, which
    also proves that smtpd can use its certificate. postscreen's first line (220-) counts."""
    host, port = str(listener["host"]).strip("[]"), int(listener["port"])
    where = "%s port %d" % (host, port)
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        return "could not connect to %s (%s)" % (where, exc.strerror or exc)
    try:
        if listener.get("tls") == "wrapper":
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # a relay may use a self-signed certificate
            sock = context.wrap_socket(sock)
        line = _first_line(sock)
        if GREETING.match(line):
            if line[3:4] != "-":
                sock.sendall(b"QUIT\r\n")  # lets smtpd log a clean end instead of a lost connection
            return None
        if line:
            return "%s answered %r instead of a 220 greeting" % (where, line[:200])
        return "%s closed the connection without a greeting" % where
    except ssl.SSLError as exc:
        return "the TLS handshake with %s failed (%s)" % (where, exc.reason or exc)
    except OSError as exc:
        return "%s sent no greeting (%s)" % (where, exc.strerror or exc or "timed out")
    finally:
        sock.close()


def _first_line(sock):
    reader = sock.makefile("rb")
    try:
        return reader.readline(1024).decode("ascii", "replace").rstrip("\r\n")
    finally:
        reader.close()


def wait_for_greeting(listener, deadline, clock=time.monotonic, sleep=time.sleep):
    """None once the listener greets before the deadline (Postfix may still be starting), else the
    last thing that went wrong."""
    while True:
        problem = greet_once(listener, max(0.5, min(5.0, deadline - clock())))
        if problem is None or clock() >= deadline:
            return problem
        sleep(RETRY_SECONDS / 2.0)


# ---- The transaction -------------------------------------------------------------------------

class Transaction:
    """One run of hardened.relay.postfix_apply; ``run()`` returns the module's result or raises
    TransactionError (with ``rolled_back`` in its details once the live files had changed)."""

    def __init__(self, module, clock=None, sleep=None):
        self.module = module
        self.params = module.params
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.secrets = Secrets({})
        self.scratch = None
        self.config_dir = self.params["config_dir"] or DEFAULT_CONFIG_DIR
        self._bins = {}
        self.items = []
        self.diff = []
        self.records = []
        self.created_dirs = []
        self.started = None
        self.stage = None
        self.facts = {}

    # -- tools ---------------------------------------------------------------------------------
    def bin(self, name, required=True):
        if name not in self._bins:
            self._bins[name] = self.module.get_bin_path(name, required)
        return self._bins[name]

    def run_cmd(self, argv):
        return self.module.run_command(argv, environ_update=C_LOCALE)

    def postconf(self, config_dir, args):
        return self.run_cmd([self.bin("postconf"), "-c", config_dir] + list(args))

    def postfix(self, *args):
        extra = ["-c", self.config_dir] if self.config_dir != DEFAULT_CONFIG_DIR else []
        return self.run_cmd([self.bin("postfix")] + extra + list(args))

    def live_words(self, text):
        """Postfix's words about the stage, naming the live files instead; secrets hidden."""
        for directory in (self.stage, self.scratch):
            if directory:
                text = text.replace(os.path.join(directory, ROOT) + "/", "/")
                text = text.replace(directory, self.config_dir)
        return self.secrets.hide(text)

    # -- the whole run -------------------------------------------------------------------------
    def run(self):
        self.secrets = Secrets(self.params["secret_entries"])
        self.module.no_log_values.update(self.secrets.values())
        self._check_directories()
        tables, files, services = check_config(self.params["config"], self.secrets)
        wanted = [table["path"] for table in tables if table["wanted"]]
        if wanted:
            # Given by digest and not what is live: nothing is compared or changed; the caller
            # (the action plugin) sends these sources' text in a second call.
            return dict(changed=False, action="none", changed_files=[], selftest=[], rolled_back=False,
                        sources_wanted=wanted)
        self.listeners = self.params["config"].get("listeners", [])
        self.plan = self._selftest_plan()
        self.facts = installed_facts(self.run_cmd, self.bin("postconf"), self.config_dir)
        self.configured = os.path.exists(os.path.join(self.config_dir, "main.cf"))
        self.scratch = os.path.join(self.module.tmpdir, "candidate")
        self._compare(tables, files, services)
        changed = [item for item in self.items if item.changed]
        result = dict(changed=bool(changed), action="none", changed_files=[item.live for item in changed],
                      selftest=[], rolled_back=False, postfix_version=self.facts["mail_version"])
        if self.module._diff:
            result["diff"] = self.diff
        if not changed:
            return result
        self._stage(changed)
        result["action"] = self._decide_action()
        if self.module.check_mode:
            return result
        result["selftest"] = self._install_and_apply(changed, result["action"])
        return result

    def _check_directories(self):
        """The stage and previous directories are emptied of what this module puts there: they
        may be neither the configuration directory nor hold it, nor each other."""
        stage, previous = self.params["stage_dir"], self.params["previous_dir"]
        config = os.path.normpath(self.config_dir)
        for option, path in (("stage_dir", stage), ("previous_dir", previous)):
            path = os.path.normpath(path)
            if not os.path.isabs(path) or path == "/" or (config + "/").startswith(path + "/") \
                    or path.startswith(config + "/"):
                raise TransactionError("%s: %s must be an absolute directory of its own, outside %s." % (
                    option, path, config))
        if os.path.normpath(stage) == os.path.normpath(previous):
            raise TransactionError("stage_dir and previous_dir must be two different directories.")
        if not os.path.isfile(os.path.join(self.config_dir, "master.cf")):
            raise TransactionError("config_dir: %s has no master.cf; install Postfix first (its package ships one)."
                                   % self.config_dir)

    def _selftest_plan(self):
        """The self-test's options are checked before anything changes, also in check mode."""
        options = self.params["selftest"]
        if options is None:
            return None
        try:
            plan = smtp_selftest.prepare(self.listeners, options["trusted_networks"], sender=options["sender"],
                                         recipient=options["recipient"], helo=options["helo"],
                                         timeout=options["timeout"], source_address=options["source_address"])
        except smtp_selftest.SelftestError as exc:
            raise TransactionError("selftest: %s Nothing was changed." % exc)
        self.bin("ip")  # the test puts its address on lo: without ip it could not run after the install
        return plan

    # -- 1. compare ----------------------------------------------------------------------------
    def _compare(self, tables, files, services):
        fresh_directory(self.scratch, ["main.cf", "master.cf"])
        main_cf = self._main_cf_text().encode("utf-8")
        write_file(os.path.join(self.scratch, "main.cf"), main_cf, 0o644)
        self._add_text_item(os.path.join(self.config_dir, "main.cf"), "main.cf", main_cf, 0o644)
        master_cf = self._master_cf_text(services)
        self._add_text_item(os.path.join(self.config_dir, "master.cf"), "master.cf", master_cf, 0o644)
        for table in tables:
            self._add_table(table)
        for spec in files:
            self._add_text_item(spec["path"], "file", spec["content"].encode("utf-8"), spec["mode"])

    def _main_cf_text(self):
        comment = self.params["managed_comment"] or ""
        # Every line of the comment must be a main.cf comment, or Postfix would read it as a setting.
        comment = "".join(line if line.startswith("#") else "# " + line for line in comment.splitlines(True))
        try:
            return render.main_cf(self.params["config"], self.facts, comment)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise TransactionError("config.main_cf is not in the form of the configuration model (%s: %s); give the "
                                   "config that hardened.relay.postfix_config returns."
                                   % (type(exc).__name__, exc))

    def _master_cf_text(self, services):
        """The live master.cf with every service written by Postfix's own postconf -M (removed with
        -MX), in the scratch directory: at most two postconf runs, whatever the number of services."""
        path = os.path.join(self.scratch, "master.cf")
        shutil.copyfile(os.path.join(self.config_dir, "master.cf"), path)
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            existing = master_entries(handle.read())
        # postconf -MX of an entry that is not there says nothing; asking only for those that are
        # saves the run when none is.
        removed = ["%s/%s" % (s["name"], s["type"]) for s in services
                   if s["state"] == "absent" and "%s/%s" % (s["name"], s["type"]) in existing]
        present = ["%s/%s=%s" % (s["name"], s["type"], entry_line(s)) for s in services if s["state"] == "present"]
        for args in ([["-MX"] + removed] if removed else []) + ([["-M"] + present] if present else []):
            rc, out, err = self.postconf(self.scratch, args)
            if rc != 0 or err.strip():
                raise TransactionError("postconf could not write the master.cf services (nothing was changed): %s."
                                       % " | ".join(self._problem_lines(self.live_words(err or out)) or ["exit status %d" % rc]))
        with open(path, "rb") as handle:
            return handle.read()

    def _add_text_item(self, live, kind, data, mode, secret=False, table=None):
        item = Item(live, kind, mode, data, secret, table)
        before = content_change(item)
        self.items.append(item)
        if item.changed and self.module._diff:
            self._diff_of(item, before)
        return item

    def _diff_of(self, item, before):
        old = (before or b"").decode("utf-8", "replace")
        new = item.data.decode("utf-8", "replace")
        if item.kind == "master.cf":
            self.diff.append(master_diff(item.live, old, new))
        elif item.kind == "source":
            table = item.table
            self.diff.append(entries_diff(old, new, table["flavour"], item.live, table["secret"], table["resolved"]))
        else:
            self.diff.append(dict(before_header=item.live, after_header=item.live, before=old, after=new))
        if item.changed not in ("new", "content"):
            self.diff[-1]["after_header"] = "%s (%s)" % (item.live, item.changed)

    def _add_table(self, table):
        resolved = self.facts["default_database_type"] if table["type"] == "auto" else table["type"]
        if resolved not in TABLE_SUFFIX and resolved not in SOURCE_ONLY_TYPES:
            raise TransactionError("%s: type auto means Postfix's default_database_type, which is %r here and not a type "
                                   "this module builds; give the table's type." % (table["path"], resolved))
        table["resolved"] = resolved
        if table["secret"]:
            self._hide_live_secrets(table)
        text = table["text"].encode("utf-8")
        if table["keep_existing"]:  # the live source stays; the given text is for a host without one
            live, dummy = read_live(table["path"])
            text = text if live is None else live
        source = self._add_text_item(table["path"], "source", text, table["mode"], table["secret"], table)
        table["source_item"] = source
        if resolved in SOURCE_ONLY_TYPES:
            return
        built = Item(table["path"] + TABLE_SUFFIX[resolved], "table", table["mode"], None, table["secret"], table)
        built.changed = built_change(table, source, built)
        table["built_item"] = built
        self.items.append(built)

    def _hide_live_secrets(self, table):
        """The credentials in the live secret table are secrets too (the journal may name the old
        ones after a failure): hide them like the new ones."""
        data, dummy = read_live(table["path"])
        if data is not None:
            old = parse_source(data.decode("utf-8", "replace"), table["flavour"], table["resolved"])
            self.module.no_log_values.update(self.secrets.add(value for dummy, value in old))

    # -- 2. stage ------------------------------------------------------------------------------
    def _stage(self, changed):
        self.stage = os.path.join(self.module.tmpdir, "stage") if self.module.check_mode else self.params["stage_dir"]
        fresh_directory(self.stage, ["main.cf", "master.cf", ROOT])
        for name in ("main.cf", "master.cf"):
            shutil.copyfile(os.path.join(self.scratch, name), os.path.join(self.stage, name))
            os.chmod(os.path.join(self.stage, name), 0o644)
        self._postfix_check()
        for item in self.items:
            if item.kind in ("main.cf", "master.cf"):
                item.staged = os.path.join(self.stage, item.kind)
            elif item.kind in ("source", "file") and (item.changed or self._rebuilds(item)):
                item.staged = self.staged_path(item.live)
                write_file(item.staged, item.data, item.mode)
        for item in changed:
            if item.kind == "table":
                self._build(item)
            elif item.kind == "source" and item.table["resolved"] in SOURCE_ONLY_TYPES:
                self._parse_check(item)

    def staged_path(self, live):
        return os.path.join(self.stage, ROOT, live.lstrip("/"))

    @staticmethod
    def _rebuilds(item):
        """A source whose table is rebuilt is staged too: postmap builds from the staged copy."""
        built = item.table.get("built_item") if item.table else None
        return bool(built is not None and built.changed)

    def _postfix_check(self):
        """Postfix reads the candidate as it will run it; any output on stderr refuses it."""
        problems = []
        for flag in ("-n", "-M"):
            rc, out, err = self.postconf(self.stage, [flag])
            problems += [line.strip() for line in err.splitlines() if line.strip()]
            if rc != 0 and not err.strip():
                problems.append("postconf %s exited with status %d" % (flag, rc))
        if problems:
            unique = list(dict.fromkeys(self.live_words(line) for line in problems))
            raise TransactionError("Postfix refused the candidate configuration, so nothing was changed: %s. Fix what "
                                   "Postfix names in the role's variables." % " | ".join(unique),
                                   postfix_warnings=unique)

    def _tool_problems(self, item, rc, out, err):
        """Postfix's complaints about a table in its own words, naming the live path; for a secret
        table each is cut after the key it names."""
        lines = [line.strip() for line in err.splitlines() if any(mark in line for mark in PROBLEM_MARKS)]
        if rc != 0 and not lines:
            lines = [line.strip() for line in (err or out).splitlines() if line.strip()] or ["exit status %d" % rc]
        lines = [self.live_words(line) for line in lines]
        if item.secret:
            keys = [key for key, dummy in item.table["entries"]]
            lines = [redact(line, item.table["path"], keys) for line in lines]
        return lines

    def _build(self, item):
        table = item.table
        source = table["source_item"]
        argv = [self.bin(table["flavour"]), "-c", self.stage, "%s:%s" % (table["resolved"], source.staged)]
        rc, out, err = self.run_cmd(argv)
        problems = self._tool_problems(item, rc, out, err)
        item.staged = source.staged + TABLE_SUFFIX[table["resolved"]]
        if not problems and not os.path.isfile(item.staged):
            problems = ["%s made no %s" % (table["flavour"], item.live)]
        if problems:
            raise TransactionError("%s refused %s, so nothing was changed: %s." % (
                table["flavour"], table["path"], " | ".join(problems)), postfix_warnings=problems)
        os.chmod(item.staged, item.mode)
        # Never older than its staged source, whatever the file system's clock granularity.
        stamp = max(os.stat(source.staged).st_mtime_ns, os.stat(item.staged).st_mtime_ns)
        os.utime(item.staged, ns=(stamp, stamp))

    def _parse_check(self, item):
        """cidr, pcre and regexp tables are read from the source: let Postfix parse it. The lookup's
        exit status only says whether the probe key was found, so its warnings alone decide."""
        argv = [self.bin("postmap"), "-c", self.stage, "-q", "hardened-relay-probe",
                "%s:%s" % (item.table["resolved"], item.staged)]
        dummy, out, err = self.run_cmd(argv)
        problems = self._tool_problems(item, 0, out, err)
        if problems:
            raise TransactionError("Postfix cannot read %s as a %s table, so nothing was changed: %s." % (
                item.live, item.table["resolved"], " | ".join(problems)), postfix_warnings=problems)

    # -- the action ------------------------------------------------------------------------------
    def _decide_action(self):
        """restart when a restart parameter changes or Postfix does not run now, else reload."""
        if not self.configured:
            self.running = False
            return "restart"
        self.running = self.postfix("status")[0] == 0
        names = list(self.params["restart_parameters"])
        if names:
            values = []
            for directory in (self.config_dir, self.stage):
                rc, out, err = self.postconf(directory, ["-h"] + names)
                values.append(out if rc == 0 else None)
            if values[0] is None or values[0] != values[1]:
                return "restart"
        return "restart" if not self.running else "reload"

    def _service_command(self, action):
        """systemctl when systemd runs (on Debian, postfix.service passes it to the postfix@- instance),
        else Postfix's own command."""
        systemctl = self.bin("systemctl", False)
        if systemctl and os.path.isdir(SYSTEMD_RUNTIME):
            return [[systemctl, action, self.params["service"]]]
        extra = ["-c", self.config_dir] if self.config_dir != DEFAULT_CONFIG_DIR else []
        postfix = [self.bin("postfix")] + extra
        return {"reload": [postfix + ["reload"]], "restart": [postfix + ["stop"], postfix + ["start"]],
                "stop": [postfix + ["stop"]]}[action]

    def _service(self, action):
        """Run the service action; a sentence when it failed. Stopping a Postfix that does not run
        is not a failure."""
        for argv in self._service_command(action):
            rc, out, err = self.run_cmd(argv)
            said = self.secrets.hide((err or out).strip())
            if rc != 0 and not (argv[-1] == "stop" and "not running" in said):
                return "%s %s exited with status %d: %s" % (os.path.basename(argv[0]), " ".join(argv[1:]), rc,
                                                            said or "no output")
        return None

    def _wait_running(self, deadline):
        """None once `postfix status` says the master process runs, else Postfix's words. Debian's
        postfix.service succeeds even when its postfix@- instance does not start."""
        while True:
            rc, out, err = self.postfix("status")
            if rc == 0:
                return None
            if self.clock() >= deadline:
                return "postfix status: %s" % (self.secrets.hide((err or out).strip()) or "exit status %d" % rc)
            self.sleep(RETRY_SECONDS)

    # -- 3. install, 4. apply, 5. roll back -----------------------------------------------------------
    def _install_and_apply(self, changed, action):
        self._resolve_tools()
        signals = smtp_selftest.SignalsAsException(Interrupted, "the module was stopped by signal %d")
        with signals:
            # The journal is read from here on: lines of this transaction only.
            self.started = time.time()
            try:
                self._keep_previous(changed)
            except OSError as exc:
                raise TransactionError("Could not keep a copy of the live configuration in %s (%s), so nothing was "
                                       "changed." % (self.params["previous_dir"], exc.strerror or exc))
            try:
                self._install(changed)
                return self._apply(action)
            except Exception as exc:  # every failure after the first live change rolls back
                signals.quiet()
                raise self._rollback(exc)

    def _resolve_tools(self):
        """Every program the apply and the rollback may need, found before anything changes (a
        missing one fails the module at once, which must not happen half-way)."""
        for name in ("postfix",) + (("ip",) if self.plan is not None else ()):
            self.bin(name)
        for name in ("systemctl", "journalctl"):
            self.bin(name, False)

    def _keep_previous(self, changed):
        previous = self.params["previous_dir"]
        fresh_directory(previous, [ROOT, MANIFEST])
        for item in changed:
            record = dict(path=item.live, existed=os.path.lexists(item.live))
            if record["existed"]:
                copy = os.path.join(previous, ROOT, item.live.lstrip("/"))
                os.makedirs(os.path.dirname(copy), mode=0o700, exist_ok=True)
                shutil.copy2(item.live, copy)  # bytes, mode and times
                status = os.stat(item.live)
                record.update(copy=copy, uid=status.st_uid, gid=status.st_gid, sha256=sha256(item.live))
            self.records.append(record)
        # Written before anything live changes: after a SIGKILL it says what to put back.
        write_file(os.path.join(previous, MANIFEST), json.dumps(self.records, indent=1).encode("utf-8"), 0o600)

    @staticmethod
    def install_order(changed):
        """Order keeps a running Postfix consistent. Its processes read main.cf when they start, even
        before the reload, and master.cf on reload: files and tables go first, main.cf last, so that
        what the new main.cf names is in place when it lands. A built table goes before its source:
        the table is never older than its source (Postfix warns of that), and lookups read the
        table, never the source."""
        tables = []
        for item in changed:
            if item.table is not None and item.table["path"] not in tables:
                tables.append(item.table["path"])

        def rank(item):
            if item.table is not None:
                return (1, tables.index(item.table["path"]), INSTALL_RANK[item.kind])
            return (INSTALL_RANK[item.kind], 0, 0)
        return sorted(changed, key=rank)

    def _install(self, changed):
        for item in self.install_order(changed):
            directory = os.path.dirname(item.live)
            if not os.path.isdir(directory):
                self._make_directories(directory)
            if not os.path.lexists(item.live):
                # atomic_move gives a file it creates the umask's mode after the rename; one that
                # exists keeps the staged mode. A secret is never readable by others, not even briefly.
                os.close(os.open(item.live, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            # The staged mode, owner and times are the ones wanted.
            replace_with(self.module, item.staged, item.live)

    def _make_directories(self, directory):
        missing = []
        while not os.path.isdir(directory):
            missing.append(directory)
            directory = os.path.dirname(directory)
        for path in reversed(missing):
            os.mkdir(path, 0o755)
            self.created_dirs.append(path)

    def _apply(self, action):
        problem = self._service(action)
        if problem:
            raise TransactionError("Postfix did not %s with the new configuration (%s)" % (action, problem))
        deadline = self.clock() + self.params["timeout"]
        problem = self._wait_running(min(deadline, self.clock() + STATUS_SECONDS))
        if problem:
            raise TransactionError("Postfix did not run the new configuration after the %s (%s)" % (action, problem))
        for listener in self.listeners:
            problem = wait_for_greeting(listener, deadline, self.clock, self.sleep)
            if problem:
                raise TransactionError("listener %s did not greet within %s after the %s: %s" % (
                    listener["name"], count(self.params["timeout"], "second"), action, problem))
        return self._selftest()

    def _selftest(self):
        if self.plan is None:
            return []
        host = smtp_selftest.LoopbackHost(self.module.run_command, self.bin("ip"))
        try:
            results, dummy = smtp_selftest.run_selftest(host, self.plan)
        except smtp_selftest.Terminated as exc:
            raise Interrupted("the relay self-test was %s" % exc)
        except smtp_selftest.SelftestError as exc:
            raise TransactionError("the relay self-test could not run (%s)" % str(exc).rstrip("."))
        for warning in smtp_selftest.weak_refusals(results):
            self.module.warn(warning)
        message = smtp_selftest.failure_message(results)
        for item in results:
            item.pop("compact", None)  # the message has the compact dialogue, the result the whole one
        if any(item["verdict"] != "refused" for item in results):
            raise TransactionError("the relay self-test failed: %s" % message, selftest=results)
        return results

    def _rollback(self, cause):
        """Put every previous file back (remove the new ones), run the previous configuration again,
        and return the TransactionError that tells all of it."""
        what = str(cause) if isinstance(cause, TransactionError) else \
            "an unexpected error (%s: %s)" % (type(cause).__name__, self.secrets.hide(str(cause)))
        problems = []
        if not self.configured:
            # There was no main.cf: Postfix cannot be stopped once it is gone again.
            problems.append(self._service("stop"))
        restored, removed = self._restore(problems)
        if self.configured:
            problem = self._service("restart")
            problems.append(problem or self._wait_running(self.clock() + min(self.params["timeout"], STATUS_SECONDS)))
        problems = [p for p in problems if p]
        logged = self._journal()
        message = "%s. " % what.rstrip(".")
        back = "%s restored, %s removed" % (count(restored, "file"), count(removed, "new file"))
        if problems:
            message += ("The previous configuration was put back (%s), but it does not run either: %s. "
                        % (back, " | ".join(problems)))
        else:
            message += "The previous configuration was put back (%s) and Postfix runs it again. " % back
        message += "Postfix logged: %s." % (" / ".join(logged) or "nothing in the journal; see the mail log")
        details = dict(getattr(cause, "details", {}))
        details.update(rolled_back=True, postfix_log=logged, rollback_problems=problems)
        return TransactionError(message, **details)

    def _restore(self, problems):
        restored = removed = 0
        for record in reversed(self.records):
            path = record["path"]
            try:
                if not record["existed"]:
                    if os.path.lexists(path):
                        os.unlink(path)
                        removed += 1
                    continue
                temp = os.path.join(os.path.dirname(path), ".hardened-relay-restore.%s.%d" % (
                    os.path.basename(path), os.getpid()))
                copy_privately(record["copy"], temp, record["uid"], record["gid"])
                replace_with(self.module, temp, path)
                if sha256(path) != record["sha256"]:
                    problems.append("%s differs from its previous copy after the restore" % path)
                restored += 1
            except OSError as exc:
                problems.append("could not put back %s (%s); its previous copy is in %s" % (
                    path, exc.strerror or exc, self.params["previous_dir"]))
        for directory in reversed(self.created_dirs):
            try:
                os.rmdir(directory)
            except OSError:
                pass  # not empty: something else put a file there meanwhile
        return restored, removed

    def _journal(self):
        """What Postfix logged at warning level or worse since the install began, unique lines."""
        journalctl = self.bin("journalctl", False)
        if not journalctl:
            return []
        since = "@%d" % int(self.started - 1) if self.started else "-3min"
        rc, out, err = self.run_cmd([journalctl, "--since", since] + JOURNAL)
        if rc != 0:
            return []
        lines = list(dict.fromkeys(self.live_words(line.strip()) for line in out.splitlines() if line.strip()))
        return lines[-JOURNAL_LINES:]

    @staticmethod
    def _problem_lines(text):
        return [line.strip() for line in text.splitlines() if line.strip()]
