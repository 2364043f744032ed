# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The open-relay guard, over the one configuration model.

For every smtpd listener in master.cf it reads main.cf with that service's -o overrides on top,
as Postfix will, and hands the result to the restriction-list analysis of relay_policy.py
(mynetworks, the XCLIENT hosts, every stage, the restriction classes, the tables as built). It
fails closed: a parameter that can decide relaying, the client's identity or authentication is
either one the guard checks here, or refused with the variable that set it and what to do
instead. parameters.py says which parameters are known not to matter.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.hardened.relay.plugins.module_utils import relay_policy
from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import MASK, render_source
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import (
    credentials, master, model, outbound, parameters, syntax, tls_floor)
from ansible_collections.hardened.relay.plugins.module_utils.relay_config.model import (
    DEFAULT_TYPE, INDEXED_TYPES, STAGES, main_parameters)

# Relay-deciding parameters the guard reads on every listener (main.cf or an override).
LISTENER_POLICY = relay_policy.POLICY_PARAMETERS
# Further relay-relevant overrides an smtpd listener may carry, with the values that keep it safe.
LISTENER_SWITCHES = {
    "smtpd_tls_security_level": ("none", "may", "encrypt"),
    "smtpd_sasl_auth_enable": ("yes", "no"),
    "smtpd_tls_auth_only": ("yes",),
}
# Opt-ins an smtpd listener may carry under conditions the guard checks (_check_switches).
LISTENER_OPT_INS = ("smtpd_upstream_proxy_protocol",)
# Relay-relevant parameters the role writes itself from checked variables; the guard checks the
# domain lists below, the rest it sets to fixed safe values.
ROLE_RELAY = ("mydestination", "relay_domains", "inet_interfaces", "parent_domain_matches_subdomains",
              "smtpd_sasl_type", "smtpd_sasl_path", "cyrus_sasl_config_path", "smtpd_sasl_security_options",
              "smtpd_sasl_tls_security_options", "smtpd_sasl_authenticated_header", "broken_sasl_auth_clients",
              "smtpd_tls_security_level", "smtpd_tls_auth_only", "smtpd_sender_login_maps", "smtpd_restriction_classes",
              "smtpd_tls_cert_file", "smtpd_tls_key_file", "relay_clientcerts", "smtpd_tls_ask_ccert",
              "smtpd_tls_fingerprint_digest", "smtpd_sasl_local_domain", "smtp_generic_maps") + LISTENER_POLICY
DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
# What mydestination may name besides domains: the macros Postfix's own default uses.
DESTINATION_MACROS = ("$myhostname", "localhost.$mydomain", "$mydomain", "localhost", "${myhostname}", "localhost.${mydomain}",
                      "${mydomain}")
SASL_MECHANISMS = ("PLAIN", "LOGIN")
REFERENCES = re.compile(r"\$(?:\{([A-Za-z0-9_]+)[^}]*\}|\(([A-Za-z0-9_]+)[^)]*\)|([A-Za-z0-9_]+))")


def problems(model, mynetworks_allow_public=()):
    """Every reason the model could relay for a stranger or is not understood; empty = safe."""
    return _Guard(model, list(mynetworks_allow_public or [])).problems


class _Guard:
    def __init__(self, model, allow_public):
        self.model = model
        self.allow_public = allow_public
        self.problems = []
        self.main = main_parameters(model)
        self.extra = dict((n, p["value"]) for n, p in self.main.items() if p["origin"].startswith("postfix_main_cf_extra"))
        self._check_main_parameters()
        self._check_domains()
        self._check_sasl()
        self.tables = self._tables()
        self._check_services()
        for service in master.smtpd_services(model):
            self._check_listener(service)
        for problem in tls_floor.problems(model, self.main, model.get("tls", {}).get("anonymous_on_port_25") is True):
            self.add(problem)
        for problem in credentials.problems(model, self.main):
            self.add(problem)
        self._check_privacy_cleanup()

    def add(self, problem):
        if problem not in self.problems:
            self.problems.append(problem)

    # -- main.cf -------------------------------------------------------------------------------
    def _check_main_parameters(self):
        # From every entry, not from self.main: Postfix reads the last of two entries, which would hide the role's.
        role_written = set(p["name"] for section in self.model["main_cf"] for p in section["parameters"]
                           if not p["origin"].startswith("postfix_main_cf_extra"))
        for name, parameter in self.main.items():
            origin = parameter["origin"]
            if not origin.startswith("postfix_main_cf_extra"):
                continue
            kind = parameters.classify(name)
            if name in role_written or name in ROLE_RELAY:
                self.add("%s sets %s, which the role manages (and checks) through its own variables; set the role variable "
                         "for it instead (see the role README)." % (origin, name))
            elif kind == "relay":
                self.add("%s sets %s, which %s, and the open-relay guard does not accept it from postfix_main_cf_extra. "
                         "Remove it, or use the role variable for that need if there is one (see the role README)."
                         % (origin, name, parameters.RELAY.get(name, "can decide relaying or who the client is")))
            elif kind == "unknown" and name not in self._referenced():
                self.add("%s sets %s, which is not a Postfix parameter the open-relay guard knows, and nothing refers to it "
                         "as $%s. Check the name against postconf(5); a list of your own goes here only to be named as "
                         "$%s in a service's overrides." % (origin, name, name, name))

    def _referenced(self):
        """Names that override values and further parameters refer to as $name."""
        texts = [o for service in self.model["master_cf"] for o in service["options"].values()] + list(self.extra.values())
        return set(_name(m) for text in texts for m in REFERENCES.finditer(text))

    def _check_domains(self):
        """The address classes behind reject_unauth_destination: names only, no tables, no wildcards."""
        for name, macros in (("relay_domains", ()), ("mydestination", DESTINATION_MACROS)):
            parameter = self.main.get(name)
            if parameter is None:
                continue
            for index, item in enumerate(relay_policy.TOKEN.findall(parameter["value"])):
                why = _domain_problem(item, macros, subdomains=name == "relay_domains")
                if why:
                    self.add("%s[%d] '%s' %s." % (parameter["origin"], index, item, why))

    def _check_sasl(self):
        for item in self.model.get("sasl_mechanisms", []):
            if str(item).upper() not in SASL_MECHANISMS:
                self.add("postfix_sasl_mechanisms has '%s'; saslauthd checks passwords, so only %s work, and other "
                         "mechanisms (ANONYMOUS above all) could log in anyone. Use %s." % (
                             item, " and ".join(SASL_MECHANISMS), ", ".join(SASL_MECHANISMS)))

    def _tables(self):
        """The tables the role writes, under every name a restriction list may use for them."""
        tables = {}
        for table in self.model["tables"]:
            entries = [{"key": k, "value": v} for k, v in table["entries"]]
            types = INDEXED_TYPES + (DEFAULT_TYPE,) if table["type"] == "auto" else (table["type"],)
            for kind in types:
                tables["%s:%s" % (kind, table["path"])] = {"variable": table["origin"], "entries": entries}
        return tables

    # -- master.cf -------------------------------------------------------------------------------
    def _check_services(self):
        for service in self.model["master_cf"]:
            if service["state"] != "present":
                continue
            name, origin = master.program(service), service["origin"]
            label = "%s (%s/%s)" % (origin, service["name"], service["type"])
            if name in master.REFUSED_PROGRAMS:
                self.add("%s runs %s, which %s. Remove the service." % (label, name, master.REFUSED_PROGRAMS[name]))
            elif name not in master.PROGRAMS:
                self.add("%s runs '%s', which is not a Postfix program the open-relay guard knows (%s). Run other programs "
                         "through pipe or spawn (argv=...)." % (label, name, ", ".join(master.PROGRAMS)))
            elif name == "postscreen" and origin.startswith("postfix_master_services"):
                self.add("%s runs postscreen, which the role sets up itself on port 25; use postfix_postscreen_enabled." % label)
            elif service["type"] == "inet" and name not in master.SERVERS and not master.loopback(service):
                self.add("%s puts %s on a network port, where a stranger can talk to it past every restriction list (a "
                         "Postfix daemon's own protocol, or a program such as sendmail -bs that does not check relaying). "
                         "Give it a unix socket, or listen on loopback only, e.g. '127.0.0.1:%s'." % (
                             label, name, service["name"].rsplit(":", 1)[-1]))
            if service["type"] == "inet" and master.port(service) is None:
                self.add("%s is named '%s', which is no port number; name the port by number (the guard and the self-test "
                         "read smtp, submission, smtps and submissions only)." % (label, service["name"]))
            smtpd = name == "smtpd"
            # The services the role writes whole are judged by what they do (credentials.py,
            # _check_privacy_cleanup), not refused for the overrides only the role may write.
            for option, value in ({} if credentials.role_written(service) else service["options"]).items():
                kind = parameters.classify(option)
                handled = smtpd and (option in LISTENER_POLICY or option in LISTENER_SWITCHES or option in LISTENER_OPT_INS)
                if kind == "safe" or handled or option == "syslog_name":
                    continue
                why = parameters.RELAY.get(option, "can decide relaying or who the client is") if kind == "relay" \
                    else "is not a Postfix parameter the open-relay guard knows"
                self.add("%s.%s: %s %s, and the guard does not accept it as a master.cf override%s. Remove the override%s." % (
                    master.options_origin(service), option, option, why,
                    "" if smtpd else " of a %s service" % name,
                    " (set it in main.cf through its role variable, where the guard checks it)" if option in ROLE_RELAY else ""))

    def _check_privacy_cleanup(self):
        """The cleanup of submission and smtps drops headers and otherwise runs the admin's header_checks."""
        own = dict((t["path"], t) for t in self.model["tables"] if t["origin"] == "postfix_header_privacy")
        wanted = self.main.get("header_checks", {}).get("value", "")
        for service in self.model["master_cf"]:
            if not credentials.role_written(service) or (service["name"], service["type"]) != outbound.PRIVACY_CLEANUP:
                continue
            for option, value in service["options"].items():
                lookups = [item.strip() for item in value.split(",") if item.strip()]
                privacy = [item for item in lookups if item.split(":", 1)[-1] in own]
                rest = [item for item in lookups if item not in privacy]
                dropping_only = all(action == "IGNORE" for table in own.values() for dummy, action in table["entries"])
                known = option in ("header_checks", "mime_header_checks", "nested_header_checks")
                if not known or ", ".join(rest) != wanted or not dropping_only:
                    self.add("The privacy cleanup service's %s is '%s', not the role's header privacy table and "
                             "postfix_header_checks (report this as a bug)." % (option, value))

    def _check_listener(self, service):
        """One smtpd listener: the main policy with the service's overrides on top."""
        origin = master.options_origin(service)
        options = service["options"]
        variables = {"restriction_classes": "postfix_smtpd_restriction_classes"}
        policy = {"mynetworks": self._items("mynetworks"), "xclient_hosts": self._items("smtpd_authorized_xclient_hosts"),
                  "mynetworks_allow_public": self.allow_public, "access_tables": self.tables, "variables": variables,
                  "restriction_classes": self._classes(), "stages": {}}
        for stage in STAGES:
            policy["stages"][stage] = self._items("smtpd_%s_restrictions" % stage)
            variables[stage] = self.main.get("smtpd_%s_restrictions" % stage, {}).get("origin", "smtpd_%s_restrictions" % stage)
        variables["mynetworks"] = self.main.get("mynetworks", {}).get("origin", "mynetworks")
        variables["xclient_hosts"] = self.main.get("smtpd_authorized_xclient_hosts", {}).get(
            "origin", "smtpd_authorized_xclient_hosts")
        for option, value in options.items():
            if option not in LISTENER_POLICY:
                continue
            label = "%s.%s" % (origin, option)
            overridden = set(options) & set(_name(m) for m in REFERENCES.finditer(value))
            if overridden:
                self.add("%s refers to $%s, which this service also overrides, so what Postfix reads is not what main.cf "
                         "says. Write the %s out in the override itself." % (
                             label, ", $".join(sorted(overridden)), "networks" if "restrictions" not in option else "restrictions"))
                continue
            text = relay_policy._resolve(value, self.extra)
            if text is None:
                self.add("%s is '%s', a reference the open-relay guard cannot follow to a list. Write the %s out in the "
                         "override itself." % (label, value, "networks" if "restrictions" not in option else "restrictions"))
                continue
            items = relay_policy._group(relay_policy.TOKEN.findall(text)) if "restrictions" in option else \
                relay_policy.TOKEN.findall(text)
            key = {"mynetworks": "mynetworks", "smtpd_authorized_xclient_hosts": "xclient_hosts"}.get(
                option, option[len("smtpd_"):-len("_restrictions")])
            if key in ("mynetworks", "xclient_hosts"):
                policy[key] = items
            else:
                policy["stages"][key] = items
            variables[key] = label
        for problem in relay_policy._Analysis(policy).problems:
            self.add(problem)
        self._check_switches(service, origin)

    def _check_switches(self, service, origin):
        effective = dict((n, self.main[n]["value"]) for n in LISTENER_SWITCHES if n in self.main)
        effective.update((n, v) for n, v in service["options"].items() if n in LISTENER_SWITCHES)
        for name, allowed in LISTENER_SWITCHES.items():
            value = effective.get(name)
            if name in service["options"] and value not in allowed:
                self.add("%s.%s is '%s'; the role allows %s here (AUTH only over TLS, no weaker TLS rule)." % (
                    origin, name, value, " or ".join(allowed)))
        proxy = service["options"].get("smtpd_upstream_proxy_protocol")
        if proxy is not None and proxy != "":
            trusting = [n for n in ("mynetworks", "smtpd_authorized_xclient_hosts") if service["options"].get(n) != ""]
            if proxy != "haproxy" or trusting:
                self.add("%s.smtpd_upstream_proxy_protocol makes Postfix take the client address from a proxy header, which "
                         "anyone who reaches the port directly can forge; %s. Use postfix_proxy_protocol_listeners for the "
                         "role's listeners, or give this service empty mynetworks and smtpd_authorized_xclient_hosts "
                         "overrides so that it trusts no network (its clients relay by AUTH only)." % (
                             origin, "only haproxy is supported" if proxy != "haproxy" else
                             "this service still trusts " + " and ".join(trusting)))
        if effective.get("smtpd_sasl_auth_enable") == "yes" and not self.model.get("sasl_mechanisms"):
            self.add("%s.smtpd_sasl_auth_enable turns AUTH on while postfix_sasl_enabled is false, so Postfix would use its "
                     "SASL library's defaults (every installed mechanism and password store). Set postfix_sasl_enabled "
                     "(and the saslauthd role) instead." % origin)
        on_25 = service["type"] == "pass" or master.port(service) == 25
        if effective.get("smtpd_sasl_auth_enable") == "yes" and on_25:
            self.add("%s.smtpd_sasl_auth_enable turns AUTH on for port 25 (%s/%s), where the role never offers it: "
                     "clients authenticate on submission (587) or smtps (465). Remove the override." % (
                         origin, service["name"], service["type"]))

    # -- values as lists ---------------------------------------------------------------------------
    def _items(self, name):
        parameter = self.main.get(name)
        if parameter is None:
            return []
        if "items" in parameter:
            return [str(item) for item in parameter["items"]]
        return relay_policy._group(relay_policy.TOKEN.findall(parameter["value"])) if name.endswith("_restrictions") \
            else relay_policy.TOKEN.findall(parameter["value"])

    def _classes(self):
        names = self._items("smtpd_restriction_classes")
        return dict((name, self._items(name)) for name in names)


def _name(match):
    """The parameter a REFERENCES match names ($name, ${name...} or $(name...))."""
    return match.group(1) or match.group(2) or match.group(3)


def _domain_problem(item, macros, subdomains):
    """Why one relay_domains or mydestination item could match domains nobody meant, or None."""
    if item in macros:
        return None
    if ":" in item or item.startswith("/"):
        return ("is a lookup table or file, whose contents the open-relay guard cannot check; list the domains "
                "themselves")
    if "$" in item:
        return "is a reference the open-relay guard cannot follow; list the domains themselves"
    name = item[1:] if subdomains and item.startswith(".") else item
    labels = name.rstrip(".").split(".")
    if not all(DOMAIN_LABEL.match(label) and label.isascii() for label in labels) or len(name) > 253:
        return "is not a domain name; write it like 'example.org'%s" % (" (or '.example.org' for its subdomains)"
                                                                        if subdomains else "")
    if len(labels) < 2:
        return ("is a top-level domain, so mail for every domain under it would be accepted and passed on; list "
                "your own domains")
    if name != item and syntax.is_public_suffix(".".join(labels)):
        return ("is every domain under the public suffix %s, whose domains belong to anyone; list your own domains"
                % ".".join(labels))
    return None


def judge(variables):
    """(model, problems) for the role variables: the model, and every reason to refuse it."""
    found = model.variable_problems(variables)
    config, build_problems = model.build(variables)
    found += [p for p in build_problems + problems(config, variables["postfix_mynetworks_allow_public"]) if p not in found]
    return config, found


def trusted_networks(config):
    """Every network some listener trusts (mynetworks, XCLIENT hosts, main.cf and overrides): the
    self-test's stranger must come from none of them. Exclusions (!net) only narrow trust."""
    found = []
    for section in config["main_cf"]:
        for parameter in section["parameters"]:
            if parameter["name"] in ("mynetworks", "smtpd_authorized_xclient_hosts"):
                found += relay_policy.TOKEN.findall(parameter["value"])
    for service in master.smtpd_services(config):
        for name in ("mynetworks", "smtpd_authorized_xclient_hosts"):
            found += relay_policy.TOKEN.findall(service["options"].get(name, ""))
    return sorted(set(item for item in found if not item.startswith("!")))


def for_the_host(config, inet_interfaces):
    """The model as the host gets it (postfix_config's config, the role's __postfix_config): with the listeners the
    self-test talks to, the networks its stranger must avoid, the services in the postconf
    module's form, and the secret tables' values masked (they stay in their variables).

    Every other table travels as its source text, the lines postmap reads, instead of a list of
    pairs: one string costs Ansible nothing per task, where 100,000 little lists in a fact made
    every later task of the play seconds slower."""
    config["listeners"] = master.listeners(config, inet_interfaces)
    config["trusted_networks"] = trusted_networks(config)
    config["postconf_services"] = [dict((k, v) for k, v in s.items() if k != "origin") for s in config["master_cf"]]
    for table in config["tables"]:
        if table["secret"]:
            table["entries"] = [[key, MASK] for key, dummy in table["entries"]]
        else:
            table["source"] = render_source(table.pop("entries"), table["flavour"])
    return config
