# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Access maps whose entries come from a file on the controller (postfix_access_maps.NAME.src).

The file's lines are read as postmap reads a source (``key value``, ``#`` comments, continuation
lines) and become the map's entries, which the model then checks and the guard judges exactly
like entries given in a variable. A big block list is cheaper as a file: Ansible itself takes
seconds to load 100,000 entries given as variables, before any task runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import parse_source


class NotFound(Exception):
    """Raised by the caller's find() with the sentence that says why."""


def read_access_map_sources(maps, find):
    """Replace each map's src by its entries, in place; returns the problems (one sentence each,
    naming the variable). find(src) returns the file's path or raises NotFound."""
    problems = []
    if not isinstance(maps, dict):
        return problems
    for name, spec in maps.items():
        if not isinstance(spec, dict) or "src" not in spec:
            continue
        label = "postfix_access_maps.%s" % name
        if "entries" in spec:
            problems.append("%s has both src and entries; give the table's entries one way." % label)
            continue
        try:
            path = find(str(spec["src"]))
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
        except NotFound as exc:
            problems.append("%s.src: %s" % (label, exc))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append("%s.src %s cannot be read as UTF-8 text (%s)." % (label, spec["src"], exc))
            continue
        entries = parse_source(text, "postmap", str(spec.get("type", "auto")))
        maps[name] = dict((key, value) for key, value in spec.items() if key != "src")
        maps[name]["entries"] = [{"key": key, "value": value} for key, value in entries]
    return problems
