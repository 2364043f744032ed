# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks that a value can be written into its file on the target without becoming structure.

Each function returns None for a value that is safe where it goes, else the reason and the fix
as the end of a sentence ("contains a newline, which would ..."); the caller names the variable.
Sources: postconf(5) (main.cf syntax), master(5) (columns, -o and { } groups), postmap(1) and
access(5) (table source lines)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

# Characters that end a logical line or a file record wherever they appear.
_LINE_BREAKS = re.compile(r"[\r\n\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# str.isspace() characters: a blank in a word (re's \s is the same class for str patterns).
BLANK = re.compile(r"\s")
PARAMETER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
# A master.cf service name: a name or port, or host:port with an IPv4, [IPv6] or DNS host.
SERVICE_NAME = re.compile(r"^(?:(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):)?[A-Za-z0-9_.-]+\Z")
SERVICE_TYPES = ("inet", "unix", "unix-dgram", "fifo", "pass")
# Second-level public suffixes that ".suffix" (in relay_domains, or a TLS match name) would hand to
# anyone (the common ones of the Public Suffix List; a top-level domain alone is refused anyway).
PUBLIC_SUFFIXES = frozenset("""
    ac.uk co.uk gov.uk ltd.uk me.uk net.uk org.uk plc.uk sch.uk com.au net.au org.au edu.au gov.au id.au co.nz net.nz
    org.nz ac.nz co.jp ne.jp or.jp ac.jp go.jp co.kr or.kr ne.kr com.br net.br org.br com.cn net.cn org.cn com.tw org.tw
    com.hk org.hk com.sg com.my com.mx org.mx co.in net.in org.in firm.in co.za org.za com.ar com.tr com.pl co.il org.il
    com.ua co.id or.id com.ru com.es com.pt com.gr co.th in.th com.vn com.ph com.pk com.eg com.sa github.io
    """.split())
# The whole Public Suffix List where the system has it (Debian/Ubuntu package publicsuffix,
# Fedora publicsuffix-list): thousands of suffixes the list above does not name (.com.co, .duckdns.org).
SUFFIX_LISTS = ("/usr/share/publicsuffix/public_suffix_list.dat", "/usr/share/publicsuffix/effective_tld_names.dat")
_SUFFIX_RULES = []


def _suffix_rules():
    """(rules, exceptions) of the system's Public Suffix List, read once; empty without one."""
    if not _SUFFIX_RULES:
        rules, exceptions = set(), set()
        path = next((p for p in SUFFIX_LISTS if os.path.isfile(p)), None)
        if path:
            with open(path, "rb") as handle:
                for line in handle.read().decode("utf-8", "replace").splitlines():
                    rule = line.strip().split(" ", 1)[0].lower()
                    if not rule or rule.startswith("//"):
                        continue
                    try:
                        ascii_rule = ".".join(label if label in ("*", "!") or label.isascii() else
                                              label.encode("idna").decode("ascii") for label in rule.split("."))
                    except UnicodeError:
                        continue
                    (exceptions if ascii_rule.startswith("!") else rules).add(ascii_rule.lstrip("!"))
        _SUFFIX_RULES.append((frozenset(rules), frozenset(exceptions)))
    return _SUFFIX_RULES[0]


def is_public_suffix(name):
    """Whether every domain below name belongs to anyone who registers one (.co.uk, .duckdns.org):
    by the system's Public Suffix List where it has one, and by PUBLIC_SUFFIXES always."""
    name = name.strip(".").lower()
    if name in PUBLIC_SUFFIXES:
        return True
    rules, exceptions = _suffix_rules()
    if name in exceptions:
        return False
    return name in rules or "." in name and "*." + name.split(".", 1)[1] in rules


COLUMNS = {
    "private": re.compile(r"^[yn-]\Z"),
    "unprivileged": re.compile(r"^[yn-]\Z"),
    "chroot": re.compile(r"^[yn-]\Z"),
    "wakeup": re.compile(r"^(?:-|[0-9]{1,6}\??)\Z"),
    "process_limit": re.compile(r"^(?:-|[0-9]{1,6})\Z"),
}


def line_break_problem(text):
    """Why a single-line value would break its file, or None."""
    if _LINE_BREAKS.search(text):
        return "contains a line break, which would start a new line (a new setting) in the file; write it on one line"
    return None


def main_cf_value_problem(value):
    """A main.cf value is one logical line; a leading blank on a following line would continue it."""
    return line_break_problem(value)


def braces_problem(text):
    """Unbalanced { } groups change how Postfix splits a list or a master.cf command line."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return "closes a { } group it never opened, which changes how Postfix splits what follows; remove the '}'"
    if depth:
        return "opens a { } group it never closes, which swallows what follows; close it or remove the '{'"
    return None


def override_value_problem(value):
    """A master.cf -o value is written as -o name=value or -o { name = value }: a brace or a line
    break in it would end the override early and start another one."""
    why = line_break_problem(value)
    if why is None and ("{" in value or "}" in value):
        why = ("contains a '{' or '}', which in master.cf would end this -o override early and start another; put the "
               "value in a main.cf parameter of its own and refer to it as $name")
    return why


def column_problem(column, value):
    """One master.cf column (private ... process_limit) is one word of a known form."""
    pattern = COLUMNS.get(column)
    if pattern is None:
        return "is not a master.cf column"
    if not pattern.match(value):
        forms = {"wakeup": "'-' or seconds, optionally followed by '?'", "process_limit": "'-' or a number"}
        return "is '%s', but this master.cf column takes %s (one word, no blanks)" % (
            value, forms.get(column, "'y', 'n' or '-'"))
    return None


def service_name_problem(name):
    if not SERVICE_NAME.match(name):
        return ("is not a master.cf service name: a name or port, or host:port, one word without blanks or '/', e.g. "
                "'submission', '2525' or '127.0.0.1:10025'")
    return None


def command_problem(words):
    """The command column after the program name: arguments, never -o (the overrides go in options).

    A Postfix daemon reads its options up to the first word that is not one (its getopt stops
    there), so "-o" after "argv=" belongs to the program pipe or spawn runs (sendmail -oi)."""
    options = True
    for word in words:
        why = line_break_problem(word)
        if why:
            return why
        options = options and word.startswith("-")
        if options and "o" in word.lstrip("-{"):
            return ("passes '%s' on the command line, where it is an override the role cannot see; give every -o override "
                    "in the service's options, {parameter: value}" % word)
        if word.startswith("{") and "-o" in word:
            return "passes an override in a { } group on the command line; give it in the service's options"
    return braces_problem(" ".join(words))


# A key that is one word (no blank, no line break, no '#' first) and a value that is words with
# single spaces: all that table_key_problem and table_value_problem check, in one regular
# expression each (the checks of a 100,000-entry table cost a third of the time this way).
_PLAIN_KEY = re.compile(r"[^\s#\x00][^\s\x00]*\Z")
_PLAIN_VALUE = re.compile(r"[^\s\x00]+(?: [^\s\x00]+)*\Z")


def plain_entry(key, value):
    """True for a key and value that table_key_problem and table_value_problem find nothing in,
    in every table type; False means look closer (the entry may still be good)."""
    return _PLAIN_KEY.match(key) is not None and _PLAIN_VALUE.match(value) is not None


def table_key_problem(key, map_type, pattern_types):
    """A key is the first word of a source line (a delimited pattern for pcre and regexp)."""
    why = line_break_problem(key)
    if why:
        return why
    if not key.strip():
        return "is empty; give the address, domain or pattern to match"
    if key.lstrip().startswith("#"):
        return "starts with '#', which makes the whole line a comment; remove the '#'"
    if map_type not in pattern_types and BLANK.search(key):
        return "holds a blank; postmap would read the first word as the key and the rest as its value"
    return None


def table_value_problem(value):
    why = line_break_problem(value)
    if why:
        return why
    if not value.strip():
        return "is empty; give an action such as REJECT, DUNNO or '550 5.7.1 text'"
    return None
