# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for hardened.relay.postfix_apply: runs the module, sending each large table
source by its SHA-256 first and its text only when the host's live source is another.

A table of 100,000 entries is megabytes of text. Sent as a module argument, it travels to the
host and back (in the module's invocation) on every run, also when the host has it already,
which is what an idempotent run finds. By digest, the module compares the live source's digest
and changes nothing when any differs: it answers with sources_wanted, and the second call carries
those sources' text. The module itself takes either form."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible.plugins.action import ActionBase

MODULE = "hardened.relay.postfix_apply"
# Smaller sources go as text: their digest saves less than the second call a change costs.
BY_DIGEST_FROM = 64 * 1024


def by_digest(config, wanted=()):
    """A copy of config in which each large table source is replaced by its SHA-256, except the
    sources of the paths in wanted (the module asked for them)."""
    if not isinstance(config, dict) or not isinstance(config.get("tables"), list):
        return config
    tables = []
    for table in config["tables"]:
        source = table.get("source") if isinstance(table, dict) else None
        if isinstance(source, str) and len(source) >= BY_DIGEST_FROM and table.get("path") not in wanted \
                and not table.get("secret") and not table.get("keep_existing"):
            table = dict((key, value) for key, value in table.items() if key != "source")
            table["source_sha256"] = hashlib.sha256(source.encode("utf-8")).hexdigest()
        tables.append(table)
    return dict(config, tables=tables)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        try:
            sent = dict(args, config=by_digest(args.get("config")))
            answer = self._execute_module(module_name=MODULE, module_args=sent, task_vars=task_vars)
            wanted = answer.get("sources_wanted") if not answer.get("failed") else None
            if wanted:
                sent = dict(args, config=by_digest(args.get("config"), wanted=wanted))
                answer = self._execute_module(module_name=MODULE, module_args=sent, task_vars=task_vars)
                if answer.get("sources_wanted") and not answer.get("failed"):
                    answer.update(failed=True, msg="postfix_apply: the host asked for the sources of %s although they "
                                  "were sent in full." % ", ".join(answer["sources_wanted"]))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        result.update(answer)
        return result
