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
author: hardened.relay developers (@hardened-relay)
options:
  path:
    description: The source file. The table is created next to it (C(path.db), C(path.lmdb), C(path.cdb)).
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
      - Not for secrets. Like any module argument, O(entries) is shown in the module's result
        (C(invocation)), in Ansible's output and logs and in the diff. Give credentials as O(secret_entries).
    type: raw
  secret_entries:
    description:
      - Like O(entries), for credentials (for example C(smtp_sasl_password_maps)). Implies O(secret).
      - The option is C(no_log). Its values never appear in the module's result (C(invocation)
        included), error messages, Ansible's output and logs, or the diff, which lists the keys
        only and marks a changed value C((changed)). The keys of a mapping are not hidden.
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
    entries_diff, normalize_entries, render_source,
)

TEMP_PREFIX = ".hardened-relay-build."


def resolve_type(module, postfix):
    """The table type asked for, with auto resolved to the installed default."""
    wanted = module.params["type"]
    if wanted == "auto":
        out, dummy = postfix.postconf(["-h", "default_database_type"])
        wanted = out.strip()
    return wanted


def require_support(module, postfix, map_type):
    """Refuse a type this Postfix cannot read. Asked only before Postfix has to read or build a
    table: a current table of the type proves the support, and checking it costs a postconf run."""
    supported = postfix.map_types()
    if map_type not in supported:
        module.fail_json(msg="type: this Postfix does not support %r tables (postconf -m lists: %s). "
                             "Install the postfix-%s package or choose another type."
                             % (map_type, ", ".join(supported), map_type))


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


def postfix_warnings(err):
    return [line.strip() for line in err.splitlines() if "warning:" in line or "fatal:" in line]


class Builder:
    """Writes sources and builds tables beside the live ones, then moves them into place."""

    def __init__(self, module, postfix, path, map_type, flavour, secret):
        self.module = module
        self.postfix = postfix
        self.path = path
        self.map_type = map_type
        self.flavour = flavour
        self.secret = secret
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

    def build(self):
        """Build the table from the temporary source; Postfix's warnings fail the task."""
        argv = [self.postfix.bin(self.flavour)] + self.postfix.config_args() + ["%s:%s" % (self.map_type, self.temp)]
        rc, out, err = self.module.run_command(argv, environ_update={"LC_ALL": "C", "LANG": "C"})
        problems = postfix_warnings(err)
        if rc != 0 or problems:
            self.cleanup()
            self.module.fail_json(msg="%s refused %s (nothing was changed): %s" % (
                self.flavour, self.path, " | ".join(problems or [(err or out).strip()]).replace(self.temp, self.path)))
        self.module.set_fs_attributes_if_different(self.attributes(self.temp + self.suffix), False)

    def check_parses(self):
        """For tables Postfix reads from source: let it parse the temporary source."""
        argv = [self.postfix.bin("postmap")] + self.postfix.config_args() + [
            "-q", "hardened-relay-probe", "%s:%s" % (self.map_type, self.temp)]
        dummy, dummy, err = self.module.run_command(argv, environ_update={"LC_ALL": "C", "LANG": "C"})
        problems = postfix_warnings(err)
        if problems:
            self.cleanup()
            self.module.fail_json(msg="Postfix cannot read %s as a %s table (nothing was changed): %s" % (
                self.path, self.map_type, " | ".join(problems).replace(self.temp, self.path)))

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
        for leftover in (self.temp, self.temp + self.suffix):
            if os.path.exists(leftover):
                os.unlink(leftover)


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
    secret = params["secret"] or params["secret_entries"] is not None
    flavour = params["flavour"]
    if secret and params["mode"] is None:
        params["mode"] = "0600"
    postfix = PostfixCommand(module)
    map_type = resolve_type(module, postfix)
    if flavour == "postalias" and map_type in SOURCE_ONLY_TYPES:
        module.fail_json(msg="type: postalias builds indexed tables only, not %s" % map_type)

    given = params["secret_entries"] if params["secret_entries"] is not None else params["entries"]
    if given is None:
        # Building from the admin's own source: it is not read here, so checking an unchanged
        # table costs a few stat calls whatever its size.
        if not os.path.exists(path):
            module.fail_json(msg="path: %s does not exist; create it or give entries" % path)
        current_text = wanted_text = None
        count = None
    else:
        try:
            entries = normalize_entries(given, map_type, flavour)
        except ValueError as exc:
            variable = "secret_entries" if params["secret_entries"] is not None else "entries"
            module.fail_json(msg="%s: %s" % (variable, exc))
        wanted_text = render_source(entries, flavour)
        current_text = None
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                current_text = handle.read()
        count = len(entries)
    source_changed = wanted_text != current_text

    indexed = map_type not in SOURCE_ONLY_TYPES
    table = path + TABLE_SUFFIX[map_type] if indexed else path
    rebuild = indexed and (source_changed or params["force"] or not table_is_current(path, table, map_type))

    if source_changed or rebuild:
        require_support(module, postfix, map_type)

    result = dict(changed=source_changed or rebuild, table=table, map_type=map_type,
                  lookup="%s:%s" % (map_type, path), source_changed=source_changed, rebuilt=rebuild)
    if count is not None:
        result["entries"] = count
    if module._diff and source_changed:
        result["diff"] = entries_diff(current_text or "", wanted_text, flavour, path, secret, map_type)

    if not module.check_mode:
        remove_leftovers(path)
        builder = Builder(module, postfix, path, map_type, flavour, secret)
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
    # Owner, group and mode asked for, on source and table alike, also when nothing was rebuilt
    # (in check mode this only reports; files that would be created get them when built).
    for target in (path, table) if indexed else (path,):
        if os.path.exists(target):
            result["changed"] = module.set_fs_attributes_if_different(
                module.load_file_common_arguments(params, path=target), result["changed"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
