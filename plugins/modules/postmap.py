#!/usr/bin/python
# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postmap
short_description: Build Postfix lookup tables (and alias tables) idempotently and atomically
version_added: 0.1.0
description:
  - Builds a Postfix lookup table from a source file with C(postmap), or an alias table with
    C(postalias). With O(entries) (or O(secret_entries)) it writes the source file too.
  - Idempotent; the table is rebuilt only when it is missing, older than its source, or of
    another type than asked. Checking an unchanged table costs a few C(stat) calls.
  - A running Postfix never reads a half-built table. The new table is built beside the old
    one under a temporary name and then renamed over it, so a build that fails or is killed
    leaves the old table serving.
  - C(cidr), C(pcre), C(regexp), C(texthash), C(static) and C(inline) tables are read by Postfix
    straight from the source file. For those the module writes the source (when entries are
    given), lets Postfix parse it, and builds nothing.
  - Any warning from C(postmap) or C(postalias) (a duplicate entry, a table that is unavailable,
    a bad cidr or pcre line) fails the task with Postfix's own words, and nothing is changed. For a
    secret table a warning is quoted up to the key it names; what follows is hidden.
author: hardened.relay developers (@hardened-relay)
options:
  path:
    description:
      - The source file. The table is created next to it (C(path.db), C(path.lmdb), C(path.cdb)).
      - Its directory must exist and be writable. A directory, a path with a line break and a
        table path that is not a file are refused before anything changes.
    type: path
    required: true
  type:
    description:
      - Table type. V(auto) is the installed Postfix's C(default_database_type).
      - A type that C(postconf -m) does not list fails with a clear message (install its
        C(postfix-*) package first).
    type: str
    default: auto
    choices: [auto, hash, btree, lmdb, cdb, cidr, pcre, regexp, texthash]
  entries:
    description:
      - The table's entries, written as the source file in this order. A mapping of keys to
        values, or a list of C({key, value}) mappings (order matters for cidr, pcre and regexp).
      - Without O(entries) and O(secret_entries) the module builds from the existing source file.
      - Each entry becomes one line of the source. Keys and values lose their outer whitespace; a
        key or value (or an item of a list value) with a line break inside, a value that is not a
        string, number or list of them, and an empty value are refused, naming the entry by its
        index and key.
      - An existing source that is not UTF-8 text is refused, not replaced (it is not a source
        this module wrote); convert or remove it first.
      - Not for secrets. Like any module argument, O(entries) is shown in the module's result
        (C(invocation)), in Ansible's output and logs and in the diff. Give credentials as O(secret_entries).
    type: raw
  secret_entries:
    description:
      - Like O(entries), for credentials (for example C(smtp_sasl_password_maps)). Implies O(secret).
      - The option is C(no_log). Its values never appear in the module's result (C(invocation)
        included), error messages, Ansible's output and logs, or the diff, which lists the keys
        only and marks a changed value C((changed)). The keys of a mapping are not hidden.
      - An error names an entry by its index and key, never by its value.
    type: raw
  secret:
    description:
      - The table holds credentials. Source and table are made mode C(0600) unless O(mode) says
        otherwise, and the diff shows keys only.
      - It hides no module argument. Together with O(entries) the module refuses to run and masks
        their values in its error and result. Ansible has by then logged O(entries) on the managed
        host (journal or syslog), as it logs every argument that is not C(no_log), so give
        credentials as O(secret_entries) from the start.
      - Without entries it applies to the source file you provide.
    type: bool
    default: false
  flavour:
    description: V(postalias) builds an C(aliases(5)) table with C(postalias) (lines of the form C(name) colon C(value)).
    type: str
    choices: [postmap, postalias]
    default: postmap
  force:
    description: Rebuild the table even when it is current.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Reports whether the source or table would change; writes nothing.
  diff_mode:
    support: full
    description: The diff lists source entries added, changed and removed, not bytes of the database.
notes:
  - O(owner), O(group) and O(mode) apply to the source file and the table alike.
seealso:
  - name: postmap(1)
    description: Postfix lookup table management.
    link: https://www.postfix.org/postmap.1.html
  - name: DATABASE_README
    description: Postfix lookup table overview.
    link: https://www.postfix.org/DATABASE_README.html
"""

EXAMPLES = r"""
- name: Sender access table from entries in the task
  hardened.relay.postmap:
    path: /etc/postfix/sender_access
    entries:
      spammer@example.com: REJECT
      example.net: OK

- name: Client access table (cidr is read from the source; nothing is built)
  hardened.relay.postmap:
    path: /etc/postfix/client_access.cidr
    type: cidr
    entries:
      - {key: 192.0.2.66/32, value: REJECT}
      - {key: 192.0.2.0/24, value: OK}

- name: Smarthost credentials, readable by root only
  hardened.relay.postmap:
    path: /etc/postfix/sasl_passwd
    secret_entries:
      "[smtp.example.net]:587": "relayuser:{{ vault_relay_password }}"

- name: Rebuild the alias database when /etc/aliases changed
  hardened.relay.postmap:
    path: /etc/aliases
    flavour: postalias
"""

RETURN = r"""
table:
  description: Path of the built table, or of the source for types Postfix reads directly.
  returned: always
  type: str
  sample: /etc/postfix/sender_access.db
map_type:
  description: The table type used (V(auto) resolved).
  returned: always
  type: str
  sample: hash
lookup:
  description: What to put in main.cf to use the table.
  returned: always
  type: str
  sample: hash:/etc/postfix/sender_access
source_changed:
  description: Whether the source file was (or would be) rewritten.
  returned: always
  type: bool
rebuilt:
  description: Whether the table was (or would be) rebuilt.
  returned: always
  type: bool
entries:
  description: Number of entries written to the source.
  returned: when O(entries) or O(secret_entries) is given
  type: int
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardened.relay.plugins.module_utils.postfix import (
    PostfixCommand, SOURCE_ONLY_TYPES, TABLE_SUFFIX, berkeley_type,
)
from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import (
    PATTERN_TYPES, entries_diff, normalize_entries, render_source,
)

TEMP_PREFIX = ".hardened-relay-build."
# Postfix reads a source line by line: either of these inside a key or value would start another entry.
LINE_BREAKS = ("\n", "\r")
# How Postfix's tools mark what went wrong (msg_warn, msg_error, msg_fatal, msg_panic).
PROBLEM_MARKS = ("warning:", "error:", "fatal:", "panic:")
HIDDEN = " [the rest is hidden: the table is secret]"


def refuse(module, option, problem):
    """Fail naming the option, when there is a problem; every refusal comes before any change."""
    if problem:
        module.fail_json(msg="%s: %s. Nothing was changed." % (option, problem))


def has_line_break(text):
    return any(c in text for c in LINE_BREAKS)


def path_problem(path):
    """Why path cannot be a table source, or None. Asked before Postfix runs or anything is written."""
    if has_line_break(path):
        return "%r holds a line break, which would break the lookup in main.cf; give a path on one line" % path
    if os.path.isdir(path):
        return "%s is a directory; give the path of the source file (the table is made beside it)" % path
    if os.path.lexists(path) and not os.path.isfile(path):
        return "%s is not a regular file; give the path of the table's source file" % path
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        return ("the directory %s does not exist; create it first (for example with ansible.builtin.file and "
                "state=directory) or correct path" % directory)
    return None


def table_problem(table):
    if os.path.lexists(table) and not os.path.isfile(table):
        return "the table %s is not a regular file; remove it or choose another path" % table
    return None


def writable_problem(path):
    """The new source and table are written beside the live ones first, so the directory must be writable."""
    directory = os.path.dirname(path) or "."
    if not os.access(directory, os.W_OK):
        return ("the directory %s is not writable, and the new source and table are made there before they "
                "replace the old ones; run the task with become: true or make the directory writable" % directory)
    return None


def resolve_type(module, postfix):
    """The table type asked for, with auto resolved to the installed default."""
    wanted = module.params["type"]
    if wanted == "auto":
        out, dummy = postfix.postconf(["-h", "default_database_type"])
        wanted = out.strip()
        if wanted not in TABLE_SUFFIX and wanted not in SOURCE_ONLY_TYPES:
            module.fail_json(msg="type: auto stands for Postfix's default_database_type, which is %r here and not "
                                 "a type this module builds; give type explicitly (hash, btree, lmdb or cdb)." % wanted)
    return wanted


def require_support(module, postfix, map_type):
    """Refuse a type this Postfix cannot read. Asked only before Postfix has to read or build a
    table: a current table of the type proves the support, and checking it costs a postconf run."""
    supported = postfix.map_types()
    if map_type not in supported:
        module.fail_json(msg="type: this Postfix does not support %r tables (postconf -m lists: %s). "
                             "Install the postfix-%s package or choose another type."
                             % (map_type, ", ".join(supported), map_type))


def kind(data):
    """What a piece of task data is, in YAML's words, without showing it (it may be a secret)."""
    if data is None:
        return "null"
    if isinstance(data, dict):
        return "mapping"
    if isinstance(data, (list, tuple)):
        return "list"
    return type(data).__name__


def given_entries(given):
    """[(index, key, value)] from a mapping or a list of {key, value}, and the problems of the list
    items that are neither. Items are named by index only: their content may be a secret."""
    if isinstance(given, dict):
        return [(index, key, value) for index, (key, value) in enumerate(given.items())], []
    if not isinstance(given, list):
        return [], ["give a mapping of keys to values or a list of {key, value} mappings, not a %s" % kind(given)]
    entries, problems = [], []
    for index, item in enumerate(given):
        if isinstance(item, dict) and set(item) == {"key", "value"}:
            entries.append((index, item["key"], item["value"]))
        else:
            problems.append("item %d: list items must be mappings with exactly 'key' and 'value', this one is a %s%s"
                            % (index, kind(item), " with other keys" if isinstance(item, dict) else ""))
    return entries, problems


def text_problem(text, what):
    """Why a key or value text cannot be one line of a UTF-8 source, or None."""
    if has_line_break(text):
        return ("the %s holds a line break, which would start another line in the source; write it on one line"
                % what)
    try:
        text.encode("utf-8")
    except UnicodeError:
        return "the %s holds characters that are not valid UTF-8; give UTF-8 text" % what
    return None


def key_problem(key, map_type, flavour):
    if isinstance(key, (dict, list, tuple)) or key is None:
        return "the key must be a string or a number, not a %s" % kind(key)
    text = str(key).strip()
    if not text or text.startswith("#"):
        return "a key may not be empty or start with '#' (the source would read it as a comment)"
    problem = text_problem(text, "key")
    if problem:
        return problem
    if map_type not in PATTERN_TYPES and any(c.isspace() for c in text):
        return ("a %s key may not contain whitespace (Postfix would read the first word as the key); "
                "write the key as one word" % ("postalias" if flavour == "postalias" else map_type))
    if flavour == "postalias" and ":" in text:
        return "an alias name may not contain ':', which ends the name in the source"
    return None


def value_problem(value):
    """Why a value cannot be written, or None. It never quotes the value."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if isinstance(item, (dict, list, tuple)) or item is None:
            if item is None and item is value:
                return "the value is empty (null); give a value"
            return "the value must be a string, a number or a list of them, not %s" % (
                "a list holding a %s" % kind(item) if item is not value else "a %s" % kind(item))
        problem = text_problem(str(item).strip(), "value")
        if problem:
            return problem
    texts = [str(item).strip() for item in items]
    if not any(texts):
        return "the value is empty; give a value"
    if not all(texts):
        return "the value is a list holding an empty item; remove it"
    return None


def entry_label(index, key):
    """An entry as messages name it: by index and key, never by value."""
    if isinstance(key, (str, int, float)):
        return "entry %d (key %s)" % (index, repr(str(key).strip())[:80])
    return "entry %d" % index


def entry_problems(given, map_type, flavour):
    entries, problems = given_entries(given)
    for index, key, value in entries:
        problem = key_problem(key, map_type, flavour) or value_problem(value)
        if problem:
            problems.append("%s: %s" % (entry_label(index, key), problem))
    return problems


def wanted_entries(module, variable, map_type, flavour, secret):
    """The task's entries as [(key, value)], or a failure that names the bad ones by index and key."""
    given = module.params[variable]
    problems = entry_problems(given, map_type, flavour)
    if len(problems) > 5:
        problems = problems[:5] + ["and %d more" % (len(problems) - 5)]
    refuse(module, variable, "; ".join(problems))
    try:
        entries = normalize_entries(given, map_type, flavour)
    except ValueError as exc:
        # entry_problems refuses all that normalize_entries does; its words may quote an entry.
        refuse(module, variable, "an entry was refused" if secret else str(exc))
    if secret:
        # Values are written as normalize_entries folds them, which Ansible's masking of the
        # values as given would not match.
        module.no_log_values.update(value for dummy, value in entries)
    return entries


def read_source(module, path):
    """The current source text, or None when there is none yet."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        refuse(module, "path", "cannot read %s (%s); run the task with become: true or fix its permissions"
               % (path, exc.strerror or exc))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        refuse(module, "path", "%s is not UTF-8 text, so it is not a source this module wrote; check path, "
                               "or convert the file to UTF-8 (or remove it) and run again" % path)


def table_is_current(path, table, map_type):
    """A table is current when it exists, is no older than its source and is of the asked type."""
    try:
        source_mtime = os.stat(path).st_mtime_ns
        table_mtime = os.stat(table).st_mtime_ns
    except OSError:
        return False
    if table_mtime < source_mtime:
        return False
    if TABLE_SUFFIX[map_type] == ".db":
        return berkeley_type(table) == map_type
    return True


def reserve_secret(path):
    """Create a missing file as 0600 first: atomic_move gives a new file the umask's mode,
    while an existing file keeps its own, so a secret is never readable by others."""
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def temp_name(path):
    directory, base = os.path.split(path)
    return os.path.join(directory or ".", "%s%s.%d" % (TEMP_PREFIX, base, os.getpid()))


def remove_leftovers(path):
    """Remove temporary files that a killed earlier build left beside the table."""
    directory, base = os.path.split(path)
    directory = directory or "."
    for name in os.listdir(directory):
        if name.startswith(TEMP_PREFIX + base + "."):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass


def scalar_values(data):
    """Every string and number inside a task's entries (mapping values and list items, recursively)."""
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, (list, tuple)):
        return set().union(*[scalar_values(item) for item in data]) if data else set()
    if isinstance(data, bool) or data is None:
        return set()
    return {str(data)} if str(data) else set()


def refuse_visible_secrets(module):
    """secret=true promises hidden values, which entries (not no_log) cannot keep: refuse, and hide
    the values in the error too (AnsibleModule masks no_log_values everywhere in its result)."""
    params = module.params
    if params["secret"] and params["entries"] is not None:
        module.no_log_values.update(scalar_values(params["entries"]))
        module.fail_json(msg="entries: secret=true does not hide entries, which are module arguments that "
                             "Ansible shows and logs; give these entries as secret_entries instead "
                             "(it implies secret=true). Nothing was changed.")


def redact(line, path, keys):
    """A warning about a secret table, cut after the first key it names: what follows could quote the
    value. Naming no key, it is cut where Postfix starts quoting the source ("...")."""
    start = line.rfind(path) + len(path) if path in line else 0
    found = [(line.find(key, start), -len(key)) for key in keys if key and line.find(key, start) >= 0]
    if found:
        position, minus_length = min(found)
        end = position - minus_length
        if line[end:end + 1] == '"':
            end += 1
    else:
        end = line.find('"', start)
        if end < 0:
            return line
    return line[:end].rstrip() + (HIDDEN if line[end:].strip() else "")


class Builder:
    """Writes sources and builds tables beside the live ones, then moves them into place."""

    def __init__(self, module, postfix, path, map_type, flavour, secret, keys=()):
        self.module = module
        self.postfix = postfix
        self.path = path
        self.map_type = map_type
        self.flavour = flavour
        self.secret = secret
        self.keys = list(keys)
        self.temp = temp_name(path)
        self.suffix = TABLE_SUFFIX.get(map_type, "")

    def attributes(self, target):
        return self.module.load_file_common_arguments(self.module.params, path=target)

    def stage_source(self, text):
        """The wanted source under a temporary name, with the final owner and mode already set."""
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
        if os.path.exists(self.path) and self.module.params["mode"] is None:
            os.chmod(self.temp, os.stat(self.path).st_mode & 0o7777)
        elif self.module.params["mode"] is None:
            os.chmod(self.temp, 0o644)
        self.module.set_fs_attributes_if_different(self.attributes(self.temp), False)

    def link_source(self):
        """The live source under a temporary name (a hard link: free, same owner and mode)."""
        os.link(self.path, self.temp)

    def problems(self, rc, out, err):
        """Postfix's complaints in its own words, naming the live path instead of the temporary one;
        for a secret table each is cut after the key it names. Every warning counts: a table
        built with one (a duplicate key, say) is not the table the task describes."""
        lines = [line.strip() for line in err.splitlines() if any(mark in line for mark in PROBLEM_MARKS)]
        if rc != 0 and not lines:
            lines = [line.strip() for line in (err or out).splitlines() if line.strip()] or ["exit status %d" % rc]
        lines = [line.replace(self.temp, self.path) for line in lines]
        if self.secret:
            lines = [redact(line, self.path, self.keys) for line in lines]
        return lines

    def build(self):
        """Build the table from the temporary source; Postfix's warnings fail the task."""
        argv = [self.postfix.bin(self.flavour)] + self.postfix.config_args() + ["%s:%s" % (self.map_type, self.temp)]
        rc, out, err = self.module.run_command(argv, environ_update={"LC_ALL": "C", "LANG": "C"})
        problems = self.problems(rc, out, err)
        if problems:
            self.cleanup()
            self.module.fail_json(msg="%s refused %s (nothing was changed): %s. Correct what Postfix names, in the "
                                      "entries or the source file, and run again."
                                      % (self.flavour, self.path, " | ".join(problems)))
        self.module.set_fs_attributes_if_different(self.attributes(self.temp + self.suffix), False)

    def check_parses(self):
        """For tables Postfix reads from source: let it parse the temporary source. The lookup's exit
        status only says whether the probe key was found, so its warnings alone decide."""
        argv = [self.postfix.bin("postmap")] + self.postfix.config_args() + [
            "-q", "hardened-relay-probe", "%s:%s" % (self.map_type, self.temp)]
        dummy, out, err = self.module.run_command(argv, environ_update={"LC_ALL": "C", "LANG": "C"})
        problems = self.problems(0, out, err)
        if problems:
            self.cleanup()
            self.module.fail_json(msg="Postfix cannot read %s as a %s table (nothing was changed): %s. Correct what "
                                      "Postfix names in the entries and run again."
                                      % (self.path, self.map_type, " | ".join(problems)))

    def install(self, source_changed, indexed):
        """Move source and table into place. A running Postfix sees the old table or the new one,
        never a partial one; the table is stamped last so that it is never older than its source
        (atomic_move gives a replaced file the current time)."""
        if source_changed:
            if self.secret:
                reserve_secret(self.path)
            self.module.atomic_move(self.temp, self.path)
        if indexed:
            table = self.path + self.suffix
            if self.secret:
                reserve_secret(table)
            self.module.atomic_move(self.temp + self.suffix, table)
            # Explicit times: the kernel's own "now" is coarser than the one atomic_move gave the source.
            stamp = max(os.stat(self.path).st_mtime_ns, time.time_ns())
            os.utime(table, ns=(stamp, stamp))
        self.cleanup()

    def cleanup(self):
        # Also called while failing: a leftover it cannot remove is removed by the next run.
        for leftover in (self.temp, self.temp + self.suffix):
            try:
                os.unlink(leftover)
            except OSError:
                pass


def apply_changes(module, builder, wanted_text, source_changed, rebuild):
    """Stage, check and install. An OS error (a read-only file system, a full disk) fails naming
    path, with the temporary files removed."""
    try:
        remove_leftovers(builder.path)
        if source_changed:
            builder.stage_source(wanted_text)
        elif rebuild:
            builder.link_source()
        if rebuild:
            builder.build()
        elif source_changed:
            builder.check_parses()
        if source_changed or rebuild:
            builder.install(source_changed, rebuild)
    except OSError as exc:
        builder.cleanup()
        module.fail_json(msg="path: could not write the new source or table beside %s (%s); make the directory "
                             "writable for the user Ansible runs as (become: true), free space, or choose another "
                             "path." % (builder.path, exc.strerror or exc))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            type=dict(type="str", default="auto",
                      choices=["auto", "hash", "btree", "lmdb", "cdb", "cidr", "pcre", "regexp", "texthash"]),
            entries=dict(type="raw"),
            secret_entries=dict(type="raw", no_log=True),
            secret=dict(type="bool", default=False),
            flavour=dict(type="str", default="postmap", choices=["postmap", "postalias"]),
            force=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("entries", "secret_entries")],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    refuse_visible_secrets(module)
    params = module.params
    path = params["path"]
    refuse(module, "path", path_problem(path))
    secret = params["secret"] or params["secret_entries"] is not None
    flavour = params["flavour"]
    if secret and params["mode"] is None:
        params["mode"] = "0600"
    postfix = PostfixCommand(module)
    map_type = resolve_type(module, postfix)
    if flavour == "postalias" and map_type in SOURCE_ONLY_TYPES:
        module.fail_json(msg="type: postalias builds indexed tables only, not %s" % map_type)
    indexed = map_type not in SOURCE_ONLY_TYPES
    table = path + TABLE_SUFFIX[map_type] if indexed else path
    refuse(module, "path", table_problem(table) if indexed else None)

    variable = "secret_entries" if params["secret_entries"] is not None else "entries"
    entries = []
    if params[variable] is None:
        # Building from the admin's own source: it is not read here, so checking an unchanged
        # table costs a few stat calls whatever its size.
        if not os.path.exists(path):
            module.fail_json(msg="path: %s does not exist; create it or give entries" % path)
        current_text = wanted_text = None
    else:
        entries = wanted_entries(module, variable, map_type, flavour, secret)
        wanted_text = render_source(entries, flavour)
        current_text = read_source(module, path)
    source_changed = wanted_text != current_text
    rebuild = indexed and (source_changed or params["force"] or not table_is_current(path, table, map_type))

    if source_changed or rebuild:
        refuse(module, "path", writable_problem(path))
        require_support(module, postfix, map_type)

    result = dict(changed=source_changed or rebuild, table=table, map_type=map_type,
                  lookup="%s:%s" % (map_type, path), source_changed=source_changed, rebuilt=rebuild)
    if wanted_text is not None:
        result["entries"] = len(entries)
    if module._diff and source_changed:
        result["diff"] = entries_diff(current_text or "", wanted_text, flavour, path, secret, map_type)

    if not module.check_mode:
        builder = Builder(module, postfix, path, map_type, flavour, secret, [key for key, dummy in entries])
        apply_changes(module, builder, wanted_text, source_changed, rebuild)
    # Owner, group and mode asked for, on source and table alike, also when nothing was rebuilt
    # (in check mode this only reports; files that would be created get them when built).
    for target in (path, table) if indexed else (path,):
        if os.path.exists(target):
            result["changed"] = module.set_fs_attributes_if_different(
                module.load_file_common_arguments(params, path=target), result["changed"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
