# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outbound model (outbound.py) and the smarthost credential guard (credentials.py): verified
TLS to the smarthost, credentials keyed by smarthost, sender-dependent smarthosts, per-destination
TLS, relay recipients, rewriting and header privacy, fed the role's variables as the argument
specs give them."""
import copy
import os
import tempfile

import pytest

from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard, render, syntax
from relay_config_vars import CREDENTIALS, FACTS_37, PASSWORD, SENDERS, SMARTHOST, judge, problems_of


def credentials(**changes):
    """CREDENTIALS with changes (another smarthost, say), as one dict of variables."""
    variables = dict(CREDENTIALS)
    variables.update(changes)
    return variables


def service(config, name, kind="unix"):
    return next(s for s in config["master_cf"] if (s["name"], s["type"]) == (name, kind))


def table(config, name):
    return dict((k, v) for k, v in next(t for t in config["tables"] if t["path"].endswith("/" + name))["entries"])


def main_cf(config):
    return render.parameters(config, FACTS_37)


def test_with_credentials_only_the_smarthost_service_authenticates_and_checks_the_certificate():
    config, problems = judge(**CREDENTIALS)
    assert problems == []
    params = main_cf(config)
    assert params["relayhost"] == SMARTHOST and params["default_transport"] == "smarthost"
    assert params["smtp_tls_security_level"] == "may" and params["smtp_tls_CAfile"] == "/etc/ssl/certs/ca-certificates.crt"
    assert not [name for name in params if name.startswith("smtp_sasl")]
    options = service(config, "smarthost")["options"]
    assert options["smtp_sasl_auth_enable"] == "yes" and options["smtp_fallback_relay"] == ""
    assert options["smtp_tls_CApath"] == "" and options["smtp_tls_trust_anchor_file"] == ""
    assert options["smtp_sender_dependent_authentication"] == "no" and options["smtp_tls_connection_reuse"] == "no"
    assert options["smtp_tls_policy_maps"] == "$default_database_type:/etc/postfix/maps/smarthost_tls_policy"
    assert table(config, "smarthost_tls_policy") == {SMARTHOST: "secure match=smtp.example.net"}
    assert table(config, "sasl_passwd") == {SMARTHOST: "relay@example.org:" + PASSWORD}
    assert "smtp_tls_wrappermode" not in options


def test_without_credentials_the_smarthost_is_opportunistic_unless_asked():
    config, problems = judge(postfix_relayhost=SMARTHOST)
    assert problems == []
    assert table(config, "smarthost_tls_policy") == {SMARTHOST: "may"}
    assert "smtp_sasl_auth_enable" not in service(config, "smarthost")["options"]
    assert not [t for t in config["tables"] if t["secret"]]
    config, problems = judge(postfix_relayhost=SMARTHOST, postfix_relayhost_tls_security_level="verify",
                             postfix_relayhost_tls_match=["mx.example.net", ".example.net"])
    assert problems == [] and table(config, "smarthost_tls_policy") == {SMARTHOST: "verify match=mx.example.net:.example.net"}


@pytest.mark.parametrize("level", ["none", "may", "encrypt"])
def test_credentials_over_an_unverified_connection_are_refused(level):
    problems = problems_of(postfix_relayhost_tls_security_level=level, **CREDENTIALS)
    assert problems and "postfix_relayhost_tls_security_level is '%s' while this smarthost has credentials" % level \
        in problems[0]
    assert not [p for p in problems if PASSWORD in p or "pr0vider" in p]


def test_a_smarthost_given_by_address_needs_the_name_its_certificate_carries():
    problems = problems_of(**credentials(postfix_relayhost="[192.0.2.10]:587"))
    assert any("by its address 192.0.2.10" in p and "postfix_relayhost_tls_match" in p for p in problems)
    config, problems = judge(**credentials(postfix_relayhost="[192.0.2.10]:587", postfix_relayhost_tls_match=["smtp.example.net"]))
    assert problems == [] and table(config, "smarthost_tls_policy") == {"[192.0.2.10]:587": "secure match=smtp.example.net"}


@pytest.mark.parametrize("relayhost", ["smtp.example.net:587 smtp2.example.net", "[smtp.example.net]:99999", "[]:25",
                                       "smtp.example.net:", "$evil", "smtp..example.net"])
def test_a_relayhost_that_is_not_one_destination_is_refused(relayhost):
    assert any("not one smarthost" in p for p in problems_of(postfix_relayhost=relayhost))


def test_wrapper_mode_is_for_the_smarthost_service_and_needs_tls():
    config, problems = judge(**credentials(postfix_relayhost_tls_wrappermode=True, postfix_relayhost="[smtp.example.net]:465"))
    assert problems == [] and service(config, "smarthost")["options"]["smtp_tls_wrappermode"] == "yes"
    assert "smtp_tls_wrappermode" not in main_cf(config)
    problems = problems_of(postfix_relayhost="[smtp.example.net]:465", postfix_relayhost_tls_wrappermode=True)
    assert any("postfix_relayhost_tls_wrappermode needs TLS" in p for p in problems)


def test_sender_dependent_smarthosts_each_get_their_own_credentials_by_smarthost():
    config, problems = judge(postfix_sender_dependent_relayhosts=SENDERS, **CREDENTIALS)
    assert problems == []
    assert main_cf(config)["sender_dependent_relayhost_maps"] == "${default_database_type}:/etc/postfix/maps/sender_relayhost"
    assert table(config, "sender_relayhost") == {"app1@example.org": "[smtp2.example.net]:587",
                                                 "@billing.example.org": "[smtp3.example.net]:465"}
    assert table(config, "sasl_passwd") == {SMARTHOST: "relay@example.org:" + PASSWORD,
                                            "[smtp2.example.net]:587": "app1:app1-secret",
                                            "[smtp3.example.net]:465": "billing:billing-secret"}
    assert table(config, "smarthost_tls_policy") == {SMARTHOST: "secure match=smtp.example.net",
                                                     "[smtp2.example.net]:587": "secure match=smtp2.example.net",
                                                     "[smtp3.example.net]:465": "secure match=smtp3.example.net"}
    # Credentials keyed by sender would go wherever that sender's mail is routed.
    assert service(config, "smarthost")["options"]["smtp_sender_dependent_authentication"] == "no"


@pytest.mark.parametrize("changes, words", [
    (dict(postfix_sender_dependent_relayhosts=[dict(SENDERS[0], relayhost=SMARTHOST)]),
     "gives [smtp.example.net]:587 other credentials than postfix_relayhost does"),
    (dict(postfix_sender_dependent_relayhosts=[dict(SENDERS[0], sender="app1")]), ".sender 'app1' is not an address"),
    (dict(postfix_sender_dependent_relayhosts=[SENDERS[0], dict(SENDERS[0], relayhost="[smtp9.example.net]")]),
     "app1@example.org is listed twice"),
    (dict(postfix_sender_dependent_relayhosts=[dict(SENDERS[0], tls_security_level="encrypt")]),
     "postfix_sender_dependent_relayhosts[0].tls_security_level is 'encrypt' while this smarthost has credentials"),
    (dict(postfix_sender_dependent_relayhosts=[dict(SENDERS[0], password="")]),
     "Set both postfix_sender_dependent_relayhosts[0].username and postfix_sender_dependent_relayhosts[0].password"),
    (dict(postfix_sender_dependent_relayhosts=[dict(SENDERS[0], password="two  blanks")]),
     "postfix_sender_dependent_relayhosts[0].password must be one line without leading, trailing or repeated blanks"),
    (dict(postfix_relayhost_username="us:er"), "postfix_relayhost_username may not hold a blank or ':'"),
])
def test_bad_sender_dependent_or_credential_input_is_refused_by_name(changes, words):
    problems = problems_of(**credentials(**changes))
    assert any(words in p for p in problems), problems
    assert not [p for p in problems if "secret" in p or "blanks'" in p or PASSWORD in p]


def test_sender_dependent_smarthosts_need_the_fallback_relayhost():
    assert any("the fallback" in p for p in problems_of(postfix_sender_dependent_relayhosts=SENDERS))


@pytest.mark.parametrize("extra", [{"smtp_sasl_auth_enable": "yes"}, {"smtp_sasl_password_maps": "hash:/etc/postfix/mine"},
                                   {"smtp_tls_CApath": "/etc/ssl/certs"}, {"smtp_sender_dependent_authentication": "yes"},
                                   {"smtp_tls_trust_anchor_file": "/tmp/evil.pem"}, {"lmtp_sasl_auth_enable": "yes"},
                                   {"smtp_fallback_relay": "[evil.example]:587"}, {"tlsproxy_client_CAfile": "/tmp/x.pem"}])
def test_main_cf_extra_cannot_change_who_gets_a_password(extra):
    problems = problems_of(postfix_main_cf_extra=extra, **CREDENTIALS)
    name = list(extra)[0]
    assert any(p.startswith("postfix_main_cf_extra.%s sets %s" % (name, name)) for p in problems), problems


def test_no_other_service_may_authenticate_or_route_through_the_smarthost():
    own = {"name": "outbound2", "type": "unix", "command": "smtp", "options": {"smtp_sasl_auth_enable": "yes"}}
    problems = problems_of(postfix_master_services=[own], **CREDENTIALS)
    assert any("postfix_master_services[0].options.smtp_sasl_auth_enable" in p for p in problems)
    taken = {"name": "smarthost", "type": "unix", "command": "smtp"}
    assert any("a service the role writes itself" in p for p in problems_of(postfix_master_services=[taken], **CREDENTIALS))
    problems = problems_of(postfix_transport={"example.com": "smarthost:[mx.example.com]"}, **CREDENTIALS)
    assert any("postfix_transport entry example.com sends mail through the smarthost service" in p for p in problems)


def policy_entries(config, entries):
    next(t for t in config["tables"] if t["path"].endswith("/smarthost_tls_policy"))["entries"] = entries


@pytest.mark.parametrize("tamper, words", [
    (lambda c: policy_entries(c, [[SMARTHOST, "encrypt"]]), "its TLS policy is 'encrypt'"),
    (lambda c: policy_entries(c, [[SMARTHOST, "secure"]]), "its TLS policy is 'secure'"),
    (lambda c: policy_entries(c, []), "its TLS policy is 'may'"),
    (lambda c: policy_entries(c, [[SMARTHOST, "secure match=smtp.example.net protocols=TLSv1"]]), "other than match="),
    (lambda c: service(c, "smarthost")["options"].pop("smtp_tls_CApath"), "does not pin smtp_tls_CApath"),
    (lambda c: service(c, "smarthost")["options"].update(smtp_sasl_password_maps="hash:/etc/other"), "did not write"),
    (lambda c: policy_entries(c, [["[SMTP.example.net]:587", "may"], [SMARTHOST, "secure match=smtp.example.net"]]),
     "two entries in /etc/postfix/maps/smarthost_tls_policy"),
    (lambda c: policy_entries(c, [["[SMTP.example.net]:587", "secure match=smtp.example.net"]]), None),
])
def test_the_guard_checks_the_smarthost_service_as_the_model_wrote_it(tamper, words):
    """A bug in the model must not send a password unchecked: the guard reads what was built."""
    config = copy.deepcopy(judge(**CREDENTIALS)[0])
    assert guard.problems(config) == []
    tamper(config)
    if words is None:  # Postfix folds the case of the key: this entry is the smarthost's
        assert guard.problems(config) == []
    else:
        assert any(words in p for p in guard.problems(config)), guard.problems(config)


def test_per_destination_tls_policy_is_a_table_of_levels_and_names():
    policy = [{"destination": "example.org", "level": "secure", "match": ["mx.example.org"]},
              {"destination": "[legacy.example.com]:25", "level": "none"}]
    config, problems = judge(postfix_smtp_tls_policy=policy)
    assert problems == [] and main_cf(config)["smtp_tls_policy_maps"].endswith(":/etc/postfix/maps/smtp_tls_policy")
    assert table(config, "smtp_tls_policy") == {"example.org": "secure match=mx.example.org", "[legacy.example.com]:25": "none"}
    for bad, words in (({"destination": SMARTHOST, "level": "none"}, "is a smarthost"),
                       ({"destination": "example.org", "level": "dane-only"}, "level is 'dane-only'"),
                       ({"destination": "example.org", "level": "may", "match": ["x.example.org"]}, "only with level verify"),
                       ({"destination": "ex ample.org", "level": "may"}, "is not a domain"),
                       ({"destination": "example.org", "level": "may", "protocols": "TLSv1"}, "must be a dict with")):
        assert any(words in p for p in problems_of(postfix_smtp_tls_policy=[bad], **CREDENTIALS)), bad


def test_relay_recipients_are_checked_against_the_relay_domains():
    config, problems = judge(postfix_relay_domains=["corp.example", ".branch.example"],
                             postfix_relay_recipients=["alice@corp.example", "@office.branch.example"])
    assert problems == []
    assert main_cf(config)["relay_recipient_maps"].endswith(":/etc/postfix/maps/relay_recipients")
    assert table(config, "relay_recipients") == {"alice@corp.example": "OK", "@office.branch.example": "OK"}
    problems = problems_of(postfix_relay_domains=["corp.example"], postfix_relay_recipients=["bob@elsewhere.example", "bob"])
    assert any("postfix_relay_recipients[0] bob@elsewhere.example is not in postfix_relay_domains" in p for p in problems)
    assert any("postfix_relay_recipients[1] 'bob' is not an address" in p for p in problems)


def test_outbound_rewriting_is_written_with_header_rewriting_for_the_relays_own_clients():
    config, problems = judge(postfix_smtp_generic_maps={"root@app17.internal": "app17@example.org"},
                             postfix_sender_canonical_maps={"@old.example.org": "@example.org"},
                             postfix_masquerade_domains=["example.org", "!keep.example.org"])
    assert problems == []
    params = main_cf(config)
    assert params["smtp_generic_maps"].endswith(":/etc/postfix/maps/generic")
    assert params["sender_canonical_maps"].endswith(":/etc/postfix/maps/sender_canonical")
    assert params["masquerade_domains"] == "example.org, !keep.example.org"
    assert params["local_header_rewrite_clients"] == "permit_inet_interfaces, permit_mynetworks, permit_sasl_authenticated"
    assert table(config, "generic") == {"root@app17.internal": "app17@example.org"}
    problems = problems_of(postfix_smtp_generic_maps={"root@app17.internal": "app 17@example.org", "x y": "a@b.example"},
                           postfix_masquerade_domains=["org"])
    assert any("postfix_smtp_generic_maps the value of 'root@app17.internal' has a local part with a blank" in p
               for p in problems)
    assert any("postfix_smtp_generic_maps key 'x y' is not an address" in p for p in problems)
    assert any("postfix_masquerade_domains[0] 'org' is a bare top-level name" in p for p in problems)
    assert "local_header_rewrite_clients" not in main_cf(judge(postfix_smtp_generic_maps={"a@b.example": "c@d.example"})[0])


def test_submission_and_smtps_use_a_cleanup_that_drops_the_privacy_headers_and_keeps_the_admins_checks():
    checks = [{"key": "/^Subject: spam/", "value": "REJECT"}]
    config, problems = judge(postfix_header_checks=checks)
    assert problems == []
    for name in ("submission", "smtps"):
        assert service(config, name, "inet")["options"]["cleanup_service_name"] == "privacy-cleanup"
    assert "cleanup_service_name" not in service(config, "smtp", "inet")["options"]
    cleanup = service(config, "privacy-cleanup")
    assert cleanup["command"] == "cleanup" and cleanup["private"] == "n" and cleanup["process_limit"] == "0"
    assert cleanup["options"] == {"header_checks": "pcre:/etc/postfix/maps/header_privacy.pcre,pcre:/etc/postfix/maps/header_checks.pcre",
                                  "mime_header_checks": "pcre:/etc/postfix/maps/header_checks.pcre",
                                  "nested_header_checks": "pcre:/etc/postfix/maps/header_checks.pcre"}
    assert table(config, "header_privacy.pcre") == {"/^Received:/": "IGNORE", "/^X-Originating-IP:/": "IGNORE",
                                                    "/^User-Agent:/": "IGNORE", "/^X-Mailer:/": "IGNORE"}
    config, problems = judge(postfix_header_privacy=False)
    assert problems == [] and not [s for s in config["master_cf"] if s["name"] == "privacy-cleanup"]
    assert "cleanup_service_name" not in service(config, "submission", "inet")["options"]


@pytest.mark.parametrize("postscreen", [False, True])
def test_port_25_privacy_is_for_a_relay_without_inbound_mail(postscreen):
    config, problems = judge(postfix_header_privacy_port_25=True, postfix_postscreen_enabled=postscreen)
    assert problems == []
    smtpd = service(config, "smtpd", "pass") if postscreen else service(config, "smtp", "inet")
    assert smtpd["options"]["cleanup_service_name"] == "privacy-cleanup"
    if postscreen:  # postscreen hands the clients on; it has no cleanup of its own
        assert service(config, "smtp", "inet")["options"] == {}
    config, problems = judge(postfix_header_privacy_port_25=True, postfix_submission_enabled=False,
                             postfix_smtps_enabled=False)
    assert problems == [] and service(config, "privacy-cleanup")["command"] == "cleanup"
    problems = problems_of(postfix_header_privacy_port_25=True, postfix_relay_domains=["corp.example"],
                           postfix_transport={"corp.example": "smtp:[10.0.0.5]"})
    assert any("postfix_header_privacy_port_25 would strip the headers of all mail on port 25" in p for p in problems)
    problems = problems_of(postfix_header_privacy_port_25=True, postfix_header_privacy=False)
    assert any("postfix_header_privacy_port_25 is true but postfix_header_privacy is false" in p for p in problems)


def test_the_guard_refuses_a_privacy_cleanup_that_does_more_than_drop_headers():
    config, dummy = judge()
    config = copy.deepcopy(config)
    privacy = next(t for t in config["tables"] if t["path"].endswith("/header_privacy.pcre"))
    privacy["entries"][0] = ["/^Received:/", "REDIRECT someone@example.net"]
    assert any("privacy cleanup service's header_checks" in p for p in guard.problems(config))


@pytest.mark.parametrize("name", ["mime_header_checks", "nested_header_checks", "milter_header_checks", "sender_bcc_maps",
                                  "recipient_bcc_maps"])
def test_tables_that_can_send_mail_where_a_pattern_says_are_relay_relevant(name):
    problems = problems_of(postfix_main_cf_extra={name: "pcre:/etc/postfix/mine.pcre"})
    assert any(p.startswith("postfix_main_cf_extra.%s sets %s, which " % (name, name)) for p in problems), problems


def test_bare_logins_get_the_realm_the_site_playbook_gives():
    config, problems = judge(postfix_sasl_enabled=True, postfix_sasl_local_domain="relay.example.org")
    assert problems == [] and main_cf(config)["smtpd_sasl_local_domain"] == "relay.example.org"
    problems = problems_of(postfix_sasl_enabled=True, postfix_sasl_local_domain="a b")
    assert any("postfix_sasl_local_domain is 'a b'" in p for p in problems)
    assert any("smtpd_sasl_local_domain, which the role manages" in p
               for p in problems_of(postfix_main_cf_extra={"smtpd_sasl_local_domain": "other.example"}))


@pytest.mark.parametrize("changes, words", [
    # Postfix looks a password up by the server's host name first: a bare key could match another route.
    (dict(postfix_relayhost="smtp.example.net:587"), "a smarthost with credentials without brackets"),
    (dict(postfix_relayhost="smtp.example.net"), "write it as '[smtp.example.net]'"),
    (dict(postfix_relayhost_tls_match=["hostname"]), "postfix_relayhost_tls_match[0] is 'hostname'"),
    (dict(postfix_relayhost_tls_match=[".co.uk"]), "postfix_relayhost_tls_match[0] is '.co.uk'"),
    (dict(postfix_relayhost_tls_match=[".net"]), "postfix_relayhost_tls_match[0] is '.net'"),
    (dict(postfix_relayhost_tls_ca_file="/etc/ssl/{x"), "postfix_relayhost_tls_ca_file is '/etc/ssl/{x'"),
    (dict(postfix_relayhost_tls_ca_file="/etc/ssl/$x.pem"), "no blank, comma, brace, '$' or '..'"),
    (dict(postfix_relay_domains=["corp.example"]), "postfix_relay_domains[0] corp.example has no postfix_transport entry"),
    (dict(postfix_sender_dependent_relayhosts=[dict(SENDERS[0], relayhost="[SMTP.example.net]:587")]),
     "other credentials than postfix_relayhost does"),
    (dict(postfix_main_cf_extra={"tls_required_enable": "yes"}), "postfix_main_cf_extra.tls_required_enable sets"),
    (dict(postfix_main_cf_extra={"default_database_type": "btree"}), "postfix_main_cf_extra.default_database_type sets"),
])
def test_red_team_findings_are_refused(changes, words):
    problems = problems_of(**credentials(**changes))
    assert any(words in p for p in problems), problems


def test_one_smarthost_spelt_in_two_cases_is_one_entry_in_each_table():
    """Postfix folds the case of a table key: two spellings of one smarthost are one next hop,
    which has the credentials (so its TLS is checked) whichever spelling a sender names."""
    spelt = [dict(SENDERS[0], relayhost="[SMTP.Example.net]:587", username="relay@example.org", password=PASSWORD),
             {"sender": "app2@example.org", "relayhost": "[SMTP.example.NET]:587"}]
    config, problems = judge(postfix_sender_dependent_relayhosts=spelt, **CREDENTIALS)
    assert problems == []
    assert table(config, "sasl_passwd") == {SMARTHOST: "relay@example.org:" + PASSWORD}
    assert table(config, "smarthost_tls_policy") == {SMARTHOST: "secure match=smtp.example.net"}
    problems = problems_of(postfix_sender_dependent_relayhosts=[dict(spelt[1], tls_security_level="may")], **CREDENTIALS)
    assert any("tls_security_level is 'may' while this smarthost has credentials" in p for p in problems), problems
    problems = problems_of(postfix_smtp_tls_policy=[{"destination": "[smtp.EXAMPLE.net]:587", "level": "none"}], **CREDENTIALS)
    assert any("is a smarthost" in p for p in problems), problems


def test_relay_domains_routed_by_the_transport_table_are_fine_with_a_smarthost():
    assert problems_of(**credentials(postfix_relay_domains=["corp.example", ".branch.example"],
                                     postfix_transport={"corp.example": "smtp:[10.0.0.5]", ".branch.example": "smtp:[10.0.0.6]"})) == []
    assert problems_of(**credentials(postfix_transport={"example.com": "smarthost:"})) == []


def test_the_tls_required_header_cannot_turn_the_smarthost_check_off():
    """Postfix 3.10 skips the TLS policy for a message with "TLS-Required: no" (RFC 8689)."""
    config, problems = judge(**CREDENTIALS)
    assert problems == []
    assert render.parameters(config, dict(FACTS_37, version_tuple=[3, 10, 13]))["tls_required_enable"] == "no"
    assert "tls_required_enable" not in main_cf(config)  # 3.7 has no such parameter
    assert "tls_required_enable" not in main_cf(judge(postfix_relayhost=SMARTHOST)[0])
    for section in config["main_cf"]:
        section["parameters"] = [p for p in section["parameters"] if p["name"] != "tls_required_enable"]
    assert any("TLS-Required header" in p for p in guard.problems(config))


@pytest.mark.parametrize("changes, words", [
    (dict(postfix_main_cf_extra={"relay_transport": "smarthost"}), "postfix_main_cf_extra.relay_transport sets relay_transport = smarthost"),
    (dict(postfix_main_cf_extra={"content_filter": "smarthost:[smtp.example.net]:587"}), "mail would leave through the smarthost"),
    (dict(postfix_smtp_options={"content_filter": "smarthost:[smtp.example.net]:587"}),
     "postfix_smtp_options.content_filter = smarthost:[smtp.example.net]:587"),
    (dict(postfix_access_maps={"clients": {"type": "cidr", "entries": [{"key": "0.0.0.0/0", "value": "FILTER smarthost:[smtp.example.net]:587"}]}},
          postfix_smtpd_client_restrictions=["check_client_access cidr:/etc/postfix/maps/clients"]),
     "entry 0.0.0.0/0: FILTER smarthost:[smtp.example.net]:587"),
    (dict(postfix_header_checks=[{"key": "/^Subject:/", "value": "FILTER smarthost:[smtp.example.net]:587"}]),
     "postfix_header_checks entry /^Subject:/"),
    (dict(postfix_relay_domains=["corp.example"], postfix_transport={"corp.example": ":"}),
     "corp.example has no postfix_transport entry that routes it"),
    (dict(postfix_master_services=[{"name": "smarthost", "type": "unix-dgram", "command": "smtp"}]),
     "a service the role writes itself"),
    (dict(postfix_relayhost_tls_match=[".example.net"]), "postfix_relayhost_tls_match[0] is '.example.net', and this smarthost has credentials"),
    (dict(postfix_main_cf_extra={"sender_dependent_default_transport_maps": "inline:{ {@x.example=smarthost:[smtp.example.net]:587} }"}),
     "mail would leave through the smarthost service"),
    (dict(postfix_main_cf_extra={"fallback_transport": "static:smarthost"}), "mail would leave through the smarthost service"),
    (dict(postfix_main_cf_extra={"sender_dependent_default_transport_maps": "hash:/etc/postfix/sdd"}),
     "a lookup table whose entries the guard cannot read picks the transport"),
])
def test_second_red_team_findings_are_refused(changes, words):
    """Mail routed to the smarthost service by the admin's settings would carry its credentials
    (or a forged sender's sender-dependent ones); a '.domain' match would take any certificate below it."""
    problems = problems_of(**credentials(**changes))
    assert any(words in p for p in problems), problems


def test_what_stays_allowed_beside_the_second_red_team_refusals():
    assert problems_of(postfix_main_cf_extra={"relay_transport": "relay", "content_filter": "amavis:[127.0.0.1]:10024"},
                       **CREDENTIALS) == []
    # An address or a host name that begins with the service's name routes nothing.
    assert problems_of(postfix_sender_canonical_maps={"ops@apps.example.org": "smarthost@example.org"},
                       postfix_main_cf_extra={"smtp_helo_name": "smarthost.example.org"}, **CREDENTIALS) == []
    # Without a smarthost service there is nothing such a table could hand credentials to.
    assert problems_of(postfix_main_cf_extra={"sender_dependent_default_transport_maps": "hash:/etc/postfix/sdd"}) == []
    # Without credentials a '.domain' match decides only how private the mail is.
    assert problems_of(postfix_relayhost=SMARTHOST, postfix_relayhost_tls_security_level="verify",
                       postfix_relayhost_tls_match=[".example.net"]) == []
    assert problems_of(**credentials(postfix_relay_domains=["corp.example"], postfix_transport={"corp.example": "smtp:"})) == []


@pytest.mark.parametrize("suffix", [".com.co", ".duckdns.org", ".co.ke"])
def test_public_suffixes_of_the_systems_list_are_refused(suffix, monkeypatch):
    """The system's Public Suffix List where it has one (a stand-in here), the built-in list always."""
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as handle:
        handle.write("// ===BEGIN ICANN DOMAINS===\nco\ncom.co\n*.ke\n!www.ke\n// private\nduckdns.org\n")
    monkeypatch.setattr(syntax, "SUFFIX_LISTS", (handle.name,))
    monkeypatch.setattr(syntax, "_SUFFIX_RULES", [])
    try:
        assert syntax.is_public_suffix(suffix[1:]) and not syntax.is_public_suffix("www.ke")
        assert not syntax.is_public_suffix("example.com.co")
        problems = problems_of(postfix_relay_domains=[suffix])
        assert any("is every domain under the public suffix %s" % suffix[1:] in p for p in problems), problems
        problems = problems_of(postfix_smtp_tls_policy=[{"destination": "example.org", "level": "secure", "match": [suffix]}])
        assert any("match must be a list of host names" in p for p in problems), problems
        monkeypatch.setattr(syntax, "SUFFIX_LISTS", ("/nonexistent",))
        monkeypatch.setattr(syntax, "_SUFFIX_RULES", [])
        assert syntax.is_public_suffix("co.uk") and not syntax.is_public_suffix(suffix[1:])
    finally:
        os.unlink(handle.name)
