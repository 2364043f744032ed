# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Source files of Postfix lookup tables: parsing, rendering entries, and entry-level diffs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hardened.relay.plugins.module_utils.postfix import logical_lines

# Tables whose keys are patterns delimited by their first character, so they may hold blanks.
PATTERN_TYPES = ("pcre", "regexp")
MASK = "********"


def _split_pattern(line):
    """Split a pcre/regexp line "[!]/pattern/flags result" after the closing delimiter."""
    negation = "!" if line.startswith("!") else ""
    key, value = split_delimited(line[len(negation):])
    return negation + key, value


def split_delimited(line):
    """(the delimited pattern with its flags, the rest) of a pcre/regexp line; a pattern that is
    not closed comes back whole, with an empty rest."""
    delimiter = line[0]
    end = line.find(delimiter, 1)
    while end > 0 and line[end - 1] == "\\":
        end = line.find(delimiter, end + 1)
    if end < 0:
        return line, ""
    rest = line[end + 1:]
    flags_end = len(rest) - len(rest.lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    key = line[:end + 1] + rest[:flags_end]
    return key, rest[flags_end:].strip()


def split_entry(line, flavour="postmap", map_type=None):
    if flavour == "postalias":
        key, dummy, value = line.partition(":")
        return key.strip(), value.strip()
    if map_type in PATTERN_TYPES and line[:1] in "/!":
        return _split_pattern(line)
    parts = line.split(None, 1)
    return parts[0], (parts[1] if len(parts) > 1 else "")


def parse_source(text, flavour="postmap", map_type=None):
    """[(key, value)] in file order."""
    return [split_entry(line, flavour, map_type) for line in logical_lines(text)]


def normalize_entries(given, map_type, flavour="postmap"):
    """Entries from a task (a mapping, or a list of {key, value}) as [(key, value)].

    Raises ValueError naming the bad entry.
    """
    if isinstance(given, dict):
        pairs = list(given.items())
    elif isinstance(given, list):
        pairs = []
        for item in given:
            if not isinstance(item, dict) or set(item) != {"key", "value"}:
                raise ValueError("list items must be mappings with exactly 'key' and 'value', got %r" % (item,))
            pairs.append((item["key"], item["value"]))
    else:
        raise ValueError("give a mapping of keys to values or a list of {key, value} mappings")
    result = []
    for key, value in pairs:
        key = str(key).strip()
        value = " ".join(str(value).split()) if not isinstance(value, (list, tuple)) else \
            ", ".join(str(v).strip() for v in value)
        where = "entry %r" % key
        if not key or key.startswith("#"):
            raise ValueError("%s: a key may not be empty or start with '#'" % where)
        if map_type not in PATTERN_TYPES and any(c.isspace() for c in key):
            raise ValueError("%s: a %s key may not contain whitespace" % (where, map_type))
        if flavour == "postalias" and ":" in key:
            raise ValueError("%s: an alias name may not contain ':'" % where)
        if not value:
            raise ValueError("%s: the value is empty" % where)
        result.append((key, value))
    return result


def render_source(entries, flavour="postmap"):
    separator = ": " if flavour == "postalias" else " "
    return "".join("%s%s%s\n" % (k, separator, v) for k, v in entries)


def entries_diff(before_text, after_text, flavour, path, secret, map_type=None):
    """An Ansible diff of source entries, one "key value" line each.

    With secret, values are masked; an entry whose value changed is marked "(changed)"
    so that the diff still shows which credential changed without showing it.
    """
    before = parse_source(before_text, flavour, map_type)
    after = parse_source(after_text, flavour, map_type)
    if not secret:
        return dict(before_header=path, after_header=path,
                    before="".join("%s %s\n" % e for e in before), after="".join("%s %s\n" % e for e in after))
    old = dict(before)
    return dict(before_header=path, after_header=path,
                before="".join("%s %s\n" % (k, MASK) for k, dummy in before),
                after="".join("%s %s%s\n" % (k, MASK, " (changed)" if k in old and old[k] != v else "")
                              for k, v in after))
