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
    parameter it sets (an unknown or misspelled name, a deprecated parameter), before
    anything in O(config_dir) changes. The checked files then replace the live ones atomically.
  - Reports C(changed) only when an effective value changes. C("a, b") and C("a b") are the same list.
author: hardened.relay developers (@hardened-relay)
options:
  parameters:
    description:
      - With O(state=present), a mapping of C(main.cf) parameter names to values. A list value
        is written comma-separated; C(true)/C(false) become C(yes)/C(no).
      - With O(state=absent), the names to remove from C(main.cf) (a list, or a mapping whose
        values are ignored). Postfix's default then applies.
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
        description: Service name (first column), for example C(submission) or C(127.0.0.1:10025).
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
        description: Private column (C(y), C(n) or C(-)). Required with O(services[].command) for a new entry.
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
        description: Command name and arguments, without C(-o) overrides (use O(services[].options)).
        type: str
      options:
        description: C(-o name=value) overrides for this service. A value of V(null) removes that override.
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
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardened.relay.plugins.module_utils.postfix import (
    DEFAULT_CONFIG_DIR, MASTER_FIELDS, PARAMETER_NAME, SERVICE_TYPES, PostfixCommand, master_command, override_text,
    parse_main_cf, parse_master_fields, parse_master_params, render_override, render_value,
    same_value, warnings_about,
)


def validate_names(module, parameters, services):
    bad = [n for n in parameters if not PARAMETER_NAME.match(str(n))]
    for service in services:
        bad += ["%s (in the options of %s/%s)" % (n, service["name"], service["type"])
                for n in service["options"] if not PARAMETER_NAME.match(str(n))]
    if bad:
        module.fail_json(msg="not a Postfix parameter name: %s" % ", ".join(bad))
    for service in services:
        if not service["name"] or any(c.isspace() or c == "/" for c in service["name"]):
            module.fail_json(msg="services: %r is not a master.cf service name" % service["name"])


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
            live = os.path.join(live_dir, name)
            copy = os.path.join(self.dir, name)
            if os.path.exists(live):
                shutil.copyfile(live, copy)
                with open(live, "rb") as handle:
                    self.original[name] = handle.read()
            else:
                open(copy, "wb").close()
                self.original[name] = None

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
        entry = [service["name"], service["type"]] + [wanted[f] for f in MASTER_FIELDS]
        entry += [override_text(n, v) for n, v in final.items()]
        return [["-M", "%s=%s" % (key, " ".join(entry))]], None

    calls = [["-F", "%s/%s=%s" % (key, f, v)] for f, v in wanted.items()
             if f != "command" and v != fields.get(f)]
    needs_braces = any(any(c.isspace() for c in v) for n, v in final.items() if overrides.get(n) != v)
    if ("command" in wanted and wanted["command"] != master_command(fields)) or needs_braces:
        # The command column carries the -o overrides: rewrite both together.
        command = " ".join([wanted.get("command", master_command(fields))] +
                           [override_text(n, v) for n, v in final.items()])
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
    """Change master.cf in the copy; return (changed name/type keys, entries before, entries after)."""
    if not services:
        return [], {}, {}
    fields, overrides = master_state(postfix, copy.dir)
    before = entry_lines(postfix, services, copy.dir, fields)
    changed = []
    for service in services:
        key = (service["name"], service["type"])
        calls, error = plan_service(service, fields.get(key), overrides.get(key, {}))
        if error:
            module.fail_json(msg=error)
        for args in calls:
            postfix.postconf(args, copy.dir)
        if calls:
            changed.append(service_key(service))
    after = entry_lines(postfix, services, copy.dir, master_state(postfix, copy.dir)[0])
    return changed, before, after


def postfix_objections(module, postfix, parameters, services, changed_parameters, copy):
    """postconf's warnings (its own words) about the parameters this task sets, in the changed copy."""
    expected = set(module.params["expect_unknown"])
    names = [n for n in changed_parameters if n not in expected]
    if module.params["state"] == "present":
        names += [n for n in parameters if n not in expected and n not in names]
    for service in services:
        names += [n for n, v in service["options"].items() if v is not None and n not in expected]
    stderr = postfix.postconf(["-n"], copy.dir)[1] + postfix.postconf(["-M"], copy.dir)[1]
    if module.params["state"] == "present":
        stderr += postfix.values(parameters, copy.dir)[1]
    problems = []
    for line in warnings_about(stderr, names):
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
    live_dir = module.params["config_dir"] or DEFAULT_CONFIG_DIR
    postfix = PostfixCommand(module, module.params["config_dir"])

    copy = ConfigCopy(module, live_dir)
    explicit_before = read_main_cf(copy.dir)
    changed_parameters = apply_parameters(module, postfix, parameters, copy)
    changed_services, services_before, services_after = apply_services(module, postfix, services, copy)

    # Postfix checks the result before the live files change.
    problems = postfix_objections(module, postfix, parameters, services, changed_parameters, copy)
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
    if changed and not module.check_mode:
        for name in copy.changed_files():
            module.atomic_move(os.path.join(copy.dir, name), os.path.join(live_dir, name))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
