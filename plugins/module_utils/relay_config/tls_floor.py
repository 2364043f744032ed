# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TLS floor, over the one configuration model: no anonymous, NULL, export-grade, low or
otherwise broken cipher suites and no protocol older than TLS 1.2, on every smtpd listener (main.cf
with its master.cf overrides, as Postfix reads it) and in the SMTP client, for every service that
runs it. Anonymous suites let anyone in the path read what a client sends after STARTTLS, the
password of AUTH PLAIN above all, so they are excluded wherever AUTH or a smarthost is involved;
an admin may allow them back on port 25 only (postfix_tls_anonymous_on_port_25), where Postfix's
own default offers them to clients that do not check certificates anyway.

Fails closed like the open-relay guard: a value it cannot read (a $reference it cannot follow, a
cipher grade or protocol syntax it does not know) is refused with the variable that set it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hardened.relay.plugins.module_utils.relay_config import credentials, master

# Excluded everywhere (OpenSSL cipher names and classes); aNULL may come back on port 25 only.
FLOOR = ("aNULL", "eNULL", "EXPORT", "LOW", "DES", "3DES", "RC4", "MD5", "IDEA", "SEED", "PSK", "SRP")
GRADES = ("high", "medium")
OLD_PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")
PROTOCOL_ORDER = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
# Settings the role keeps at Postfix's own value, each with why: whoever sets them decides what
# "high" means, which suites and protocols a next hop gets, or which tlsproxy postscreen uses.
GRADE_MEANING = "decides what the role's cipher grades mean"
MANAGED = {
    "tls_high_cipherlist": GRADE_MEANING, "tls_medium_cipherlist": GRADE_MEANING, "tls_low_cipherlist": GRADE_MEANING,
    "tls_export_cipherlist": GRADE_MEANING, "tls_null_cipherlist": GRADE_MEANING, "tls_ssl_options": GRADE_MEANING,
    "tls_preempt_cipherlist": GRADE_MEANING, "tls_config_file": GRADE_MEANING, "tls_config_name": GRADE_MEANING,
    "smtp_tls_policy_maps": "sets each next hop's TLS level, suites and protocols past the floor (protocols=, ciphers=)",
    "lmtp_tls_policy_maps": "sets each LMTP next hop's TLS level, suites and protocols past the floor",
    "smtp_tls_per_site": "is the old per-site TLS table, which can lower a next hop's TLS level",
    "lmtp_tls_per_site": "is the old per-site TLS table, which can lower an LMTP next hop's TLS level",
    "tlsproxy_service_name": "points postscreen's STARTTLS at another tlsproxy service than the one the floor checks",
}
# One TLS endpoint's settings, by the prefix of the program that reads them. tlsproxy (postscreen's
# TLS side) reads $smtpd_tls_... by default, and is judged like a port-25 listener.
# (The mandatory exclusions only add to exclude_ciphers, which applies at every security level.)
SETTINGS = ("ciphers", "mandatory_ciphers", "exclude_ciphers", "protocols", "mandatory_protocols")
# The SMTP+LMTP client reads smtp_tls_* as smtp and lmtp_tls_* as lmtp (their defaults differ).
CLIENT_PROGRAMS = ("smtp", "lmtp")
# A whole value that is one plain reference: $name, ${name} or $(name). Any other "$" (the
# conditional ${name?text} and ${name:text} forms above all, which can expand to nothing) is a
# value the floor cannot read.
REFERENCE = re.compile(r"^\$(?:\{([A-Za-z0-9_]+)\}|\(([A-Za-z0-9_]+)\)|([A-Za-z0-9_]+))\Z")
HEX_VERSIONS = {0x0300: "SSLv3", 0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}
WORDS = re.compile(r"[^\s,:]+")


def floor_text(anonymous=False):
    """The exclusion list main.cf gets: the floor, without aNULL when anonymous suites may stay."""
    return ", ".join(item for item in FLOOR if anonymous is False or item != "aNULL")


def problems(model, main, anonymous_on_25=False):
    """Every way the model could offer or accept weak TLS, each naming the variable to change;
    main is the model's main.cf as Postfix reads it (model.main_parameters)."""
    found = []
    for name in MANAGED:
        parameter = main.get(name)
        if parameter is not None and parameter["origin"].startswith("postfix_main_cf_extra"):
            found.append("%s sets %s, which %s; the TLS floor keeps it at Postfix's own value. Remove it (the TLS "
                         "variables are postfix_tls_ciphers, postfix_tls_exclude_ciphers and postfix_tls_protocols)."
                         % (parameter["origin"], name, MANAGED[name]))
    endpoints = [("smtpd", "main.cf", {}, anonymous_on_25 is not True), ("smtp", "main.cf", {}, True),
                 ("lmtp", "main.cf", {}, True), ("tlsproxy", "main.cf", {}, anonymous_on_25 is not True)]
    for service in model["master_cf"]:
        if service["state"] != "present":
            continue
        origin = master.options_origin(service)
        for name in MANAGED:
            # The smarthost's TLS policy table is the role's own (credentials.py reads it).
            if name in service["options"] and not (name == "smtp_tls_policy_maps" and credentials.role_written(service)):
                found.append("%s.%s: %s %s, and the TLS floor keeps it at Postfix's own value on every service; "
                             "remove the override." % (origin, name, name, MANAGED[name]))
        program = master.program(service)
        if program == "smtpd":
            on_25 = service["type"] == "pass" or master.port(service) == 25
            endpoints.append(("smtpd", origin, service["options"], not (on_25 and anonymous_on_25 is True)))
        elif program in CLIENT_PROGRAMS:
            endpoints.append((program, origin, service["options"], True))
        elif program == "tlsproxy":  # postscreen's TLS side on port 25
            endpoints.append(("tlsproxy", origin, service["options"], anonymous_on_25 is not True))
    for prefix, origin, options, no_anonymous in endpoints:
        found += [p for p in _endpoint(main, prefix, origin, options, no_anonymous) if p not in found]
    return found


def _endpoint(main, prefix, origin, options, no_anonymous):
    found = []
    for setting in SETTINGS:
        name = "%s_tls_%s" % (prefix, setting)
        value, where, text = _effective(main, options, name, origin)
        if value is None:  # the role writes every one (tlsproxy's default follows smtpd's)
            found.append("%s is not set where the TLS floor expects the role to set it; the guard cannot tell what "
                         "Postfix would offer (report this as a bug)." % name)
            continue
        if value is False:
            found.append("%s is '%s', a reference the TLS floor cannot follow; write the value out." % (where, text))
            continue
        if "$" in value:
            found.append("%s is '%s', whose $-expansion (a conditional ${name?text} or ${name:text} can expand to "
                         "nothing) the TLS floor does not read; write the value out." % (where, text))
            continue
        if setting.endswith("ciphers") and "exclude" not in setting:
            if value.strip().lower() not in GRADES:
                found.append("%s is '%s'; the role allows the cipher grades %s (postfix_tls_ciphers) and nothing weaker."
                             % (where, value, " or ".join(GRADES)))
        elif setting == "exclude_ciphers":
            wanted = [item for item in FLOOR if no_anonymous or item != "aNULL"]
            missing = [item for item in wanted if item not in WORDS.findall(value)]
            if missing:
                found.append("%s leaves out %s, which the TLS floor always excludes%s; keep the role's list (add to it with "
                             "postfix_tls_exclude_ciphers)." % (
                                 where, ", ".join(missing),
                                 " (anonymous suites would let anyone in the path read what the client sends after "
                                 "STARTTLS, AUTH passwords included)" if "aNULL" in missing else ""))
        elif setting.endswith("protocols"):
            why = _protocol_problem(value)
            if why:
                found.append("%s is '%s', which %s; give '>=TLSv1.2' or '>=TLSv1.3' (postfix_tls_protocols)."
                             % (where, value, why))
    return found


def _effective(main, options, name, origin):
    """(value, where it was set, the text there) as Postfix reads the parameter for this endpoint:
    the override, else main.cf; a reference to another parameter is followed (twice at most).
    value is None when nothing sets it, False for a reference the floor cannot follow."""
    where = text = None
    for depth in range(3):
        if name in options:
            value, here = str(options[name]), "%s.%s" % (origin, name)
        elif name in main:
            value, here = main[name]["value"], main[name]["origin"]
        elif depth == 0 and _default(name) is not None:
            value, here = _default(name), "Postfix's default of %s" % name
        elif depth == 0:
            return None, None, None
        else:
            return False, where, text
        where, text = here, value
        match = REFERENCE.match(value.strip())
        if not match:
            return value, where, text
        name = match.group(1) or match.group(2) or match.group(3)
    return False, where, text


def _default(name):
    """tlsproxy's settings default to smtpd's (postconf(5)); the others have no default the floor accepts."""
    if name.startswith("tlsproxy_tls_"):
        return "$smtpd_tls_" + name[len("tlsproxy_tls_"):]
    return None


def _protocol(word):
    """The protocol a word of a protocols value names (Postfix reads names in any case, and since
    3.6 also hex versions such as 0x0303, 0303 and 303), or None."""
    for name in PROTOCOL_ORDER:
        if word.lower() == name.lower():
            return name
    digits = word[2:] if word.lower().startswith("0x") else word
    if re.match(r"^[0-9A-Fa-f]{3,4}\Z", digits):
        return HEX_VERSIONS.get(int(digits, 16))
    return None


def _protocol_problem(value):
    """Why a protocols value could let SSLv2 to TLS 1.1 through, or None. A value names protocols
    to include, or to exclude ("!name"), and since Postfix 3.6 bounds (">=name", "<=name")."""
    words = WORDS.findall(value)
    if not words:
        return "is empty, so every protocol OpenSSL has is allowed"
    included, excluded, floor = set(), set(), None
    for word in words:
        bound, name = (word[:2], word[2:]) if word.startswith((">=", "<=")) else \
            ("!", word[1:]) if word.startswith("!") else ("", word)
        protocol = _protocol(name)
        if protocol is None:
            return "names '%s', a protocol the TLS floor does not know" % name
        if bound == ">=":
            floor = PROTOCOL_ORDER.index(protocol)
        elif bound == "!":
            excluded.add(protocol)
        elif bound == "":
            included.add(protocol)

    def allows(index, protocol):
        return (floor is None or index >= floor) and protocol not in excluded and (not included or protocol in included)
    allowed = [p for index, p in enumerate(OLD_PROTOCOLS) if allows(index, p)]
    return "allows %s" % ", ".join(allowed) if allowed else None
