#!/usr/bin/python
# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postfix_config
short_description: Compute the postfix role's configuration and refuse any that could make an open relay
version_added: 0.1.0
description:
  - Runs on the controller, inside the C(hardened.relay.postfix) role (its C(validate.yml)). Reads the
    role's variables, checks and converts them with the role's argument specs (a boolean given as
    the string C(false) on the command line means false), and computes the one configuration
    model the role writes, every C(main.cf) parameter, every C(master.cf) service with its
    overrides, every table as C(postmap) will read it, and the SASL file.
  - The open-relay guard then reads that model as Postfix will, per smtpd listener (C(main.cf) with
    the service's C(-o) overrides on top), and fails closed. Any parameter that can decide relaying,
    the client's identity or authentication is either checked or refused, naming the variable and
    the fix. Values that would become structure in their file (a line break, an unbalanced brace,
    a blank in a C(master.cf) column) are refused too.
  - Nothing on the managed host is read or changed.
author: hardened.relay developers (@hardened-relay)
options:
  argument_specs:
    description:
      - Path of the role's C(meta/argument_specs.yml). Defaults to that of the role the task is in.
    type: path
attributes:
  check_mode:
    support: full
    description: Runs the same in check mode; it changes nothing anywhere.
  diff_mode:
    support: none
    description: It has nothing to show; the tasks that write the configuration show the diff.
  action:
    support: full
    description: Runs on the controller.
notes:
  - The model is returned as RV(config); the role keeps it in C(__postfix_config) with
    M(ansible.builtin.set_fact), private to the role. It is no host fact, since ansible-core 2.20
    deprecates using facts as top-level variables. The smarthost password is not in it (its
    entry is masked); the role writes it from its variable with C(no_log).
seealso:
  - name: postconf(5)
    description: Postfix configuration parameters.
    link: https://www.postfix.org/postconf.5.html
"""

EXAMPLES = r"""
- name: Compute the configuration and refuse any that could relay for a stranger
  hardened.relay.postfix_config:
  register: __postfix_computed

- name: Keep the configuration for the rest of the play
  ansible.builtin.set_fact:
    __postfix_config: "{{ __postfix_computed.config }}"
"""

RETURN = r"""
config:
  description:
    - The configuration model, as M(hardened.relay.postfix_apply) takes it in O(hardened.relay.postfix_apply#module:config).
    - main_cf (sections of parameters), master_cf and postconf_services, tables, files, packages, listeners.
  returned: success
  type: dict
problems:
  description: Every reason the configuration was refused, each naming the variable and the fix.
  returned: failure
  type: list
  elements: str
"""
