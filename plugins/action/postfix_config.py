# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for hardened.relay.postfix_config: the role variables, checked and converted by
the role's argument specs, become the one configuration model, which the open-relay guard judges
before anything on the host changes. The logic lives in module_utils/relay_config."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc
import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard, sources

REFUSAL = "Refusing this Postfix configuration (nothing was changed): "


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def _spec(self):
        role = getattr(self._task, "_role", None)
        path = self._task.args.get("argument_specs") or (
            os.path.join(role._role_path, "meta", "argument_specs.yml") if role is not None else None)
        if not path:
            raise AnsibleError("hardened.relay.postfix_config runs inside the hardened.relay.postfix role, or with "
                               "argument_specs set to that role's meta/argument_specs.yml.")
        return self._loader.load_from_file(path)["argument_specs"]["main"]["options"]

    def _find(self, src):
        try:
            return self._find_needle("files", src)
        except AnsibleError as exc:
            raise sources.NotFound(exc.message)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        spec = self._spec()
        # Only the role's own variables are templated, once; argument specs convert them (a
        # boolean given as the string "false" on the command line becomes False).
        given = self._templar.template(dict((name, task_vars[name]) for name in spec if name in task_vars))
        validated = ArgumentSpecValidator(spec).validate(given, validate_role_argument_spec=True)
        if validated.error_messages:
            result.update(failed=True, argument_errors=validated.error_messages,
                          msg=REFUSAL + " | ".join(validated.error_messages))
            return result
        variables = validated.validated_parameters
        # The tables' entries are hundreds of thousands of small lists that hold no cycles; the
        # cyclic collector would walk the whole controller's heap again and again while they are
        # made (a third of this task's time with two 100,000-entry tables).
        collecting = gc.isenabled()
        gc.disable()
        try:
            problems = sources.read_access_map_sources(variables.get("postfix_access_maps"), self._find)
            if not problems:
                config, problems = guard.judge(variables)
        finally:
            if collecting:
                gc.enable()
        if problems:
            result.update(failed=True, problems=problems, msg=REFUSAL + " | ".join(problems))
            return result
        guard.for_the_host(config, variables["postfix_inet_interfaces"])
        result.update(changed=False, config=config,
                      msg="The configuration passed the open-relay guard.")
        return result
