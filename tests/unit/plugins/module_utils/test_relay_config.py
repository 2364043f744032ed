# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one configuration model, its renderer and the open-relay guard over it, fed the role's
variables exactly as the postfix_config action gives them (argument specs applied)."""
import re

import pytest

from ansible_collections.hardened.relay.plugins.module_utils.postfix_table import MASK
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard, master, render
from relay_config_vars import FACTS_310, FACTS_37, judge, problems_of, validated


def main_cf(config, facts=None):
    return render.parameters(config, facts or FACTS_37)


def service(config, name, kind="inet"):
    return next(s for s in config["master_cf"] if (s["name"], s["type"]) == (name, kind))


def test_defaults_are_safe_and_render_every_stage():
    config, problems = judge()
    assert problems == []
    params = main_cf(config)
    assert params["smtpd_relay_restrictions"] == "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
    assert params["mynetworks"] == "127.0.0.0/8 [::1]/128"
    assert params["compatibility_level"] == "3.6"
    assert "relay_domains" not in params["parent_domain_matches_subdomains"]
    assert params["smtpd_forbid_bare_newline"] == "yes"  # 3.7.11 has the backport
    assert main_cf(config, FACTS_310)["smtpd_forbid_bare_newline"] == "normalize"
    assert "smtpd_forbid_bare_newline" not in main_cf(config, dict(FACTS_37, version_tuple=[3, 7, 9]))


def test_main_cf_text_is_one_line_per_parameter_in_model_order():
    config, dummy = judge()
    text = render.main_cf(config, FACTS_37, "# managed")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert all(re.match(r"^[A-Za-z_]+ = ", line) or line.endswith(" =") for line in lines)
    assert [line.split(" =")[0] for line in lines] == list(main_cf(config))
    assert text.startswith("# managed\n")


@pytest.mark.parametrize("given, present", [(False, "absent"), ("false", "absent"), ("no", "absent"), ("true", "present")])
def test_booleans_given_as_strings_mean_what_they_say(given, present):
    config, problems = judge(postfix_smtps_enabled=given)
    assert problems == []
    assert service(config, "smtps")["state"] == present


def test_a_boolean_that_is_no_boolean_is_refused_by_the_specs():
    variables, errors = validated(postfix_smtps_enabled="maybe")
    assert errors and "postfix_smtps_enabled" in errors[0]


def test_numbers_given_as_strings_are_numbers():
    config, problems = judge(postfix_smtpd_client_connection_rate_limit="30")
    assert problems == [] and main_cf(config)["smtpd_client_connection_rate_limit"] == "30"


def test_submission_and_smtps_serve_authenticated_clients_only():
    config, dummy = judge(postfix_sasl_enabled=True)
    for name in ("submission", "smtps"):
        options = service(config, name)["options"]
        assert options["smtpd_relay_restrictions"] == "permit_sasl_authenticated,reject"
        assert options["smtpd_sasl_auth_enable"] == "yes"
    assert "smtpd_sasl_auth_enable" not in service(config, "smtp")["options"]
    assert config["files"][0]["content"].endswith("mech_list: PLAIN LOGIN\n")


def test_postscreen_hands_port_25_to_the_smtpd_pass_service_with_the_port_25_overrides():
    config, problems = judge(postfix_postscreen_enabled=True, postfix_smtp_options={"smtpd_client_restrictions": "permit_mynetworks"})
    assert problems == []
    assert service(config, "smtp")["command"] == "postscreen" and service(config, "smtp")["options"] == {}
    assert service(config, "smtpd", "pass")["options"] == {"smtpd_client_restrictions": "permit_mynetworks"}
    names = [listener["name"] for listener in config_listeners(config)]
    assert names == ["smtp/inet", "submission/inet", "smtps/inet"]


def config_listeners(config):
    return master.listeners(config, ["all"])


def test_listeners_follow_inet_interfaces_and_service_names():
    config, problems = judge(postfix_inet_interfaces=["192.0.2.10"], postfix_master_services=[
        {"name": "127.0.0.1:10025", "type": "inet", "private": "n", "command": "smtpd",
         "options": {"mynetworks": "127.0.0.0/8", "smtpd_relay_restrictions": "permit_mynetworks,reject"}}])
    assert problems == []
    listeners = master.listeners(config, ["192.0.2.10"])
    assert listeners[0] == {"name": "smtp/inet", "host": "192.0.2.10", "port": 25, "tls": "starttls"}
    assert listeners[2]["tls"] == "wrapper"
    assert listeners[-1] == {"name": "127.0.0.1:10025/inet", "host": "127.0.0.1", "port": 10025, "tls": "starttls"}


def test_table_entries_are_what_postmap_reads():
    config, problems = judge(postfix_access_maps={"client_access": {"type": "hash", "entries": {
        "192.0.2.1": ["REJECT", "listed"], "192.0.2.2": "  DUNNO  "}}})
    assert problems == []
    table = next(t for t in config["tables"] if t["path"].endswith("/client_access"))
    assert table["entries"] == [["192.0.2.1", "REJECT, listed"], ["192.0.2.2", "DUNNO"]]


def test_the_smarthost_password_is_a_secret_table():
    config, problems = judge(postfix_relayhost="[smtp.example.net]:587", postfix_relayhost_username="u",
                             postfix_relayhost_password="s3cret")
    assert problems == []
    table = next(t for t in config["tables"] if t["secret"])
    assert table["mode"] == "0600" and table["path"].endswith("/sasl_passwd")
    # Only the smarthost service authenticates; main.cf's SMTP client (direct delivery) never does.
    assert service(config, "smarthost", "unix")["options"]["smtp_sasl_password_maps"] == \
        "$default_database_type:/etc/postfix/maps/sasl_passwd"
    assert not any(name.startswith("smtp_sasl") for name in main_cf(config))


# Tricky but safe: the guard must let these through.
SAFE = {
    "relay for listed domains and below one": dict(postfix_relay_domains=["example.org", ".example.net"]),
    "content filter reinjection on loopback": dict(postfix_master_services=[
        {"name": "127.0.0.1:10025", "type": "inet", "private": "n", "chroot": "n", "process_limit": "10", "command": "smtpd",
         "options": {"mynetworks": "127.0.0.0/8", "smtpd_relay_restrictions": "permit_mynetworks,reject",
                     "smtpd_client_restrictions": "", "content_filter": ""}},
        {"name": "filter", "type": "unix", "private": "-", "unprivileged": "n", "chroot": "n", "command":
         "pipe flags=Rq user=filter null_sender= argv=/usr/sbin/sendmail -oi -f ${sender} -- ${recipient}"}]),
    "submission with its own relay list": dict(postfix_submission_options={
        "smtpd_relay_restrictions": "permit_sasl_authenticated,reject_unauth_destination"}),
    "a reference to an extra list": dict(postfix_main_cf_extra={"mua_relay": "permit_sasl_authenticated, reject"},
                                         postfix_submission_options={"smtpd_relay_restrictions": "$mua_relay"}),
    "a safe extra parameter": dict(postfix_main_cf_extra={"message_size_limit": 20480000}),
    "an access map that only refuses": dict(
        postfix_access_maps={"helo": {"type": "hash", "entries": {"bad.example": "REJECT"}}},
        postfix_smtpd_relay_restrictions=["permit_mynetworks", "check_helo_access hash:/etc/postfix/maps/helo",
                                          "reject_unauth_destination"]),
    "mynetworks of our own public network": dict(
        postfix_mynetworks=["127.0.0.0/8", "198.51.100.0/28"], postfix_mynetworks_allow_public=["198.51.100.0/24"]),
    "AUTH on an extra submission port": dict(postfix_sasl_enabled=True, postfix_master_services=[
        {"name": "2587", "type": "inet", "private": "n", "command": "smtpd",
         "options": {"smtpd_sasl_auth_enable": True, "smtpd_tls_security_level": "encrypt",
                     "smtpd_relay_restrictions": ["permit_sasl_authenticated", "reject"]}}]),
}


@pytest.mark.parametrize("name", sorted(SAFE))
def test_tricky_but_safe_is_accepted(name):
    assert problems_of(**SAFE[name]) == []


CERT = ":".join(["AB"] * 32)
SAFE.update({
    "submission behind a load balancer (opt-in)": dict(postfix_proxy_protocol_listeners=["submission", "smtps"]),
    "port 25 behind a load balancer (opt-in)": dict(postfix_proxy_protocol_listeners=["smtp"]),
    "a user service behind a load balancer that trusts no network": dict(postfix_master_services=[
        {"name": "10.0.0.5:2525", "type": "inet", "private": "n", "command": "smtpd", "options": {
            "smtpd_upstream_proxy_protocol": "haproxy", "mynetworks": "", "smtpd_authorized_xclient_hosts": ""}}]),
    "client certificates that may relay (opt-in)": dict(
        postfix_relay_clientcerts=[{"fingerprint": CERT.lower(), "name": "app1"}],
        postfix_smtpd_relay_restrictions=["permit_mynetworks", "permit_tls_clientcerts", "reject_unauth_destination"]),
})


def test_a_proxied_listener_trusts_no_network():
    config, dummy = judge(postfix_proxy_protocol_listeners=["smtp"])
    assert service(config, "smtp")["options"] == {"smtpd_upstream_proxy_protocol": "haproxy", "mynetworks": "",
                                                  "smtpd_authorized_xclient_hosts": ""}


def test_client_certificates_are_a_table_of_sha256_fingerprints():
    config, dummy = judge(postfix_relay_clientcerts=[{"fingerprint": CERT.lower(), "name": "app1"}])
    table = next(t for t in config["tables"] if t["path"].endswith("/relay_clientcerts"))
    assert table["entries"] == [[CERT, "app1"]]
    params = main_cf(config)
    assert params["smtpd_tls_fingerprint_digest"] == "sha256" and params["smtpd_tls_ask_ccert"] == "yes"
    assert params["relay_clientcerts"] == "${default_database_type}:/etc/postfix/maps/relay_clientcerts"


# Tricky and unsafe, one per class of hole: (changes, a regex one problem must match).
UNSAFE = {
    "port 25 override permits": ({"postfix_smtp_options": {"smtpd_relay_restrictions": "permit"}},
                                 r"^postfix_smtp_options\.smtpd_relay_restrictions\[0\] 'permit'"),
    "a top-level relay domain": ({"postfix_relay_domains": ["com"]}, r"^postfix_relay_domains\[0\] 'com' is a top-level"),
    "relay domains from a table": ({"postfix_relay_domains": ["hash:/etc/postfix/relay_domains"]},
                                   r"^postfix_relay_domains\[0\].*lookup table"),
    "relay domains wildcard": ({"postfix_relay_domains": ["*"]}, r"^postfix_relay_domains\[0\] '\*' is not a domain"),
    "mydestination from a table": ({"postfix_mydestination": ["$myhostname", "pcre:/etc/postfix/dest"]},
                                   r"^postfix_mydestination\[1\]"),
    "relay domains through extra": ({"postfix_main_cf_extra": {"relay_domains": "static:ALL"}},
                                    r"^postfix_main_cf_extra\.relay_domains sets relay_domains, which the role manages"),
    "virtual alias domains through extra": ({"postfix_main_cf_extra": {"virtual_alias_domains": "static:ALL"}},
                                            r"^postfix_main_cf_extra\.virtual_alias_domains sets virtual_alias_domains"),
    "PROXY protocol on port 25": ({"postfix_smtp_options": {"smtpd_upstream_proxy_protocol": "haproxy"}},
                                  r"^postfix_smtp_options\.smtpd_upstream_proxy_protocol"),
    "PROXY protocol through extra": ({"postfix_main_cf_extra": {"smtpd_upstream_proxy_protocol": "haproxy"}},
                                     r"^postfix_main_cf_extra\.smtpd_upstream_proxy_protocol"),
    "client certificates from an unknown table": ({"postfix_main_cf_extra": {"relay_clientcerts": "pcre:/etc/postfix/certs"}},
                                                  r"^postfix_main_cf_extra\.relay_clientcerts"),
    "anonymous SASL": ({"postfix_sasl_enabled": True, "postfix_sasl_mechanisms": ["PLAIN", "ANONYMOUS"]},
                       r"^postfix_sasl_mechanisms has 'ANONYMOUS'"),
    "SASL options through an override": ({"postfix_submission_options": {"smtpd_sasl_security_options": "noplaintext"}},
                                         r"^postfix_submission_options\.smtpd_sasl_security_options"),
    "AUTH in cleartext": ({"postfix_submission_options": {"smtpd_tls_auth_only": "no"}},
                          r"^postfix_submission_options\.smtpd_tls_auth_only is 'no'"),
    "AUTH on port 25": ({"postfix_smtp_options": {"smtpd_sasl_auth_enable": "yes"}},
                        r"^postfix_smtp_options\.smtpd_sasl_auth_enable turns AUTH on for port 25"),
    "address resolution on trivial-rewrite": ({"postfix_master_services": [
        {"name": "rewrite", "type": "unix", "command": "trivial-rewrite", "options": {"relay_domains": "static:ALL"}}]},
        r"^postfix_master_services\[0\]\.options\.relay_domains"),
    "percent hack on trivial-rewrite": ({"postfix_master_services": [
        {"name": "rewrite", "type": "unix", "command": "trivial-rewrite", "options": {"allow_percent_hack": "yes"}}]},
        r"^postfix_master_services\[0\]\.options\.allow_percent_hack"),
    "a list value read as OK": ({"postfix_access_maps": {"c": {"type": "hash", "entries": {"192.0.2.9": ["OK"]}}},
                                 "postfix_smtpd_relay_restrictions": ["check_client_access hash:/etc/postfix/maps/c",
                                                                      "reject_unauth_destination"]},
                                r"^postfix_smtpd_relay_restrictions\[0\].*can answer OK"),
    "a lower-case ok": ({"postfix_access_maps": {"c": {"type": "cidr", "entries": [{"key": "0.0.0.0/0", "value": " ok "}]}},
                         "postfix_smtpd_relay_restrictions": ["check_client_access cidr:/etc/postfix/maps/c",
                                                              "reject_unauth_destination"]},
                        r"can answer OK"),
    "a column carries a command line": ({"postfix_master_services": [
        {"name": "2525", "type": "inet", "private": "n", "process_limit": "- smtpd -o smtpd_relay_restrictions=permit",
         "command": "smtpd"}]}, r"^postfix_master_services\[0\]\.process_limit"),
    "an override in the command": ({"postfix_master_services": [
        {"name": "2525", "type": "inet", "command": "smtpd -osmtpd_relay_restrictions=permit"}]},
        r"^postfix_master_services\[0\]\.command passes '-osmtpd_relay_restrictions=permit'"),
    "a brace in an override": ({"postfix_smtp_options": {"smtpd_helo_restrictions": "permit_mynetworks }"
                                                         " -o { smtpd_relay_restrictions = permit"}},
                               r"^postfix_smtp_options\.smtpd_helo_restrictions contains a '\{' or '\}'"),
    "a newline in the banner": ({"postfix_smtpd_banner": "$myhostname\nsmtpd_relay_restrictions = permit"},
                                r"^postfix_smtpd_banner .*line break"),
    "a newline in a domain": ({"postfix_relay_domains": ["example.org\nsmtpd_relay_restrictions = permit"]},
                              r"^postfix_relay_domains .*line break"),
    "a newline in a list item": ({"postfix_smtpd_helo_restrictions": ["permit_mynetworks\nmynetworks = 0.0.0.0/0"]},
                                 r"^postfix_smtpd_helo_restrictions .*line break"),
    "a newline in a table value": ({"postfix_access_maps": {"c": {"type": "hash", "entries": {"a.example": "REJECT\nb OK"}}}},
                                   r"^postfix_access_maps\.c\.entries\[0\].*(line break|multi-line)"),
    "a newline in a pcre key": ({"postfix_header_checks": [{"key": "/x/\n/.*/", "value": "OK"}]},
                                r"^postfix_header_checks\.entries\[0\] key"),
    "a user map over a role table": ({"postfix_access_maps": {"sender_login": {"entries": {"a@b.example": "u"}}},
                                      "postfix_sender_login_maps": {"x@b.example": "u"}},
                                     r"both write /etc/postfix/maps/sender_login"),
    "a user service replacing submission": ({"postfix_master_services": [
        {"name": "submission", "type": "inet", "private": "n", "command": "smtpd"}]},
        r"^postfix_master_services\[0\] is submission/inet, a service the role writes"),
    "a user service on port 465": ({"postfix_master_services": [
        {"name": "465", "type": "inet", "private": "n", "command": "smtpd",
         "options": {"smtpd_relay_restrictions": "permit_mynetworks,reject_unauth_destination"}}]},
        r"^postfix_master_services\[0\] listens on port 465"),
    "qmqpd": ({"postfix_master_services": [{"name": "628", "type": "inet", "private": "n", "command": "qmqpd"}]},
              r"^postfix_master_services\[0\] \(628/inet\) runs qmqpd"),
    "an unknown program": ({"postfix_master_services": [{"name": "x", "type": "unix", "command": "/usr/bin/mysmtpd"}]},
                           r"^postfix_master_services\[0\] \(x/unix\) runs 'mysmtpd'"),
    "an unknown override": ({"postfix_smtp_options": {"smtpd_relay_restrictionz": "permit"}},
                            r"^postfix_smtp_options\.smtpd_relay_restrictionz"),
    "non-ASCII digits in a prefix": ({"postfix_mynetworks": ["10.0.0.0/\u00b2"]}, r"^postfix_mynetworks\[0\]"),
    # Found by a red-team read of the guard.
    "an override that redefines what another refers to": (
        {"postfix_main_cf_extra": {"smtpd_reject_footer": "permit_mynetworks, reject_unauth_destination"},
         "postfix_smtp_options": {"smtpd_relay_restrictions": "$smtpd_reject_footer", "smtpd_reject_footer": "permit"}},
        r"^postfix_smtp_options\.smtpd_relay_restrictions refers to \$smtpd_reject_footer, which this service also overrides"),
    "mynetworks through a redefined reference": (
        {"postfix_submission_options": {"mynetworks": "$syslog_name", "syslog_name": "0.0.0.0/0"}},
        r"^postfix_submission_options\.mynetworks refers to \$syslog_name"),
    "warn_if_reject before a class holding the guard": (
        {"postfix_smtpd_restriction_classes": {"relay_guard": ["reject_unauth_destination"]},
         "postfix_smtpd_relay_restrictions": ["permit_mynetworks", "warn_if_reject relay_guard"]},
        r"^postfix_smtpd_relay_restrictions\[1\] 'warn_if_reject relay_guard' puts warn_if_reject before restriction class"),
    "a pcre key that carries its own result": (
        {"postfix_header_checks": [{"key": "/./ OK", "value": "REJECT"}],
         "postfix_smtpd_relay_restrictions": ["permit_mynetworks", "check_client_access pcre:/etc/postfix/maps/header_checks.pcre",
                                              "reject_unauth_destination"]},
        r"^postfix_header_checks\.entries\[0\].*would be read by postmap as key '/\./' with value 'OK REJECT'"),
    "sendmail -bs on a network port": ({"postfix_master_services": [
        {"name": "2525", "type": "inet", "private": "n", "unprivileged": "n", "chroot": "n",
         "command": "spawn user=nobody argv=/usr/sbin/sendmail -bs"}]}, r"^postfix_master_services\[0\] \(2525/inet\) puts spawn on"),
    "a Postfix daemon on a network port": ({"postfix_master_services": [
        {"name": "10026", "type": "inet", "private": "n", "command": "cleanup"}]}, r"puts cleanup on a network port"),
    "a REDIRECT to a substituted address": (
        {"postfix_access_maps": {"r": {"type": "pcre", "entries": [
            {"key": "/^(.+)\\.at\\.(.+)@example\\.org$/", "value": "REDIRECT $1@$2"}]}}},
        r"^postfix_access_maps\.r\.entries\[0\].*\$ substitution"),
    "a header check REDIRECT to a header's address": (
        {"postfix_header_checks": [{"key": "/^X-Forward-To:\\s*(\\S+@\\S+)/", "value": "REDIRECT $1"}]}, r"\$ substitution"),
    "recipient rewriting from postfix_main_cf_extra": (
        {"postfix_main_cf_extra": {"recipient_canonical_maps": "pcre:/etc/postfix/maps/rw"}},
        r"^postfix_main_cf_extra\.recipient_canonical_maps"),
    "a public suffix and below": ({"postfix_relay_domains": [".co.uk"]}, r"^postfix_relay_domains\[0\].*public suffix co\.uk"),
    "a service named by an alias of smtp": ({"postfix_master_services": [
        {"name": "mail", "type": "inet", "private": "n", "command": "smtpd",
         "options": {"smtpd_relay_restrictions": "permit_mynetworks,reject_unauth_destination"}}]},
        r"is named 'mail', which is no port number"),
    "port names redefined": ({"postfix_main_cf_extra": {"known_tcp_ports": "submission=25"}},
                             r"^postfix_main_cf_extra\.known_tcp_ports"),
    "AUTH without the role's SASL": ({"postfix_submission_options": {"smtpd_sasl_auth_enable": "yes"}},
                                     r"^postfix_submission_options\.smtpd_sasl_auth_enable turns AUTH on while"),
    "a user service behind a load balancer that trusts mynetworks": ({"postfix_master_services": [
        {"name": "10.0.0.5:2525", "type": "inet", "private": "n", "command": "smtpd", "options": {
            "smtpd_upstream_proxy_protocol": "haproxy", "smtpd_authorized_xclient_hosts": ""}}]},
        r"^postfix_master_services\[0\]\.options\.smtpd_upstream_proxy_protocol.*still trusts mynetworks"),
    "port 25 behind a load balancer with postscreen": ({"postfix_proxy_protocol_listeners": ["smtp"],
                                                        "postfix_postscreen_enabled": True},
                                                       r"^postfix_proxy_protocol_listeners has smtp while"),
    "an MD5 client certificate fingerprint": ({"postfix_relay_clientcerts": [{"fingerprint": ":".join(["AB"] * 16), "name": "a"}]},
                                              r"^postfix_relay_clientcerts\[0\]\.fingerprint .* not a SHA256"),
    "relay_clientcerts from postfix_main_cf_extra": ({"postfix_main_cf_extra": {"smtpd_tls_ask_ccert": "yes"}},
                                                     r"^postfix_main_cf_extra\.smtpd_tls_ask_ccert"),
    "a parameter the role writes, again in postfix_main_cf_extra": (
        {"postfix_main_cf_extra": {"smtpd_banner": "x"}},
        r"^postfix_main_cf_extra\.smtpd_banner sets smtpd_banner, which the role manages"),
    "an unknown parameter nothing refers to": ({"postfix_main_cf_extra": {"program_directory_x": "/tmp"}},
                                               r"^postfix_main_cf_extra\.program_directory_x sets program_directory_x, which is not"),
    "a parameter name with a trailing newline": ({"postfix_main_cf_extra": {"smtpd_relay_restrictions\n": "permit"}},
                                                 r"^postfix_main_cf_extra"),
}


def test_staging_leaves_restriction_classes_alone():
    config, dummy = judge(postfix_staging=True, postfix_smtpd_restriction_classes={"check_dest": ["reject_unauth_destination"]},
                          postfix_smtpd_recipient_restrictions=["permit_mynetworks", "check_dest", "reject_non_fqdn_recipient"])
    assert main_cf(config)["smtpd_recipient_restrictions"] == (
        "permit_mynetworks, check_dest, warn_if_reject reject_non_fqdn_recipient")


@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_tricky_and_unsafe_is_refused_naming_the_variable(name):
    changes, expected = UNSAFE[name]
    problems = problems_of(**changes)
    assert any(re.search(expected, problem) for problem in problems), problems


def test_collisions_are_reported_once_per_pair():
    problems = problems_of(postfix_access_maps={"transport": {"entries": {"a": "OK"}}}, postfix_transport={"x.org": "smtp:[h]"})
    assert len([p for p in problems if "both write" in p]) == 1


def test_the_host_gets_listeners_trusted_networks_services_and_no_secret():
    config, problems = judge(postfix_relayhost="[smtp.example.net]:587", postfix_relayhost_username="u",
                             postfix_relayhost_password="s3cret-value")
    assert problems == []
    host = guard.for_the_host(config, ["all"])
    assert "s3cret-value" not in repr(host)
    assert host["trusted_networks"] == ["127.0.0.0/8", "[::1]/128"]
    assert [listener["port"] for listener in host["listeners"]] == [25, 587, 465]
    assert all("origin" not in s for s in host["postconf_services"]) and len(host["postconf_services"]) == 8
    assert host["tls"] == {"cert_file": "/etc/postfix/tls/selfsigned.crt", "key_file": "/etc/postfix/tls/selfsigned.key",
                           "selfsigned": True, "dir": "/etc/postfix/tls", "anonymous_on_port_25": False}
    # Every table but the secret one travels as its source text; the secret one as keys with masked values.
    tables = dict((table["path"], table) for table in host["tables"])
    assert tables["/etc/aliases"]["source"] == "postmaster: root\nabuse: root\n" and "entries" not in tables["/etc/aliases"]
    assert tables["/etc/postfix/maps/sasl_passwd"]["entries"] == [["[smtp.example.net]:587", MASK]]
    assert "source" not in tables["/etc/postfix/maps/sasl_passwd"]


@pytest.mark.parametrize("map_type, key, value, words", [
    ("cidr", "192.0.2.0/33", "REJECT", ["postfix_access_maps.a.entries[0] key '192.0.2.0/33'", "0 to 32"]),
    ("cidr", "10.1.1.1/8", "REJECT", ["entries[0] key '10.1.1.1/8'", "host bits"]),
    ("cidr", "mail.example.com", "REJECT", ["not an IP address or network"]),
    ("pcre", "^spam$", "REJECT", ["entries[0] key '^spam$' is not a pcre pattern", "/regular expression/"]),
    ("regexp", "/unclosed", "REJECT", ["key '/unclosed' is not a regexp pattern"]),
    ("hash", "two words@example.com", "REJECT", ["entries[0] key 'two words@example.com' holds a blank"]),
    ("hash", "spam@example.com", "", ["entries[0] the value of 'spam@example.com' is empty"]),
    ("hash", "x.example", "REJECT\nOK", ["entries[0] the value of 'x.example' contains a line break"]),
])
def test_the_model_checks_each_access_map_entry_once(map_type, key, value, words):
    """The model reads an access map's entries in one pass: each bad entry gives one problem, with
    what the access map's type asks of a key (a network, a pattern) as well as the line syntax."""
    problems = problems_of(postfix_access_maps={"a": {"type": map_type, "entries": [{"key": key, "value": value}]}})
    mentions = [problem for problem in problems if "postfix_access_maps.a" in problem]
    assert len(mentions) == 1, problems
    for word in words:
        assert word in mentions[0], mentions[0]


@pytest.mark.parametrize("value, built", [("REJECT\n", "REJECT"), ("  550 5.7.1  go away \n", "550 5.7.1 go away")])
def test_a_value_ending_in_a_line_break_is_folded(value, built):
    """YAML's block scalars end in a line break; that one is no second line, and the value is kept."""
    config, problems = judge(postfix_access_maps={"a": {"type": "hash", "entries": {"x.example": value}}})
    assert problems == []
    assert [t["entries"] for t in config["tables"] if t["path"].endswith("/a")] == [[["x.example", built]]]


def test_auth_attempts_are_rate_limited_per_client():
    assert main_cf(judge()[0])["smtpd_client_auth_rate_limit"] == "30"
    assert main_cf(judge(postfix_smtpd_client_auth_rate_limit=120)[0])["smtpd_client_auth_rate_limit"] == "120"
