#!/usr/bin/python
# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postconf
short_description: Manage Postfix main.cf parameters and master.cf services with postconf
version_added: 0.1.0
description:
  - Sets and removes C(main.cf) parameters and adds, changes and removes C(master.cf) services
    and their C(-o) overrides, through Postfix's own C(postconf) command; it never edits the
    files as text itself.
  - All changes are made on a copy of C(main.cf) and C(master.cf) first. Postfix checks the
    copy, and the module fails with Postfix's own words when C(postconf) warns about a
    parameter it sets (an unknown or misspelled name, a deprecated parameter) or about a
    service it sets (a warning its change causes, or one that names the service or a parameter
    its overrides reference), before anything in O(config_dir) changes. The checked files then
    replace the live ones atomically.
  - Values that would change the structure of C(main.cf) or C(master.cf) are refused before
    anything changes, each naming the option and the fix. These are a line break inside a
    parameter value or override value, braces in an override value that do not pair up, a
    master.cf column that is not one word as Postfix expects it, and C(-o) inside a command.
  - Reports C(changed) only when an effective value changes. C("a, b") and C("a b") are the same list.
author: hardened.relay developers (@hardened-relay)
options:
  parameters:
    description:
      - With O(state=present), a mapping of C(main.cf) parameter names to values. A list value
        is written comma-separated; C(true)/C(false) become C(yes)/C(no).
      - With O(state=absent), the names to remove from C(main.cf) (a list, or a mapping whose
        values are ignored). Postfix's default then applies.
      - Outer whitespace of a value is dropped; a value (or list item) with a line break inside is
        refused, since C(postconf -e) would write it as more lines of C(main.cf).
    type: raw
  state:
    description: Whether O(parameters) are set or removed.
    type: str
    choices: [present, absent]
    default: present
  services:
    description: C(master.cf) entries, keyed by O(services[].name) and O(services[].type).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Service name (first column), for example C(submission) or C(127.0.0.1:10025).
          - One word without C(/) that does not start with C(#).
        type: str
        required: true
      type:
        description: Service type (second column).
        type: str
        required: true
        choices: [inet, unix, unix-dgram, fifo, pass]
      state:
        description: C(present) adds or updates the entry, C(absent) removes it.
        type: str
        choices: [present, absent]
        default: present
      private:
        description:
          - Private column (C(y), C(n) or C(-)). Required with O(services[].command) for a new entry.
          - The columns are checked as Postfix checks them, before anything changes; quote C("n")
            and C("y") in YAML.
        type: str
      unprivileged:
        description: Unprivileged column (C(y), C(n) or C(-)).
        type: str
      chroot:
        description: Chroot column (C(y), C(n) or C(-)).
        type: str
      wakeup:
        description: Wakeup column (C(-), or seconds with optional C(?)).
        type: str
      process_limit:
        description: Maximum process count column (C(-) or a number).
        type: str
      command:
        description:
          - Command name and arguments, without C(-o) overrides (use O(services[].options)).
          - A C(-o) in the command before C(argv=), in any form (C(-o name=value), C(-oname=value),
            C(-vo name=value), C({-o name=value})), is refused. Words from C(argv=) on belong to the
            program that C(pipe) or C(spawn) runs (for example C(sendmail -oi)) and are left alone.
          - The overrides are written after the daemon's own options, before its other arguments,
            where Postfix reads them.
          - A line break inside the command, and braces that do not pair up, are refused.
        type: str
      options:
        description:
          - C(-o name=value) overrides for this service. A value of V(null) removes that override.
          - A value (or list item) with a line break inside, or with a C(}) that closes no C({) or
            a C({) that is never closed, is refused; it would end the override, or the entry, early.
        type: dict
        default: {}
      exclusive_options:
        description: Remove every C(-o) override of this service that O(services[].options) does not name.
        type: bool
        default: false
  config_dir:
    description:
      - Postfix configuration directory to work on (C(postconf -c)). Defaults to Postfix's own.
      - Use a staging directory to prepare and check a configuration before it is installed.
      - It must exist, and its C(main.cf) and C(master.cf), where present, must be files.
    type: path
  expect_unknown:
    description:
      - Parameter names that Postfix is expected not to know (for example user-defined parameters
        referenced as C($name) later), so that its warnings about them do not fail the task.
      - While nothing references such a parameter, Postfix reports no value for it; its current
        value is then read from C(main.cf), so a task that sets the same value again is not a change.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Reports what would change and shows the diff; writes nothing.
  diff_mode:
    support: full
    description: The diff holds exactly the C(main.cf) lines and C(master.cf) entries that change.
notes:
  - Parameter values are compared as Postfix reads them; the returned values are C(postconf)'s own text.
seealso:
  - name: postconf(5)
    description: Postfix configuration parameters.
    link: https://www.postfix.org/postconf.5.html
  - name: master(5)
    description: The master.cf file format.
    link: https://www.postfix.org/master.5.html
"""

EXAMPLES = r"""
- name: Relay policy and limits, in one call
  hardened.relay.postconf:
    parameters:
      mynetworks: [127.0.0.0/8, "[::1]/128", 192.0.2.0/28]
      smtpd_relay_restrictions: [permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination]
      smtpd_helo_required: true
      smtpd_client_connection_rate_limit: 30

- name: Remove a parameter so Postfix's default applies again
  hardened.relay.postconf:
    parameters: [disable_vrfy_command]
    state: absent

- name: Submission on 587 for authenticated clients only
  hardened.relay.postconf:
    services:
      - name: submission
        type: inet
        private: "n"
        unprivileged: "-"
        chroot: "y"
        wakeup: "-"
        process_limit: "-"
        command: smtpd
        options:
          syslog_name: postfix/submission
          smtpd_tls_security_level: encrypt
          smtpd_sasl_auth_enable: "yes"
          smtpd_relay_restrictions: permit_sasl_authenticated,reject
        exclusive_options: true

- name: Stage a change in a copy of the configuration before it goes live
  hardened.relay.postconf:
    config_dir: /var/lib/hardened-relay/postfix-stage
    parameters:
      smtpd_banner: $myhostname ESMTP
"""

RETURN = r"""
parameters:
  description: Effective values, as C(postconf) prints them, of the parameters in the task after it ran (after a removal, the defaults that apply again).
  returned: always
  type: dict
  sample: {"mynetworks": "127.0.0.0/8, [::1]/128", "smtpd_helo_required": "yes"}
services:
  description: The C(master.cf) entries in the task after it ran, as C(postconf -M) prints them.
  returned: always
  type: dict
  sample: {"submission/inet": "submission inet n - y - - smtpd -o syslog_name=postfix/submission"}
changed_parameters:
  description: Names of the C(main.cf) parameters whose value changed (or would change in check mode).
  returned: always
  type: list
  elements: str
changed_services:
  description: C(name/type) of the C(master.cf) entries that changed (or would change).
  returned: always
  type: list
  elements: str
"""

import os
import re
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardened.relay.plugins.module_utils.postfix import (
    DEFAULT_CONFIG_DIR, MASTER_FIELDS, PARAMETER_NAME, SERVICE_TYPES, PostfixCommand, override_text,
    parse_main_cf, parse_master_fields, parse_master_params, render_override, render_value,
    same_value, warnings_about,
)

# main.cf and master.cf are read line by line: either of these inside a value starts another line.
LINE_BREAKS = ("\n", "\r")
# How Postfix's tools mark what went wrong (msg_warn, msg_error, msg_fatal, msg_panic).
PROBLEM_MARKS = ("warning:", "error:", "fatal:", "panic:")
# The master.cf columns as postconf itself checks them (pcf_check_master_entry), each one word.
YES_NO = (re.compile(r"[yn-]\Z"), "y, n or -")
COLUMNS = {
    "private": YES_NO,
    "unprivileged": YES_NO,
    "chroot": YES_NO,
    "wakeup": (re.compile(r"(-|[0-9]+)\??\Z"), "- or a number of seconds, optionally followed by ?"),
    "process_limit": (re.compile(r"(-|[0-9]+)\Z"), "- or a number"),
}
# $name, ${name} and $(name): parameters that an override value makes Postfix look up.
REFERENCE = re.compile(r"\$[{(]?([A-Za-z0-9_]+)")


def refuse(module, problems):
    """Fail with every problem found (each names its option and the fix) before anything changes."""
    problems = [problem for problem in problems if problem]
    if problems:
        module.fail_json(msg="%s. Nothing was changed." % "; ".join(problems))


def has_line_break(text):
    return any(c in text for c in LINE_BREAKS)


def validate_names(module, parameters, services):
    # fullmatch: a "$" in the pattern would also match before a trailing newline.
    bad = [n for n in parameters if not PARAMETER_NAME.fullmatch(str(n))]
    for service in services:
        bad += ["%s (in the options of %s/%s)" % (n, service["name"], service["type"])
                for n in service["options"] if not PARAMETER_NAME.fullmatch(str(n))]
    if bad:
        # A name with a line break is shown escaped, so that the message shows where it breaks.
        shown = [repr(n) if has_line_break(str(n)) else str(n) for n in bad]
        module.fail_json(msg="not a Postfix parameter name: %s. Give names as postconf(5) spells them "
                             "(letters, digits, '_', '.' and '-')." % ", ".join(shown))


def value_items(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def item_problem(item):
    """Why one value (or list item) cannot be written on one line, or None."""
    if isinstance(item, (dict, list, tuple)) or item is None:
        return "holds a %s; give a string, number or boolean, or a list of them" % (
            "null" if item is None else "mapping" if isinstance(item, dict) else "list")
    if has_line_break(str(item).strip()):
        return "holds a line break, which would be written as another line; write it on one line"
    return None


def parameter_problems(parameters):
    problems = []
    for name, value in parameters.items():
        for problem in filter(None, (item_problem(item) for item in value_items(value))):
            problems.append("parameters: the value of %s %s (a list is written comma-separated)" % (name, problem))
            break
    return problems


def brace_problem(text):
    """Postfix groups text in { }, so an unpaired brace moves where a value or an entry ends."""
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            if not depth:
                return "has a '}' that closes no '{'"
            depth -= 1
    return "has a '{' that is never closed" if depth else None


def command_words(command):
    """The words of a master.cf command, a { ... } group as one word, as Postfix splits it."""
    words, current, depth = [], "", 0
    for char in command:
        if char.isspace() and not depth:
            if current:
                words.append(current)
                current = ""
            continue
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        current += char
    return words + ([current] if current else [])


def option_words(words):
    """Where the daemon's options end in its command words: Postfix reads options (and the -o
    overrides among them) up to the first other argument. An option cluster whose first o is its
    last letter ("-o", "-vo") takes the next word as its value, as postconf splits it."""
    end = 1
    while end < len(words) and words[end].startswith("-") and words[end] != "--":
        word = words[end]
        end += 2 if word.find("o", 1) == len(word) - 1 else 1
    return min(end, len(words))


def smuggled_override(command):
    """The first word of command that Postfix could take as a -o override, or None: "-o", "-oname=value",
    "-vo" (postconf splits option clusters at the o) or a { -o ... } group. Words from argv= on belong to
    the program that pipe(8) or spawn(8) runs (sendmail -oi, say), not to Postfix."""
    for word in command_words(command)[1:]:
        if word.startswith("argv="):
            return None
        inner = word[1:-1].strip() if word.startswith("{") and word.endswith("}") else word
        if inner.startswith("-") and not inner.startswith("--") and "o" in inner.split()[0]:
            return word
    return None


def daemon_command(command):
    """A command as postconf -F shows it, without its -o overrides (which postconf -P lists)."""
    words = command_words(command)
    end = option_words(words)
    kept, index = words[:1], 1
    while index < end:
        if words[index] == "-o":
            index += 2
            continue
        if not words[index].startswith("-o"):
            kept.append(words[index])
        index += 1
    return " ".join(kept + words[end:])


def with_overrides(command, overrides):
    """command with -o overrides where Postfix reads them: after the daemon's options, before its
    first other argument (after that they would be arguments, for pipe's program for example)."""
    words = command_words(command)
    end = option_words(words)
    return " ".join(words[:end] + [override_text(n, v) for n, v in overrides.items()] + words[end:])


def name_problem(name):
    if not name or name.startswith("#") or any(c.isspace() or c == "/" for c in name):
        return ("name %r is not a master.cf service name: give one word without '/' that does not start with '#' "
                "(which would make the entry a comment)" % name)
    return None


def column_problems(service):
    problems = []
    for field, (pattern, allowed) in COLUMNS.items():
        value = service[field]
        if value is not None and not pattern.match(value.strip()):
            problems.append("%s is %r; give %s (one column, no blanks; quote it in YAML)" % (field, value, allowed))
    return problems


def command_problem(command):
    text = command.strip()
    if not text:
        return "command is empty; give the daemon's name and its arguments"
    if has_line_break(text):
        return "command holds a line break, which would end the master.cf entry; write it on one line"
    braces = brace_problem(text)
    if braces:
        return "command %s, which would run into the next words; pair the braces or remove them" % braces
    override = smuggled_override(text)
    if override:
        return ("command holds the -o override %r, which the module would not see or compare; give it in "
                "options (options: {name: value}) instead" % override)
    return None


def option_problems(service):
    problems = []
    for name, value in service["options"].items():
        if value is None:
            continue
        for item in value_items(value):
            problem = item_problem(item)
            braces = brace_problem(str(item))
            if problem or braces:
                problems.append("options.%s %s" % (name, problem or (
                    "%s, which would end its -o {name=value} group early and make the rest master.cf words; "
                    "pair the braces or remove them" % braces)))
                break
    return problems


def service_problems(services):
    """Everything in the services that would change master.cf's structure, before anything runs."""
    problems = []
    for index, service in enumerate(services):
        name = name_problem(service["name"])
        label = "services[%d]" % index + ("" if name else " (%s)" % service_key(service))
        found = [name] if name else []
        found += column_problems(service)
        if service["command"] is not None:
            found.append(command_problem(service["command"]))
        found += option_problems(service)
        problems += ["%s: %s" % (label, problem) for problem in found if problem]
    return problems


def config_dir_problem(config_dir, given):
    """Why config_dir cannot be worked on, or None."""
    what = "config_dir: %s" % config_dir if given else \
        "config_dir: %s (Postfix's own, as config_dir is not given)" % config_dir
    if has_line_break(config_dir):
        return "config_dir: %r holds a line break; give the directory's path on one line" % config_dir
    if not os.path.isdir(config_dir):
        return ("%s %s; create it (or install Postfix) first, or give the directory that holds main.cf and "
                "master.cf" % (what, "is not a directory" if os.path.lexists(config_dir) else "does not exist"))
    for name in ("main.cf", "master.cf"):
        path = os.path.join(config_dir, name)
        if os.path.lexists(path) and not os.path.isfile(path):
            return ("config_dir: %s is not a regular file (a directory?); remove it so that Postfix can have its "
                    "%s there, or give another config_dir" % (path, name))
    return None


def requested_parameters(module):
    raw = module.params["parameters"]
    if raw is None:
        return {}
    if module.params["state"] == "absent":
        names = list(raw) if isinstance(raw, (list, dict)) else [raw]
        return dict((str(n), None) for n in names)
    if not isinstance(raw, dict):
        module.fail_json(msg="parameters: with state=present give a mapping of names to values")
    for name, value in raw.items():
        if value is None or isinstance(value, dict):
            module.fail_json(msg="parameters: %s needs a string, number, boolean or list value "
                                 "(use state=absent to remove it)" % name)
    return raw


class ConfigCopy:
    """main.cf and master.cf copied to a scratch directory, where postconf may change them."""

    def __init__(self, module, live_dir):
        self.live_dir = live_dir
        self.dir = os.path.join(module.tmpdir, "postfix-config")
        os.makedirs(self.dir)
        self.original = {}
        for name in ("main.cf", "master.cf"):
            try:
                self.original[name] = self.copy_in(name)
            except OSError as exc:
                module.fail_json(msg="config_dir: cannot read %s (%s); run the task with become: true or fix its "
                                     "permissions. Nothing was changed."
                                 % (os.path.join(live_dir, name), exc.strerror or exc))

    def copy_in(self, name):
        """Copy one live file into the scratch directory (an empty one when missing); its bytes, or None."""
        live = os.path.join(self.live_dir, name)
        copy = os.path.join(self.dir, name)
        if not os.path.exists(live):
            open(copy, "wb").close()
            return None
        shutil.copyfile(live, copy)
        with open(live, "rb") as handle:
            return handle.read()

    def changed_files(self):
        changed = []
        for name, before in self.original.items():
            with open(os.path.join(self.dir, name), "rb") as handle:
                if handle.read() != before:
                    changed.append(name)
        return changed


def service_key(service):
    return "%s/%s" % (service["name"], service["type"])


def plan_service(service, fields, overrides):
    """postconf invocations (argument lists) that bring one master.cf entry to the requested state.

    fields: the entry's current columns (postconf -F) or None when it does not exist;
    overrides: its current -o parameters (postconf -P).
    Returns (invocations, error message or None).
    """
    key = service_key(service)
    if service["state"] == "absent":
        return ([["-MX", key]] if fields is not None else []), None
    wanted = dict((f, " ".join(service[f].split())) for f in MASTER_FIELDS if service[f] is not None)
    final = dict(overrides)
    for name, value in service["options"].items():
        if value is None:
            final.pop(name, None)
        elif not same_value(overrides.get(name), value):
            final[name] = render_override(value)
    if service["exclusive_options"]:
        final = dict((n, v) for n, v in final.items() if n in service["options"])

    if fields is None:
        missing = [f for f in MASTER_FIELDS if f not in wanted]
        if missing:
            return [], "services: %s is not in master.cf yet; give %s to add it" % (key, ", ".join(missing))
        entry = [service["name"], service["type"]] + [wanted[f] for f in MASTER_FIELDS if f != "command"]
        entry.append(with_overrides(wanted["command"], final))
        return [["-M", "%s=%s" % (key, " ".join(entry))]], None

    calls = [["-F", "%s/%s=%s" % (key, f, v)] for f, v in wanted.items()
             if f != "command" and v != fields.get(f)]
    needs_braces = any(any(c.isspace() for c in v) for n, v in final.items() if overrides.get(n) != v)
    current_command = daemon_command(fields.get("command", ""))
    if ("command" in wanted and wanted["command"] != current_command) or needs_braces:
        # The command column carries the -o overrides: rewrite both together.
        command = with_overrides(wanted.get("command", current_command), final)
        calls.append(["-F", "%s/command=%s" % (key, command)])
        return calls, None
    calls += [["-PX", "%s/%s" % (key, n)] for n in overrides if n not in final]
    calls += [["-P", "%s/%s=%s" % (key, n, v)] for n, v in final.items() if overrides.get(n) != v]
    return calls, None


def read_main_cf(config_dir):
    path = os.path.join(config_dir, "main.cf")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        return parse_main_cf(handle.read())


def effective_values(module, postfix, names, config_dir):
    """The values Postfix gives the named parameters, and postconf's warnings.

    Postfix knows a user-defined parameter only once something references it as $name. Until
    then `postconf name` prints no value, only "unknown parameter" and "unused parameter: name=value"
    warnings, and `postconf -n` leaves it out too. For the names in expect_unknown the value is
    then the one main.cf gives them, which is what a $name reference will read.
    """
    values, err = postfix.values(names, config_dir)
    unlisted = [n for n in names if n not in values and n in module.params["expect_unknown"]]
    if unlisted:
        explicit = read_main_cf(config_dir)
        values.update((n, explicit[n]) for n in unlisted if n in explicit)
    return values, err


def apply_parameters(module, postfix, parameters, copy):
    """Change main.cf in the copy; return the names whose effective value changed."""
    if module.params["state"] == "absent":
        explicit = read_main_cf(copy.dir)
        changed = [n for n in parameters if n in explicit]
        if changed:
            postfix.postconf(["-X"] + changed, copy.dir)
        return changed
    current, dummy = effective_values(module, postfix, list(parameters), copy.dir)
    changed = [n for n, v in parameters.items() if not same_value(current.get(n), v)]
    if changed:
        postfix.postconf(["-e"] + ["%s=%s" % (n, render_value(parameters[n])) for n in changed], copy.dir)
    return changed


def master_state(postfix, config_dir):
    return (parse_master_fields(postfix.postconf(["-F"], config_dir)[0]),
            parse_master_params(postfix.postconf(["-P"], config_dir)[0]))


def entry_lines(postfix, services, config_dir, existing):
    """{name/type: the entry as postconf -M prints it, one line} for the services that exist."""
    lines = {}
    for service in services:
        if (service["name"], service["type"]) in existing:
            out = postfix.postconf(["-M", service_key(service)], config_dir)[0]
            lines[service_key(service)] = " ".join(out.split())
    return lines


def apply_services(module, postfix, services, copy):
    """Change master.cf in the copy; return (changed name/type keys, entries before, entries after,
    what postconf said while it made the changes)."""
    if not services:
        return [], {}, {}, ""
    fields, overrides = master_state(postfix, copy.dir)
    before = entry_lines(postfix, services, copy.dir, fields)
    changed, said = [], []
    for service in services:
        key = (service["name"], service["type"])
        calls, error = plan_service(service, fields.get(key), overrides.get(key, {}))
        if error:
            module.fail_json(msg=error)
        for args in calls:
            said.append(postfix.postconf(args, copy.dir)[1])
        if calls:
            changed.append(service_key(service))
    after = entry_lines(postfix, services, copy.dir, master_state(postfix, copy.dir)[0])
    return changed, before, after, "".join(said)


def problem_lines(stderr):
    return [line.strip() for line in stderr.splitlines() if any(mark in line for mark in PROBLEM_MARKS)]


def service_objections(services, master_before, stderr):
    """Postfix's warnings about the services this task sets: those its changes caused (new since
    the copy was made) and those that name one of its services."""
    keys = [service_key(s) for s in services if s["state"] == "present"]
    return [line for line in problem_lines(stderr) if line not in master_before or warnings_about(line, keys)]


def referenced_names(services):
    """Parameters that the task's overrides reference as $name: Postfix warns about them (an
    undefined parameter, say) without naming the override."""
    names = []
    for service in services:
        for value in service["options"].values():
            if value is not None:
                names += REFERENCE.findall(render_override(value))
    return names


def postfix_objections(module, postfix, parameters, services, changed_parameters, copy, master_before, said):
    """postconf's warnings (its own words) about the parameters and services this task sets, in the
    changed copy. master_before: the warnings of postconf -M before the services changed; said: what
    postconf printed while it changed them."""
    expected = set(module.params["expect_unknown"])
    names = [n for n in changed_parameters if n not in expected]
    if module.params["state"] == "present":
        names += [n for n in parameters if n not in expected and n not in names]
    for service in services:
        names += [n for n, v in service["options"].items() if v is not None and n not in expected]
    names += [n for n in referenced_names(services) if n not in expected]
    master_after = postfix.postconf(["-M"], copy.dir)[1]
    stderr = postfix.postconf(["-n"], copy.dir)[1] + master_after
    if module.params["state"] == "present":
        stderr += postfix.values(parameters, copy.dir)[1]
    found = warnings_about(stderr, names)
    if services:
        found += service_objections(services, master_before, said + master_after)
    problems = []
    for line in found:
        # Name the live file, not the scratch copy Postfix was shown.
        line = line.replace(copy.dir, copy.live_dir)
        if line not in problems:
            problems.append(line)
    return problems


def build_diff(live_dir, explicit_before, explicit_after, changed_parameters, services_before,
               services_after, changed_services):
    def main_lines(values):
        return "".join("%s = %s\n" % (n, values[n]) for n in changed_parameters if n in values)

    def master_lines(entries):
        return "".join("%s\n" % entries[k] for k in changed_services if k in entries)

    diff = []
    if changed_parameters:
        path = os.path.join(live_dir, "main.cf")
        diff.append(dict(before_header=path, after_header=path,
                         before=main_lines(explicit_before), after=main_lines(explicit_after)))
    if changed_services:
        path = os.path.join(live_dir, "master.cf")
        diff.append(dict(before_header=path, after_header=path,
                         before=master_lines(services_before), after=master_lines(services_after)))
    return diff


def main():
    service_spec = dict(
        name=dict(type="str", required=True),
        type=dict(type="str", required=True, choices=list(SERVICE_TYPES)),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        private=dict(type="str"),
        unprivileged=dict(type="str"),
        chroot=dict(type="str"),
        wakeup=dict(type="str"),
        process_limit=dict(type="str"),
        command=dict(type="str"),
        options=dict(type="dict", default={}),
        exclusive_options=dict(type="bool", default=False),
    )
    module = AnsibleModule(
        argument_spec=dict(
            parameters=dict(type="raw"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            services=dict(type="list", elements="dict", default=[], options=service_spec),
            config_dir=dict(type="path"),
            expect_unknown=dict(type="list", elements="str", default=[]),
        ),
        required_one_of=[("parameters", "services")],
        supports_check_mode=True,
    )
    parameters = requested_parameters(module)
    services = module.params["services"]
    validate_names(module, parameters, services)
    refuse(module, (parameter_problems(parameters) if module.params["state"] == "present" else []) + service_problems(services))
    live_dir = module.params["config_dir"] or DEFAULT_CONFIG_DIR
    refuse(module, [config_dir_problem(live_dir, module.params["config_dir"] is not None)])
    postfix = PostfixCommand(module, module.params["config_dir"])

    copy = ConfigCopy(module, live_dir)
    explicit_before = read_main_cf(copy.dir)
    # Warnings that the services' changes cause are told from those master.cf already had.
    master_before = set(problem_lines(postfix.postconf(["-M"], copy.dir)[1])) if services else set()
    changed_parameters = apply_parameters(module, postfix, parameters, copy)
    changed_services, services_before, services_after, said = apply_services(module, postfix, services, copy)

    # Postfix checks the result before the live files change.
    problems = postfix_objections(module, postfix, parameters, services, changed_parameters, copy,
                                  master_before, said)
    if problems:
        module.fail_json(msg="Postfix does not accept this configuration (nothing was changed): %s. "
                             "Fix the name or value; a parameter that is meant to be unknown to Postfix "
                             "goes in expect_unknown." % " | ".join(problems),
                         postfix_warnings=problems)

    changed = bool(changed_parameters or changed_services)
    result = dict(
        changed=changed,
        # After a removal these are the defaults that apply again.
        parameters=effective_values(module, postfix, list(parameters), copy.dir)[0],
        services=services_after,
        changed_parameters=changed_parameters,
        changed_services=changed_services,
    )
    if module._diff:
        result["diff"] = build_diff(live_dir, explicit_before, read_main_cf(copy.dir), changed_parameters,
                                    services_before, services_after, changed_services)
    if changed and not os.access(live_dir, os.W_OK):
        refuse(module, ["config_dir: %s is not writable, and the checked main.cf and master.cf replace the live "
                        "ones there; run the task with become: true" % live_dir])
    if changed and not module.check_mode:
        for name in copy.changed_files():
            module.atomic_move(os.path.join(copy.dir, name), os.path.join(live_dir, name))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
