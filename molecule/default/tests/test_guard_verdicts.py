# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The guard's verdicts against what a real Postfix does: for tricky-but-safe and tricky-and-unsafe
policies, the model the role would compute is written straight into the relay (behind the role's
back, since the role refuses the unsafe ones), and a stranger on the untrusted network tries to
relay through port 25. The guard must refuse every policy Postfix relays for, and accept the safe
ones, which Postfix serves and refuses to relay for. A third kind, "broken", looked open on paper
(a red-team read) but Postfix's smtpd does not serve it at all (it logs a fatal error and never
greets); the guard refuses those too."""
import json
import os
import shlex
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "tests", "unit", "plugins", "module_utils"))
sys.path.insert(0, os.environ["HR_INSTALLED_COLLECTIONS"])

from relay_testlib import container, converge, inventory_hosts, smtp_probe  # noqa: E402  pylint: disable=wrong-import-position,import-error
from relay_config_vars import validated  # noqa: E402  pylint: disable=wrong-import-position,import-error
from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import render_source  # noqa: E402  pylint: disable=wrong-import-position,import-error
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard, model, render  # noqa: E402  pylint: disable=wrong-import-position,import-error

RELAYS = inventory_hosts("relays")
UNTRUSTED = container("hr-default-client-untrusted")
CIDR = "cidr:/etc/postfix/maps/c"
GUARDED = ["check_client_access %s" % CIDR, "reject_unauth_destination"]
# name: (role variables on top of the scenario's, the recipient the stranger tries)
CASES = {
    "safe: the defaults": ({}, "someone@outside.example"),
    "safe: a client table that only refuses": (
        {"postfix_access_maps": {"c": {"type": "cidr", "entries": [{"key": "192.0.2.0/24", "value": "REJECT"}]}},
         "postfix_smtpd_relay_restrictions": ["permit_mynetworks"] + GUARDED}, "someone@outside.example"),
    "safe: the guard inside a class": (
        {"postfix_smtpd_restriction_classes": {"dest_guard": ["reject_unauth_destination"]},
         "postfix_smtpd_relay_restrictions": ["permit_mynetworks", "dest_guard"]}, "someone@outside.example"),
    # (With the scenario's relayhost, a relay domain needs its own route, or its mail would go to the smarthost.)
    "safe: relay domains match themselves only": (
        {"postfix_relay_domains": ["example.net"], "postfix_transport": {"example.net": "smtp:[172.31.203.25]:25"}},
        "someone@sub.example.net"),
    "unsafe: a client table that answers OK for everyone": (
        {"postfix_access_maps": {"c": {"type": "cidr", "entries": [{"key": "0.0.0.0/0", "value": "ok"}]}},
         "postfix_smtpd_relay_restrictions": ["permit_mynetworks"] + GUARDED}, "someone@outside.example"),
    "broken: warn_if_reject before the class holding the guard": (
        {"postfix_smtpd_restriction_classes": {"dest_guard": ["reject_unauth_destination"]},
         "postfix_smtpd_relay_restrictions": ["permit_mynetworks", "warn_if_reject dest_guard"]}, "someone@outside.example"),
    # Measured: the table line "/./ OK REJECT" answers "OK REJECT", which permits. (It once looked
    # broken only because it came right after a case that got smtpd throttled.)
    "unsafe: a pcre key that carries its own result": (
        {"postfix_access_maps": {"c": {"type": "pcre", "entries": [{"key": "/./ OK", "value": "REJECT"}]}},
         "postfix_smtpd_relay_restrictions": ["permit_mynetworks", "check_client_access pcre:/etc/postfix/maps/c",
                                              "reject_unauth_destination"]}, "someone@outside.example"),
    "unsafe: a top-level domain and below": (
        {"postfix_relay_domains": [".example"], "postfix_transport": {".example": "smtp:[172.31.203.25]:25"}},
        "someone@outside.example"),
    "unsafe: relay domains below a public suffix": (
        {"postfix_relay_domains": [".co.uk"], "postfix_transport": {".co.uk": "smtp:[172.31.203.25]:25"}},
        "someone@shop.co.uk"),
}
SCENARIO = {"postfix_mynetworks": ["127.0.0.0/8", "[::1]/128", "172.31.201.0/24"], "postfix_relayhost": "[172.31.203.25]:25"}


def facts(host):
    version = host.check_output("postconf -h mail_version")
    return {"version_tuple": [int(part) for part in version.split(".")[:3]], "max_compatibility_level": "3.6",
            "default_database_type": host.check_output("postconf -h default_database_type")}


def journal_time(host):
    """The host's clock, as journalctl --since takes it."""
    return "@" + host.check_output("date +%s").strip()


def probe_the_stranger(relay, recipient, since):
    """The stranger's conversation with the relay. A broken configuration never greets: that is
    told apart from a busy machine by a first try of 5 s (smtpd dies on its first reading of the
    configuration), and then by smtpd's own fatal error in the journal since the reload. Without
    one, the full 30 s try decides."""
    def probe(timeout):
        return smtp_probe(UNTRUSTED, relay, sender="stranger@untrusted.client.test", helo="untrusted.client.test",
                          rcpts=[recipient], timeout=timeout)
    result = probe(5)
    if greeted(result):
        return result
    fatal = container(relay).run("journalctl --no-pager -q --since %s -t postfix/smtpd -g %s"
                                 % (since, shlex.quote("^fatal: ")))
    if fatal.stdout.strip():
        result["smtpd_fatal"] = fatal.stdout.strip().splitlines()
        # master throttles a service whose process died at start for a minute, across reloads; a
        # restart forgets it, so the next case is judged on its own configuration.
        container(relay).check_output("systemctl restart postfix")
        return result
    return probe(30)


def greeted(result):
    return bool(result["steps"]) and result["steps"][0]["code"] == 220


def write_behind_the_roles_back(host, config):
    """main.cf and the tables of the model, as the role would write them, without its checks."""
    for table in config["tables"]:
        if table.get("keep_existing"):  # /etc/aliases: the system's own stays
            continue
        text = render_source([tuple(e) for e in table["entries"]], table["flavour"])
        host.check_output("printf %%s %s > %s" % (shlex.quote(text), shlex.quote(table["path"])))
        if table["type"] in model.INDEXED_TYPES + ("auto",):  # built as postmap would (the default type for auto)
            kind = host.check_output("postconf -h default_database_type") if table["type"] == "auto" else table["type"]
            host.check_output("postmap %s:%s" % (kind, shlex.quote(table["path"])))
    host.check_output("printf %%s %s > /etc/postfix/main.cf" % shlex.quote(render.main_cf(config, facts(host))))
    host.check_output("postfix reload")


@pytest.fixture(name="verdicts", scope="module")
def verdicts_fixture():
    found = {}
    for name, (changes, recipient) in CASES.items():
        variables, errors = validated(**dict(SCENARIO, **changes))
        assert errors == [], errors
        config, problems = guard.judge(variables)
        for relay in RELAYS:
            since = journal_time(container(relay))
            write_behind_the_roles_back(container(relay), config)
            result = probe_the_stranger(relay, recipient, since)
            rcpt = [step for step in result["steps"] if step["stage"] == "rcpt"]
            found[(name, relay)] = (bool(problems), bool(rcpt) and 200 <= rcpt[0]["code"] < 300, greeted(result),
                                    problems, result)
    yield found
    converge()


@pytest.mark.parametrize("relay", RELAYS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_guard_refuses_what_postfix_relays_for_and_accepts_what_it_serves_safely(verdicts, name, relay):
    refused, relayed, served, problems, result = verdicts[(name, relay)]
    kind = name.split(":", 1)[0]
    # The case is what it says it is, on this Postfix ...
    assert (relayed, served) == {"unsafe": (True, True), "safe": (False, True), "broken": (False, False)}[kind], json.dumps(result)
    # A broken one is broken by smtpd's own account, not by a timeout alone.
    assert (kind == "broken") == ("smtpd_fatal" in result), json.dumps(result)
    # ... and the guard refuses exactly the ones that are not safe.
    assert refused == (kind != "safe"), (problems, json.dumps(result))
