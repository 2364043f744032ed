# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the inputs of the policy services: DNS block list entries, postscreen access
entries, the network and domain lists of the SPF service, and the access maps of the postfix role.

Postfix takes a misspelled block list zone, reply filter or weight without a word at config
time and only logs about it (or silently never matches) once mail arrives; policyd-spf stops on
a malformed address. So the roles check these before they change anything. Sources: postconf(5) (reject_rbl_client, postscreen_dnsbl_sites,
postscreen_access_list), access(5), cidr_table(5) and pcre_table(5)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import PATTERN_TYPES, split_delimited
from ansible_collections.hardened.relay.plugins.module_utils.relay_policy import parse_network

_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_SITE = re.compile(r"^(?P<zone>[^=*\s]+)(=(?P<filter>[^*\s]*))?(\*(?P<weight>[^*\s]*))?$")
_RANGE = re.compile(r"^(?P<low>\d{1,3})(\.\.(?P<high>\d{1,3}))?$")
POSTSCREEN_ACCESS_ACTIONS = ("permit", "reject", "dunno")
ACCESS_MAP_TYPES = ("auto", "hash", "btree", "lmdb", "cdb", "cidr", "pcre", "regexp")
_MAP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def dnsbl_problems(sites, variable, weighted=False):
    """Problems with block list entries "zone[=filter]" (with weighted, "zone[=filter][*weight]"
    as postscreen_dnsbl_sites takes them); each names the variable, the item and the fix."""
    if not isinstance(sites, list):
        return ["%s must be a list of block list entries, not %s." % (variable, type(sites).__name__)]
    form = "zone[=reply filter][*weight]" if weighted else "zone[=reply filter]"
    problems = []
    for index, site in enumerate(sites):
        label = "%s[%d] (%r)" % (variable, index, site)
        if not isinstance(site, str):
            problems.append("%s is not a string; write each entry as %s." % (label, form))
            continue
        match = _SITE.match(site)
        if not match or (match.group("weight") is not None and not weighted):
            why = "has a weight, which only postscreen takes" if match else "is not one entry"
            problems.append("%s %s; write it as %s, e.g. 'zen.spamhaus.org=127.0.0.[2..11]%s'."
                            % (label, why, form, "*3" if weighted else ""))
            continue
        why = _zone_problem(match.group("zone"))
        if why is None and match.group("filter") is not None:
            why = _filter_problem(match.group("filter"))
        if why is None and match.group("weight") is not None and not re.match(r"^-?\d+$", match.group("weight")):
            why = ("has weight '%s'; a weight is a whole number (negative for allow lists), e.g. '*3' or '*-2'"
                   % match.group("weight"))
        if why:
            problems.append("%s %s." % (label, why))
    return problems


def _zone_problem(zone):
    labels = zone.rstrip(".").split(".")
    if len(labels) < 2 or len(zone) > 253 or not all(_LABEL.match(label) for label in labels):
        return "has zone '%s', which is not a DNS domain name; give the list's zone, e.g. 'zen.spamhaus.org'" % zone
    return None


def _filter_problem(reply_filter):
    """None when reply_filter is d.d.d.d with each d a number or a [n;n..m] pattern of 0..255."""
    octets = reply_filter.split(".") if "[" not in reply_filter else re.findall(r"\[[^\]]*\]|[^.\[\]]+", reply_filter)
    rebuilt = ".".join(octets)
    fix = ("a reply filter is four parts d.d.d.d, each a number from 0 to 255 or a pattern like [2..11] or [2;4;6], "
           "e.g. '127.0.0.[2..11]'")
    if len(octets) != 4 or rebuilt != reply_filter:
        return "has reply filter '%s'; %s" % (reply_filter, fix)
    for octet in octets:
        ranges = octet[1:-1].split(";") if octet.startswith("[") and octet.endswith("]") else [octet]
        for part in ranges:
            match = _RANGE.match(part)
            low = int(match.group("low")) if match else -1
            high = int(match.group("high") or low) if match else -1
            if not (match and 0 <= low <= high <= 255) or (match.group("high") and not octet.startswith("[")):
                return "has reply filter '%s' with part '%s'; %s" % (reply_filter, octet, fix)
    return None


def postscreen_access_problems(entries, variable):
    """Problems with postscreen access entries, a list of {key: address or network, value:
    permit|reject|dunno}, in the order postscreen tries them."""
    if not isinstance(entries, list):
        return ["%s must be a list of {key: network, value: permit|reject|dunno}, not %s." % (variable, type(entries).__name__)]
    problems = []
    for index, entry in enumerate(entries):
        label = "%s[%d]" % (variable, index)
        if not isinstance(entry, dict) or set(entry) != {"key", "value"}:
            problems.append("%s (%r) must be a mapping with exactly 'key' (an address or network) and 'value' "
                            "(permit, reject or dunno)." % (label, entry))
            continue
        key, value = str(entry["key"]), str(entry["value"])
        network, why = parse_network(key, brackets_required=False)
        if network is None:
            problems.append("%s key '%s' %s." % (label, key, why))
        if value.lower() not in POSTSCREEN_ACCESS_ACTIONS:
            problems.append("%s has value '%s'; postscreen's access list only knows %s (a client that passes "
                            "postscreen still meets smtpd's own restrictions)."
                            % (label, value, ", ".join(POSTSCREEN_ACCESS_ACTIONS)))
    return problems


def network_problems(entries, variable):
    """Problems with a list of IPv4/IPv6 addresses or networks written without brackets."""
    if not isinstance(entries, list):
        return ["%s must be a list of addresses or networks, not %s." % (variable, type(entries).__name__)]
    problems = []
    for index, entry in enumerate(entries):
        network, why = parse_network(str(entry), brackets_required=False)
        if network is None:
            problems.append("%s[%d] '%s' %s." % (variable, index, entry, why))
        elif str(entry).startswith("["):
            problems.append("%s[%d] '%s' has brackets, which this list does not take; write '%s'."
                            % (variable, index, entry, str(entry).replace("[", "").replace("]", "")))
    return problems


def domain_problems(entries, variable):
    """Problems with a list of DNS domain names."""
    if not isinstance(entries, list):
        return ["%s must be a list of domain names, not %s." % (variable, type(entries).__name__)]
    problems = []
    for index, entry in enumerate(entries):
        labels = str(entry).rstrip(".").split(".")
        if not all(_LABEL.match(label) for label in labels) or len(str(entry)) > 253:
            problems.append("%s[%d] '%s' is not a domain name; write it like 'example.org'." % (variable, index, entry))
    return problems


def access_map_problems(maps, variable):
    """Problems with access maps, {name: {type:, entries:}}: postmap stops half-way through a bad
    key (or, for cidr, Postfix logs a warning and skips it at lookup time), so the role checks
    every entry before anything is installed or built."""
    if not isinstance(maps, dict):
        return ["%s must be a dict of {NAME: {type: ..., entries: ...}}, not %s." % (variable, type(maps).__name__)]
    problems = []
    for name, spec in maps.items():
        label = "%s.%s" % (variable, name)
        if not _MAP_NAME.match(str(name)):
            problems.append("%s: '%s' is not a file name for /etc/postfix/maps; use letters, digits, '.', '_' and '-'."
                            % (variable, name))
            continue
        if not isinstance(spec, dict) or not set(spec) <= {"type", "entries"} or "entries" not in spec:
            problems.append("%s must be a mapping with 'entries' (and optionally 'type'), not %r." % (label, spec))
            continue
        map_type = str(spec.get("type", "auto"))
        if map_type not in ACCESS_MAP_TYPES:
            problems.append("%s.type is '%s'; the role builds %s." % (label, map_type, ", ".join(ACCESS_MAP_TYPES)))
            continue
        entries = spec["entries"]
        if isinstance(entries, dict):
            entries = [{"key": key, "value": value} for key, value in entries.items()]
        if not isinstance(entries, list):
            problems.append("%s.entries must be a dict {key: action} or a list of {key:, value:}, not %s."
                            % (label, type(entries).__name__))
            continue
        found = []
        for index, entry in enumerate(entries):
            why = _access_entry_problem(entry, map_type)
            if why:
                found.append("%s.entries[%d] %s" % (label, index, why))
        problems += found[:5] + (["%s has %d more such entries." % (label, len(found) - 5)] if len(found) > 5 else [])
    return problems


def _access_entry_problem(entry, map_type):
    if not isinstance(entry, dict) or set(entry) != {"key", "value"}:
        return "(%r) must be a mapping with exactly 'key' and 'value'." % (entry,)
    key, value = str(entry["key"]).strip(), str(entry["value"]).strip()
    if not value or "\n" in value:
        return ("'%s' has %s value; give an access(5) action such as REJECT, DUNNO or '550 5.7.1 text'."
                % (key, "no" if not value else "a multi-line"))
    if map_type == "cidr":
        network, why = parse_network(key, brackets_required=False)
        return None if network else "key '%s' %s." % (key, why)
    if map_type in PATTERN_TYPES:
        pattern = key[1:] if key.startswith("!") else key
        delimiter = pattern[:1]  # any character but a letter, a digit, a blank, a backslash or '#' (a comment)
        if not delimiter or delimiter.isalnum() or delimiter.isspace() or delimiter in "\\#" \
                or split_delimited(pattern + " x")[1] != "x":
            return ("key '%s' is not a %s pattern; write it as /regular expression/flags, e.g. '/^mail\\.example\\.com$/'."
                    % (key, map_type))
        return None
    if not key or any(c.isspace() for c in key):
        return "key '%s' %s; postmap would read the first word as the key and the rest as its value." % (
            key, "is empty" if not key else "holds a blank")
    return None


# What input_problems() checks, by kind.
KINDS = {
    "dnsbl": dnsbl_problems,
    "postscreen_dnsbl": lambda entries, variable: dnsbl_problems(entries, variable, weighted=True),
    "postscreen_access": postscreen_access_problems,
    "networks": network_problems,
    "domains": domain_problems,
    "access_maps": access_map_problems,
}


def input_problems(entries, kind, variable):
    """Problems with the entries of one variable, checked as the given kind of input."""
    if kind not in KINDS:
        raise ValueError("input_problems: kind must be one of %s, not %r" % (", ".join(sorted(KINDS)), kind))
    return KINDS[kind](entries, variable)
