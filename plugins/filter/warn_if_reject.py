# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: warn_if_reject
short_description: Put warn_if_reject before every restriction in a list that can reject
version_added: 0.1.0
description:
  - Turns a Postfix restriction list into its staging form. Each entry that can reject mail
    (C(reject), C(reject_*), C(check_*)) is preceded by C(warn_if_reject), so Postfix logs
    C(reject_warning) instead of refusing. Entries already preceded are left as they are.
  - Never apply it to C(smtpd_relay_restrictions), because a warning instead of the destination
    guard is an open relay. The postfix role applies it to the spam policy lists only.
author: hardened.relay developers (@hardened-relay)
positional: _input
options:
  _input:
    description: Restriction list entries, one restriction with its arguments each.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Staging form of a HELO policy
  ansible.builtin.debug:
    msg: "{{ ['permit_mynetworks', 'reject_non_fqdn_helo_hostname'] | hardened.relay.warn_if_reject }}"
  # -> ['permit_mynetworks', 'warn_if_reject reject_non_fqdn_helo_hostname']
"""

RETURN = r"""
_value:
  description: The list with C(warn_if_reject) added where it applies.
  type: list
  elements: str
"""

from ansible_collections.hardened.relay.plugins.module_utils.relay_config.model import warn_if_reject


class FilterModule:
    def filters(self):
        return {"warn_if_reject": warn_if_reject}
