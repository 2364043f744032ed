# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The open-relay guard: reads a relay policy (mynetworks, the XCLIENT hosts, the smtpd restriction
lists, the restriction classes, the access tables the role writes and the -o overrides of each
master.cf smtpd service) the way Postfix would, and explains everything that could let a stranger
relay, or that Postfix would refuse or ignore.

Sources: postconf(5), access(5), SMTPD_ACCESS_README and src/smtpd/smtpd_check.c."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import ipaddress
import os
import re
from collections.abc import Mapping

STAGES = ("client", "helo", "sender", "relay", "recipient", "data", "end_of_data", "etrn")

# Every smtpd restriction, by the information it tests (which decides where it can work) and
# the argument it takes: None, "table" (type:name), "domain" (DNS list), "policy"
# (transport:server or a { ... } group) or "number" (seconds).
_ACCESS = "check_{0}_access check_{0}_a_access check_{0}_mx_access check_{0}_ns_access "
RESTRICTIONS = {}
for _kind, _argument, _names in (
    ("generic", None, "permit reject defer defer_if_permit defer_if_reject reject_unauth_pipelining reject_plaintext_session"),
    ("generic", "policy", "check_policy_service"),
    ("generic", "number", "sleep"),
    ("client", None, "permit_mynetworks permit_inet_interfaces permit_sasl_authenticated permit_tls_clientcerts reject_maps_rbl "
                     "permit_tls_all_clientcerts reject_unknown_client_hostname reject_unknown_reverse_client_hostname reject_unknown_client"),
    ("client", "table", _ACCESS.format("client") + _ACCESS.format("reverse_client_hostname") + "check_ccert_access check_sasl_access"),
    ("client", "domain", "reject_rbl_client permit_dnswl_client reject_rhsbl_client permit_rhswl_client reject_rhsbl_reverse_client reject_rbl"),
    ("helo", None, "reject_invalid_helo_hostname reject_non_fqdn_helo_hostname reject_unknown_helo_hostname reject_invalid_hostname "
                   "reject_non_fqdn_hostname reject_unknown_hostname permit_naked_ip_address"),
    ("helo", "table", _ACCESS.format("helo")),
    ("helo", "domain", "reject_rhsbl_helo"),
    ("sender", None, "reject_non_fqdn_sender reject_unknown_sender_domain reject_unlisted_sender reject_unverified_sender "
                     "reject_sender_login_mismatch reject_authenticated_sender_login_mismatch reject_known_sender_login_mismatch "
                     "reject_unauthenticated_sender_login_mismatch reject_multi_recipient_bounce"),
    ("sender", "table", _ACCESS.format("sender")),
    ("sender", "domain", "reject_rhsbl_sender"),
    ("recipient", None, "permit_auth_destination permit_mx_backup reject_unauth_destination defer_unauth_destination check_relay_domains "
                        "reject_non_fqdn_recipient reject_unknown_recipient_domain reject_unlisted_recipient reject_unverified_recipient "
                        "check_recipient_maps"),
    ("recipient", "table", _ACCESS.format("recipient")),
    ("recipient", "domain", "reject_rhsbl_recipient"),
    ("etrn", "table", "check_etrn_access"),
):
    for _name in _names.split():
        RESTRICTIONS[_name] = (_kind, _argument)

# Old names Postfix still reads, and what to write today.
OBSOLETE = {
    "reject_unknown_client": "reject_unknown_client_hostname", "reject_invalid_hostname": "reject_invalid_helo_hostname",
    "reject_unknown_hostname": "reject_unknown_helo_hostname", "reject_non_fqdn_hostname": "reject_non_fqdn_helo_hostname",
    "check_recipient_maps": "reject_unlisted_recipient", "reject_maps_rbl": "reject_rbl_client", "reject_rbl": "reject_rbl_client",
    "check_relay_domains": "reject_unauth_destination", "permit_naked_ip_address": "permit_mynetworks or permit_sasl_authenticated",
}
ARGUMENTS = {"table": ("a type:name lookup table", "hash:/etc/postfix/access"), "domain": ("a DNS list domain", "zen.spamhaus.org"),
             "policy": ("a transport:server policy endpoint", "unix:private/policy"), "number": ("a number of seconds", "1")}
# Where each kind can work. With smtpd_delay_reject (the default) the client, helo and sender
# lists run at RCPT TO, so they may test everything; ETRN has no sender or recipient; DATA and
# END-OF-DATA see the sender, and the recipient of single-recipient mail.
STAGE_KINDS = dict((stage, ("generic", "client", "helo", "sender", "recipient")) for stage in STAGES)
STAGE_KINDS["etrn"] = ("generic", "client", "helo", "etrn")
# Bare type:name entries: Postfix runs the stage's own check_*_access (data lists have none).
IMPLIED_CHECK = {"client": "check_client_access", "helo": "check_helo_access", "sender": "check_sender_access",
                 "relay": "check_recipient_access", "recipient": "check_recipient_access", "etrn": "check_etrn_access"}

GUARDS = ("reject_unauth_destination", "defer_unauth_destination")
REFUSE_ALL = ("reject", "defer", "defer_if_permit")  # nothing after them can relay
# Permits a stranger can earn: (why, fix). permit_mynetworks, permit_sasl_authenticated,
# permit_tls_clientcerts, permit_auth_destination and permit_inet_interfaces are safe.
OPEN_PERMITS = {
    "permit": ("permits every client", ""),
    "permit_tls_all_clientcerts": ("permits any client with a certificate from a CA this server trusts, which anyone can buy",
                                   "use permit_tls_clientcerts with fingerprints in relay_clientcerts, or "),
    "permit_mx_backup": ("permits mail for any domain whose MX records name this host, and anyone can publish such records",
                         "list backup domains in relay_domains, or "),
    "permit_dnswl_client": ("permits every client a public DNS allow-list lists, none of them yours", ""),
    "permit_rhswl_client": ("permits every client a public DNS allow-list lists, none of them yours", ""),
    "permit_naked_ip_address": ("permits any client that sends an IP address as its HELO name", ""),
    "check_relay_domains": ("permits every client whose hostname matches relay_domains", "use reject_unauth_destination, or "),
    "check_policy_service": ("asks a policy server, which may answer OK, and its answers cannot be checked here", ""),
}
# access(5) actions that never permit (DISCARD accepts, but throws the mail away).
ACCESS_ACTIONS = ("REJECT", "DEFER", "DUNNO", "DEFER_IF_REJECT", "DEFER_IF_PERMIT", "DISCARD", "HOLD", "FILTER",
                  "REDIRECT", "BCC", "PREPEND", "WARN", "INFO", "HANGUP")
# check_ccert_access with exact keys matches only the listed fingerprints, like permit_tls_clientcerts.
EXACT_TABLE_TYPES = ("hash", "btree", "lmdb", "cdb", "dbm", "sdbm", "texthash", "inline")

# Addresses no stranger on the Internet connects from: private (RFC 1918, RFC 4193), loopback,
# link-local, CGNAT (RFC 6598) and documentation (RFC 5737, RFC 3849) ranges.
NOT_PUBLIC = tuple(ipaddress.ip_network(net) for net in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10",
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "fc00::/7", "::1/128", "fe80::/10", "2001:db8::/32"))
IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")  # Postfix's default mynetworks has [::ffff:127.0.0.0]/104
NETWORK = re.compile(r"^(?:\[(?P<bracketed>[^\[\]]*)\]|(?P<bare>[^\[\]/]+))(?:/(?P<prefix>.*))?$")
TOKEN = re.compile(r"\{[^{}]*\}|[^\s,{}]+")  # Postfix list items: commas and blanks split, { ... } stays whole


# Parameters a master.cf -o override may set that change who may relay through that service.
POLICY_PARAMETERS = ("mynetworks", "smtpd_authorized_xclient_hosts") + tuple("smtpd_%s_restrictions" % s for s in STAGES)
REFERENCE = re.compile(r"^\$(?:\{(?P<braced>\w+)\}|(?P<bare>\w+))$")


def relay_policy_problems(policy):
    """Return a list of human-readable problems (empty list = safe)."""
    if not isinstance(policy, Mapping):
        return ["relay_policy_problems needs a dict (mynetworks, stages, restriction_classes, access_tables, ...), "
                "not %s." % type(policy).__name__]
    problems = _Analysis(policy).problems
    services = policy.get("services") or {}
    if not isinstance(services, Mapping):
        return problems + ["services must be a dict of master.cf service name to its variable and -o options, not %s."
                           % type(services).__name__]
    services = list(services.items())
    for index, service in enumerate(policy.get("master_services") or []):
        words = str(service.get("command", "")).split() if isinstance(service, Mapping) else []
        if words and os.path.basename(words[0]) == "smtpd":
            services.append((service.get("name"), {"variable": "postfix_master_services[%d]" % index,
                                                   "options": service.get("options"), "command": service["command"]}))
    for name, service in services:
        problems += [p for p in _service_problems(policy, name, service) if p not in problems]
    return problems


def _service_problems(policy, name, service):
    """The problems of one master.cf smtpd service: the main policy with the service's -o overrides."""
    service = service if isinstance(service, Mapping) else {}
    var = service.get("variable") or "master.cf service %s" % name
    options = service.get("options") or {}
    if "command" in service:  # a service of postfix_master_services: its overrides are in .options
        var, command_var = var + ".options", var
    if not isinstance(options, Mapping):
        return ["%s must be a dict of -o overrides, {parameter: value}, not %s." % (var, type(options).__name__)]
    stages = dict(policy.get("stages") or {})
    variables = dict(policy.get("variables") or {})
    derived = dict(policy, stages=stages, variables=variables)
    classes = policy.get("restriction_classes") or {}
    problems = []
    for parameter, value in options.items():
        label = "%s.%s" % (var, parameter)
        if parameter == "smtpd_restriction_classes" or parameter in classes:
            problems.append("%s: %s restriction classes per master.cf service, which the open-relay guard does not follow. "
                            "Define each class once in %s and name it in this service's restriction lists instead."
                            % (label, "sets" if parameter == "smtpd_restriction_classes" else "redefines",
                               variables.get("restriction_classes", "postfix_smtpd_restriction_classes")))
            continue
        if parameter not in POLICY_PARAMETERS:
            continue
        text = _resolve(value, policy.get("parameters") or {})
        if text is None:
            problems.append("%s is '%s', a reference the open-relay guard cannot follow to a list. Write the %s out in the "
                            "override itself." % (label, value, "networks" if "restrictions" not in parameter else "restrictions"))
            continue
        if parameter == "mynetworks":
            derived["mynetworks"], variables["mynetworks"] = TOKEN.findall(text), label
        elif parameter == "smtpd_authorized_xclient_hosts":
            derived["xclient_hosts"], variables["xclient_hosts"] = TOKEN.findall(text), label
        else:
            stage = parameter[len("smtpd_"):-len("_restrictions")]
            stages[stage], variables[stage] = _group(TOKEN.findall(text)), label
    problems += _Analysis(derived).problems
    if "-o" in str(service.get("command", "")).split()[1:]:
        problems.append("%s has -o in its command '%s', which the open-relay guard does not read. Move the overrides to "
                        "the service's options, {parameter: value}." % (command_var, service["command"]))
    return problems


def _resolve(value, parameters):
    """The override as text, following one $parameter reference to a main.cf parameter the role
    writes from variables; None for a reference it cannot follow."""
    text = value if isinstance(value, str) else ", ".join(str(item) for item in value) if isinstance(
        value, (list, tuple)) else str(value)
    reference = REFERENCE.match(text.strip())
    if reference:
        target = parameters.get(reference.group("braced") or reference.group("bare"))
        return None if target is None or "$" in str(target) else _resolve(target, {})
    return None if "$" in text else text


def _postfix_network(network):
    """A network as mynetworks spells it: IPv6 in brackets, hosts without a prefix."""
    address = network.network_address
    if address.version == 6:
        address = "[::ffff:%s]" % address.ipv4_mapped if address.ipv4_mapped else "[%s]" % address
    return address if network.num_addresses == 1 else "%s/%d" % (address, network.prefixlen)


def parse_network(text, brackets_required):
    """(network, None) for an address or network in Postfix notation, else (None, why and fix)."""
    match = NETWORK.match(text)
    address = match and (match.group("bracketed") if match.group("bracketed") is not None else match.group("bare"))
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        ip = None
    if ip is None or getattr(ip, "scope_id", None):
        if re.match(r"^[\[\]0-9A-Fa-f:.]+(/.*)?$", text) and re.search(r"\d", text):
            return None, "is not a valid IPv4 or IPv6 address; fix the typo (IPv6 goes in brackets, e.g. '[2001:db8::]/32')"
        return None, ("is not an IP address or network: the role only accepts addresses and networks here (no hostnames, "
                      "type:table lookups or /file/name), so that it can check who may relay; list the addresses instead")
    prefix = match.group("prefix")
    if prefix is not None and not (re.match(r"^[0-9]{1,3}$", prefix) and int(prefix) <= ip.max_prefixlen):
        return None, "has prefix length '/%s', but IPv%d prefix lengths run from 0 to %d" % (prefix, ip.version, ip.max_prefixlen)
    network = ipaddress.ip_network("%s/%s" % (ip, ip.max_prefixlen if prefix is None else prefix), strict=False)
    if ip.version == 6 and match.group("bracketed") is None and brackets_required and network.prefixlen:
        return None, ("is IPv6 without brackets, which Postfix reads as a type:table lookup; write '[%s]%s'"
                      % (ip, "" if prefix is None else "/" + prefix))
    if network.network_address != ip:
        host = _postfix_network(ipaddress.ip_network(ip))
        return None, ("has host bits set after the /%d prefix, and Postfix refuses such an entry; write '%s' for the network "
                      "or '%s' for the single host" % (network.prefixlen, _postfix_network(network), host))
    return network, None


def _is_public(network):
    """True when any address in the network is public."""
    if network.version == 6 and network.subnet_of(IPV4_MAPPED):
        network = ipaddress.IPv4Network((int(network.network_address) & 0xFFFFFFFF, network.prefixlen - 96))
    return not any(network.version == private.version and network.subnet_of(private) for private in NOT_PUBLIC)


def _split(tokens):
    """(warn_if_reject given, restriction name or None, its arguments) of one list item."""
    warn = False
    while tokens and tokens[0].lower() == "warn_if_reject":
        warn, tokens = True, tokens[1:]
    return warn, (tokens[0] if tokens else None), tokens[1:]


def _is_warned_guard(entry):
    warn, name, args = _split(TOKEN.findall(entry))
    return warn and (name or "").lower() in GUARDS


def _group(tokens):
    """An access table's restriction list (one flat list of words) as one item per restriction."""
    items, current = [], []
    for token in tokens:
        current.append(token)
        warn, name, args = _split(current)
        argument = RESTRICTIONS.get((name or "").lower(), (None, None))[1]
        if name is not None and (argument is None or args):
            items.append(" ".join(current))
            current = []
    return items + ([" ".join(current)] if current else [])


def _argument_fits(argument, value):
    if argument in ("table", "policy"):
        return ":" in value
    return bool(re.match(r"^[0-9]+$", value)) if argument == "number" else ":" not in value and not value.startswith("{")


def _table_type(lookup):
    parts = lookup.lower().split(":")
    return parts[1] if parts[0] == "proxy" and len(parts) > 2 else parts[0]


class _Analysis:
    def __init__(self, policy):
        self.policy = policy
        self.variables = policy.get("variables") if isinstance(policy.get("variables"), Mapping) else {}
        self.problems = []
        self.tables = dict(policy.get("access_tables")) if isinstance(policy.get("access_tables"), Mapping) else {}
        self._add_access_maps(policy.get("access_maps"))
        self.classes = self._mapping_of_lists("restriction_classes", self.class_var)
        self.stages = self._mapping_of_lists("stages", self.var)
        self._check_mynetworks()
        for name, entries in self.classes.items():
            if name.lower() in RESTRICTIONS or name.lower() == "warn_if_reject":
                self.problems.append("%s: a restriction class may not be named like the built-in restriction '%s'; Postfix "
                                     "would run the built-in and never the class. Rename the class." % (self.class_var(name), name))
            for index, entry in entries:
                self._check_entry(self.label(self.class_var(name), index, entry), entry, None)
        self._check_class_loops()
        for stage, entries in self.stages.items():
            for index, entry in entries:
                self._check_entry(self.label(self.var(stage), index, entry), entry, stage)
        self._check_relay()

    def var(self, key):
        default = "postfix_%s" % key if key.startswith("mynetworks") else "postfix_smtpd_%s_restrictions" % key
        return self.variables.get(key, "postfix_smtpd_authorized_xclient_hosts" if key == "xclient_hosts" else default)

    def _add_access_maps(self, maps):
        """The tables the role builds from one variable, {name: {type:, entries:}}, under the names a
        restriction list uses for them (a map of type auto under every indexed type)."""
        if not isinstance(maps, Mapping):
            return
        for name, spec in (maps.get("maps") or {}).items():
            spec = spec if isinstance(spec, Mapping) else {}
            entries = spec.get("entries") or []
            if isinstance(entries, Mapping):
                entries = [{"key": key, "value": value} for key, value in entries.items()]
            kind = spec.get("type") or "auto"
            for table_type in maps.get("indexed_types", ()) if kind == "auto" else (kind,):
                self.tables["%s:%s/%s" % (table_type, maps.get("directory", ""), name)] = {
                    "variable": "%s.%s" % (maps.get("variable", "postfix_access_maps"), name), "entries": entries}

    def classes_var(self):
        return self.variables.get("restriction_classes", "postfix_smtpd_restriction_classes")

    def class_var(self, name):
        return "%s.%s" % (self.classes_var(), name)

    @staticmethod
    def label(var, index, entry):
        return "%s[%d] '%s'" % (var, index, entry)

    def strings(self, value, var):
        """[(index, str)] of a list of strings; anything else is a problem."""
        if value is None:
            return []
        if isinstance(value, (str, Mapping)) or not isinstance(value, (list, tuple)):
            self.problems.append("%s must be a list of strings, one item each, not %s." % (var, type(value).__name__))
            return []
        pairs = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                pairs.append((index, item))
            else:
                self.problems.append("%s[%d] must be a string, not %s." % (var, index, type(item).__name__))
        return pairs

    def _mapping_of_lists(self, key, var_of):
        value = self.policy.get(key) or {}
        if not isinstance(value, Mapping):
            self.problems.append("%s must be a dict of lists, not %s." % (key, type(value).__name__))
            return {}
        result = {}
        for name, entries in value.items():
            if key == "stages" and name not in STAGES:
                self.problems.append("stages has an unknown stage '%s'; the stages are %s." % (name, ", ".join(STAGES)))
                continue
            result[str(name)] = self.strings(entries, var_of(str(name)))
        return result

    # -- mynetworks ---------------------------------------------------------------------------
    def _check_mynetworks(self):
        allow_var, allowed = self.var("mynetworks_allow_public"), []
        for index, text in self.strings(self.policy.get("mynetworks_allow_public"), allow_var):
            network, why = parse_network(text.strip(), False)
            if why or network.prefixlen == 0:
                self.problems.append("%s %s." % (self.label(allow_var, index, text), why or "would allow every address"
                                                 " and turn the public-network check off; list your own networks only"))
            else:
                allowed.append(network)
        self._check_trusted("mynetworks", allowed, "permit_mynetworks lets anyone on the Internet relay",
                            "every host in it may relay through this server (permit_mynetworks)")
        self._check_trusted("xclient_hosts", allowed, "anyone on the Internet may claim, with XCLIENT, to connect from "
                            "mynetworks and relay", "every host in it may claim, with XCLIENT, to connect from mynetworks "
                            "and relay through this server")

    def _check_trusted(self, key, allowed, everyone, public):
        """Networks whose clients this server trusts: none may be every address, and a public network
        wider than one host only where mynetworks_allow_public covers it."""
        var = self.var(key)
        for index, text in self.strings(self.policy.get(key), var):
            label, exclusion = self.label(var, index, text), text.strip().startswith("!")
            network, why = parse_network(text.strip()[1:] if exclusion else text.strip(), True)
            if why:
                self.problems.append("%s %s." % (label, why))
            elif exclusion:
                continue  # an exclusion only ever narrows whom the server trusts
            elif network.prefixlen == 0:
                self.problems.append("%s matches every IPv%d address, so %s: an open relay. Remove it; list only your own "
                                     "clients' networks." % (label, network.version, everyone))
            elif network.num_addresses > 1 and _is_public(network) and not any(
                    network.version == mine.version and network.subnet_of(mine) for mine in allowed):
                self.problems.append("%s is a /%d network with public addresses: %s. If it really is your network, add '%s' "
                                     "(or a network that contains it) to %s; otherwise list only your own hosts."
                                     % (label, network.prefixlen, public, _postfix_network(network),
                                        self.var("mynetworks_allow_public")))

    # -- each restriction ---------------------------------------------------------------------
    def _check_entry(self, label, entry, stage):
        where = self.var(stage) if stage else "a restriction class"
        tokens = TOKEN.findall(entry)
        if entry.count("{") != entry.count("}"):
            self.problems.append("%s has unbalanced braces; a { ... } group must be closed in the same item." % label)
        warn, name, args = _split(tokens)
        if name is None:
            what = "warn_if_reject must be followed by a restriction in the same item" if warn else "is empty"
            self.problems.append("%s: %s. Remove it or write the restriction." % (label, what))
            return
        if name in self.classes:
            if warn:
                self.problems.append("%s puts warn_if_reject before restriction class '%s', which makes every reject in the "
                                     "class (its destination guard too) only a log line. Put warn_if_reject inside the class, "
                                     "before each restriction it should only warn about." % (label, name))
            if args:
                self.problems.append("%s: restriction class '%s' takes no argument, but '%s' follows it; put each "
                                     "restriction in its own item." % (label, name, " ".join(args)))
            return
        lname = name.lower()
        if ":" in lname:
            self.problems.append("%s is a bare lookup table, which leaves what Postfix looks up implicit (and in a class it "
                                 "depends on where the class is used). Write the check out, e.g. '%s %s'."
                                 % (label, IMPLIED_CHECK.get(stage, "check_client_access"), name))
            return
        if lname not in RESTRICTIONS:
            close = difflib.get_close_matches(lname, list(RESTRICTIONS) + list(self.classes), n=1, cutoff=0.75)
            self.problems.append("%s: '%s' is neither a Postfix smtpd restriction nor a class in %s, and Postfix answers "
                                 "such a list with '451 4.3.5 Server configuration error'. %s" % (
                                     label, name, self.classes_var(),
                                     "Did you mean '%s'?" % close[0] if close else "Check the name against postconf(5)."))
            return
        kind, argument = RESTRICTIONS[lname]
        if lname in OBSOLETE:
            self.problems.append("%s: %s is an obsolete name; write %s instead." % (label, lname, OBSOLETE[lname]))
        if len(args) != bool(argument) or args and not _argument_fits(argument, args[0]):
            self.problems.append("%s: %s takes %s, but has %s. Postfix pairs a restriction with its argument by position, so "
                                 "the role keeps each restriction and its arguments in one item of their own: write '%s'." % (
                                     label, lname, ARGUMENTS[argument][0] if argument else "no argument",
                                     "'%s'" % " ".join(args) if args else "none",
                                     "%s %s" % (lname, ARGUMENTS[argument][1]) if argument else lname))
        if stage is None:
            return
        if kind not in STAGE_KINDS[stage]:
            right = {"sender": self.var("sender"), "recipient": self.var("recipient"), "etrn": self.var("etrn")}[kind]
            self.problems.append("%s: %s tests the %s, which %s never has, so it does nothing there. Move it to %s." % (
                label, lname, "ETRN domain" if kind == "etrn" else kind + " address",
                "an ETRN command" if stage == "etrn" else where, right))
        elif lname in GUARDS and stage not in ("relay", "recipient"):
            self.problems.append("%s: %s guards relaying, but only %s (or %s when that is empty) decides relaying; in %s it "
                                 "does not stop relaying. Move it to %s." % (label, lname, self.var("relay"),
                                                                             self.var("recipient"), where, self.var("relay")))
        elif lname == "reject_unauth_pipelining" and stage == "etrn":
            self.problems.append("%s: reject_unauth_pipelining guards mail commands and does nothing for ETRN; use it in %s."
                                 % (label, self.var("data")))

    def _check_class_loops(self):
        reported = set()
        for start in self.classes:
            path = self._loop_from(start, [start])
            if path and frozenset(path) not in reported:
                reported.add(frozenset(path))
                self.problems.append("%s refers back to itself (%s), so Postfix would recurse without end. Break the loop."
                                     % (self.class_var(start), " -> ".join(path)))

    def _loop_from(self, name, path):
        for index, entry in self.classes.get(name, ()):
            ref = _split(TOKEN.findall(entry))[1]
            if ref == path[0]:
                return path + [ref]
            if ref in self.classes and ref not in path:
                found = self._loop_from(ref, path + [ref])
                if found:
                    return found
        return None

    # -- the relay decision -------------------------------------------------------------------
    def _check_relay(self):
        stage = "relay" if self.stages.get("relay") else "recipient"
        decider = self.var(stage)
        context = "" if stage == "relay" else "%s is empty, so %s decides relaying: " % (self.var("relay"), decider)
        items = [(self.label(decider, index, entry), entry) for index, entry in self.stages.get(stage, [])]
        outcome, findings = self._walk(items, (), "")
        for label, via, why, fix in findings:
            self.problems.append("%s%s%s %s. It comes before the destination guard (reject_unauth_destination) in %s, so a "
                                 "stranger it lets through may relay mail to any domain. Fix: %smove it after "
                                 "reject_unauth_destination." % (context, label, via, why, decider, fix))
        if outcome is None:
            warned = any(_is_warned_guard(entry) for label, entry in items)
            self.problems.append("%s%s has no destination guard%s: mail that nothing in it rejects is relayed to any domain, "
                                 "and Postfix refuses to receive mail without one. Fix: end %s with reject_unauth_destination, "
                                 "e.g. [permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination]." % (
                                     context, decider, " (warn_if_reject turns its reject_unauth_destination into a log line)"
                                     if warned else "", self.var("relay")))

    def _walk(self, items, stack, via, warned=False):
        """Follow the list as Postfix does up to its guard: ("guard" | "refuse" | None, findings).
        warned: the list runs under warn_if_reject (a class after it), so none of its rejects count."""
        findings = []
        for label, restriction in [(label, part) for label, entry in items for part in _group(TOKEN.findall(entry))]:
            warn, name, args = _split(TOKEN.findall(restriction))
            warn = warn or warned
            if name is None:
                continue
            if name in self.classes:  # a class runs in place: its permit ends the whole list
                if name not in stack:
                    sub = [(self.label(self.class_var(name), i, e), e) for i, e in self.classes[name]]
                    outcome, found = self._walk(sub, stack + (name,), via or " (reached through %s)" % label, warn)
                    findings.extend(found)
                    if outcome:
                        return outcome, findings
                continue
            lname = name.lower()
            if ":" in lname:
                lname, args = "check_recipient_access", [name] + args
            if not warn and lname in GUARDS:  # warn_if_reject makes a reject a log line
                return "guard", findings
            if not warn and lname in REFUSE_ALL:
                return "refuse", findings
            risk = OPEN_PERMITS.get(lname)
            if risk is None and RESTRICTIONS.get(lname, (0, 0))[1] == "table" and args:
                risk = self._table_risk(lname, args[0], stack)
            if risk:
                findings.append((label, via) + risk)
        return None, findings

    def _table_risk(self, command, lookup, stack):
        """(why, fix) when the access table can answer OK for a stranger, else None."""
        if command == "check_sasl_access":
            return None  # Postfix looks up only the login names of clients that authenticated
        table = self.tables.get(lookup)
        entries = table.get("entries", []) if isinstance(table, Mapping) else None
        if not isinstance(entries, (list, tuple)):
            return ("looks up %s, which is not among the access tables the role writes (access_tables), so what it answers "
                    "(perhaps OK) cannot be checked" % lookup, "let the role write that table, or ")
        if command == "check_ccert_access" and _table_type(lookup) in EXACT_TABLE_TYPES or lookup in stack:
            return None
        offenders = []
        for entry in entries:
            if isinstance(entry, Mapping):
                reason = self._value_risk(str(entry.get("value", "")), stack + (lookup,))
                if reason:
                    offenders.append("'%s %s' (%s)" % (entry.get("key", ""), entry.get("value", ""), reason))
        if not offenders:
            return None
        more = "; and %d more" % (len(offenders) - 3) if len(offenders) > 3 else ""
        why = "can answer OK: %s (%s) has %s%s" % (table.get("variable") or lookup, lookup, "; ".join(offenders[:3]), more)
        if re.search(r"_(a|mx|ns)_access$|^check_reverse_client_hostname_access$", command):
            return why + "; Postfix also fails every such request with a server configuration error", "use DUNNO, not OK, or "
        if command == "check_client_access":
            return why, "list trusted client addresses in %s instead, change those entries to DUNNO or REJECT, or " % self.var(
                "mynetworks")
        return why, "change those entries to DUNNO or REJECT, or "

    def _value_risk(self, value, stack):
        """Why an access(5) value permits a stranger, or None."""
        words = TOKEN.findall(value)
        if not words:
            return "an empty value counts as OK"
        if re.match(r"^[0-9]+$", value.strip()):  # Postfix's alldig(): ASCII digits
            return "an all-numeric value counts as OK"
        if words[0].upper() in ("OK", "RELAY", "PERMIT"):
            return "%s permits the request" % words[0]
        if words[0].upper() in ACCESS_ACTIONS or re.match(r"^[45][0-9][0-9]$", words[0]) or ":" in value:
            return None  # Postfix refuses lookup tables in a value: a configuration error, not a permit
        findings = self._walk([("'%s'" % item, item) for item in _group(words)], stack, "")[1]
        return "runs %s, which %s" % (findings[0][0], findings[0][2]) if findings else None
