# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outbound half of the configuration model: the smarthost and its credentials, verified TLS
to it, sender-dependent smarthosts, per-destination TLS, recipient validation for relay_domains,
address rewriting on the way out and header privacy for authenticated submission.

The smarthost credentials are used by one master.cf service only, ``smarthost`` (an smtp client
the role writes, default_transport when postfix_relayhost is set); the SMTP client of every other
service (main.cf) has SASL off. Each credential is keyed by its smarthost, exactly as the next hop
is written ("[smtp.example.net]:587"), and that next hop's TLS level, from a table the role
writes, is secure or verify. Credentials keyed by sender (smtp_sender_dependent_authentication)
are not used on purpose: Postfix sends those to whatever host the sender's mail goes to (a
transport_maps next hop, a content_filter, a FILTER action), so a second account at the same
smarthost needs a smarthost name of its own. credentials.py is the guard's side of it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.hardened.relay.plugins.module_utils.relay_config import syntax

SMARTHOST = ("smarthost", "unix")
PRIVACY_CLEANUP = ("privacy-cleanup", "unix")
SYSTEM_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
LEVELS = ("none", "may", "encrypt", "verify", "secure")
VERIFIED = ("verify", "secure")
# [host]:port, host:port, [host] or host; a bracketed host may be an address ([ipv6:...] too).
RELAYHOST = re.compile(r"^(?:\[(?P<bracketed>[^\]\s\[]+)\]|(?P<name>[A-Za-z0-9][A-Za-z0-9.-]*))(?::(?P<port>[0-9]{1,5}))?\Z")
LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}\Z")
# What match= may name besides host names (postconf(5) smtp_tls_secure_cert_match). Not
# "hostname": that is the name DNS (MX or CNAME, unauthenticated) gave, which an attacker with
# any trusted certificate of their own could choose.
MATCH_KEYWORDS = ("nexthop", "dot-nexthop")
# The headers the privacy cleanup drops from mail that arrives on submission or smtps: the
# client's address and software. Received: is every Received line, smtpd's own (which names the
# client) included; nothing DKIM signs (From, To, Subject, Date, Message-ID...) is touched.
PRIVACY_HEADERS = ("Received", "X-Originating-IP", "User-Agent", "X-Mailer")


def domain_problem(name):
    """Why name is not a DNS name with at least two labels, or None."""
    labels = name.rstrip(".").split(".") if isinstance(name, str) else []
    if not labels or len(name) > 253 or not all(LABEL.match(label) and label.isascii() for label in labels):
        return "is not a domain name (letters, digits and '-' in labels between dots)"
    if len(labels) < 2:
        return "is a bare top-level name; give the whole domain, e.g. 'example.net'"
    return None


def address_problem(text, allow_domain_only=True):
    """Why text is not user@domain (or @domain), or None."""
    if not isinstance(text, str) or text.count("@") != 1:
        return "is not an address (user@domain%s)" % (" or @domain" if allow_domain_only else "")
    local, domain = text.split("@")
    if local == "" and not allow_domain_only:
        return "is a domain (@domain), where a whole address (user@domain) is needed"
    if local and not LOCAL_PART.match(local):
        return "has a local part with a blank, a quote or another character the tables cannot take"
    return domain_problem(domain)


def parse_relayhost(text):
    """(host, is_address) of a relayhost, or None when it is not one destination Postfix reads."""
    match = RELAYHOST.match(text or "")
    if not match or (match.group("port") and not 0 < int(match.group("port")) < 65536):
        return None
    host = match.group("bracketed") or match.group("name")
    bare = host[len("ipv6:"):] if host.lower().startswith("ipv6:") else host
    try:
        ipaddress.ip_address(bare)
        return bare, True
    except ValueError:
        return (host, False) if domain_problem(host) is None or host.count(".") == 0 and LABEL.match(host) else None


def level_for(requested, has_credentials):
    """The TLS level of a smarthost: "auto" is secure with credentials, may without."""
    if requested == "auto":
        return "secure" if has_credentials else "may"
    return requested


def policy_value(level, match):
    """A TLS policy table value: the level and, for verify and secure, the names to match."""
    return level + (" match=" + ":".join(match) if match and level in VERIFIED else "")


def credential_entries(v):
    """[(smarthost, "user:password")] of the smarthost password table, one entry per smarthost,
    keyed as Postfix looks it up (the next hop as written; Postfix folds the case of the key, so
    one smarthost spelt in two cases is one entry, in its first spelling). The model masks the
    values; the role's apply task gets them from here too (filter hardened.relay.secret_entries)."""
    entries = {}
    if v.get("postfix_relayhost_username"):
        entries[str(v.get("postfix_relayhost")).lower()] = (str(v.get("postfix_relayhost")), "%s:%s" % (
            v["postfix_relayhost_username"], v.get("postfix_relayhost_password")))
    for item in v.get("postfix_sender_dependent_relayhosts") or []:
        if isinstance(item, dict) and item.get("username"):
            entries.setdefault(str(item.get("relayhost")).lower(), (str(item.get("relayhost")), "%s:%s" % (
                item["username"], item.get("password"))))
    return sorted(entries.values(), key=lambda pair: pair[0].lower())


def smarthosts(v):
    """Every smarthost, postfix_relayhost first, then each sender-dependent one: {relayhost, level,
    match, credentials (whether the password table has an entry for it), origin, level_var,
    match_var}. Values are as given; variable_problems says
    what is wrong with them."""
    found = []
    keyed = set(key.lower() for key, dummy in credential_entries(v))
    if v["postfix_relayhost"]:
        found.append({"relayhost": v["postfix_relayhost"], "requested": v["postfix_relayhost_tls_security_level"],
                      "match": v["postfix_relayhost_tls_match"],
                      "origin": "postfix_relayhost", "level_var": "postfix_relayhost_tls_security_level",
                      "match_var": "postfix_relayhost_tls_match"})
    for index, item in enumerate(v["postfix_sender_dependent_relayhosts"] or []):
        if isinstance(item, dict):
            origin = "postfix_sender_dependent_relayhosts[%d]" % index
            found.append({"relayhost": item.get("relayhost"), "requested": item.get("tls_security_level") or "auto",
                          "match": item.get("tls_match"),
                          "origin": origin + ".relayhost", "level_var": origin + ".tls_security_level",
                          "match_var": origin + ".tls_match"})
    for host in found:
        host["credentials"] = isinstance(host["relayhost"], str) and host["relayhost"].lower() in keyed
        host["level"] = level_for(host["requested"], host["credentials"])
        host["match"] = list(host["match"]) if isinstance(host["match"], (list, tuple)) else host["match"] or []
    return found


def variable_problems(v):
    """Each wrong outbound variable, named with the fix; never a password or part of one."""
    found = []
    hosts = smarthosts(v)
    for host in hosts:
        parsed = parse_relayhost(host["relayhost"]) if isinstance(host["relayhost"], str) else None
        if parsed is None:
            found.append("%s is %r, not one smarthost; write it as '[smtp.example.net]:587' (brackets: no MX lookup), "
                         "'smtp.example.net:587' or '[192.0.2.10]:587'." % (host["origin"], host["relayhost"]))
            continue
        level, match, level_var, match_var = host["level"], host["match"], host["level_var"], host["match_var"]
        if level not in LEVELS:
            found.append("%s is %r; use auto, %s." % (level_var, host["requested"], ", ".join(LEVELS)))
            continue
        if host["credentials"] and level not in VERIFIED:
            found.append("%s is '%s' while this smarthost has credentials; the password would go to whoever answers, "
                         "unchecked. Use secure (or verify), or auto." % (level_var, level))
        if host["credentials"] and not host["relayhost"].startswith("["):
            found.append("%s is %s, a smarthost with credentials without brackets. Postfix looks a password up by the "
                         "server's host name before the next hop, so any other route to that host would get it, over "
                         "whatever TLS that route has; write it as '[%s]%s'." % (
                             host["origin"], host["relayhost"], parsed[0], ":" + host["relayhost"].rsplit(":", 1)[1]
                             if ":" in host["relayhost"] else ""))
        if level in VERIFIED and parsed[1] and not match:
            found.append("%s names the smarthost by its address %s, and a certificate names a host: set %s to the name "
                         "the smarthost's certificate carries, e.g. ['smtp.example.net']." % (host["origin"], parsed[0], match_var))
        if v["postfix_relayhost_tls_wrappermode"] and level in ("none", "may"):
            found.append("postfix_relayhost_tls_wrappermode needs TLS, and %s is '%s'; use secure, verify or encrypt."
                         % (level_var, level))
        if not isinstance(match, list):
            found.append("%s must be a list of host names." % match_var)
            continue
        for index, name in enumerate(match):
            if not _match_name(name):
                found.append("%s[%d] is %r; give a host name the certificate carries, '.domain' for its subdomains (not a "
                             "public suffix), or nexthop or dot-nexthop." % (match_var, index, name))
            elif host["credentials"] and name.startswith("."):
                # Any certificate for a name below it would get the password: whoever can get a name
                # there (a customer of a hosting domain, a registrant under a suffix no list knows).
                found.append("%s[%d] is '%s', and this smarthost has credentials: give the host name its certificate "
                             "carries (a wildcard certificate matches it too), not every name below a domain." % (
                                 match_var, index, name))
        if match and level not in VERIFIED:
            found.append("%s is set, but %s is '%s', which checks no name; use verify or secure." % (match_var, level_var, level))
    found += _sender_problems(v)
    found += _secret_problems(v)
    found += _policy_problems(v, set(str(h["relayhost"]).lower() for h in hosts))
    found += _recipient_problems(v)
    ca_file = v["postfix_relayhost_tls_ca_file"]
    if ca_file and (not ca_file.startswith("/") or re.search(r"[\s,{}$\\]|\.\./|/\.\.?\Z", ca_file)):
        found.append("postfix_relayhost_tls_ca_file is %r; give the absolute path of a PEM file on the host (no blank, "
                     "comma, brace, '$' or '..'), or leave it empty for the system's CA bundle." % ca_file)
    for index, domain in enumerate(v["postfix_masquerade_domains"] or []):
        why = domain_problem(str(domain).lstrip("!"))
        if why:
            found.append("postfix_masquerade_domains[%d] '%s' %s." % (index, domain, why))
    for name in ("postfix_smtp_generic_maps", "postfix_sender_canonical_maps"):
        entries = v[name]
        if entries and not isinstance(entries, dict):
            found.append("%s must be a dict {address: new address}, not %s." % (name, type(entries).__name__))
            continue
        for key, value in (entries or {}).items():
            why = address_problem(str(key))
            what = "key '%s'" % key if why else "the value of '%s'" % key
            why = why or address_problem(str(value))
            if why:
                found.append("%s %s %s." % (name, what, why))
    if v["postfix_relayhost"]:
        # Postfix sends relay_domains mail to the relayhost too (a stranger's forged sender could
        # even pick the sender-dependent one), unless the transport table routes it.
        # An entry with neither a transport nor a next hop (":") changes nothing: relay_transport
        # and the relayhost still decide.
        routed = set(str(entry[0]).lower() for entry in _transport_entries(v)
                     if entry and str(entry[1] or "").strip().strip(":").strip())
        for index, domain in enumerate(v["postfix_relay_domains"] or []):
            if str(domain).lower() not in routed and "*" not in routed:
                found.append("postfix_relay_domains[%d] %s has no postfix_transport entry that routes it (':' changes "
                             "nothing), so with postfix_relayhost set its mail would go to the smarthost; route it, e.g. "
                             "{%s: 'smtp:[mx.%s]:25'}." % (
                                 index, domain, domain, str(domain).lstrip(".")))
    if v["postfix_header_privacy_port_25"] and not v["postfix_header_privacy"]:
        found.append("postfix_header_privacy_port_25 is true but postfix_header_privacy is false; set both, or neither.")
    elif v["postfix_header_privacy_port_25"] and v["postfix_relay_domains"]:
        # The cleanup service is chosen by listener: inbound mail for the relay domains would lose
        # its Received trail and the headers a DKIM signature may cover.
        found.append("postfix_header_privacy_port_25 would strip the headers of all mail on port 25, and with "
                     "postfix_relay_domains set port 25 takes inbound mail too; leave it false (mail submitted on 587 "
                     "and 465 loses them anyway), or relay those domains elsewhere.")
    if v["postfix_sender_dependent_relayhosts"] and not v["postfix_relayhost"]:
        found.append("postfix_sender_dependent_relayhosts is set but postfix_relayhost is empty; the other senders' mail "
                     "needs a smarthost too (the fallback): set postfix_relayhost.")
    return found


def _transport_entries(v):
    given = v["postfix_transport"]
    if isinstance(given, dict):
        return list(given.items())
    return [(item.get("key"), item.get("value")) for item in given or [] if isinstance(item, dict)]


def _match_name(name):
    """A name match= may carry: a host name, '.domain' (any name below it: not a public suffix or a
    top-level domain) or a keyword."""
    if not isinstance(name, str) or name.lower() == "hostname":  # a keyword to Postfix, never a literal name
        return False
    if name.startswith("."):
        return domain_problem(name[1:]) is None and not syntax.is_public_suffix(name[1:])
    return name in MATCH_KEYWORDS or domain_problem(name) is None or LABEL.match(name) is not None


def _sender_problems(v):
    found, seen = [], set()
    for index, item in enumerate(v["postfix_sender_dependent_relayhosts"] or []):
        origin = "postfix_sender_dependent_relayhosts[%d]" % index
        if not isinstance(item, dict):
            found.append("%s must be a dict with sender and relayhost (and username, password, tls_match)." % origin)
            continue
        unknown = sorted(set(item) - {"sender", "relayhost", "username", "password", "tls_match", "tls_security_level"})
        if unknown:
            found.append("%s has %s; an entry has sender, relayhost, username, password, tls_security_level and "
                         "tls_match." % (origin, ", ".join(unknown)))
        why = address_problem(item.get("sender"))
        if why:
            found.append("%s.sender %r %s." % (origin, item.get("sender"), why))
        elif item["sender"].lower() in seen:
            found.append("%s.sender %s is listed twice; give each sender one smarthost." % (origin, item["sender"]))
        else:
            seen.add(item["sender"].lower())
    return found


def _secret_problems(v):
    """The credentials as the password table needs them; the messages name the variable only."""
    found = []
    accounts = {}
    if v["postfix_relayhost_username"]:
        accounts[v["postfix_relayhost"].lower()] = ("postfix_relayhost", v["postfix_relayhost_username"],
                                                    v["postfix_relayhost_password"])
    for index, item in enumerate(v["postfix_sender_dependent_relayhosts"] or []):
        if isinstance(item, dict) and item.get("username"):
            first = accounts.setdefault(str(item.get("relayhost")).lower(), (
                "postfix_sender_dependent_relayhosts[%d]" % index, item["username"], item.get("password")))
            if first[1:] != (item["username"], item.get("password")):
                found.append("postfix_sender_dependent_relayhosts[%d] gives %s other credentials than %s does. The role "
                             "keys credentials by smarthost, so that a password only ever goes to the smarthost it is "
                             "for (credentials keyed by sender go wherever that sender's mail is routed); give the second "
                             "account a smarthost name of its own (another name or port for the same server), or share "
                             "one account." % (index, item.get("relayhost"), first[0]))
    pairs = [("postfix_relayhost_username", v["postfix_relayhost_username"], "postfix_relayhost_password",
              v["postfix_relayhost_password"])]
    pairs += [("postfix_sender_dependent_relayhosts[%d].username" % i, item.get("username"),
               "postfix_sender_dependent_relayhosts[%d].password" % i, item.get("password"))
              for i, item in enumerate(v["postfix_sender_dependent_relayhosts"] or []) if isinstance(item, dict)]
    for user_var, user, password_var, password in pairs[1:]:
        if bool(user) != bool(password):
            found.append("Set both %s and %s, or neither." % (user_var, password_var))
    for user_var, user, password_var, password in pairs:
        if user and (not isinstance(user, str) or re.search(r"[\s:]", user)):
            found.append("%s may not hold a blank or ':' (the password table splits user:password at the first ':')."
                         % user_var)
        if password and (not isinstance(password, str) or password != " ".join(password.split()) or "\x00" in password):
            found.append("%s must be one line without leading, trailing or repeated blanks, which the password table "
                         "would fold; change the password, or quote it as a YAML string." % password_var)
    return found


def _policy_problems(v, relayhosts):
    found, seen = [], set()
    for index, item in enumerate(v["postfix_smtp_tls_policy"] or []):
        origin = "postfix_smtp_tls_policy[%d]" % index
        if not isinstance(item, dict) or set(item) - {"destination", "level", "match"} or "destination" not in item:
            found.append("%s must be a dict with destination and level (and match for verify or secure)." % origin)
            continue
        destination = str(item["destination"])
        if destination.lower() in relayhosts:
            found.append("%s.destination %s is a smarthost, whose TLS is set by postfix_relayhost_tls_security_level "
                         "(or the sender's tls_security_level); remove the entry." % (origin, destination))
        elif parse_relayhost(destination) is None and domain_problem(destination.lstrip(".")):
            found.append("%s.destination '%s' is not a domain, .domain, [host]:port or host:port." % (origin, destination))
        if destination.lower() in seen:
            found.append("%s.destination %s is listed twice." % (origin, destination))
        seen.add(destination.lower())
        if item.get("level") not in LEVELS:
            found.append("%s.level is %r; use one of %s." % (origin, item.get("level"), ", ".join(LEVELS)))
        match = item.get("match") or []
        names_ok = isinstance(match, list) and all(_match_name(m) for m in match)
        if match and (item.get("level") not in VERIFIED or not names_ok):
            found.append("%s.match must be a list of host names, and only with level verify or secure." % origin)
    return found


def _recipient_problems(v):
    found = []
    domains = [str(d).lower() for d in v["postfix_relay_domains"] or []]
    for index, address in enumerate(v["postfix_relay_recipients"] or []):
        why = address_problem(address)
        if why:
            found.append("postfix_relay_recipients[%d] %r %s." % (index, address, why))
            continue
        domain = address.split("@")[1].lower()
        if not any(domain == d or d.startswith(".") and domain.endswith(d) for d in domains):
            found.append("postfix_relay_recipients[%d] %s is not in postfix_relay_domains (%s); the relay only checks "
                         "recipients of the domains it relays to." % (index, address, ", ".join(domains) or "empty"))
    return found


def build(builder):
    """Adds the outbound tables and services to the builder; returns the main.cf parameters."""
    v = builder.v
    params = []
    if v["postfix_relayhost"]:
        params += [("relayhost", v["postfix_relayhost"], "postfix_relayhost"),
                   ("default_transport", SMARTHOST[0], "postfix_relayhost")]
    senders = [item for item in v["postfix_sender_dependent_relayhosts"] or [] if isinstance(item, dict)]
    if senders:
        params.append(("sender_dependent_relayhost_maps", builder.table(
            "sender_relayhost", "auto", dict((str(i.get("sender")), str(i.get("relayhost"))) for i in senders),
            "postfix_sender_dependent_relayhosts"), "postfix_sender_dependent_relayhosts"))
    if credential_entries(v):
        # Postfix 3.10+ honours a "TLS-Required: no" header (RFC 8689) by skipping the TLS policy
        # table, so anyone who could get such a message (or its bounce) out would turn the
        # smarthost's check off and the password would go to whoever answers.
        params.append(("tls_required_enable", False, "the role", {"requires": "tls_required"}))
    # The SMTP client of main.cf (direct delivery, transport_maps next hops) never authenticates.
    params += [("smtp_tls_security_level", "may", "the role"), ("smtp_tls_CAfile", SYSTEM_CA_FILE, "the role")]
    if v["postfix_smtp_tls_policy"]:
        params.append(("smtp_tls_policy_maps", builder.table(
            "smtp_tls_policy", "auto", [{"key": str(i.get("destination")), "value": policy_value(
                str(i.get("level")), i.get("match") or [])} for i in v["postfix_smtp_tls_policy"] if isinstance(i, dict)],
            "postfix_smtp_tls_policy"), "postfix_smtp_tls_policy"))
    if v["postfix_relay_recipients"]:
        params.append(("relay_recipient_maps", builder.table(
            "relay_recipients", "auto", dict((str(a), "OK") for a in v["postfix_relay_recipients"]),
            "postfix_relay_recipients"), "postfix_relay_recipients"))
    if v["postfix_smtp_generic_maps"]:
        params.append(("smtp_generic_maps", builder.table("generic", "auto", v["postfix_smtp_generic_maps"],
                                                          "postfix_smtp_generic_maps"), "postfix_smtp_generic_maps"))
    if v["postfix_sender_canonical_maps"]:
        params.append(("sender_canonical_maps", builder.table("sender_canonical", "auto", v["postfix_sender_canonical_maps"],
                                                              "postfix_sender_canonical_maps"), "postfix_sender_canonical_maps"))
    if v["postfix_masquerade_domains"]:
        params.append(("masquerade_domains", list(v["postfix_masquerade_domains"]), "postfix_masquerade_domains"))
    if v["postfix_sender_canonical_maps"] or v["postfix_masquerade_domains"]:
        # Postfix rewrites header addresses of local clients only; the relay's own clients are local here.
        params.append(("local_header_rewrite_clients", "permit_inet_interfaces, permit_mynetworks, permit_sasl_authenticated",
                       "postfix_sender_canonical_maps" if v["postfix_sender_canonical_maps"] else "postfix_masquerade_domains"))
    return params


def in_master_cf(lookup):
    """A lookup as a master.cf -o value: without braces, which master.cf reads as a { } group."""
    return lookup.replace("${default_database_type}", "$default_database_type")


def smarthost_service(builder):
    """The smarthost service (default_transport with postfix_relayhost): the only SMTP client that
    authenticates, to next hops whose TLS level the role's table sets."""
    v = builder.v
    relayhosts = smarthosts(v)
    credentials = credential_entries(v)
    policy, spelling = {}, {}
    for host in relayhosts:
        parsed = parse_relayhost(host["relayhost"]) if isinstance(host["relayhost"], str) else None
        # The names are always written out, so that main.cf's smtp_tls_*_cert_match never decide.
        match = host["match"] if isinstance(host["match"], list) and host["match"] else [parsed[0].lower()] if parsed else []
        value = policy_value(host["level"], match)
        # Postfix folds the case of the key: one smarthost spelt in two cases is one entry.
        key = spelling.setdefault(str(host["relayhost"]).lower(), str(host["relayhost"]))
        if policy.setdefault(key, value) != value:
            builder.problems.append("%s is %s, which another smarthost entry names with other TLS settings (%s, not %s); "
                                    "give both the same tls_security_level and tls_match." % (
                                        host["origin"], host["relayhost"], policy[key], value))
    # Every smarthost has its entry in the policy table; a next hop routed here otherwise
    # (transport_maps ":[host]") has no credentials and gets what the plain SMTP client gets.
    options = {"smtp_tls_security_level": "may",
               "smtp_tls_policy_maps": in_master_cf(builder.table("smarthost_tls_policy", "auto", policy, "postfix_relayhost")),
               "smtp_tls_CAfile": v["postfix_relayhost_tls_ca_file"] or SYSTEM_CA_FILE,
               # What main.cf could say otherwise: no further CAs or trust anchors, no credentials by
               # sender, no TLS through tlsproxy (its own CA settings), never a second host.
               "smtp_tls_CApath": "", "smtp_tls_trust_anchor_file": "", "smtp_sender_dependent_authentication": "no",
               "smtp_tls_connection_reuse": "no", "smtp_fallback_relay": ""}
    for name, value in options.items():
        why = syntax.override_value_problem(value)
        if why:
            builder.problems.append("The smarthost service's %s (from postfix_relayhost*) %s." % (name, why))
    if credentials:
        # One entry per smarthost; the passwords never leave the secret table.
        lookup = builder.table("sasl_passwd", "auto", [{"key": str(k), "value": str(p)} for k, p in credentials],
                               "the smarthost credentials", secret=True, mode="0600")
        options.update(smtp_sasl_auth_enable="yes", smtp_sasl_password_maps=in_master_cf(lookup), smtp_sasl_security_options="noanonymous",
                       smtp_sasl_tls_security_options="noanonymous")
    if v["postfix_relayhost_tls_wrappermode"]:
        options["smtp_tls_wrappermode"] = "yes"
    builder.service(SMARTHOST[0], SMARTHOST[1], True, "smtp", options, "postfix_relayhost", private="-")


def privacy_cleanup(builder, header_checks_lookup):
    """The cleanup service of submission and smtps: the privacy headers dropped, then the admin's
    header_checks as on every other path. Returns its name for cleanup_service_name."""
    lookup = builder.table("header_privacy.pcre", "pcre", [{"key": "/^%s:/" % name, "value": "IGNORE"}
                                                           for name in PRIVACY_HEADERS], "postfix_header_privacy")
    own = [lookup] + ([header_checks_lookup] if header_checks_lookup else [])
    builder.service(PRIVACY_CLEANUP[0], PRIVACY_CLEANUP[1], True, "cleanup",
                    {"header_checks": ",".join(own), "mime_header_checks": header_checks_lookup or "",
                     "nested_header_checks": header_checks_lookup or ""},
                    "postfix_header_privacy", process_limit="0", private="n")
    return PRIVACY_CLEANUP[0]
