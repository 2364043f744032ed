# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in-process with its arguments, run_command patched, and its result captured."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.testing import patch_module_args


REAL_EXIT_JSON = basic.AnsibleModule.exit_json
REAL_FAIL_JSON = basic.AnsibleModule.fail_json


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result.get("msg", ""))
        self.result = result
        self.failed = failed


class Runner:
    """Calls main() of a module; `commands` records every argv, `respond` answers them, `logs`
    holds what the module logged (as AnsibleModule.log would write it, no_log values masked),
    `printed` what run_json's module wrote to stdout and stderr, as the controller gets it."""

    def __init__(self, monkeypatch, remote_tmp, capsys):
        self.monkeypatch = monkeypatch
        self.remote_tmp = remote_tmp
        self.capsys = capsys
        self.commands = []
        self.logs = []
        self.printed = ""
        self.respond = None

    def run(self, module, args, check_mode=False, diff=False):
        """The result as main() passed it to exit_json or fail_json."""
        self._patch()
        self.monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
        self.monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
        with patch_module_args(self._args(args, check_mode, diff)):
            with pytest.raises(ModuleExit) as caught:
                module.main()
        return caught.value

    def run_json(self, module, args, check_mode=False, diff=False):
        """The result as Ansible's own exit_json/fail_json print it for the controller (invocation
        added, no_log values masked), parsed from the module's stdout."""
        self._patch()
        self.monkeypatch.setattr(basic.AnsibleModule, "exit_json", REAL_EXIT_JSON)
        self.monkeypatch.setattr(basic.AnsibleModule, "fail_json", REAL_FAIL_JSON)
        self.capsys.readouterr()
        with patch_module_args(self._args(args, check_mode, diff)):
            with pytest.raises(SystemExit):
                module.main()
        captured = self.capsys.readouterr()
        self.printed = captured.out + captured.err
        result = json.loads(captured.out)
        return ModuleExit(result, result.get("failed", False))

    def _args(self, args, check_mode, diff):
        return dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff,
                    _ansible_remote_tmp=self.remote_tmp, _ansible_keep_remote_files=False)

    def _patch(self):
        def run_command(self_, argv, **kwargs):
            self.commands.append(list(argv))
            return self.respond(list(argv))

        def log(self_, msg, log_args=None):
            self.logs.append(remove_values(msg, self_.no_log_values))

        self.monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
        self.monkeypatch.setattr(basic.AnsibleModule, "log", log)
        self.monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                                 lambda self_, name, required=False, opt_dirs=None: "/usr/sbin/" + name)


def exit_json(self_, **result):
    raise ModuleExit(result, False)


def fail_json(self_, msg, **result):
    result["msg"] = msg
    raise ModuleExit(result, True)


@pytest.fixture(name="runner")
def runner_fixture(monkeypatch, tmp_path, capsys):
    remote_tmp = tmp_path / "remote-tmp"
    remote_tmp.mkdir()
    return Runner(monkeypatch, str(remote_tmp), capsys)
