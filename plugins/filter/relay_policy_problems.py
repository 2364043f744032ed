# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: relay_policy_problems
short_description: Explain what in a Postfix relay policy could make an open relay
version_added: 0.1.0
author: hardened.relay developers (@hardened-relay)
description:
  - Reads a relay policy the way Postfix would and returns every problem found, each naming the
    Ansible variable and list item at fault, why it is unsafe or wrong, and the fix. An empty list
    means the policy is safe.
  - "C(mynetworks): malformed entries, host bits set, IPv6 without brackets, hostnames and lookup
    tables, V(0.0.0.0/0) and V([::]/0), and networks wider than one host with public addresses
    that C(mynetworks_allow_public) does not cover."
  - "The list that decides relaying (C(smtpd_relay_restrictions), or C(smtpd_recipient_restrictions)
    when that is empty): anything a stranger can reach before C(reject_unauth_destination) that may
    permit, such as C(permit), C(permit_mx_backup), C(check_policy_service), or a C(check_*_access)
    whose table has an OK, RELAY, PERMIT, empty or all-numeric value; and a list with no destination
    guard at all. C(warn_if_reject reject_unauth_destination) is not a guard."
  - Every restriction in every stage and restriction class must be a Postfix smtpd restriction or a
    class, in a stage where it can work, with the argument it needs.
  - "C(xclient_hosts) (C(smtpd_authorized_xclient_hosts)) get the checks of C(mynetworks): a client
    allowed XCLIENT may claim any address, one in C(mynetworks) too."
  - "Each master.cf smtpd service is read as the main policy with its C(-o) overrides on top, so an
    override of a restriction list, C(mynetworks) or the XCLIENT hosts gets every check above.
    Overrides that define restriction classes, references the guard cannot follow and C(-o) in a
    service's command are refused."
positional: _input
options:
  _input:
    description:
      - The relay policy. Every key is optional; a missing key means empty.
      - C(mynetworks) (list of str), C(mynetworks_allow_public) (list of CIDRs), C(stages) (dict of
        C(client), C(helo), C(sender), C(relay), C(recipient), C(data), C(end_of_data), C(etrn) to
        lists of restrictions, one per item with its arguments), C(restriction_classes) (dict of class
        name to list), C(access_tables) (dict of C(type:name) to a dict with C(variable) and
        C(entries), a list of C(key)/C(value) dicts) and C(variables) (names the variables used in
        the messages).
      - C(xclient_hosts) (list of str, checked like C(mynetworks)).
      - "C(access_maps): tables given the way the postfix role takes them, a dict with C(maps)
        (C({name: {type:, entries:}}), entries a dict or a list of C(key)/C(value) dicts),
        C(directory) (where they are built), C(indexed_types) (the types a map of type C(auto) may be
        named as) and C(variable)."
      - "C(services): dict of master.cf smtpd service to a dict with C(variable) and C(options), its
        C(-o) overrides as C({parameter: value}); C(master_services): a list in the form of the
        M(hardened.relay.postconf) module's O(hardened.relay.postconf#module:services), whose smtpd
        services are read the same way; C(parameters): further main.cf parameters, to follow an
        override such as C($mua_relay_restrictions)."
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Refuse to deploy a relay policy that could relay for strangers
  ansible.builtin.assert:
    that: relay_problems | length == 0
    fail_msg: "{{ relay_problems | join(' | ') }}"
    quiet: true
  vars:
    relay_problems: "{{ policy | hardened.relay.relay_policy_problems }}"
    policy:
      mynetworks: "{{ postfix_mynetworks }}"
      mynetworks_allow_public: "{{ postfix_mynetworks_allow_public }}"
      stages:
        relay: "{{ postfix_smtpd_relay_restrictions }}"
        recipient: "{{ postfix_smtpd_recipient_restrictions }}"
        helo: "{{ postfix_smtpd_helo_restrictions }}"
      access_tables:
        hash:/etc/postfix/helo_access:
          variable: postfix_helo_access
          entries: "{{ postfix_helo_access }}"
"""

RETURN = r"""
_value:
  description: One message per problem; empty when the policy is safe.
  type: list
  elements: str
"""

from ansible_collections.hardened.relay.plugins.module_utils.relay_policy import relay_policy_problems


class FilterModule(object):
    def filters(self):
        return {"relay_policy_problems": relay_policy_problems}
