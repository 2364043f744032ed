# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: secret_entries
short_description: The values of the postfix role's secret tables, by table path
version_added: 1.1.0
description:
  - The postfix role's configuration model masks the values of its secret tables (the smarthost
    password table), so that no fact, diff or output holds a password. This filter gives the
    apply task the real values, computed from the role's variables by the same code that built
    the table, keyed by the table's path as M(hardened.relay.postfix_apply) takes them.
  - Use its result only as a module argument the module declares C(no_log).
author: hardened.relay developers (@hardened-relay)
positional: _input
options:
  _input:
    description: The role's computed configuration (C(__postfix_config)).
    type: dict
    required: true
  variables:
    description: The postfix role's smarthost variables (C(postfix_relayhost), C(postfix_relayhost_username),
      C(postfix_relayhost_password), C(postfix_sender_dependent_relayhosts)).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Apply the configuration with the smarthost credentials
  hardened.relay.postfix_apply:
    config: "{{ __postfix_config }}"
    secret_entries: "{{ __postfix_config | hardened.relay.secret_entries(__postfix_smarthost_variables) }}"
"""

RETURN = r"""
_value:
  description: "C({table path: {key: value}}) for every secret table of the configuration."
  type: dict
"""

from ansible_collections.hardened.relay.plugins.module_utils.relay_config.outbound import credential_entries


def secret_entries(config, variables):
    tables = [table for table in config.get("tables", []) if table.get("secret")]
    if len(tables) > 1 or any(not table["path"].endswith("/sasl_passwd") for table in tables):
        # (No AnsibleFilterError: this module stays free of controller code, which changes how
        # module code behaves once imported, and the unit tests share a process with modules.)
        paths = ", ".join(table["path"] for table in tables)
        raise ValueError("secret_entries knows the smarthost password table only, not %s" % paths)
    return dict((table["path"], dict(credential_entries(variables))) for table in tables)


class FilterModule:
    def filters(self):
        return {"secret_entries": secret_entries}
