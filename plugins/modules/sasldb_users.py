#!/usr/bin/python
# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sasldb_users
short_description: Manage the users of a Cyrus SASL sasldb in one task, without showing their passwords
version_added: 1.0.0
description:
  - Sets and removes the users of one realm in a sasldb with C(saslpasswd2), and keeps the owner,
    group and mode of the database. Users that sasldb holds and O(users) does not name are left alone.
  - A password is set when C(sasldblistusers2) does not list the user, or when it is not the one this
    module last set. To tell that without reading the database, the module keeps a keyed fingerprint
    (HMAC-SHA256) of each password it set in O(state_dir), under a random key made on the host. The
    key, the fingerprints and the passwords never leave the host.
  - A fingerprint is removed before C(saslpasswd2) runs and recorded only after it succeeded, so a
    failed or killed run, a lost database or a user deleted by hand is mended by the next run.
author: hardened.relay developers (@hardened-relay)
options:
  realm:
    description: The users' realm (C(saslpasswd2 -u)); not empty, no blank, C(/), C(@) or control character.
    type: str
    required: true
  users:
    description: The users of O(realm) to set or remove (may be empty). A name listed twice is refused.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The name, without the realm; not empty or starting with C(-), no blank, C(/), C(@), C(:) or control character.
        type: str
        required: true
      password:
        description:
          - The password, given to C(saslpasswd2) on stdin. Required with O(users[].state=present).
          - An empty password and one holding a line break or NUL are refused, naming the user only.
          - Neither the password nor anything computed from it is in the result, the diff, messages or logs.
        type: str
      state:
        description: Whether the user should exist.
        type: str
        choices: [present, absent]
        default: present
  path:
    description: The sasldb file (C(saslpasswd2 -f)). Its directory must exist; a new file is made readable by root only.
    type: path
    default: /etc/sasldb2
  state_dir:
    description:
      - Holds the key C(fingerprint.key) and C(fingerprints.json); made mode C(0700), owned by root, when first needed.
      - A directory, key or fingerprint file that is a symbolic link, is not owned by root or is open to
        group or others is refused, also in check mode.
    type: path
    default: /var/lib/hardened-relay/saslauthd
  owner:
    description: Owner of O(path), applied whenever it exists.
    type: str
    default: root
  group:
    description: Group of O(path), applied whenever it exists.
    type: str
    default: root
  mode:
    description: Mode of O(path), applied whenever it exists (octal as a string, or symbolic).
    type: raw
    default: "0600"
attributes:
  check_mode:
    support: full
    description: Lists the users and reads the key and fingerprints; writes nothing.
  diff_mode:
    support: full
    description: The realm's users, marked where a password is set, and changed file attributes; never a password.
notes:
  - The database holds the passwords in clear text, so by default it is root's alone. saslauthd runs
    as root and reads it; Postfix's smtpd talks to saslauthd's socket and never opens the database,
    so no group needs to read it.
  - saslauthd caches logins; restart it when RV(set) or RV(removed) is not empty. Forgetting the
    fingerprint of an absent user that sasldb does not list is not reported as a change.
"""

EXAMPLES = r"""
- name: Two relay users, one removed
  hardened.relay.sasldb_users:
    realm: relay.example.org
    users:
      - {name: alice, password: "{{ vault_alice_password }}"}
      - {name: bob, password: "{{ vault_bob_password }}"}
      - {name: mallory, state: absent}
  notify: Restart saslauthd
"""

RETURN = r"""
set:
  description: Names of the users whose password was (or would be) set.
  returned: always
  type: list
  elements: str
  sample: [alice]
removed:
  description: Names of the users that were (or would be) removed from sasldb.
  returned: always
  type: list
  elements: str
  sample: [mallory]
attributes_changed:
  description: Whether the owner, group or mode of an existing O(path) was (or would be) changed.
  returned: always
  type: bool
legacy_removed:
  description:
    - How many fingerprint files of the earlier, unkeyed format (C(STATE_DIR/NAME@REALM), written by
      the saslauthd role before this module) were (or would be) removed. They were derived from
      the password and public values.
  returned: always
  type: int
"""

import grp
import hashlib
import hmac
import json
import os
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes

KEY_SIZE = 32
CONTEXT = b"hardened.relay sasldb v1\0"
ROOT_UID = ROOT_GID = 0
C_LOCALE = {"LC_ALL": "C", "LANG": "C"}


def refuse(module, option, problem):
    if problem:
        module.fail_json(msg="%s: %s. Nothing was changed." % (option, problem))


def odd_characters(text, forbidden):
    odd = sorted({c for c in text if c.isspace() or not c.isprintable() or c in forbidden}, key=text.index)
    return ", ".join(repr(c) for c in odd)


def realm_problem(realm):
    odd = odd_characters(realm, "/@")
    if not realm or odd:
        return ("%s; a realm has no blank, '/', '@' or control character (give one such as relay.example.org)"
                % ("%r holds %s" % (realm, odd) if odd else "the realm is empty"))
    return None


def user_problems(users):
    """Problems with the users, each naming the index and the name, never a password."""
    problems, seen = [], {}
    for index, user in enumerate(users):
        name, password = user["name"], user["password"]
        odd = odd_characters(name, "/@:")
        label = "users[%d] (%s)" % (index, name if name and not odd else repr(name))
        if not name or name.startswith("-") or odd:
            problems.append("%s.name: %s; give the name without the realm, with no blank, '/', '@', ':' or control "
                            "character, not starting with '-'"
                            % (label, "holds %s" % odd if odd else "starts with '-'" if name else "is empty"))
        elif name in seen:
            problems.append("%s.name: users[%d] has this name too; list each user once" % (label, seen[name]))
        seen.setdefault(name, index)
        if user["state"] == "present" and not password:
            problems.append("%s.password: %s; give a password, or state: absent to remove the user"
                            % (label, "is missing" if password is None else "is empty"))
        elif user["state"] == "present" and any(c in password for c in "\n\r\0"):
            problems.append("%s.password: holds a line break or NUL character, which would end it early where "
                            "saslpasswd2 reads it from stdin; give a password on one line" % label)
    return problems


def secure_problem(path, kind):
    """Why a state directory or file cannot be trusted with secrets, or None (also when it is missing)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not (stat.S_ISDIR if kind == "directory" else stat.S_ISREG)(st.st_mode):
        return "%s is not a %s (it may not be a symbolic link)" % (path, kind)
    if st.st_uid != ROOT_UID:
        return "%s is owned by uid %d, not root" % (path, st.st_uid)
    if st.st_mode & 0o077:
        return "%s is mode %04o, open to group or others" % (path, st.st_mode & 0o7777)
    return None


def read_private(path):
    """The bytes of a state file, or None when it does not exist."""
    if not os.path.lexists(path):
        return None
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as handle:
        return handle.read()


def write_private(module, path, data):
    """Replace a state file atomically by a temporary file beside it. A missing file is reserved as 0600
    first: atomic_move gives a new file the umask's mode, a replaced one keeps its own."""
    temp = os.path.join(os.path.dirname(path), ".%s.%d" % (os.path.basename(path), os.getpid()))
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    if not os.path.lexists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    module.atomic_move(temp, path)


class State:
    """The key and the recorded fingerprints {"name@realm": hex} in the root-only state directory."""

    def __init__(self, module, directory, realm):
        self.module, self.directory, self.realm = module, directory, realm
        self.key_path = os.path.join(directory, "fingerprint.key")
        self.json_path = os.path.join(directory, "fingerprints.json")
        for path, kind in ((directory, "directory"), (self.key_path, "file"), (self.json_path, "file")):
            problem = secure_problem(path, kind)
            refuse(module, "state_dir", problem and "%s; it guards the password fingerprints, so it must be "
                   "root's alone (mode 0700 for the directory, 0600 for its files)" % problem)
        key = read_private(self.key_path)
        # A key cut short (a killed run) is replaced: no fingerprint then matches, and every user is set.
        self.key = key if key is not None and len(key) == KEY_SIZE else None
        try:
            recorded = json.loads((read_private(self.json_path) or b"{}").decode("utf-8"))
        except ValueError:
            recorded = {}
        self.recorded = {k: v for k, v in recorded.items() if isinstance(v, str)} if isinstance(recorded, dict) else {}

    def fingerprint(self, name, password):
        texts = [to_bytes(text, errors="surrogate_or_strict") for text in (self.realm, name, password)]
        return hmac.new(self.key, CONTEXT + b"\0".join(texts), hashlib.sha256).hexdigest()

    def is_current(self, name, password):
        recorded = self.recorded.get("%s@%s" % (name, self.realm))
        return self.key is not None and recorded is not None and \
            hmac.compare_digest(recorded, self.fingerprint(name, password))

    def prepare(self):
        """The directory and key, made when missing (real runs only, before the first password is set)."""
        if not os.path.lexists(self.directory):
            os.makedirs(self.directory, 0o700)
            os.chmod(self.directory, 0o700)
            st = os.lstat(self.directory)
            if (st.st_uid, st.st_gid) != (ROOT_UID, ROOT_GID):
                os.chown(self.directory, ROOT_UID, ROOT_GID)
        if self.key is None:
            self.key = os.urandom(KEY_SIZE)
            write_private(self.module, self.key_path, self.key)

    def update(self, forget=(), name=None, password=None):
        """Forget the names' fingerprints, or record one; written at once (only when it changes)."""
        before = dict(self.recorded)
        for ident in ["%s@%s" % (forgotten, self.realm) for forgotten in forget]:
            self.recorded.pop(ident, None)
        if name is not None:
            self.recorded["%s@%s" % (name, self.realm)] = self.fingerprint(name, password)
        if self.recorded != before:
            text = json.dumps(self.recorded, sort_keys=True, indent=1) + "\n"
            write_private(self.module, self.json_path, text.encode("utf-8"))


def quote(text):
    return " | ".join(line.strip() for line in text.splitlines() if line.strip()) or "no message"


def listed_users(module, lister, path, realm):
    """({names of realm with a userPassword}, {names of realm with any entry}); nobody without a file."""
    if not os.path.exists(path):
        return set(), set()
    rc, out, err = module.run_command([lister, "-f", path], environ_update=C_LOCALE)
    if rc != 0:
        module.fail_json(msg="path: sasldblistusers2 could not list the users of %s (exit %d): %s. Nothing was "
                             "changed." % (path, rc, quote(err or out)))
    with_password, anything, suffix = set(), set(), "@" + realm
    for line in out.splitlines():
        login, sep, prop = line.strip().rpartition(": ")
        if sep and login.endswith(suffix) and len(login) > len(suffix):
            anything.add(login[:-len(suffix)])
            if prop == "userPassword":
                with_password.add(login[:-len(suffix)])
    return with_password, anything


def attribute_line(path, values):
    """A diff line such as "sasldb /etc/sasldb2: mode 0640 group sasl" (owners by name)."""
    words = []
    for key, lookup in (("mode", None), ("owner", pwd.getpwuid), ("group", grp.getgrgid)):
        if key in values:
            try:
                words.append("%s %s" % (key, lookup(values[key])[0] if lookup else values[key]))
            except KeyError:
                words.append("%s %s" % (key, values[key]))
    return "sasldb %s: %s\n" % (path, " ".join(words)) if words else ""


def apply_attributes(module, path, diff=None):
    return module.set_fs_attributes_if_different(module.load_file_common_arguments(module.params, path=path),
                                                 False, diff)


def apply_changes(module, passwd, state, to_set, to_remove, result):
    """Set, then remove. A fingerprint is forgotten before saslpasswd2 runs and recorded after it
    succeeded; a failure names the user and quotes saslpasswd2, never the password."""
    path, realm = module.params["path"], module.params["realm"]
    done = dict(set=[], removed=[], attributes_changed=result["attributes_changed"])

    def fail(msg):
        module.fail_json(msg=msg, changed=bool(done["set"] or done["removed"] or done["attributes_changed"]), **done)

    try:
        if to_set:
            state.prepare()
        for label, user in to_set:
            state.update(forget=[user["name"]])
            # umask: a sasldb that saslpasswd2 creates is root's alone until its attributes are applied.
            # data: saslpasswd2 -p reads the password up to the line break that run_command adds.
            rc, out, err = module.run_command([passwd, "-p", "-c", "-f", path, "-u", realm, user["name"]],
                                              data=user["password"], umask=0o077, environ_update=C_LOCALE)
            if rc != 0:
                fail("%s: saslpasswd2 could not set the password in %s (exit %d): %s. No fingerprint is recorded "
                     "for the user, so the next run sets it again." % (label, path, rc, quote(err or out)))
            state.update(name=user["name"], password=user["password"])
            done["set"].append(user["name"])
        state.update(forget=[user["name"] for user in module.params["users"] if user["state"] == "absent"])
    except OSError as exc:
        fail("state_dir: could not write in %s (%s); run the task with become: true, or free space."
             % (state.directory, exc.strerror or exc))
    for label, user in to_remove:
        rc, out, err = module.run_command([passwd, "-d", "-f", path, "-u", realm, user["name"]],
                                          environ_update=C_LOCALE)
        if rc != 0:
            fail("%s: saslpasswd2 could not remove the user from %s (exit %d): %s. The next run tries again."
                 % (label, path, rc, quote(err or out)))
        done["removed"].append(user["name"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            realm=dict(type="str", required=True),
            users=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True), password=dict(type="str", no_log=True),
                state=dict(type="str", choices=["present", "absent"], default="present"))),
            path=dict(type="path", default="/etc/sasldb2"),
            state_dir=dict(type="path", default="/var/lib/hardened-relay/saslauthd"),
            owner=dict(type="str", default="root"), group=dict(type="str", default="root"),
            mode=dict(type="raw", default="0600"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    realm, path, users = params["realm"], params["path"], params["users"]
    module.no_log_values.update(user["password"] for user in users if user["password"])
    refuse(module, "realm", realm_problem(realm))
    problems = user_problems(users)
    refuse(module, "users", "; ".join(problems[:5] + (["and %d more" % (len(problems) - 5)] if len(problems) > 5 else [])))
    if os.path.lexists(path) and not os.path.isfile(path):
        refuse(module, "path", "%s is not a regular file; give the path of the sasldb file" % path)
    lister = module.get_bin_path("sasldblistusers2", True)
    passwd = module.get_bin_path("saslpasswd2", True)
    state = State(module, params["state_dir"], realm)

    existed = os.path.exists(path)
    with_password, listed = listed_users(module, lister, path, realm)
    labelled = [("users[%d] (%s)" % (index, user["name"]), user) for index, user in enumerate(users)]
    to_set = [(label, user) for label, user in labelled if user["state"] == "present" and (
        user["name"] not in with_password or not state.is_current(user["name"], user["password"]))]
    to_remove = [(label, user) for label, user in labelled if user["state"] == "absent" and user["name"] in listed]
    if to_set and not os.path.isdir(os.path.dirname(path) or "."):
        refuse(module, "path", "the directory %s does not exist; create it first" % os.path.dirname(path))

    # Attributes first: a sasldb open to others is closed before a password is written into it.
    attr_diff = dict(before={}, after={})
    attributes_changed = apply_attributes(module, path, attr_diff) if existed else False
    set_names = [user["name"] for dummy, user in to_set]
    removed_names = [user["name"] for dummy, user in to_remove]
    # The role's earlier, unkeyed fingerprints (one file per user, named like the login) were derived
    # from the password and public values: they go.
    legacy = [candidate for candidate in (os.path.join(params["state_dir"], "%s@%s" % (user["name"], realm))
                                          for user in users) if os.path.isfile(candidate) and not os.path.islink(candidate)]
    result = dict(changed=bool(to_set or to_remove or attributes_changed or legacy), set=set_names,
                  removed=removed_names, attributes_changed=attributes_changed, legacy_removed=len(legacy))
    if module._diff and result["changed"]:
        after = (listed - set(removed_names)) | set(user["name"] for user in users if user["state"] == "present")
        header = "%s (realm %s)" % (path, realm)
        result["diff"] = dict(
            before_header=header, after_header=header,
            before="".join("%s@%s\n" % (name, realm) for name in sorted(listed)) + attribute_line(path, attr_diff["before"]),
            after="".join("%s@%s%s\n" % (name, realm, " (password set)" if name in set_names else "")
                          for name in sorted(after)) + attribute_line(path, attr_diff["after"]))
    if not module.check_mode:
        for candidate in legacy:
            os.remove(candidate)
        apply_changes(module, passwd, state, to_set, to_remove, result)
        if not existed and os.path.exists(path):
            result["changed"] = apply_attributes(module, path) or result["changed"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
