#!/usr/bin/python
# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postfix_info
short_description: Facts about the installed Postfix that roles adapt to
version_added: 0.1.0
description:
  - Reads, without changing anything, what the installed Postfix is and supports, from
    C(postconf) itself; for example the version, so that a role sets C(compatibility_level)
    and avoids parameters the version lacks or deprecates.
author: hardened.relay developers (@hardened-relay)
options:
  config_dir:
    description:
      - Configuration directory to read (C(postconf -c)). Defaults to Postfix's own.
      - A directory given must exist. Where it (or Postfix's own) has a C(main.cf) or C(master.cf)
        that is not a file, the module fails naming it.
    type: path
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
"""

EXAMPLES = r"""
- name: Learn what this Postfix supports
  hardened.relay.postfix_info:
  register: postfix

- name: Use lmdb where it is the default
  ansible.builtin.debug:
    msg: "Tables will be {{ postfix.default_database_type }}"
"""

RETURN = r"""
installed:
  description: Whether C(postconf) was found. When false, the other keys are absent.
  returned: always
  type: bool
configured:
  description:
    - Whether the configuration directory has a C(main.cf). A package installed without
      configuration has none; the values returned are then Postfix's defaults.
  returned: when installed
  type: bool
mail_version:
  description: The Postfix version.
  returned: when installed
  type: str
  sample: 3.7.11
version_tuple:
  description: RV(mail_version) as a list of integers, for comparisons.
  returned: when installed
  type: list
  elements: int
  sample: [3, 7, 11]
compatibility_level:
  description: The effective C(compatibility_level) of the configuration.
  returned: when installed
  type: str
  sample: "3.6"
max_compatibility_level:
  description:
    - The C(compatibility_level) that this version's own C(main.cf.proto) sets, the level a
      new installation of it should use. Falls back to C(3.6) (the last level that changed
      defaults) for a Postfix 3.6 or later without the file, C(2) for older ones.
  returned: when installed
  type: str
  sample: "3.7"
default_database_type:
  description: The table type C(hash:)-style lookups default to (C(hash) or C(lmdb) on Debian).
  returned: when installed
  type: str
  sample: hash
map_types:
  description: Lookup table types this Postfix supports (C(postconf -m)).
  returned: when installed
  type: list
  elements: str
sasl_server_types:
  description: SASL server plugin types (C(postconf -a)), for C(smtpd_sasl_type).
  returned: when installed
  type: list
  elements: str
sasl_client_types:
  description: SASL client plugin types (C(postconf -A)), for C(smtp_sasl_type).
  returned: when installed
  type: list
  elements: str
config_directory:
  description: The configuration directory.
  returned: when installed
  type: str
  sample: /etc/postfix
queue_directory:
  description: The queue directory (and chroot jail).
  returned: when installed
  type: str
  sample: /var/spool/postfix
chrooted_services:
  description: C(name/type) of the C(master.cf) services that run chrooted.
  returned: when installed
  type: list
  elements: str
  sample: [smtp/inet, pickup/unix]
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardened.relay.plugins.module_utils.postfix import (
    DEFAULT_CONFIG_DIR, PostfixCommand, parse_assignments, parse_master_fields, shipped_compatibility_level, version_tuple,
)

PARAMETERS = ("mail_version", "compatibility_level", "default_database_type", "config_directory",
              "queue_directory")


def config_dir_problem(config_dir, given):
    """Why config_dir cannot be read, or None. Postfix's own directory may be missing (a package
    installed without configuration): the defaults are reported then."""
    if "\n" in config_dir or "\r" in config_dir:
        return "config_dir: %r holds a line break; give the directory's path on one line" % config_dir
    if given and not os.path.isdir(config_dir):
        return ("config_dir: %s %s; give the directory that holds main.cf and master.cf, or leave config_dir out "
                "for Postfix's own" % (config_dir, "is not a directory" if os.path.lexists(config_dir) else "does not exist"))
    for name in ("main.cf", "master.cf"):
        path = os.path.join(config_dir, name)
        if os.path.lexists(path) and not os.path.isfile(path):
            return "config_dir: %s is not a regular file (a directory?); remove it, or give another config_dir" % path
    return None


def chrooted(fields):
    """Services whose chroot column is y; "-" means the built-in default, which is n since Postfix 3.0."""
    return sorted("%s/%s" % key for key, columns in fields.items() if columns.get("chroot") == "y")


def main():
    module = AnsibleModule(argument_spec=dict(config_dir=dict(type="path")), supports_check_mode=True)
    if not module.get_bin_path("postconf"):
        module.exit_json(changed=False, installed=False)
    config_dir = module.params["config_dir"]
    problem = config_dir_problem(config_dir or DEFAULT_CONFIG_DIR, config_dir is not None)
    if problem:
        module.fail_json(msg=problem)
    postfix = PostfixCommand(module, config_dir)
    values = parse_assignments(postfix.postconf(list(PARAMETERS))[0])
    missing = [name for name in PARAMETERS if name not in values]
    if missing:
        module.fail_json(msg="postconf printed no value for %s; check that %s is Postfix's postconf"
                             % (", ".join(missing), postfix.bin("postconf")))
    if not postfix.configured:
        # The scratch directory stood in for it; report the real one.
        values["config_directory"] = module.params["config_dir"] or DEFAULT_CONFIG_DIR
    version = version_tuple(values["mail_version"])
    result = dict(changed=False, installed=True, configured=postfix.configured, version_tuple=version,
                  max_compatibility_level=shipped_compatibility_level(values["config_directory"], version),
                  map_types=postfix.map_types(),
                  sasl_server_types=postfix.postconf(["-a"])[0].split(),
                  sasl_client_types=postfix.postconf(["-A"])[0].split(),
                  chrooted_services=chrooted(parse_master_fields(postfix.postconf(["-F"])[0])))
    result.update(values)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
