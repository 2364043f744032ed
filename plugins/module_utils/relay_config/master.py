# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""master.cf services as Postfix runs them: which ones are SMTP servers, where they listen, and
what each one reads (main.cf with its -o overrides on top). Source: master(5)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath

# Well-known service names in master.cf's first column and the port each means (services(5)).
PORTS = {"smtp": 25, "submission": 587, "smtps": 465, "submissions": 465}
# The Postfix programs a master.cf entry may run. smtpd and postscreen accept mail from the
# network and are judged as listeners; qmqpd also accepts mail from the network, but the guard
# does not read its policy, so it is refused.
SERVERS = ("smtpd", "postscreen")
REFUSED_PROGRAMS = {"qmqpd": "accepts mail from the network under qmqpd_authorized_clients, which the open-relay guard "
                             "does not read"}
PROGRAMS = ("smtpd", "postscreen", "smtp", "lmtp", "pipe", "spawn", "local", "virtual", "error", "discard", "bounce",
            "cleanup", "trivial-rewrite", "qmgr", "oqmgr", "pickup", "showq", "flush", "verify", "proxymap", "anvil",
            "scache", "tlsmgr", "tlsproxy", "dnsblog", "postlogd", "lmtp", "retry")


def program(service):
    """The program a service runs (the command's first word, without a directory)."""
    words = service.get("command", "").split()
    return posixpath.basename(words[0]) if words else ""


def options_origin(service):
    """The variable a service's -o overrides come from, for messages ("postfix_smtp_options",
    "postfix_master_services[0].options")."""
    origin = service["origin"]
    return origin if origin.endswith("options") else origin + ".options"


def port(service):
    """The TCP port of an inet service, or None when its name is no number and no known service."""
    name = service["name"].rsplit(":", 1)[-1]
    return int(name) if name.isdigit() and name.isascii() else PORTS.get(name)


def loopback(service):
    """Whether an inet service listens on a loopback address only."""
    address = host(service)
    return address is not None and (address.startswith("127.") or address in ("::1", "localhost"))


def host(service):
    """The address part of an inet service name ("127.0.0.1:2525" -> "127.0.0.1"), else None."""
    if ":" not in service["name"]:
        return None
    address = service["name"].rsplit(":", 1)[0]
    return address[1:-1] if address.startswith("[") and address.endswith("]") else address


def smtpd_services(model):
    """The services that run smtpd and are present: every one is a listener the guard reads."""
    return [s for s in model["master_cf"] if s["state"] == "present" and program(s) == "smtpd"]


def listeners(model, inet_interfaces):
    """The SMTP listeners a client can connect to, for the self-test: {name, host, port, tls}."""
    found = []
    for service in model["master_cf"]:
        if service["state"] != "present" or service["type"] != "inet" or program(service) not in SERVERS:
            continue
        address = host(service) or _local_address(inet_interfaces)
        wrapper = service["options"].get("smtpd_tls_wrappermode", "no") == "yes"
        found.append({"name": "%s/%s" % (service["name"], service["type"]), "host": address, "port": port(service),
                      "tls": "wrapper" if wrapper else "starttls"})
    return [listener for listener in found if listener["port"]]


def _local_address(inet_interfaces):
    """Where a listener on every configured interface answers locally."""
    if not inet_interfaces or set(inet_interfaces) & {"all", "loopback-only", "127.0.0.1"}:
        return "127.0.0.1"
    addresses = [a.strip("[]") for a in inet_interfaces]
    return next((a for a in addresses if a.count(".") == 3), addresses[0])
