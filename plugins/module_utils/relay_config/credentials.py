# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The smarthost credential guard, over the one configuration model: a smarthost password is
only ever sent by the role's smarthost service, only to the next hop it is keyed by, and only
after that next hop's certificate was checked (TLS level verify or secure, with the names to
match written out), against the CAs the role chose.

An attacker in the path presents some certificate; a careless configuration accepts it and
receives the AUTH PLAIN password. So the guard refuses, from postfix_main_cf_extra and from
the overrides of any service the role does not write, every parameter that turns client AUTH on,
names a password table, or would change what the smarthost service trusts; and it checks the
smarthost service as the role wrote it (outbound.py), failing closed on anything else.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hardened.relay.plugins.module_utils.relay_config import master, outbound

# SMTP/LMTP client parameters (smtp_<suffix>, lmtp_<suffix>) that decide whether a password is sent
# or what certificate is good enough; every smtp_sasl_* and lmtp_sasl_* one too.
CLIENT_SUFFIXES = ("sender_dependent_authentication", "tls_CAfile", "tls_CApath", "tls_trust_anchor_file",
                   "tls_secure_cert_match", "tls_verify_cert_match", "tls_fingerprint_cert_match", "tls_connection_reuse",
                   "fallback_relay")
# The settings the smarthost service pins: whatever main.cf says, these are what it reads.
PINNED = {"smtp_tls_CApath": "", "smtp_tls_trust_anchor_file": "", "smtp_sender_dependent_authentication": "no",
          "smtp_tls_connection_reuse": "no", "smtp_fallback_relay": ""}
WHY = "decides whether the smarthost password is sent, or which certificate is good enough to send it to"
# The smarthost service named as a transport (relay_transport = smarthost, content_filter =
# smarthost:..., inline:{ {x=smarthost:...} }, an access or header_checks action FILTER smarthost:...).
TO_SMARTHOST = re.compile(r"(?:^|(?<=[\s,{}=:]))%s(?=[\s,{}=:]|\Z)" % re.escape(outbound.SMARTHOST[0]))
ROUTED = ("mail would leave through the smarthost service, with its credentials, for mail the role routes "
          "elsewhere; only the role sends mail there (default_transport with postfix_relayhost)")
# The parameters that pick a transport (postconf(5)); the role writes default_transport, relayhost,
# transport_maps and sender_dependent_relayhost_maps itself, and the guard refuses them from others.
ROUTING = ("relay_transport", "default_transport", "content_filter", "sender_dependent_default_transport_maps",
           "fallback_transport", "local_transport", "virtual_transport", "lmtp_fallback_relay", "relayhost",
           "transport_maps", "sender_dependent_relayhost_maps", "address_verify_relay_transport",
           "address_verify_default_transport", "address_verify_local_transport", "address_verify_virtual_transport",
           "address_verify_transport_maps", "address_verify_sender_dependent_default_transport_maps",
           "address_verify_sender_dependent_relayhost_maps", "address_verify_relayhost")
# Lookup tables whose entries live elsewhere (a file, a server): the guard cannot read where they
# route. inline:, static: and randmap: carry theirs in the value, which TO_SMARTHOST reads.
UNREAD_TABLE = re.compile(r"(?<![\w.-])(?:btree|cdb|cidr|dbm|environ|hash|ldap|lmdb|memcache|mongodb|mysql|nis|nisplus|"
                          r"pcre|pgsql|pipemap|proxy|regexp|sdbm|socketmap|sqlite|tcp|texthash|unionmap):")


def decides_credentials(name):
    for prefix in ("smtp_", "lmtp_"):
        if name.startswith(prefix) and (name[len(prefix):].startswith("sasl_") or name[len(prefix):] in CLIENT_SUFFIXES):
            return True
    return name.startswith("tlsproxy_client_") or name == "tls_required_enable"


def role_written(service):
    """Whether the role wrote the service whole (no override of the admin's in it)."""
    return (service["name"], service["type"]) in (outbound.SMARTHOST, outbound.PRIVACY_CLEANUP) and \
        not service["origin"].startswith("postfix_master_services")


def problems(model, main):
    """Every way a smarthost password could reach a host whose certificate was not checked; main
    is the model's main.cf as Postfix reads it (model.main_parameters)."""
    found = []
    for name, parameter in main.items():
        if parameter["origin"].startswith("postfix_main_cf_extra") and decides_credentials(name):
            found.append("%s sets %s, which %s; the role sets the smarthost up itself (postfix_relayhost_*, "
                         "postfix_sender_dependent_relayhosts). Remove it." % (parameter["origin"], name, WHY))
    secret = [t for t in model["tables"] if t["secret"]]
    smarthost = None
    for service in model["master_cf"]:
        if service["state"] != "present":
            continue
        if role_written(service) and (service["name"], service["type"]) == outbound.SMARTHOST:
            smarthost = service
            continue
        origin = master.options_origin(service)
        for name in service["options"]:
            if decides_credentials(name):
                found.append("%s.%s: %s %s, and only the role's smarthost service may set it. Remove the override."
                             % (origin, name, name, WHY))
    written = [p for section in model["main_cf"] for p in section["parameters"] if p["name"] == "tls_required_enable"]
    if secret and [(p["value"], p.get("requires"), p["origin"]) for p in written] != [("no", "tls_required", "the role")]:
        found.append("The smarthost password table is written, but main.cf does not turn off the TLS-Required header "
                     "(tls_required_enable = no on Postfix 3.10 and later) (report this as a bug).")
    if secret and smarthost is None:
        found.append("The smarthost password table is written, but no smarthost service uses it (report this as a bug).")
    if smarthost is not None:
        found += _smarthost_problems(model, smarthost, secret)
        found += _routes_to_smarthost(model, main)
    return found


def _routes_to_smarthost(model, main):
    """What the admin wrote that sends mail to the smarthost service: its credentials (and the
    sender-dependent ones) would then carry mail the role routes elsewhere, a stranger's to a relay
    domain with a forged sender among it."""
    found = []
    for name, parameter in main.items():
        if parameter["origin"].startswith("postfix_main_cf_extra"):
            found += _routing_problem("%s sets %s = %s" % (parameter["origin"], name, parameter["value"]), name,
                                      parameter["value"], "Remove it")
    for service in model["master_cf"]:
        if role_written(service):
            continue
        origin = master.options_origin(service)
        for name, value in service["options"].items():
            found += _routing_problem("%s.%s = %s" % (origin, name, value), name, value, "Remove the override")
    for table in model["tables"]:
        if table["secret"] or table["origin"] in ("postfix_transport", "postfix_relayhost"):
            continue  # the transport table is checked where it is built (model.py); the others are the role's
        for key, value in table["entries"]:
            found += _routing_problem("%s entry %s: %s" % (table["origin"], key, value), None, value,
                                      "Use another action or transport")
    return found


def _routing_problem(where, name, value, fix):
    """The refusal of a value that sends mail to the smarthost service (name: the parameter that
    holds it, None for a table entry)."""
    if TO_SMARTHOST.search(value):
        return ["%s: %s. %s." % (where, ROUTED, fix)]
    if name in ROUTING and UNREAD_TABLE.search(value):
        return ["%s: a lookup table whose entries the guard cannot read picks the transport, and one could be the "
                "smarthost service (%s). %s, or route with postfix_transport and postfix_sender_dependent_relayhosts."
                % (where, ROUTED, fix)]
    return []


def _smarthost_problems(model, service, secret):
    found = []
    options = service["options"]
    for name, value in PINNED.items():
        if options.get(name) != value:
            found.append("The smarthost service does not pin %s to '%s' (report this as a bug)." % (name, value))
    if options.get("smtp_sasl_auth_enable", "no") == "no":
        return found
    lookup = options.get("smtp_sasl_password_maps", "")
    passwords = _table(model, lookup)
    policy = _table(model, options.get("smtp_tls_policy_maps", ""))
    if passwords is None or not passwords["secret"] or policy is None or passwords not in secret:
        return found + ["The smarthost service reads a password or TLS policy table the role did not write (%s, %s); "
                        "the guard cannot tell where a password would go (report this as a bug)." % (
                            lookup, options.get("smtp_tls_policy_maps", ""))]
    # Postfix folds the case of a lookup key, so the guard reads the keys as it does; two entries
    # that fold to one key are refused (which one Postfix would read is not the guard's guess).
    for table in (policy, passwords):
        keys = [key.lower() for key, dummy in table["entries"]]
        for key in sorted(set(k for k in keys if keys.count(k) > 1)):
            found.append("The smarthost %s has two entries in %s, whose keys Postfix folds to lower case; the guard "
                         "cannot tell which one Postfix reads (report this as a bug)." % (key, table["path"]))
    levels = dict((key.lower(), value) for key, value in policy["entries"])
    for key, dummy in passwords["entries"]:
        value = levels.get(key.lower(), options.get("smtp_tls_security_level", ""))
        words = value.split()
        if not words or words[0] not in outbound.VERIFIED or not any(w.startswith("match=") for w in words[1:]):
            found.append("The smarthost %s has credentials, but its TLS policy is '%s', which does not check its "
                         "certificate against the names it must carry; the password could reach a man in the middle. "
                         "Use postfix_relayhost_tls_security_level secure (or verify)." % (key, value))
        elif any(not w.startswith("match=") for w in words[1:]):
            found.append("The smarthost %s has a TLS policy with attributes other than match= ('%s'), which the "
                         "guard does not read (report this as a bug)." % (key, value))
    if master.program(service) != "smtp":
        found.append("The smarthost service runs %s, not smtp (report this as a bug)." % master.program(service))
    return found


def _table(model, lookup):
    """The role's table one lookup ("type:path") names, or None."""
    path = lookup.split(":", 1)[-1] if lookup.count(":") == 1 else None
    return next((table for table in model["tables"] if table["path"] == path), None)
