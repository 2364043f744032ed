# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the inputs of the policy services: DNS block list entries, postscreen access
entries, the network and domain lists of the SPF service, and the access maps of the postfix role.

Postfix takes a misspelled block list zone, reply filter or weight without a word at config
time and only logs about it (or silently never matches) once mail arrives; policyd-spf stops on
a malformed address. So the roles check these before they change anything. Sources: postconf(5) (reject_rbl_client, postscreen_dnsbl_sites,
postscreen_access_list), access(5), cidr_table(5) and pcre_table(5).

The service roles (saslauthd, postgrey, policyd_spf) write their variables into files on the
target, some of which a shell sources as root (/etc/default/saslauthd, /etc/default/postgrey),
and onto command lines and stdin (saslpasswd2): a line break, a blank or a shell metacharacter
there would become structure (another line, another option, a command). The kinds below check
such values against the characters their legitimate form needs (allowlists, so that anything
else fails closed); the messages name the variable and the item, never a password."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import string
from collections.abc import Mapping

from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import PATTERN_TYPES, split_delimited
from ansible_collections.hardened.relay.plugins.module_utils.relay_policy import parse_network
from ansible_collections.hardened.relay.plugins.module_utils.relay_config.syntax import BLANK

# \Z, not $: "$" also matches before a final line break, which would let "example.org\n" through.
_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\Z")
_SITE = re.compile(r"^(?P<zone>[^=*\s]+)(=(?P<filter>[^*\s]*))?(\*(?P<weight>[^*\s]*))?$")
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_NETWORK = re.compile(r"^%s\.%s\.%s\.%s(?:/(3[0-2]|[12]?[0-9]))?\Z" % ((_OCTET,) * 4))
_RANGE = re.compile(r"^(?P<low>\d{1,3})(\.\.(?P<high>\d{1,3}))?$")
POSTSCREEN_ACCESS_ACTIONS = ("permit", "reject", "dunno")
ACCESS_MAP_TYPES = ("auto", "hash", "btree", "lmdb", "cdb", "cidr", "pcre", "regexp")
_MAP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


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
        if not isinstance(entry, dict) or len(entry) != 2 or "key" not in entry or "value" not in entry:
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
        odd = _characters(str(entry), _NETWORK_CHARACTERS)
        if odd:
            problems.append("%s[%d] (%r) holds %s, which no address or network has; give one address or network "
                            "per item, e.g. '192.0.2.0/24' or '2001:db8::/32'." % (variable, index, entry, odd))
            continue
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
            problems.append("%s[%d] %r is not a domain name; write it like 'example.org'." % (variable, index, str(entry)))
    return problems


def access_map_problems(maps, variable, entries=True):
    """Problems with access maps, {name: {type:, entries:}}: postmap stops half-way through a bad
    key (or, for cidr, Postfix logs a warning and skips it at lookup time), so the role checks
    every entry before anything is installed or built. With entries=False only the maps' names,
    types and shapes: the configuration model checks each entry itself, in the one pass over the
    table it makes anyway (with access_key_problem for what is particular to an access map)."""
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
        given = spec["entries"]
        if isinstance(given, dict):
            given = [{"key": key, "value": value} for key, value in given.items()]
        if not isinstance(given, list):
            problems.append("%s.entries must be a dict {key: action} or a list of {key:, value:}, not %s."
                            % (label, type(given).__name__))
            continue
        if not entries:
            continue
        found = []
        for index, entry in enumerate(given):
            why = _access_entry_problem(entry, map_type)
            if why:
                found.append("%s.entries[%d] %s" % (label, index, why))
        problems += found[:5] + (["%s has %d more such entries." % (label, len(found) - 5)] if len(found) > 5 else [])
    return problems


def _plain_ipv4_network(key):
    """True for a dotted IPv4 address or network in canonical form with no host bits set: the
    common cidr key, checked by one regular expression instead of ipaddress (which costs seconds
    on 100,000 keys). Anything else goes to parse_network(), which also explains what is wrong."""
    match = _IPV4_NETWORK.match(key)
    if not match:
        return False
    prefix = match.group(5)
    if prefix is None or prefix == "32":
        return True
    address = 0
    for octet in match.group(1, 2, 3, 4):
        address = address * 256 + int(octet)
    return address & ((1 << (32 - int(prefix))) - 1) == 0


def _access_entry_problem(entry, map_type):
    if not isinstance(entry, dict) or len(entry) != 2 or "key" not in entry or "value" not in entry:
        return "(%r) must be a mapping with exactly 'key' and 'value'." % (entry,)
    key, value = str(entry["key"]).strip(), str(entry["value"]).strip()
    if not value or "\n" in value:
        return ("'%s' has %s value; give an access(5) action such as REJECT, DUNNO or '550 5.7.1 text'."
                % (key, "no" if not value else "a multi-line"))
    if map_type not in PATTERN_TYPES and map_type != "cidr" and (not key or BLANK.search(key)):
        return "key '%s' %s; postmap would read the first word as the key and the rest as its value." % (
            key, "is empty" if not key else "holds a blank")
    why = access_key_problem(key, map_type)
    return "key '%s' %s." % (key, why) if why else None


def access_key_problem(key, map_type):
    """What is wrong with a key of an access map of this type beyond the line syntax every table
    shares (one word, no line break): a cidr key must be a network, a pcre or regexp key one
    /pattern/flags. None for a good key; else the end of a sentence that starts with the key."""
    if map_type == "cidr":
        if _plain_ipv4_network(key):
            return None
        network, why = parse_network(key, brackets_required=False)
        return None if network else why
    if map_type in PATTERN_TYPES:
        pattern = key[1:] if key.startswith("!") else key
        delimiter = pattern[:1]  # any character but a letter, a digit, a blank, a backslash or '#' (a comment)
        if not delimiter or delimiter.isalnum() or delimiter.isspace() or delimiter in "\\#" \
                or split_delimited(pattern + " x")[1] != "x":
            return ("is not a %s pattern; write it as /regular expression/flags, e.g. '/^mail\\.example\\.com$/'"
                    % map_type)
    return None


# Values that become structure on the target -------------------------------------------------
#
# Each kind below takes the value of one variable (a list for the list kinds) and returns one
# sentence per problem, naming the variable (and the item) and the fix.

_ALNUM = string.ascii_letters + string.digits
# Letters go on to parse_network(), which explains a host name; anything else is no part of a network.
_NETWORK_CHARACTERS = frozenset(_ALNUM + ".:/[]")
# What a value in a KEY="value" line of a file a shell sources may hold: no blank (the scripts
# split the options on blanks), no quote, backslash, $, `, ;, &, |, <, >, (, ), *, ?, [, ~, #, !.
_SHELL_SAFE = frozenset(_ALNUM + "_.,:/@%+=-")
SHELL_SAFE_DESCRIPTION = "letters, digits and _ . , : / @ % + = -"
_HOST_CHARACTERS = frozenset(_ALNUM + ".-")
_PATH_CHARACTERS = frozenset(_ALNUM + "._+-/")
_SASL_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\Z")
_SASL_USER_CHARACTERS = frozenset(_ALNUM + "._+-")
# postgrey's whitelists: host names, domains, (partial) IPv4 and IPv6 addresses, networks, and
# for recipients user@, @domain and user@domain (RFC 5321 atext without '#', a comment there).
_CLIENT_CHARACTERS = frozenset(_ALNUM + "._:/-")
_LOCAL_PART_CHARACTERS = frozenset(_ALNUM + "!$%&'*+/=?^_`{|}~.-")
_DOMAIN_CHARACTERS = frozenset(_ALNUM + "._-")
_CHARACTER_NAMES = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab", " ": "a space", "\0": "a NUL character"}
_PASSWORD_BREAKS = ("\n", "\r", "\0")
_MISSING = object()


def _character_name(char):
    if char in _CHARACTER_NAMES:
        return _CHARACTER_NAMES[char]
    if char.isprintable() and not char.isspace():
        return "'%s'" % char
    return "the character U+%04X" % ord(char)


def _characters(text, allowed):
    """The characters of text outside allowed, each named once, in order ('' when none)."""
    seen = []
    for char in text:
        if char not in allowed and char not in seen:
            seen.append(char)
    return ", ".join(_character_name(char) for char in seen)


def _kind_of(value):
    """What value is, in words (Ansible 2.19 hands filters tagged subclasses of str, list, ...)."""
    if value is None:
        return "nothing (null)"
    for kind, words in ((bool, "a boolean"), (int, "a whole number"), (float, "a decimal number"), (str, "a string"),
                        ((list, tuple), "a list"), (Mapping, "a mapping")):
        if isinstance(value, kind):
            return words
    return "a %s" % type(value).__name__


def _text(value, variable, example):
    """(text, None) for a string (or a whole number written as one), else (None, problem)."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), None
    return None, "%s must be a string such as %s, not %s." % (variable, example, _kind_of(value))


def whole_number_problems(value, variable, low=1, high=None, what="a whole number of at least 1"):
    """Problems with a whole number that is written into a file as it is given: an int, or a
    string of the digits 0-9 only (as -e NAME=300 gives it). "300\\n", " 300", "3e2" or "3_00"
    pass Ansible's int check, but would be written as they are."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return ["%s must be %s, not %s." % (variable, what, _kind_of(value))]
    if isinstance(value, str) and not re.match(r"^[0-9]+\Z", value):
        return ["%s (%r) is not a whole number written with the digits 0-9 only; give %s (no blanks, signs, "
                "exponents, underscores or line breaks: it is written into the service's configuration)."
                % (variable, value, what)]
    number = int(value)
    if number < low or (high is not None and number > high):
        return ["%s is %d; give %s." % (variable, number, what)]
    return []


def positive_integer_problems(value, variable):
    """A count of seconds, days or processes: a whole number of at least 1."""
    return whole_number_problems(value, variable)


def port_problems(value, variable):
    """A TCP port: a whole number from 1 to 65535."""
    return whole_number_problems(value, variable, high=65535, what="a TCP port from 1 to 65535, e.g. 10023")


def shell_value_problems(value, variable):
    """A value written into a KEY="value" line of a file that a shell sources as root (the
    /etc/default files of the services): only letters, digits and _ . , : / @ % + = -."""
    text, problem = _text(value, variable, "'sasldb'")
    if problem:
        return [problem]
    if not text:
        return ["%s is empty; give a value of %s." % (variable, SHELL_SAFE_DESCRIPTION)]
    odd = _characters(text, _SHELL_SAFE)
    if odd:
        return ["%s (%r) holds %s: it goes into a file that a shell sources as root, where that would run a "
                "command, split the value or add a line; use only %s." % (variable, text, odd, SHELL_SAFE_DESCRIPTION)]
    return []


def _domain_name(text):
    labels = text.split(".")
    return len(text) <= 253 and all(_LABEL.match(label) for label in labels)


def host_problems(value, variable):
    """Where a service listens (written into a file a shell sources and into Postfix's
    check_policy_service inet:HOST:PORT): an IPv4 address, an IPv6 address in brackets, or a
    host name."""
    fix = "write an IPv4 address, an IPv6 address in brackets or a host name, e.g. '127.0.0.1', '[::1]' or 'localhost'"
    text, problem = _text(value, variable, "'127.0.0.1'")
    if problem:
        return [problem]
    if not text:
        return ["%s is empty; %s." % (variable, fix)]
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1]
        if not _characters(inner, frozenset(string.hexdigits + ":.")):
            try:
                ipaddress.IPv6Address(inner)
                return []
            except ValueError:
                pass
        return ["%s (%r) is not an IPv6 address in brackets; %s." % (variable, text, fix)]
    if not _characters(text, frozenset(string.hexdigits + ":.")) and ":" in text:
        try:
            ipaddress.IPv6Address(text)
            return ["%s (%r) is an IPv6 address without brackets, which reads as HOST:PORT; write '[%s]'."
                    % (variable, text, text)]
        except ValueError:
            pass
    odd = _characters(text, _HOST_CHARACTERS)
    if odd:
        return ["%s (%r) holds %s, which no address or host name has (it goes into a file a shell sources and "
                "into Postfix's configuration); %s." % (variable, text, odd, fix)]
    if re.match(r"^[0-9.]+\Z", text):
        try:
            ipaddress.IPv4Address(text)
            return []
        except ValueError:
            return ["%s (%r) is not a valid IPv4 address; %s." % (variable, text, fix)]
    if not _domain_name(text):
        return ["%s (%r) is not a host name (labels of letters, digits and '-' between single dots); %s."
                % (variable, text, fix)]
    return []


def realm_problems(value, variable):
    """A SASL realm (saslpasswd2 -u REALM, the logins name@REALM, and the names of the role's
    fingerprint files): a domain name, such as the relay's host name."""
    fix = ("write a domain name such as 'relay.example.org' (letters, digits, '-' and '_' in labels between "
           "single dots, no final dot)")
    text, problem = _text(value, variable, "'relay.example.org'")
    if problem:
        return [problem]
    if not text:
        return ["%s is empty; %s." % (variable, fix)]
    odd = _characters(text, frozenset(_ALNUM + "._-"))
    if odd:
        return ["%s (%r) holds %s: the realm goes on saslpasswd2's command line and into file names under "
                "/var/lib/hardened-relay; %s." % (variable, text, odd, fix)]
    if not _domain_name(text):
        return ["%s (%r) is not a domain name; %s." % (variable, text, fix)]
    return []


def path_problems(value, variable):
    """An absolute path written into configuration files (a shell-sourced file, a systemd unit):
    letters, digits and . _ + - between slashes, no '.' or '..' components."""
    fix = "give an absolute path of letters, digits and . _ + - between single slashes, without '.' or '..' parts"
    text, problem = _text(value, variable, "'/var/spool/postfix/var/run/saslauthd'")
    if problem:
        return [problem]
    odd = _characters(text, _PATH_CHARACTERS)
    if odd:
        return ["%s (%r) holds %s, which would change the files it is written into; %s." % (variable, text, odd, fix)]
    parts = text.split("/")
    if not text.startswith("/") or len(text) < 2 or any(part in ("", ".", "..") for part in parts[1:]):
        return ["%s (%r) is not such a path; %s." % (variable, text, fix)]
    return []


def config_line_problems(entries, variable, form_problem=None):
    """Problems with entries written one per line into a file that takes one entry per line and
    '#' comments (postgrey's whitelists): each a string without blanks, line breaks or '#'; with
    form_problem, each entry is then checked for its form too."""
    if not isinstance(entries, list):
        return ["%s must be a list with one entry per item, not %s." % (variable, _kind_of(entries))]
    problems = []
    for index, entry in enumerate(entries):
        why = _config_line_problem(entry)
        if why is None and form_problem is not None:
            why = form_problem(str(entry))
        if why:
            problems.append("%s[%d] %s" % (variable, index, why))
    return problems


def _config_line_problem(entry):
    if isinstance(entry, bool) or not isinstance(entry, (str, int)):
        return "is %s; give each entry as a string, one per item." % _kind_of(entry)
    text = str(entry)
    if not text:
        return "is empty; remove it (an empty line matches nothing)."
    odd = "".join(sorted({c for c in text if c.isspace() or not c.isprintable() or c == "#"}, key=text.index))
    if odd:
        return ("(%r) holds %s: the file takes one entry per line and '#' starts a comment there, so that would "
                "add or cut entries; give one entry per item, without blanks, line breaks or '#'."
                % (text, ", ".join(_character_name(c) for c in odd)))
    return None


def _regex_entry(text):
    return len(text) > 2 and text.startswith("/") and text.endswith("/")


def _greylist_client_problem(text):
    if _regex_entry(text):
        return None
    fix = "write it like 'mail.example.org', '192.0.2.0/24' or '/\\.example\\.org$/'"
    odd = _characters(text, _CLIENT_CHARACTERS)
    if odd:
        return "(%r) holds %s, which no host name, domain, address or network has; %s." % (text, odd, fix)
    if text.startswith("/") or not any(char.isalnum() for char in text):
        return "(%r) is neither a /regex/ nor a host name, domain, address or network; %s." % (text, fix)
    return None


def _greylist_recipient_problem(text):
    if _regex_entry(text):
        return None
    local, _at, domain = text.rpartition("@") if "@" in text else ("", "", text)
    odd = _characters(local, _LOCAL_PART_CHARACTERS) + _characters(domain, _DOMAIN_CHARACTERS)
    if odd or "@" in local or not (local or domain):
        return ("(%r) is not a recipient postgrey reads%s; write it like 'postmaster@', '@example.org', "
                "'abuse@example.org' or '/^postmaster@/'." % (text, " (it holds %s)" % odd if odd else ""))
    return None


def greylist_client_problems(entries, variable):
    """postgrey's client whitelist: host names, domains, (partial) addresses, networks, /regex/."""
    return config_line_problems(entries, variable, _greylist_client_problem)


def greylist_recipient_problems(entries, variable):
    """postgrey's recipient whitelist: user@, @domain, user@domain, a domain, or /regex/."""
    return config_line_problems(entries, variable, _greylist_recipient_problem)


def sasl_user_problems(users, variable):
    """Problems with sasldb users, [{name:, password:, state: present|absent}]. The name goes on
    saslpasswd2's command line (the realm is added) and into file names; the password is given to
    saslpasswd2 on stdin, where a line break would end it. No message holds a password or any
    part of one: they name the user and the index."""
    if not isinstance(users, list):
        return ["%s must be a list of {name:, password:, state:} mappings, not %s." % (variable, _kind_of(users))]
    problems, seen = [], {}
    for index, user in enumerate(users):
        label = "%s[%d]" % (variable, index)
        if not isinstance(user, dict):
            problems.append("%s is %s, not a mapping {name: ..., password: ..., state: present|absent}; write each "
                            "user as such a mapping." % (label, _kind_of(user)))
            continue
        name = user.get("name", _MISSING)
        if name is _MISSING or name is None or name == "":
            problems.append("%s has no name; give every user a name, e.g. {name: alice, password: ...}." % label)
            name = None
        elif not isinstance(name, str):
            problems.append("%s has a name that is %s; give the name as a string of letters, digits and . _ + -."
                            % (label, _kind_of(name)))
            name = None
        elif not _SASL_USER.match(name):
            odd = _characters(name, _SASL_USER_CHARACTERS)
            why = ("holds '@': the realm is added from saslauthd_realm, so give only the part before '@'" if "@" in name
                   else "holds %s" % odd if odd else "does not start with a letter or a digit")
            problems.append("%s (user %r) %s; a user name is letters, digits and . _ + -, starting with a letter or "
                            "a digit." % (label, name, why))
            name = None
        who = "%s (user %r)" % (label, name) if name is not None else label
        if name is not None:
            if name in seen:
                problems.append("%s repeats %s[%d]; list each user once." % (who, variable, seen[name]))
            seen.setdefault(name, index)
        state = user.get("state", "present")
        if state not in ("present", "absent"):
            problems.append("%s has state %r; use present or absent." % (who, state) if isinstance(state, str)
                            else "%s has a state that is %s; use present or absent." % (who, _kind_of(state)))
        password = user.get("password", _MISSING)
        if password is _MISSING or password is None or password == "":
            if state == "present":
                problems.append("%s has no password; give one, or state: absent to remove the user." % who)
        elif not isinstance(password, str):
            problems.append("%s has a password that is %s, not a string; quote it in YAML so that it is taken "
                            "exactly as written." % (who, _kind_of(password)))
        elif any(char in password for char in _PASSWORD_BREAKS):
            problems.append("%s has a password with a line break, carriage return or NUL character, which would "
                            "end it early where saslpasswd2 reads it from stdin; give a password on one line."
                            % who)
    return problems


# What input_problems() checks, by kind.
KINDS = {
    "dnsbl": dnsbl_problems,
    "postscreen_dnsbl": lambda entries, variable: dnsbl_problems(entries, variable, weighted=True),
    "postscreen_access": postscreen_access_problems,
    "networks": network_problems,
    "domains": domain_problems,
    "access_maps": access_map_problems,
    "shell_value": shell_value_problems,
    "positive_integer": positive_integer_problems,
    "port": port_problems,
    "host": host_problems,
    "realm": realm_problems,
    "path": path_problems,
    "config_lines": config_line_problems,
    "greylist_clients": greylist_client_problems,
    "greylist_recipients": greylist_recipient_problems,
    "sasl_users": sasl_user_problems,
}


def input_problems(entries, kind, variable):
    """Problems with the entries of one variable, checked as the given kind of input."""
    if kind not in KINDS:
        raise ValueError("input_problems: kind must be one of %s, not %r" % (", ".join(sorted(KINDS)), kind))
    return KINDS[kind](entries, variable)
