# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in-process with its arguments, run_command patched, and its result captured."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result.get("msg", ""))
        self.result = result
        self.failed = failed


class Runner:
    """Calls main() of a module; `commands` records every argv, `respond` answers them."""

    def __init__(self, monkeypatch, remote_tmp):
        self.monkeypatch = monkeypatch
        self.remote_tmp = remote_tmp
        self.commands = []
        self.respond = None

    def run(self, module, args, check_mode=False, diff=False):
        def run_command(self_, argv, **kwargs):
            self.commands.append(list(argv))
            return self.respond(list(argv))

        def exit_json(self_, **result):
            raise ModuleExit(result, False)

        def fail_json(self_, msg, **result):
            result["msg"] = msg
            raise ModuleExit(result, True)

        self.monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
        self.monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                                 lambda self_, name, required=False, opt_dirs=None: "/usr/sbin/" + name)
        self.monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
        self.monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff,
                    _ansible_remote_tmp=self.remote_tmp, _ansible_keep_remote_files=False)
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as caught:
                module.main()
        return caught.value


@pytest.fixture(name="runner")
def runner_fixture(monkeypatch, tmp_path):
    remote_tmp = tmp_path / "remote-tmp"
    remote_tmp.mkdir()
    return Runner(monkeypatch, str(remote_tmp))
