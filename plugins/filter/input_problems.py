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
  - The service roles also check with it every value that becomes part of a file or a command line on
    the host, for that place's syntax, so that no value adds a line, an option or a command (the
    C(/etc/default) files of saslauthd and postgrey are sourced by a shell as root). Where the
    legitimate form of a value is known, only the characters it needs are allowed.
  - Each message names the variable, the item and the fix; an empty list means all entries are good.
    No message holds a password (V(sasl_users) names the user and its index only).
positional: kind, variable
options:
  _input:
    description:
      - The entries (a list), or for V(shell_value), V(positive_integer), V(port), V(host), V(realm) and
        V(path) the one value of the variable.
      - Any other type is reported as a problem, not raised.
    type: raw
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
      - 'V(shell_value) - one value written into a C(KEY="value") line of a file a shell sources as root:
        a non-empty string of letters, digits and C(_ . , : / @ % + = -) only (no blank, quote, backslash,
        C($), backtick, C(;), C(&), C(|), C(<), C(>) or line break).'
      - V(positive_integer) - a whole number of at least 1 (seconds, days, processes), an integer or a
        string of the digits 0-9 only (C(-e NAME=300) works; C("300\n"), C(" 300") or C("3e2") do not).
      - V(port) - as V(positive_integer), from 1 to 65535.
      - V(host) - where a service listens, an IPv4 address, an IPv6 address in brackets or a host name.
      - V(realm) - a SASL realm, a domain name (letters, digits, C(-) and C(_) in labels between single
        dots), as it goes on a command line and into file names.
      - V(path) - an absolute path of letters, digits and C(. _ + -) between single slashes, without
        C(.) or C(..) parts.
      - V(config_lines) - entries written one per line into a file with C(#) comments, each a non-empty
        string without blanks, line breaks, control characters or C(#).
      - V(greylist_clients) - as V(config_lines), each a host name, domain, address, network or
        C(/regex/) (postgrey's client whitelist).
      - V(greylist_recipients) - as V(config_lines), each C(user@), C(@domain), C(user@domain), a domain
        or C(/regex/) (postgrey's recipient whitelist).
      - "V(sasl_users) - sasldb users C([{name:, password:, state:}]): a name of letters, digits and
        C(. _ + -) without the realm, listed once, a state of present or absent, and for present users
        a password that is a string without a line break, carriage return or NUL. The messages name the
        user and its index, never the password."
    type: str
    required: true
    choices: [dnsbl, postscreen_dnsbl, postscreen_access, networks, domains, access_maps, shell_value, positive_integer,
              port, host, realm, path, config_lines, greylist_clients, greylist_recipients, sasl_users]
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

- name: Refuse a listening address that would add options or commands to /etc/default/postgrey
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' | ') }}"
  vars:
    problems: >-
      {{ (postgrey_listen_host | hardened.relay.input_problems('host', 'postgrey_listen_host'))
         + (postgrey_delay | hardened.relay.input_problems('positive_integer', 'postgrey_delay')) }}
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
