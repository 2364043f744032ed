# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: input_problems
short_description: Explain what is wrong with the entries of a policy service variable
version_added: 0.1.0
author: hardened.relay developers (@hardened-relay)
description:
  - Postfix takes a misspelled block list zone or reply filter at configuration time and then never
    matches, postscreen only logs a bad access line when a client connects, and policyd-spf stops on
    a malformed address. The roles run this filter first, so that such input fails the play before
    anything on the host changes.
  - Each message names the variable, the item and the fix; an empty list means all entries are good.
positional: kind, variable
options:
  _input:
    description: The entries (a list).
    type: list
    required: true
  kind:
    description:
      - What the entries are.
      - V(dnsbl) - C(zone=reply filter) as C(reject_rbl_client) and C(reject_rhsbl_sender) take them; the filter is optional,
        four parts C(d.d.d.d), each a number from 0 to 255 or a pattern like C([2..11]) or C([2;4;6]).
      - V(postscreen_dnsbl) - as V(dnsbl), with an optional C(*weight) (a whole number, negative for allow lists), as
        C(postscreen_dnsbl_sites) takes them.
      - V(postscreen_access) - mappings with C(key), an address or network with no host bits set, and C(value), one of
        C(permit), C(reject) or C(dunno).
      - V(networks) - IPv4 or IPv6 addresses or networks without brackets.
      - V(domains) - DNS domain names.
      - "V(access_maps) - the postfix role's access maps, C({NAME: {type:, entries:}}): the map name,
        its type, and each entry's key (an address or network for cidr, a delimited pattern for pcre
        and regexp, one word for indexed types) and value (an action, never empty)."
    type: str
    required: true
    choices: [dnsbl, postscreen_dnsbl, postscreen_access, networks, domains, access_maps]
  variable:
    description: The name of the variable that holds the entries, used in the messages.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse malformed postscreen block lists
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' | ') }}"
  vars:
    problems: "{{ postfix_postscreen_dnsbl_sites | hardened.relay.input_problems('postscreen_dnsbl', 'postfix_postscreen_dnsbl_sites') }}"
"""

RETURN = r"""
_value:
  description: One message per problem, naming the variable, the item and the fix; empty when all entries are good.
  type: list
  elements: str
"""

from ansible_collections.hardened.relay.plugins.module_utils.policy_inputs import input_problems


class FilterModule(object):
    def filters(self):
        return {"input_problems": input_problems}
