# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""main.cf text from the model, with the facts of the installed Postfix filled in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hardened.relay.plugins.module_utils.relay_config.model import BARE_NEWLINE_BACKPORTS

HEADER = ("# Rendered by the hardened.relay.postfix role and checked by Postfix before install.\n"
          "# Relay policy lives in smtpd_relay_restrictions only; the role refuses any policy that\n"
          "# could relay for an unauthenticated stranger before it changes the host.\n")


def version_tuple(facts):
    return tuple(int(part) for part in facts.get("version_tuple", ())[:3]) + (0, 0, 0)[len(facts.get("version_tuple", ())):]


def applies(requires, facts):
    """Whether a parameter that needs a feature of some Postfix releases applies to this one."""
    version = version_tuple(facts)
    normalize = version >= (3, 9, 0)
    backport = not normalize and version[2] >= BARE_NEWLINE_BACKPORTS.get(version[:2], 1000)
    return {"bare_newline_normalize": normalize, "bare_newline_backport": backport, "bare_newline": normalize or backport,
            "forbid_unauth_pipelining": version >= (3, 7, 9), "tls_required": version >= (3, 10, 0)}[requires]


def fact_values(facts):
    # The TLS session caches need a type that supports updates: lmdb where it is the default, else btree.
    return {"max_compatibility_level": facts["max_compatibility_level"],
            "cache_type": "lmdb" if facts.get("default_database_type") == "lmdb" else "btree"}


def sections(model, facts):
    """[(title, [(name, value)])] in file order, as main.cf will hold them on this Postfix."""
    values = fact_values(facts)
    result = []
    for section in model["main_cf"]:
        chosen = [(p["name"], p["value"].format(**values) if p.get("format") else p["value"]) for p in section["parameters"]
                  if "requires" not in p or applies(p["requires"], facts)]
        if chosen:
            result.append((section["title"], chosen))
    return result


def parameters(model, facts):
    """{name: value} of every parameter main.cf will set on this Postfix."""
    return dict(pair for title, pairs in sections(model, facts) for pair in pairs)


def main_cf(model, facts, managed_comment=""):
    """The whole main.cf: one line per parameter, a comment above each section."""
    lines = [managed_comment.rstrip("\n") + "\n" if managed_comment else "", HEADER]
    for title, pairs in sections(model, facts):
        lines.append("\n# %s\n" % title)
        lines += [("%s = %s" % pair).rstrip() + "\n" for pair in pairs]
    return "".join(lines)
