# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired Postfix configuration, computed once from the postfix role's variables.

``build(variables)`` takes the role variables after the argument specs converted them (so a
boolean is a bool even when the command line gave the string "false") and returns the model:

- ``main_cf``: sections ``{title, parameters: [{name, value, origin, requires?}]}`` in file order,
  each value the exact text main.cf gets and ``origin`` the variable it came from;
- ``master_cf``: services in the form of the postconf module (name, type, state, the columns,
  command, options, exclusive_options) plus ``origin``;
- ``tables``: ``{path, type, flavour, entries: [[key, value]], secret, mode, origin}``, the entries
  exactly as postmap will read them;
- ``files``: ``{path, content, mode}``; ``packages``: what the configuration needs installed.

The guard, the templates and the tasks all read this one structure. Facts of the installed
Postfix (its version and default table type) are applied only when main.cf is written
(render.py); nothing the guard judges depends on them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.hardened.relay.plugins.module_utils.policy_inputs import access_key_problem, access_map_problems, input_problems
from ansible_collections.hardened.relay.plugins.module_utils.postfix import TABLE_SUFFIX
from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import PATTERN_TYPES, render_source, split_entry
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import master, outbound, syntax, tls_floor

MAPS_DIR = "/etc/postfix/maps"
SASL_DIR = "/etc/postfix/sasl"
# Made once by the role when no certificate is given (Postfix only offers STARTTLS with one).
ALIASES = "/etc/aliases"
SELFSIGNED_CERT = "/etc/postfix/tls/selfsigned.crt"
SELFSIGNED_KEY = "/etc/postfix/tls/selfsigned.key"
STAGES = ("client", "helo", "sender", "relay", "recipient", "data", "end_of_data", "etrn")
# The -o overrides that make submission and smtps serve authenticated clients only.
AUTHENTICATED_ONLY = {"smtpd_client_restrictions": "permit_sasl_authenticated,reject",
                      "smtpd_relay_restrictions": "permit_sasl_authenticated,reject"}
# A listener behind a load balancer: the client address comes from the PROXY header, which anyone
# who reaches the port directly can forge, so that listener trusts no network.
PROXIED = {"smtpd_upstream_proxy_protocol": "haproxy", "mynetworks": "", "smtpd_authorized_xclient_hosts": ""}
SHA256_FINGERPRINT = re.compile(r"^[0-9A-F]{2}(?::[0-9A-F]{2}){31}\Z")
CIPHER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}\Z")
CERT_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}\Z")
# Table actions that send mail somewhere: with a pattern's $1 in them, the sender would choose where.
SUBSTITUTED_ACTIONS = ("REDIRECT", "BCC", "FILTER")
# Table types the role builds, and the Debian package each needs beyond postfix.
INDEXED_TYPES = ("hash", "btree", "lmdb", "cdb")
TYPE_PACKAGES = {"pcre": "postfix-pcre", "lmdb": "postfix-lmdb", "cdb": "postfix-cdb"}
# "auto": the installed Postfix's default_database_type, which main.cf can name as a macro.
DEFAULT_TYPE = "${default_database_type}"
# A value that names a fact of the installed Postfix, filled in when main.cf is written.
FACT = {"format": True}
# The first release of each stable branch with smtpd_forbid_bare_newline; 3.9 has it from the start.
BARE_NEWLINE_BACKPORTS = {(3, 8): 5, (3, 7): 10, (3, 6): 14, (3, 5): 24}
# Services the role writes in master.cf; postfix_master_services may not replace them.
ROLE_SERVICES = (("smtp", "inet"), ("smtpd", "pass"), ("dnsblog", "unix"), ("tlsproxy", "unix"),
                 ("submission", "inet"), ("smtps", "inet"), outbound.SMARTHOST, outbound.PRIVACY_CLEANUP)
# Of those, the services the role writes whole (no -o of the admin's): the guard checks what they
# do (credentials.py) instead of refusing the overrides it would refuse from anyone else.
ROLE_WRITTEN = (outbound.SMARTHOST, outbound.PRIVACY_CLEANUP)
# Every parameter that takes its value from subdomains' parents by default, less relay_domains:
# relay_domains entries match the domain itself, and ".example.com" is how to say "and below".
PARENT_MATCHES = "debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients, " \
                 "smtpd_access_maps"


def yes_no(flag):
    return "yes" if flag else "no"


def as_text(value, separator=", "):
    """A role value as main.cf text: lists joined, booleans as yes/no."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (list, tuple)):
        return separator.join(str(item) for item in value)
    return "" if value is None else str(value)


def warn_if_reject(restrictions, classes=()):
    """The staging form of a spam policy list: warn_if_reject before each entry that can reject.
    A restriction class is left alone: warn_if_reject before it would turn every reject in it,
    a destination guard too, into a log line."""
    staged = []
    for entry in restrictions:
        entry = str(entry).strip()
        first = entry.split(None, 1)[0] if entry else ""
        can_reject = (first == "reject" or first.startswith(("reject_", "check_"))) and first not in classes
        staged.append("warn_if_reject " + entry if can_reject and not (staged and staged[-1] == "warn_if_reject") else entry)
    return staged


def table_entries(given):
    """[(key, value)] of a dict or a list of {key, value}, as postmap will read the lines: the
    key as written, the value's blanks folded and a list value joined with commas. Items of
    another shape come back as None for the checks to report. A value with a line break is kept
    as given, so that the checks refuse it rather than folding it into one line unseen."""
    if isinstance(given, dict):
        pairs = list(given.items())
    elif isinstance(given, (list, tuple)):
        pairs = [(item["key"], item["value"]) if isinstance(item, dict) and len(item) == 2 and "key" in item and "value" in item
                 else None for item in given]
    else:
        return None
    entries = []
    for pair in pairs:
        if pair is not None and isinstance(pair[0], str) and isinstance(pair[1], str):  # the common case, quickly
            folded = " ".join(pair[1].split())
            entries.append([pair[0].strip(), folded if folded == pair[1] else _folded(pair[1])])
            continue
        if pair is None or isinstance(pair[1], dict) or pair[0] is None or isinstance(pair[0], (dict, list)):
            entries.append(None)
            continue
        key, value = pair
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(item).strip() for item in value)
        elif isinstance(value, bool):
            value = "OK" if value else ""  # YAML yes/no: the guard sees what postmap would get
        entries.append([str(key).strip(), _folded(str("" if value is None else value))])
    return entries


def _folded(value):
    """The value with its blanks folded; one with a line break inside (not at its ends, as YAML's
    block scalars leave) as given."""
    folded = " ".join(value.split())
    if folded == value:
        return folded
    value = value.strip()
    return value if syntax.line_break_problem(value) else folded


class Builder:
    """Builds the model; collects the problems of values that cannot be written as given."""

    def __init__(self, variables):
        self.v = variables
        self.problems = []
        self.sections = []
        self.tables = []
        self.services = []
        self.packages = ["postfix", "openssl", "ca-certificates", "iproute2"]

    # -- main.cf -------------------------------------------------------------------------------
    def section(self, title, parameters):
        """parameters: [(name, value, origin)] or (name, value, origin, {"requires": tag} or FACT)."""
        params = []
        for item in parameters:
            name, value, origin = item[:3]
            text = as_text(value)
            why = syntax.main_cf_value_problem(text)
            if why is None and not syntax.PARAMETER_NAME.match(name):
                why = "is not a Postfix parameter name"
            if why:
                self.problems.append("%s (main.cf %s) %s." % (origin, name, why))
            entry = {"name": name, "value": " ".join(text.split()), "origin": origin}
            if isinstance(value, (list, tuple)):
                entry["items"] = [" ".join(str(element).split()) for element in value]
            entry.update(item[3] if len(item) > 3 else {})
            params.append(entry)
        self.sections.append({"title": title, "parameters": params})

    def table(self, name, map_type, entries, origin, secret=False, mode="0644", flavour="postmap", key_problem=None):
        """A table in MAPS_DIR; returns the lookup main.cf and the restriction lists use.

        key_problem(key, map_type), when given, checks what the table's use asks of a key beyond
        its line syntax (an access map's cidr networks and patterns), in this same pass: one loop
        over 100,000 entries costs a tenth of a second, and a second one as much again."""
        path = "%s/%s" % (MAPS_DIR, name)
        normalized = table_entries(entries)
        if normalized is None:
            self.problems.append("%s must be a dict {key: value} or a list of {key:, value:}, not %s." % (
                origin, type(entries).__name__))
            normalized = []
        found = []
        # An indexed table's "key value" line is the entry itself once both are plain (_line_problem).
        indexed = flavour == "postmap" and map_type not in PATTERN_TYPES
        for index, entry in enumerate(normalized):
            if indexed and entry is not None and syntax.plain_entry(entry[0], entry[1]) and not (
                    key_problem and key_problem(entry[0], map_type)):
                continue
            if entry is None:
                found.append("%s.entries[%d] must be a mapping with exactly 'key' and 'value', each a string." % (origin, index)
                             if not secret else "%s entry %d must be a key with a string value." % (origin, index))
                continue
            key, value = entry
            why = syntax.table_key_problem(key, map_type, PATTERN_TYPES) or (key_problem and key_problem(key, map_type))
            what = "key '%s'" % key if why else "the value of '%s'" % key
            why = why or syntax.table_value_problem(value) or self._line_problem(key, value, map_type, flavour)
            if why:
                found.append("%s%s %s %s." % (origin, ".entries[%d]" % index if not secret else " entry %d:" % index, what, why))
        self.problems += found[:5] + (["%s has %d more such entries." % (origin, len(found) - 5)] if len(found) > 5 else [])
        self.tables.append({"path": path, "type": map_type, "flavour": flavour, "secret": secret, "mode": mode,
                            "origin": origin, "entries": [e for e in normalized if e is not None]})
        if map_type in TYPE_PACKAGES:
            self.packages.append(TYPE_PACKAGES[map_type])
        return "%s:%s" % (DEFAULT_TYPE if map_type == "auto" else map_type, path)

    @staticmethod
    def _line_problem(key, value, map_type, flavour):
        """What postmap would read from the line the entry becomes, when that is not the entry. For
        the indexed types' "key value" lines it is the entry whenever the key is one word, which
        table_key_problem has checked already (the shortcut matters for 100,000-entry tables)."""
        if flavour == "postmap" and map_type not in PATTERN_TYPES:
            return None
        line = render_source([(key, value)], flavour).rstrip("\n")
        read = split_entry(line, flavour, map_type)
        if tuple(read) != (key, value):
            return ("would be read by postmap as key '%s' with value '%s'; a %s key is %s" % (
                read[0], read[1], map_type, "one /pattern/flags" if map_type in PATTERN_TYPES else "one word"))
        if map_type in PATTERN_TYPES and "$" in value and value.split()[0].upper() in SUBSTITUTED_ACTIONS:
            return ("sends mail to an address a $ substitution takes from the mail itself (%s), so the sender chooses "
                    "where it goes; name the address" % value.split()[0].upper())
        return None

    def build(self):
        v = self.v
        lookups = {}
        if v["postfix_transport"]:
            lookups["transport"] = self.table("transport", "auto", v["postfix_transport"], "postfix_transport")
        if v["postfix_sender_login_maps"]:
            lookups["sender_login"] = self.table("sender_login", "auto", v["postfix_sender_login_maps"],
                                                 "postfix_sender_login_maps")
        for kind in ("header_checks", "body_checks"):
            if v["postfix_" + kind]:
                lookups[kind] = self.table(kind + ".pcre", "pcre", v["postfix_" + kind], "postfix_" + kind)
        postscreen = v["postfix_smtp_enabled"] and v["postfix_postscreen_enabled"]
        if postscreen and v["postfix_postscreen_access"]:
            lookups["postscreen_access"] = self.table("postscreen_access.cidr", "cidr", v["postfix_postscreen_access"],
                                                      "postfix_postscreen_access")
        certs = v["postfix_relay_clientcerts"] or []
        if certs:
            lookups["relay_clientcerts"] = self.table("relay_clientcerts", "auto", self._clientcerts(certs),
                                                      "postfix_relay_clientcerts")
        for name, spec in (v["postfix_access_maps"] or {}).items():
            spec = spec if isinstance(spec, dict) else {}
            self.table(str(name), str(spec.get("type", "auto")), spec.get("entries", []), "postfix_access_maps.%s" % name,
                       key_problem=access_key_problem)
        # The alias table of local delivery (alias_maps): the system's own /etc/aliases when it has
        # one, left as it is, else these two lines; built and checked like every other table.
        self.tables.append({"path": ALIASES, "type": "auto", "flavour": "postalias", "secret": False, "mode": "0644",
                            "origin": "the role", "entries": [["postmaster", "root"], ["abuse", "root"]],
                            "keep_existing": True})
        self.lookups = lookups
        self._main(lookups, postscreen)
        self._master(postscreen)
        self._collisions()
        files = []
        if v["postfix_sasl_enabled"]:
            files.append({"path": SASL_DIR + "/smtpd.conf", "mode": "0644", "content": (
                "# Written by the hardened.relay.postfix role: smtpd asks saslauthd (inside the chroot).\n"
                "pwcheck_method: saslauthd\nmech_list: %s\n" % " ".join(v["postfix_sasl_mechanisms"]))})
        tls = {"cert_file": v["postfix_tls_cert_file"] or SELFSIGNED_CERT, "key_file": v["postfix_tls_key_file"] or SELFSIGNED_KEY,
               "selfsigned": not v["postfix_tls_cert_file"], "dir": os.path.dirname(SELFSIGNED_CERT),
               "anonymous_on_port_25": v["postfix_tls_anonymous_on_port_25"] is True}
        return {"main_cf": self.sections, "master_cf": self.services, "tables": self.tables, "files": files, "tls": tls,
                "packages": sorted(set(self.packages)),
                "sasl_mechanisms": list(v["postfix_sasl_mechanisms"]) if v["postfix_sasl_enabled"] else []}

    def restrictions(self):
        """The list of each stage as Postfix gets it: staging warns in the spam policy lists only,
        block lists and policy services follow the recipient list."""
        v = self.v
        lists = dict((stage, list(v["postfix_smtpd_%s_restrictions" % stage])) for stage in STAGES)
        extra = list(v["postfix_policy_restrictions"])
        if v["postfix_dnsbl_enabled"]:
            extra = ["reject_rbl_client " + z for z in v["postfix_dnsbl_zones"]] + \
                    ["reject_rhsbl_sender " + z for z in v["postfix_rhsbl_sender_zones"]] + extra
        lists["recipient"] += extra
        if v["postfix_staging"]:
            classes = [str(name) for name in (v["postfix_smtpd_restriction_classes"] or {})]
            lists = dict((stage, entries if stage == "relay" else warn_if_reject(entries, classes))
                         for stage, entries in lists.items())
        return lists

    def _clientcerts(self, certs):
        """relay_clientcerts entries, fingerprint -> name; SHA256 fingerprints only (32 bytes)."""
        entries = {}
        for index, cert in enumerate(certs):
            fingerprint = str(cert.get("fingerprint", "")).upper() if isinstance(cert, dict) else ""
            name = str(cert.get("name", "")) if isinstance(cert, dict) else ""
            if not SHA256_FINGERPRINT.match(fingerprint):
                self.problems.append("postfix_relay_clientcerts[%d].fingerprint is '%s', not a SHA256 fingerprint; give the "
                                     "32 bytes as hex pairs with colons, as 'openssl x509 -noout -fingerprint -sha256' prints "
                                     "them." % (index, fingerprint))
            elif not CERT_NAME.match(name):
                self.problems.append("postfix_relay_clientcerts[%d].name is '%s'; give one word that says whose certificate "
                                     "it is (letters, digits, '.', '_', '-', '@')." % (index, name))
            else:
                entries[fingerprint] = name
        return entries

    def _main(self, lookups, postscreen):
        v = self.v
        self.section("Identity and reach", [
            ("compatibility_level", "{max_compatibility_level}", "the installed Postfix", FACT),
            ("myhostname", v["postfix_myhostname"], "postfix_myhostname"),
            ("mydomain", v["postfix_mydomain"], "postfix_mydomain"),
            ("myorigin", v["postfix_myorigin"], "postfix_myorigin"),
            ("mydestination", v["postfix_mydestination"], "postfix_mydestination"),
            ("inet_interfaces", v["postfix_inet_interfaces"], "postfix_inet_interfaces"),
            ("inet_protocols", v["postfix_inet_protocols"], "postfix_inet_protocols"),
            ("smtpd_banner", v["postfix_smtpd_banner"], "postfix_smtpd_banner"),
            ("biff", False, "the role"),
            ("append_dot_mydomain", False, "the role")])
        relay = [("mynetworks", as_text(v["postfix_mynetworks"], " "), "postfix_mynetworks"),
                 ("relay_domains", v["postfix_relay_domains"], "postfix_relay_domains"),
                 ("parent_domain_matches_subdomains", PARENT_MATCHES, "the role")]
        if "transport" in lookups:
            relay.append(("transport_maps", lookups["transport"], "postfix_transport"))
        self.section("Who may relay", relay)
        self.section("Outbound: the smarthost (master.cf service smarthost, verified TLS), rewriting, recipients",
                     outbound.build(self))
        lists = self.restrictions()
        restrictions = [("smtpd_helo_required", v["postfix_smtpd_helo_required"], "postfix_smtpd_helo_required"),
                        ("disable_vrfy_command", v["postfix_disable_vrfy_command"], "postfix_disable_vrfy_command")]
        classes = v["postfix_smtpd_restriction_classes"] or {}
        if classes:
            restrictions.append(("smtpd_restriction_classes", list(classes), "postfix_smtpd_restriction_classes"))
            restrictions += [(str(name), entries, "postfix_smtpd_restriction_classes.%s" % name)
                             for name, entries in classes.items()]
        restrictions += [("smtpd_%s_restrictions" % stage, lists[stage], "postfix_smtpd_%s_restrictions" % stage)
                         for stage in STAGES]
        for name, origin in (("sender_login", "smtpd_sender_login_maps"), ("header_checks", "header_checks"),
                             ("body_checks", "body_checks")):
            if name in lookups:
                restrictions.append((origin, lookups[name], "postfix_" + ("sender_login_maps" if name == "sender_login" else name)))
        self.section("Restrictions, one list per stage, in order", restrictions)
        if postscreen:
            self._postscreen(lookups)
        self._tls(lookups)
        if v["postfix_sasl_enabled"]:
            self.section("SMTP AUTH through saslauthd, offered on submission and smtps only (master.cf), after TLS", [
                ("smtpd_sasl_type", "cyrus", "postfix_sasl_enabled"), ("smtpd_sasl_path", "smtpd", "postfix_sasl_enabled"),
                ("cyrus_sasl_config_path", SASL_DIR, "postfix_sasl_enabled"),
                ("smtpd_sasl_security_options", "noanonymous", "the role"),
                ("smtpd_sasl_tls_security_options", "noanonymous", "the role"),
                ("smtpd_sasl_authenticated_header", False, "the role"),
                ("smtpd_sasl_local_domain", v["postfix_sasl_local_domain"], "postfix_sasl_local_domain"),
                ("broken_sasl_auth_clients", v["postfix_broken_sasl_auth_clients"], "postfix_broken_sasl_auth_clients")])
        self._limits()
        self.section("Testing aids", [
            ("soft_bounce", v["postfix_soft_bounce"], "postfix_soft_bounce"),
            ("smtpd_authorized_xclient_hosts", v["postfix_smtpd_authorized_xclient_hosts"],
             "postfix_smtpd_authorized_xclient_hosts")])
        self.section("Local delivery", [
            ("alias_maps", DEFAULT_TYPE + ":" + ALIASES, "the role"),
            ("alias_database", DEFAULT_TYPE + ":" + ALIASES, "the role"),
            ("recipient_delimiter", "+", "the role"), ("mailbox_size_limit", "0", "the role")])
        extra = v["postfix_main_cf_extra"] or {}
        if extra:
            self.section("Further parameters (postfix_main_cf_extra)", [
                (str(name), value, "postfix_main_cf_extra.%s" % name) for name, value in extra.items()])

    def _postscreen(self, lookups):
        v = self.v
        staging = v["postfix_staging"]
        access = "permit_mynetworks" + (", " + lookups["postscreen_access"] if "postscreen_access" in lookups else "")
        self.section("postscreen on port 25 (master.cf): block list scores and the pregreet test before smtpd", [
            ("postscreen_access_list", access, "postfix_postscreen_access"),
            ("postscreen_denylist_action", "ignore" if staging else v["postfix_postscreen_denylist_action"],
             "postfix_postscreen_denylist_action"),
            ("postscreen_dnsbl_sites", v["postfix_postscreen_dnsbl_sites"], "postfix_postscreen_dnsbl_sites"),
            ("postscreen_dnsbl_threshold", v["postfix_postscreen_dnsbl_threshold"], "postfix_postscreen_dnsbl_threshold"),
            ("postscreen_dnsbl_allowlist_threshold", v["postfix_postscreen_dnsbl_allowlist_threshold"],
             "postfix_postscreen_dnsbl_allowlist_threshold"),
            ("postscreen_dnsbl_action", "ignore" if staging else v["postfix_postscreen_dnsbl_action"],
             "postfix_postscreen_dnsbl_action"),
            ("postscreen_greet_action", "ignore" if staging else v["postfix_postscreen_greet_action"],
             "postfix_postscreen_greet_action"),
            ("postscreen_cache_map", "{cache_type}:$data_directory/postscreen_cache", "the role", FACT)])

    def _tls(self, lookups):
        v = self.v
        clientcerts = [("relay_clientcerts", lookups["relay_clientcerts"], "postfix_relay_clientcerts"),
                       ("smtpd_tls_ask_ccert", True, "postfix_relay_clientcerts"),
                       ("smtpd_tls_fingerprint_digest", "sha256", "postfix_relay_clientcerts")] \
            if "relay_clientcerts" in lookups else []
        title = "TLS: opportunistic on port 25, required on submission (master.cf); no AUTH without it; no weak suites"
        self.section(title + " or protocols, in or out", clientcerts + [
            ("smtpd_tls_cert_file", v["postfix_tls_cert_file"] or SELFSIGNED_CERT, "postfix_tls_cert_file"),
            ("smtpd_tls_key_file", v["postfix_tls_key_file"] or SELFSIGNED_KEY, "postfix_tls_key_file"),
            ("smtpd_tls_security_level", "may", "the role"), ("smtpd_tls_auth_only", True, "the role"),
            ("smtpd_tls_protocols", v["postfix_tls_protocols"], "postfix_tls_protocols"),
            ("smtpd_tls_mandatory_protocols", v["postfix_tls_protocols"], "postfix_tls_protocols"),
            ("smtpd_tls_ciphers", v["postfix_tls_ciphers"], "postfix_tls_ciphers"),
            ("smtpd_tls_mandatory_ciphers", v["postfix_tls_ciphers"], "postfix_tls_ciphers"),
            ("smtpd_tls_exclude_ciphers", self.tls_exclusions(v["postfix_tls_anonymous_on_port_25"]),
             "postfix_tls_anonymous_on_port_25" if v["postfix_tls_anonymous_on_port_25"] else "postfix_tls_exclude_ciphers"),
            ("smtpd_tls_received_header", True, "the role"), ("smtpd_tls_loglevel", "1", "the role"),
            ("smtpd_tls_session_cache_database", "{cache_type}:${{data_directory}}/smtpd_scache", "the role", FACT),
            ("smtp_tls_protocols", v["postfix_tls_protocols"], "postfix_tls_protocols"),
            ("smtp_tls_mandatory_protocols", v["postfix_tls_protocols"], "postfix_tls_protocols"),
            ("smtp_tls_ciphers", v["postfix_tls_ciphers"], "postfix_tls_ciphers"),
            ("smtp_tls_mandatory_ciphers", v["postfix_tls_ciphers"], "postfix_tls_ciphers"),
            ("smtp_tls_exclude_ciphers", self.tls_exclusions(), "postfix_tls_exclude_ciphers"),
            # The same client as lmtp reads lmtp_tls_*, whose defaults do not follow smtp_tls_*.
            ("lmtp_tls_protocols", v["postfix_tls_protocols"], "postfix_tls_protocols"),
            ("lmtp_tls_mandatory_protocols", v["postfix_tls_protocols"], "postfix_tls_protocols"),
            ("lmtp_tls_ciphers", v["postfix_tls_ciphers"], "postfix_tls_ciphers"),
            ("lmtp_tls_mandatory_ciphers", v["postfix_tls_ciphers"], "postfix_tls_ciphers"),
            ("lmtp_tls_exclude_ciphers", self.tls_exclusions(), "postfix_tls_exclude_ciphers"),
            ("smtp_tls_loglevel", "1", "the role"),
            ("smtp_tls_session_cache_database", "{cache_type}:${{data_directory}}/smtp_scache", "the role", FACT),
            ("tls_preempt_cipherlist", True, "the role")])

    def tls_exclusions(self, anonymous=False):
        """The cipher exclusion list: the TLS floor and the admin's additions (without aNULL on port 25
        when postfix_tls_anonymous_on_port_25 lets anonymous suites back there)."""
        extra = [str(item) for item in self.v["postfix_tls_exclude_ciphers"] or [] if str(item) not in tls_floor.FLOOR]
        return ", ".join([tls_floor.floor_text(anonymous)] + extra)

    def _limits(self):
        v = self.v
        names = ("anvil_rate_time_unit", "smtpd_client_connection_count_limit", "smtpd_client_connection_rate_limit",
                 "smtpd_client_message_rate_limit", "smtpd_client_recipient_rate_limit", "smtpd_client_auth_rate_limit",
                 "smtpd_client_event_limit_exceptions", "smtpd_error_sleep_time", "smtpd_soft_error_limit",
                 "smtpd_hard_error_limit")
        limits = [(name, v["postfix_" + name], "postfix_" + name) for name in names]
        # SMTP smuggling: bare <LF> is normalized (3.9+) or refused (the stable backports).
        limits += [("smtpd_forbid_bare_newline", "normalize", "the role", {"requires": "bare_newline_normalize"}),
                   ("smtpd_forbid_bare_newline", True, "the role", {"requires": "bare_newline_backport"}),
                   ("smtpd_forbid_bare_newline_exclusions", "$mynetworks", "the role", {"requires": "bare_newline"}),
                   # Disconnect clients that pipeline without permission or talk before the greeting.
                   ("smtpd_forbid_unauth_pipelining", True, "the role", {"requires": "forbid_unauth_pipelining"})]
        limits += [("%s_time_limit" % service, seconds, "postfix_service_time_limits.%s" % service)
                   for service, seconds in (v["postfix_service_time_limits"] or {}).items()]
        self.section("Abuse limits", limits)

    # -- master.cf ------------------------------------------------------------------------------
    def service(self, name, kind, enabled, command, options, origin, process_limit="-", private="n", chroot="y"):
        self.services.append({"name": name, "type": kind, "state": "present" if enabled else "absent", "private": private,
                              "unprivileged": "-", "chroot": chroot, "wakeup": "-", "process_limit": process_limit,
                              "command": command, "options": options, "exclusive_options": True, "origin": origin})

    def _master(self, postscreen):
        v = self.v
        sasl = {"smtpd_sasl_auth_enable": "yes"} if v["postfix_sasl_enabled"] else {}
        if v["postfix_sasl_enabled"] and v["postfix_sender_login_maps"]:
            # An authenticated user may only send as the addresses the sender login map gives them.
            sasl["smtpd_sender_restrictions"] = "reject_sender_login_mismatch,permit_sasl_authenticated,reject"
        proxied = set(v["postfix_proxy_protocol_listeners"] or [])
        port_25 = v["postfix_header_privacy"] and v["postfix_header_privacy_port_25"] and v["postfix_smtp_enabled"]
        private = v["postfix_header_privacy"] and (v["postfix_submission_enabled"] or v["postfix_smtps_enabled"] or port_25)
        cleanup = outbound.privacy_cleanup(self, self.lookups.get("header_checks")) if private else None
        smtp_options = dict(PROXIED if "smtp" in proxied else {})
        if port_25:
            smtp_options["cleanup_service_name"] = cleanup
        smtp_options.update(self.options(v["postfix_smtp_options"], "postfix_smtp_options"))
        # With postscreen, it answers port 25 and hands the clients that pass to the smtpd "pass" service.
        self.service("smtp", "inet", v["postfix_smtp_enabled"], "postscreen" if postscreen else "smtpd",
                     {} if postscreen else smtp_options, "postfix_smtp_options", process_limit="1" if postscreen else "-")
        self.service("smtpd", "pass", postscreen, "smtpd", smtp_options, "postfix_smtp_options", private="-")
        for helper in ("dnsblog", "tlsproxy"):
            self.service(helper, "unix", postscreen, helper, {}, "postfix_postscreen_enabled", process_limit="0", private="-")
        for name, base in (("submission", {"syslog_name": "postfix/submission", "smtpd_tls_security_level": "encrypt"}),
                           ("smtps", {"syslog_name": "postfix/smtps", "smtpd_tls_wrappermode": "yes"})):
            options = dict(base, **AUTHENTICATED_ONLY)
            if v["postfix_tls_anonymous_on_port_25"]:
                # main.cf lets anonymous suites back for port 25; never where clients log in.
                options["smtpd_tls_exclude_ciphers"] = self.tls_exclusions().replace(", ", ",")
            options.update(PROXIED if name in proxied else {})
            options.update(sasl)
            if cleanup:
                options["cleanup_service_name"] = cleanup
            options.update(self.options(v["postfix_%s_options" % name], "postfix_%s_options" % name))
            self.service(name, "inet", v["postfix_%s_enabled" % name], "smtpd", options, "postfix_%s_options" % name)
        if v["postfix_relayhost"]:
            outbound.smarthost_service(self)
        for index, service in enumerate(v["postfix_master_services"] or []):
            self._user_service(index, service)

    def options(self, given, origin):
        """-o overrides as master.cf gets them: a list joined with commas, booleans as yes/no."""
        if not isinstance(given, dict):
            self.problems.append("%s must be a dict of -o overrides, {parameter: value}, not %s." % (origin, type(given).__name__))
            return {}
        options = {}
        for name, value in given.items():
            text = as_text(value, ",")
            why = (None if syntax.PARAMETER_NAME.match(str(name)) else "is not a Postfix parameter name") or \
                syntax.override_value_problem(text)
            if why:
                self.problems.append("%s.%s %s." % (origin, name, why))
            options[str(name)] = " ".join(text.split())
        return options

    def _user_service(self, index, service):
        origin = "postfix_master_services[%d]" % index
        if not isinstance(service, dict):
            self.problems.append("%s must be a dict like the postconf module's services, not %s." % (origin, type(service).__name__))
            return
        name, kind = str(service.get("name", "")), str(service.get("type", ""))
        why = syntax.service_name_problem(name)
        if why:
            self.problems.append("%s.name '%s' %s." % (origin, name, why))
        if kind not in syntax.SERVICE_TYPES:
            self.problems.append("%s.type is '%s'; master.cf service types are %s." % (origin, kind, ", ".join(syntax.SERVICE_TYPES)))
        state = str(service.get("state", "present"))
        if state not in ("present", "absent"):
            self.problems.append("%s.state is '%s'; use present or absent." % (origin, state))
        entry = {"name": name, "type": kind, "state": state, "exclusive_options": True, "origin": origin}
        for column in syntax.COLUMNS:
            value = str(service.get(column, "-"))
            why = syntax.column_problem(column, value)
            if why:
                self.problems.append("%s.%s %s." % (origin, column, why))
            entry[column] = value
        command = service.get("command", "")
        words = command.split() if isinstance(command, str) else []
        if not words and state == "present":
            self.problems.append("%s.command is empty; give the program and its arguments, e.g. 'smtpd' or "
                                 "'pipe flags=Rq user=filter argv=/usr/bin/filter'." % origin)
        why = syntax.command_problem(words[1:]) or (syntax.line_break_problem(command) if isinstance(command, str) else None)
        if why:
            self.problems.append("%s.command %s." % (origin, why))
        entry["command"] = " ".join(words)
        unknown = sorted(set(service) - set(syntax.COLUMNS) - {"name", "type", "state", "command", "options"})
        if unknown:
            self.problems.append("%s has %s, which the role does not take; a service has name, type, state, %s, command "
                                 "and options." % (origin, ", ".join(unknown), ", ".join(syntax.COLUMNS)))
        entry["options"] = self.options(service.get("options") or {}, origin + ".options")
        self.services.append(entry)

    def _collisions(self):
        """Two features may not write the same file or the same master.cf entry: the guard would
        check one and Postfix read the other."""
        written, reported = {}, set()
        for table in self.tables:
            paths = [table["path"]] + ([table["path"] + s for s in set(TABLE_SUFFIX.values())] if table["type"] in
                                       INDEXED_TYPES + ("auto",) else [])
            for path in paths:
                pair = (written.get(path), table["origin"])
                if path in written and pair[0] != pair[1] and pair not in reported:
                    reported.add(pair)
                    self.problems.append("%s and %s both write %s; rename one of them." % (pair[0], pair[1], path))
                written.setdefault(path, table["origin"])
        role = dict(((s["name"], s["type"]), s["origin"]) for s in self.services
                    if s["origin"].startswith("postfix_") and not s["origin"].startswith("postfix_master_services"))
        enabled = dict((master.port(s), s["name"]) for s in self.services
                       if (s["name"], s["type"]) in ROLE_SERVICES and s["type"] == "inet" and s["state"] == "present")
        seen = set()
        for service in self.services:
            if not service["origin"].startswith("postfix_master_services"):
                continue
            key = (service["name"], service["type"])
            port = master.port(service) if service["type"] == "inet" else None
            # The role's private services by name, whatever the type: a unix-dgram or pass service
            # of that name would take the socket the role's service listens on.
            if key in role or key in ROLE_SERVICES or key[1] != "inet" and key[0] in [s[0] for s in ROLE_WRITTEN]:
                self.problems.append("%s is %s/%s, a service the role writes itself (its listeners carry the relay "
                                     "protection); change it through the role's variables (postfix_smtp_options, "
                                     "postfix_submission_options, postfix_smtps_options, postfix_*_enabled) instead."
                                     % (service["origin"], key[0], key[1]))
            elif port in enabled:
                self.problems.append("%s listens on port %s, where the role's %s service listens; turn that one off "
                                     "(postfix_%s_enabled: false) or pick another port." % (
                                         service["origin"], port, enabled[port], enabled[port]))
            if key in seen:
                self.problems.append("%s repeats the service %s/%s; give each service once." % (service["origin"], key[0], key[1]))
            seen.add(key)


def build(variables):
    """(model, problems): the desired configuration and what cannot be written as given."""
    builder = Builder(variables)
    model = builder.build()
    return model, builder.problems


def main_parameters(config):
    """{name: parameter} of the main.cf a model writes, as Postfix reads it: the last entry of a
    name wins, and entries for another Postfix version ("requires") are left out."""
    found = {}
    for section in config["main_cf"]:
        for parameter in section["parameters"]:
            if "requires" not in parameter:
                found[parameter["name"]] = parameter
    return found


def variable_problems(v):
    """Checks of single variables and of pairs that belong together (the model cannot be right
    without them); each names the variable and the fix."""
    found = []
    for variable, kind in (("postfix_dnsbl_zones", "dnsbl"), ("postfix_rhsbl_sender_zones", "dnsbl"),
                           ("postfix_postscreen_dnsbl_sites", "postscreen_dnsbl"),
                           ("postfix_postscreen_access", "postscreen_access")):
        found += input_problems(v[variable], kind, variable)
    # The maps' shapes here; their entries in Builder.table, which reads each entry once.
    found += access_map_problems(v["postfix_access_maps"], "postfix_access_maps", entries=False)
    if v["postfix_postscreen_enabled"] and not v["postfix_smtp_enabled"]:
        found.append("postfix_postscreen_enabled is true but postfix_smtp_enabled is false, and postscreen only guards "
                     "port 25: turn port 25 on, or postscreen off.")
    if "smtp" in (v["postfix_proxy_protocol_listeners"] or []) and v["postfix_postscreen_enabled"]:
        found.append("postfix_proxy_protocol_listeners has smtp while postfix_postscreen_enabled is true; postscreen would "
                     "read the proxy header itself. Turn postscreen off behind a load balancer.")
    if bool(v["postfix_relayhost_username"]) != bool(v["postfix_relayhost_password"]):
        found.append("Set both postfix_relayhost_username and postfix_relayhost_password, or neither.")
    if v["postfix_relayhost_username"] and not v["postfix_relayhost"]:
        found.append("postfix_relayhost_username is set but postfix_relayhost is empty; name the smarthost the "
                     "credentials are for, e.g. '[smtp.example.net]:587'.")
    found += outbound.variable_problems(v)
    for index, entry in enumerate(table_entries(v["postfix_transport"]) or []):
        if entry and entry[1].split(":", 1)[0] == outbound.SMARTHOST[0] and entry[1].split(":", 1)[1:] not in ([], [""]):
            found.append("postfix_transport entry %s sends mail through the smarthost service, which would hand it the "
                         "smarthost credentials; route it with smtp:[host]:port instead." % entry[0])
    if v["postfix_sasl_local_domain"] and outbound.domain_problem(v["postfix_sasl_local_domain"]) and \
            not outbound.LABEL.match(v["postfix_sasl_local_domain"]):
        found.append("postfix_sasl_local_domain is '%s', which is no realm; give a domain name like saslauthd_realm, or "
                     "leave it empty." % v["postfix_sasl_local_domain"])
    for index, item in enumerate(v["postfix_tls_exclude_ciphers"] or []):
        if not isinstance(item, str) or not CIPHER_NAME.match(item):
            found.append("postfix_tls_exclude_ciphers[%d] is %r; give one OpenSSL cipher name or class per item, e.g. "
                         "'kRSA' or 'SHA1'." % (index, item))
    if bool(v["postfix_tls_cert_file"]) != bool(v["postfix_tls_key_file"]):
        found.append("Set both postfix_tls_cert_file and postfix_tls_key_file, or neither (a self-signed pair is then made).")
    return found
