#!/usr/bin/python
# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: service_setup
short_description: Install, configure and start one Debian daemon in one module call
version_added: 1.0.0
description:
  - Does what a role otherwise spreads over many C(apt), C(file), C(copy), C(template) and C(service) tasks.
    In this order it installs O(packages) (answering O(debconf) first), adds O(user_groups), creates
    O(directories), runs O(commands), writes O(files) and starts or restarts the O(service).
  - An unchanged setup costs one Python start, one C(dpkg-query), one C(id) per user, a C(stat) per path
    (a file with content is read too) and C(systemctl is-enabled) and C(is-active).
  - Every option is checked before anything changes. Owners, groups and users are looked up once the
    packages are installed, since a package may create them. The first failure stops the call with a
    sentence that names the option; what was done before it stays done.
author: hardened.relay developers (@hardened-relay)
options:
  packages:
    description:
      - Debian packages that must be installed, by name (no version, no architecture). Installed ones are
        never upgraded or removed.
      - Missing ones are installed with C(apt-get install -y), non-interactively and keeping changed
        configuration files (C(--force-confdef), C(--force-confold)). C(apt-get update) runs first when
        there are no package lists or they are older than O(cache_valid_time).
    type: list
    elements: str
    default: []
  install_recommends: {description: "Install the packages that the missing ones recommend, too.", type: bool, default: false}
  cache_valid_time:
    description: Age in seconds up to which the package lists are fresh enough. V(0) updates them before every install.
    type: int
    default: 3600
  debconf:
    description:
      - Answers to debconf questions, given to C(debconf-set-selections) just before missing packages are installed.
      - They matter at installation time only. While every package is installed they are neither set nor
        compared, so changing them later changes nothing on the host.
      - The values of V(password) questions are hidden from the result and the logs.
    type: list
    elements: dict
    default: []
    suboptions:
      name: {description: "The package that asks the question.", type: str, required: true}
      question: {description: "The question, such as C(postfix/main_mailer_type).", type: str, required: true}
      vtype:
        description: Its type.
        type: str
        required: true
        choices: [boolean, error, multiselect, note, password, seen, select, string, text, title]
      value: {description: "The answer, one line (a boolean is written C(true) or C(false)).", type: raw, required: true}
  user_groups:
    description: Supplementary groups a user must have. Missing ones are added (C(usermod -a -G)); none is removed.
    type: list
    elements: dict
    default: []
    suboptions:
      user: {description: "The user.", type: str, required: true}
      groups: {description: "The groups.", type: list, elements: str, required: true}
  directories:
    description:
      - Directories with this owner, group and mode. A missing one is created, but not its parents; a
        missing parent fails the call unless it is listed earlier.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {description: "Absolute path. A path may appear once in O(directories) and O(files).", type: path, required: true}
      owner: {description: "Owning user, a name or a number.", type: str, default: root}
      group: {description: "Owning group, a name or a number.", type: str, default: root}
      mode: {description: "Octal mode as a string, such as C(\"0755\").", type: raw, required: true}
  commands:
    description:
      - Commands that make a file. One runs when its O(commands[].creates) does not exist or is older than
        one of its O(commands[].sources). A failing command fails the call, quoting its error output.
      - They run before O(files) are written; a source written by O(files) is seen by the next call.
    type: list
    elements: dict
    default: []
    suboptions:
      argv: {description: "The command and its arguments. A first word without C(/) is looked up in C(PATH).", type: list, elements: str,
             required: true}
      creates: {description: "The file it makes (absolute path).", type: path, required: true}
      sources: {description: "The files it is made from (absolute paths). Missing ones are ignored.", type: list, elements: path, default: []}
  files:
    description:
      - Files with this owner, group and mode, holding O(files[].content) when that is given. New content
        goes to a temporary file beside the live one, which gets the owner and mode first and is then
        moved over it in one step.
      - A file without O(files[].content) must exist; only its owner, group and mode are set. In check mode
        one that a command of the call would make (its C(creates) or one of its arguments) is reported as
        made by that command.
    type: list
    elements: dict
    default: []
    suboptions:
      path: {description: "Absolute path. A path may appear once in O(directories) and O(files).", type: path, required: true}
      content: {description: "The text the file holds, written as UTF-8.", type: raw}
      owner: {description: "Owning user, a name or a number.", type: str, default: root}
      group: {description: "Owning group, a name or a number.", type: str, default: root}
      mode: {description: "Octal mode as a string, such as C(\"0644\").", type: raw, required: true}
      force: {description: "Rewrite an existing file whose content differs. With V(false) its content is never touched.", type: bool,
              default: true}
      secret:
        description:
          - The content is never shown. The diff says only that it changed, and the content is masked in
            the result, in messages and in the module's log line on the host.
        type: bool
        default: false
  service:
    description:
      - The systemd service to enable and start. When it runs already and anything above changed (an owner
        or mode too), it is restarted or reloaded (O(service.on_change)). Omit it for no service handling.
    type: dict
    suboptions:
      name: {description: "The unit.", type: str, required: true}
      enabled: {description: "Enable it. V(false) disables it when it is enabled.", type: bool, default: true}
      state: {description: "What it must be.", type: str, choices: [started], default: started}
      on_change: {description: "What a running service gets after a change.", type: str, choices: [restart, reload, none], default: restart}
      daemon_reload:
        description:
          - Whether C(systemctl daemon-reload) runs before the service is looked at. Unset, it runs when a
            changed file or directory is below C(/etc/systemd/). V(true) runs it whenever anything changed,
            V(false) never.
        type: bool
attributes:
  check_mode:
    support: full
    description:
      - Runs only read-only probes. While packages are missing it reports them with RV(preview_incomplete=true)
        and looks at nothing else (users, groups and directories may not exist yet).
  diff_mode:
    support: full
    description: A list of diffs, one per changed file and one for packages, groups, directories, commands and the service.
"""

EXAMPLES = r"""
- name: Set up postgrey
  hardened.relay.service_setup:
    packages: [postgrey]
    files:
      - path: /etc/default/postgrey
        content: "{{ lookup('ansible.builtin.template', 'postgrey.default.j2') }}"
        mode: "0644"
    service:
      name: postgrey

- name: A self-signed certificate, made once, with its key for root only
  hardened.relay.service_setup:
    directories:
      - {path: /etc/relay-tls, mode: "0755"}
    commands:
      - argv: [openssl, req, -x509, -newkey, "rsa:2048", -nodes, -subj, /CN=relay, -days, "3650",
               -keyout, /etc/relay-tls/key.pem, -out, /etc/relay-tls/cert.pem]
        creates: /etc/relay-tls/cert.pem
    files:
      - {path: /etc/relay-tls/key.pem, mode: "0600"}
"""

RETURN = r"""
packages_installed: {description: "The packages installed (in check mode, that would be).", returned: always, type: list, elements: str}
packages_missing: {description: "The packages that were not installed when the call began.", returned: always, type: list, elements: str}
preview_incomplete: {description: "Check mode stopped after the packages, which are missing.", returned: always, type: bool}
groups_added: {description: "The memberships added, as C(user:group).", returned: always, type: list, elements: str, sample: ["nobody:mail"]}
directories_changed: {description: "The directories created, or whose owner, group or mode changed.", returned: always, type: list, elements: str}
commands_run: {description: "The O(commands[].creates) of each command run.", returned: always, type: list, elements: str}
files_changed: {description: "The files written, or whose owner, group or mode changed.", returned: always, type: list, elements: str}
service_actions: {description: "What was done to the service, in order.", returned: always, type: list, elements: str, sample: [enable, restart]}
"""

import grp
import os
import pwd
import re
import stat
import time

from ansible.module_utils.basic import AnsibleModule

# Module constants, so that the tests can move them: a change below SYSTEMD_PREFIX makes a daemon-reload due.
SYSTEMD_PREFIX = "/etc/systemd/"
APT_LISTS = "/var/lib/apt/lists"
APT_STAMP = "/var/lib/apt/periodic/update-success-stamp"
TEMP_PREFIX = ".hardened-relay-setup."
PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?$")
MODE = re.compile(r"^[0-7]{3,4}$")
SUMMARY = "packages, groups, directories, commands, service"
VTYPES = ["boolean", "error", "multiselect", "note", "password", "seen", "select", "string", "text", "title"]


def secret_values(params):
    """Secret contents and debconf passwords, as given and as repr() writes them (the module's log line
    shows each option as Python prints it, line breaks escaped)."""
    values = [f.get("content") for f in params.get("files") or () if isinstance(f, dict) and f.get("secret")]
    values += [d.get("value") for d in params.get("debconf") or () if isinstance(d, dict) and d.get("vtype") == "password"]
    return set(v for value in values if isinstance(value, str) and value for v in (value, repr(value)[1:-1]))


class SetupModule(AnsibleModule):
    def _log_invocation(self):
        # AnsibleModule logs its arguments on the host before main() runs: mask the secrets there too.
        self.no_log_values.update(secret_values(self.params))
        super()._log_invocation()


def last_lines(out, err, count=5):
    lines = [line.strip() for line in (err.strip() or out or "").splitlines() if line.strip()]
    return " | ".join(lines[-count:]) or "no output"


class Setup:
    """One call's options (checked), what it did and would do, and the words for the diff."""

    def __init__(self, module, opts):
        self.module, self.opts, self.check = module, opts, module.check_mode
        self.result = dict(changed=False, packages_installed=[], packages_missing=[], groups_added=[],
                           directories_changed=[], commands_run=[], files_changed=[], service_actions=[],
                           preview_incomplete=False)
        self.before, self.after, self.file_diffs = [], [], []
        self.made_by = {}  # path -> program of a command that ran (or would run) and names it

    def fail(self, msg):
        self.result["changed"] = self.changed()
        self.module.fail_json(msg=msg, **self.result)

    def note(self, before, after):
        self.before.append(before + "\n")
        self.after.append(after + "\n")

    def changed(self):
        return any(value for key, value in self.result.items() if isinstance(value, list) and key != "packages_missing")

    def run(self, argv, what, **kwargs):
        rc, out, err = self.module.run_command(argv, **kwargs)
        if rc != 0:
            self.fail("%s failed (exit status %d): %s" % (what, rc, last_lines(out, err)))
        return out

    def finish(self):
        self.result["changed"] = self.changed()
        if self.module._diff and (self.file_diffs or self.before):
            self.result["diff"] = self.file_diffs + ([dict(before_header=SUMMARY, after_header=SUMMARY, before="".join(self.before),
                                                           after="".join(self.after))] if self.before else [])
        self.module.exit_json(**self.result)


def validate(module):
    """The options, checked before anything changes (a refusal names the option and index), as copies
    with modes as numbers and contents as bytes."""
    p = module.params

    def refuse(where, value, problem):
        module.fail_json(msg='%s "%s" %s; nothing was changed.' % (where, value, problem))

    def name(where, value, what):
        if not NAME.match(value):
            refuse(where, value, "is not a %s name" % what)

    def path(where, value):
        if any(c in value for c in "\n\r\0"):
            refuse(where, value.replace("\n", "\\n"), "holds a line break")
        if not os.path.isabs(value) or os.path.normpath(value) != value:
            refuse(where, value, "is not an absolute path written plainly (such as %s)" % os.path.normpath(os.path.join("/", value)))

    opts = dict((key, [dict(entry) for entry in p[key]]) for key in ("debconf", "user_groups", "directories", "commands", "files"))
    for i, package in enumerate(p["packages"]):
        if not PACKAGE.match(package):
            refuse("packages[%d]" % i, package, "is not a Debian package name (give the name only, no version or architecture)")
    if p["cache_valid_time"] < 0:
        refuse("cache_valid_time", p["cache_valid_time"], "is negative")
    for i, entry in enumerate(opts["debconf"]):
        name("debconf[%d].name" % i, entry["name"], "package")
        if not entry["question"] or any(c.isspace() for c in entry["question"]):
            refuse("debconf[%d].question" % i, entry["question"], "is not a debconf question (one word, such as postfix/mailname)")
        value = entry["value"]
        entry["value"] = ("true" if value else "false") if isinstance(value, bool) else value
        if not isinstance(entry["value"], (str, int, float)) or "\n" in str(entry["value"]):
            module.fail_json(msg="debconf[%d].value must be one line of text; nothing was changed." % i)
    for i, entry in enumerate(opts["user_groups"]):
        name("user_groups[%d].user" % i, entry["user"], "user")
        for j, group in enumerate(entry["groups"]):
            name("user_groups[%d].groups[%d]" % (i, j), group, "group")
    seen = set()
    for option in ("directories", "files"):
        for i, entry in enumerate(opts[option]):
            where = "%s[%d]" % (option, i)
            path(where + ".path", entry["path"])
            if entry["path"] in seen:
                refuse(where + ".path", entry["path"], "is listed twice (in directories and files, each path may appear once)")
            seen.add(entry["path"])
            name(where + ".owner", entry["owner"], "user")
            name(where + ".group", entry["group"], "group")
            mode = entry["mode"]
            if not isinstance(mode, str) or not MODE.match(mode):
                refuse(where + ".mode", mode, 'is not an octal mode such as "0644"%s'
                       % ("; quote it (YAML reads an unquoted 0644 as a number)" if isinstance(mode, int) else ""))
            entry["mode"] = int(mode, 8)
    for i, entry in enumerate(opts["files"]):
        if entry["content"] is not None and not isinstance(entry["content"], str):
            module.fail_json(msg="files[%d].content must be text (a string), not a %s; nothing was changed."
                             % (i, type(entry["content"]).__name__))
        try:
            entry["data"] = None if entry["content"] is None else entry["content"].encode("utf-8")
        except UnicodeError:
            module.fail_json(msg="files[%d].content is not valid Unicode text; nothing was changed." % i)
    for i, entry in enumerate(opts["commands"]):
        if not entry["argv"] or not entry["argv"][0]:
            refuse("commands[%d].argv" % i, entry["argv"], "names no program")
        path("commands[%d].creates" % i, entry["creates"])
        for j, source in enumerate(entry["sources"]):
            path("commands[%d].sources[%d]" % (i, j), source)
    if p["service"]:
        name("service.name", p["service"]["name"], "systemd unit")
    return opts


def resolve_ids(setup):
    """Look up every owner, group and user: only now, after the packages that may create them."""
    def look(where, kind, value):
        try:
            return (pwd.getpwnam if kind == "user" else grp.getgrnam)(value)[2]
        except KeyError:
            if value.isdigit():
                return int(value)
            setup.fail('%s "%s": there is no %s of that name on this host' % (where, value, kind))
    for option in ("directories", "files"):
        for i, entry in enumerate(setup.opts[option]):
            entry["uid"] = look("%s[%d].owner" % (option, i), "user", entry["owner"])
            entry["gid"] = look("%s[%d].group" % (option, i), "group", entry["group"])
    for i, entry in enumerate(setup.opts["user_groups"]):
        look("user_groups[%d].user" % i, "user", entry["user"])
        for j, group in enumerate(entry["groups"]):
            look("user_groups[%d].groups[%d]" % (i, j), "group", group)


def lists_are_stale(max_age):
    """No package lists, or the last update (the lists' directories, the success stamp) is too old."""
    try:
        if not any("_Packages" in name for name in os.listdir(APT_LISTS)):
            return True
    except OSError:
        return True
    stamps = [os.stat(path).st_mtime for path in (APT_LISTS, APT_LISTS + "/partial", APT_STAMP) if os.path.exists(path)]
    return time.time() - max(stamps) > max_age


def missing_packages(setup, names):
    dpkg_query = setup.module.get_bin_path("dpkg-query", True)
    rc, out, err = setup.module.run_command([dpkg_query, "-W", "-f", "${db:Status-Abbrev}${binary:Package}\\n"] + names)
    if rc not in (0, 1):  # 1: a package dpkg does not know, which is missing
        setup.fail("dpkg-query could not list the packages (exit status %d): %s" % (rc, last_lines(out, err)))
    # Status "ii" (or "hi", held): installed. A Multi-Arch package is listed as name:arch.
    installed = set(line[3:].strip().split(":")[0] for line in out.splitlines() if line[1:2] == "i")
    return [package for package in names if package not in installed]


def ensure_packages(setup):
    """Install the missing packages. False when check mode stops the preview here."""
    p = setup.module.params
    missing = missing_packages(setup, p["packages"]) if p["packages"] else []
    if not missing:
        return True
    setup.result.update(packages_missing=missing, packages_installed=list(missing))
    for package in missing:
        setup.note("%s: not installed" % package, "%s: installed" % package)
    if setup.check:
        setup.result["preview_incomplete"] = True
        return False
    # apt-get waits up to a minute for the dpkg lock that another apt (unattended-upgrades) holds.
    apt_get, env = [setup.module.get_bin_path("apt-get", True), "-o", "DPkg::Lock::Timeout=60"], dict(DEBIAN_FRONTEND="noninteractive")
    if lists_are_stale(p["cache_valid_time"]):
        setup.run(apt_get + ["update", "-q"], "apt-get update", environ_update=env)
    if setup.opts["debconf"]:
        answers = "".join("%s %s %s %s\n" % (d["name"], d["question"], d["vtype"], d["value"]) for d in setup.opts["debconf"])
        setup.run([setup.module.get_bin_path("debconf-set-selections", True)], "debconf-set-selections", data=answers)
    argv = apt_get + ["install", "-y", "-q", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"]
    argv += [] if p["install_recommends"] else ["--no-install-recommends"]
    setup.run(argv + missing, "apt-get install of %s" % ", ".join(missing), environ_update=env)
    still = missing_packages(setup, missing)
    if still:
        setup.fail("packages: %s is still not installed after apt-get install; a virtual package? Name the package "
                   "that provides it" % ", ".join(still))
    return True


def ensure_user_groups(setup):
    current = {}
    for entry in setup.opts["user_groups"]:
        user = entry["user"]
        if user not in current:
            current[user] = setup.run([setup.module.get_bin_path("id", True), "-nG", user], "id -nG %s" % user).split()
        missing = [g for i, g in enumerate(entry["groups"]) if g not in current[user] and g not in entry["groups"][:i]]
        if missing:
            if not setup.check:
                setup.run([setup.module.get_bin_path("usermod", True), "-a", "-G", ",".join(missing), user],
                          "usermod adding %s to %s" % (user, ",".join(missing)))
            setup.note("user %s: groups %s" % (user, " ".join(current[user])),
                       "user %s: groups %s" % (user, " ".join(current[user] + missing)))
            current[user] += missing
            setup.result["groups_added"] += ["%s:%s" % (user, group) for group in missing]


def differences(st, entry):
    """The owner, group and mode that differ, in words for the diff: (before, after), empty when none do."""
    found = []
    if st.st_uid != entry["uid"]:
        found.append(("owner", name_of(pwd.getpwuid, st.st_uid), entry["owner"]))
    if st.st_gid != entry["gid"]:
        found.append(("group", name_of(grp.getgrgid, st.st_gid), entry["group"]))
    if stat.S_IMODE(st.st_mode) != entry["mode"]:
        found.append(("mode", "%04o" % stat.S_IMODE(st.st_mode), "%04o" % entry["mode"]))
    return ", ".join("%s %s" % (k, b) for k, b, a in found), ", ".join("%s %s" % (k, a) for k, b, a in found)


def name_of(database, number):
    try:
        return database(number)[0]
    except KeyError:
        return str(number)


def set_attributes(path, entry, mode=None):
    """The wanted owner and group, and mode (or the wanted one), where they differ. chmod comes after
    chown, which clears setuid and setgid bits."""
    st, mode = os.stat(path), entry["mode"] if mode is None else mode
    if (st.st_uid, st.st_gid) != (entry["uid"], entry["gid"]):
        os.chown(path, entry["uid"], entry["gid"])
    if stat.S_IMODE(st.st_mode) != mode or (st.st_uid, st.st_gid) != (entry["uid"], entry["gid"]):
        os.chmod(path, mode)


def ensure_directories(setup):
    for i, entry in enumerate(setup.opts["directories"]):
        path, before, after = entry["path"], "", ""
        try:
            st = os.stat(path) if os.path.lexists(path) else None
            if st is None:
                parent = os.path.dirname(path)
                if not (os.path.isdir(parent) or parent in setup.result["directories_changed"]):
                    setup.fail("directories[%d].path %s: its parent %s does not exist; list it earlier in directories"
                               % (i, path, parent))
                if not setup.check:
                    os.mkdir(path, 0o700)
                    set_attributes(path, entry)
                before, after = "absent", "created, owner %s, group %s, mode %04o" % (entry["owner"], entry["group"], entry["mode"])
            elif not stat.S_ISDIR(st.st_mode):
                setup.fail("directories[%d].path %s exists and is not a directory" % (i, path))
            else:
                before, after = differences(st, entry)
                if before and not setup.check:
                    set_attributes(path, entry)
        except OSError as exc:
            setup.fail("directories[%d].path %s: %s" % (i, path, exc.strerror or exc))
        if before:
            setup.note("directory %s: %s" % (path, before), "directory %s: %s" % (path, after))
            setup.result["directories_changed"].append(path)


def command_due(entry):
    """Why the command must run (in words for the diff), or None."""
    try:
        made = os.stat(entry["creates"]).st_mtime_ns
    except OSError:
        return "absent"
    for source in entry["sources"]:
        if os.path.exists(source) and os.stat(source).st_mtime_ns > made:
            return "older than %s" % source
    return None


def run_commands(setup):
    for i, entry in enumerate(setup.opts["commands"]):
        argv, creates, why = entry["argv"], entry["creates"], command_due(entry)
        if why is None:
            continue
        program = argv[0] if "/" in argv[0] else setup.module.get_bin_path(argv[0])
        if not program:
            setup.fail('commands[%d].argv: the program "%s" is not in PATH on this host; install it or give its full path'
                       % (i, argv[0]))
        if not setup.check:
            setup.run([program] + argv[1:], "commands[%d]: %s (making %s)" % (i, argv[0], creates))
            if not os.path.exists(creates):
                setup.fail("commands[%d]: %s succeeded but did not make %s; correct creates (else the command runs on "
                           "every call)" % (i, argv[0], creates))
            if command_due(entry):
                setup.module.warn("commands[%d]: %s left %s older than a source; it runs again next time" % (i, argv[0], creates))
        for path in [creates] + argv[1:]:
            setup.made_by.setdefault(path, argv[0])
        setup.note("%s: %s" % (creates, why), "%s: made by %s" % (creates, argv[0]))
        setup.result["commands_run"].append(creates)


def write_file(module, target, entry, st):
    """The content in a temporary file beside target, with the wanted owner and mode, moved over it.
    atomic_move gives the new file the live one's owner and mode: the live one first gets the wanted
    owner and only the permissions both its old and its new mode grant (a missing one is created so),
    and the exact mode after the move. Neither content is readable by anyone it is not meant for."""
    directory, base = os.path.split(target)
    temp = os.path.join(directory, "%s%s.%d" % (TEMP_PREFIX, base, os.getpid()))
    reserved = False
    try:
        if os.path.lexists(temp):
            os.unlink(temp)
        with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(entry["data"])
            handle.flush()
            os.fsync(handle.fileno())
        set_attributes(temp, entry)
        if st is None:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            reserved, mode = True, entry["mode"]
        else:
            mode = entry["mode"] & stat.S_IMODE(st.st_mode) & ~(0o070 if st.st_gid != entry["gid"] else 0)
            mode &= ~(0o700 if st.st_uid != entry["uid"] else 0)
            os.chmod(target, mode)
        set_attributes(target, entry, mode)
        try:
            module.atomic_move(temp, target)
        except Exception as exc:  # ansible-core 2.19 raises Exception when it cannot replace the file
            raise OSError(str(exc))
        reserved = False
        set_attributes(target, entry)
    finally:
        for leftover in [temp] + ([target] if reserved else []):
            if os.path.lexists(leftover):
                os.unlink(leftover)


def ensure_files(setup):
    for i, entry in enumerate(setup.opts["files"]):
        path, data = entry["path"], entry["data"]
        st = current = None
        rewrite, before, after = False, "", ""
        try:
            target = os.path.realpath(path) if os.path.islink(path) else path
            st = os.stat(target) if os.path.exists(target) else None
            if st is not None and not stat.S_ISREG(st.st_mode):
                setup.fail("files[%d].path %s exists and is not a regular file" % (i, path))
            if st is None and data is None:
                if setup.check and path in setup.made_by:
                    setup.note("file %s: absent" % path, "file %s: would be created by %s" % (path, setup.made_by[path]))
                    continue
                setup.fail("files[%d].path %s does not exist; give its content, or a command that makes it" % (i, path))
            parent = os.path.dirname(target)
            if st is None and not (os.path.isdir(parent) or (setup.check and parent in setup.result["directories_changed"])):
                setup.fail("files[%d].path %s: the directory %s does not exist; list it in directories" % (i, path, parent))
            if st is not None:
                before, after = differences(st, entry)
            if st is not None and data is not None and entry["force"]:
                with open(target, "rb") as handle:
                    current = handle.read()
            rewrite = st is None or (current is not None and current != data)
            if rewrite and not setup.check:
                write_file(setup.module, target, entry, st)
            elif before and not setup.check:
                set_attributes(target, entry)
        except OSError as exc:
            setup.fail("files[%d].path %s: %s" % (i, path, exc.strerror or exc))
        if rewrite and entry["secret"]:
            setup.file_diffs.append(dict(before_header=path, after_header=path, before="" if st is None else "(secret content)\n",
                                         after="(secret content, changed; not shown)\n"))
        elif rewrite:
            setup.file_diffs.append(dict(before_header=path, after_header=path, before=(current or b"").decode("utf-8", "replace"),
                                         after=entry["content"]))
        if before:
            setup.note("file %s: %s" % (path, before), "file %s: %s" % (path, after))
        if rewrite or before:
            setup.result["files_changed"].append(path)


def ensure_service(setup):
    module, service = setup.module, setup.module.params["service"]
    name, systemctl, changed = service["name"], module.get_bin_path("systemctl", True), setup.changed()
    actions = setup.result["service_actions"]

    def act(verb, before, after):
        actions.append(verb)
        setup.note("%s: %s" % (name, before), "%s: %s" % (name, after))
        if not setup.check:
            setup.run([systemctl, verb] + ([] if verb == "daemon-reload" else [name]), "systemctl %s %s" % (verb, name))

    reload_due = service["daemon_reload"]
    if reload_due is None:
        reload_due = any((path + "/").startswith(SYSTEMD_PREFIX) for path in setup.result["directories_changed"] + setup.result["files_changed"])
    if reload_due and changed:
        act("daemon-reload", "unit files as systemd loaded them", "unit files reloaded (daemon-reload)")
    rc, out, err = module.run_command([systemctl, "is-enabled", name])
    state = out.strip()
    if rc != 0 and (state == "not-found" or "No such file" in err or "not found" in err):
        if not (setup.check and actions):  # in check mode, the daemon-reload due may bring the unit
            setup.fail("service.name %s: systemd has no such unit (%s)" % (name, last_lines(out, err)))
        state = "not loaded yet"
    if state == "masked":
        setup.fail("service.name %s is masked; unmask it (systemctl unmask %s) or correct the name" % (name, name))
    if service["enabled"] and rc != 0:
        act("enable", state or "disabled", "enabled")
    elif not service["enabled"] and state == "enabled":
        act("disable", "enabled", "disabled")
    rc, out, err = module.run_command([systemctl, "is-active", name])
    if rc != 0:
        act("start", out.strip() or "inactive", "started")
    elif changed and service["on_change"] != "none":
        act(service["on_change"], "active", dict(restart="restarted", reload="reloaded")[service["on_change"]])


def main():
    def entries(**options):
        return dict(type="list", elements="dict", default=[], options=options)

    def attributes(**options):
        return dict(options, path=dict(type="path", required=True), owner=dict(type="str", default="root"),
                    group=dict(type="str", default="root"), mode=dict(type="raw", required=True))

    module = SetupModule(
        argument_spec=dict(
            packages=dict(type="list", elements="str", default=[]),
            install_recommends=dict(type="bool", default=False),
            cache_valid_time=dict(type="int", default=3600),
            debconf=entries(name=dict(type="str", required=True), question=dict(type="str", required=True),
                            vtype=dict(type="str", required=True, choices=VTYPES), value=dict(type="raw", required=True)),
            user_groups=entries(user=dict(type="str", required=True), groups=dict(type="list", elements="str", required=True)),
            directories=entries(**attributes()),
            commands=entries(argv=dict(type="list", elements="str", required=True), creates=dict(type="path", required=True),
                             sources=dict(type="list", elements="path", default=[])),
            files=entries(**attributes(content=dict(type="raw"), force=dict(type="bool", default=True),
                                       secret=dict(type="bool", default=False))),
            service=dict(type="dict", options=dict(
                name=dict(type="str", required=True), enabled=dict(type="bool", default=True),
                state=dict(type="str", default="started", choices=["started"]),
                on_change=dict(type="str", default="restart", choices=["restart", "reload", "none"]),
                daemon_reload=dict(type="bool"))),
        ),
        supports_check_mode=True,
    )
    module.no_log_values.update(secret_values(module.params))  # also when no_log skipped the log line
    setup = Setup(module, validate(module))
    if ensure_packages(setup):
        resolve_ids(setup)
        ensure_user_groups(setup)
        ensure_directories(setup)
        run_commands(setup)
        ensure_files(setup)
        if module.params["service"]:
            ensure_service(setup)
    setup.finish()


if __name__ == "__main__":
    main()
