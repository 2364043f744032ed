# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: postfix_main_cf
short_description: The main.cf text of the postfix role's configuration model
version_added: 0.1.0
author: hardened.relay developers (@hardened-relay)
description:
  - Writes C(main.cf) from the model that M(hardened.relay.postfix_config) computed, one line per
    parameter in the model's order, with the facts of the installed Postfix filled in (its
    compatibility level, and the SMTP smuggling defences its release has).
positional: facts
options:
  _input:
    description: The configuration model (the C(__postfix_config) fact).
    type: dict
    required: true
  facts:
    description: The result of M(hardened.relay.postfix_info) on the host.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Render main.cf from the model
  ansible.builtin.copy:
    content: "{{ __postfix_config | hardened.relay.postfix_main_cf(__postfix_info) }}"
    dest: /var/lib/hardened-relay/postfix-stage/main.cf
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The C(main.cf) text (without the C(ansible_managed) comment).
  type: str
"""

from ansible_collections.hardened.relay.plugins.module_utils.relay_config.render import main_cf


def postfix_main_cf(config, facts):
    return main_cf(config, facts)


class FilterModule(object):
    def filters(self):
        return {"postfix_main_cf": postfix_main_cf}
