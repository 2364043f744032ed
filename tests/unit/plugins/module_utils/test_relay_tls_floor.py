# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TLS floor: what main.cf and master.cf get, and every way around it that the guard refuses,
fed the role's variables as the postfix_config action gives them."""
import pytest

from ansible_collections.hardened.relay.plugins.module_utils.relay_config import model, render, tls_floor
from relay_config_vars import FACTS_37, judge

FLOOR = "aNULL, eNULL, EXPORT, LOW, DES, 3DES, RC4, MD5, IDEA, SEED, PSK, SRP"
NO_ANONYMOUS = FLOOR.replace("aNULL, ", "")


def service(config, name, kind="inet"):
    return next(s for s in config["master_cf"] if (s["name"], s["type"]) == (name, kind))


def floor_problems(**changes):
    return [p for p in judge(**changes)[1] if "TLS floor" in p or "cipher" in p or "protocol" in p]


def test_the_defaults_exclude_the_floor_in_and_out_and_pass_the_guard():
    config, problems = judge()
    assert problems == []
    params = render.parameters(config, FACTS_37)
    assert params["smtpd_tls_exclude_ciphers"] == FLOOR and params["smtp_tls_exclude_ciphers"] == FLOOR
    assert params["smtpd_tls_ciphers"] == params["smtp_tls_ciphers"] == params["smtp_tls_mandatory_ciphers"] == "high"
    assert params["smtp_tls_protocols"] == params["smtpd_tls_mandatory_protocols"] == ">=TLSv1.2"
    assert "smtpd_tls_exclude_ciphers" not in service(config, "submission")["options"]


def test_anonymous_suites_come_back_on_port_25_only():
    config, problems = judge(postfix_tls_anonymous_on_port_25=True, postfix_tls_exclude_ciphers=["kRSA"])
    assert problems == []
    params = render.parameters(config, FACTS_37)
    assert params["smtpd_tls_exclude_ciphers"] == NO_ANONYMOUS + ", kRSA"
    assert params["smtp_tls_exclude_ciphers"] == FLOOR + ", kRSA"
    for name in ("submission", "smtps"):
        assert service(config, name)["options"]["smtpd_tls_exclude_ciphers"] == (FLOOR + ", kRSA").replace(", ", ",")


def test_admin_exclusions_are_added_once_and_bad_names_are_refused():
    config, problems = judge(postfix_tls_exclude_ciphers=["kRSA", "aNULL", "SHA1"])
    assert problems == []
    assert render.parameters(config, FACTS_37)["smtpd_tls_exclude_ciphers"] == FLOOR + ", kRSA, SHA1"
    problems = judge(postfix_tls_exclude_ciphers=["kRSA", "!aNULL", "a b"])[1]
    assert [p.split(" is ")[0] for p in problems] == ["postfix_tls_exclude_ciphers[1]", "postfix_tls_exclude_ciphers[2]"]


# Ways to offer or accept weak TLS, and the variable each problem must name.
WEAK = {
    "submission without the exclusions": (dict(postfix_submission_options={"smtpd_tls_exclude_ciphers": "eNULL"}),
                                          "postfix_submission_options.smtpd_tls_exclude_ciphers leaves out aNULL"),
    "smtps with an empty list": (dict(postfix_smtps_options={"smtpd_tls_exclude_ciphers": ""}),
                                 "postfix_smtps_options.smtpd_tls_exclude_ciphers leaves out aNULL, eNULL"),
    "port 25 without aNULL unless allowed": (dict(postfix_smtp_options={"smtpd_tls_exclude_ciphers": NO_ANONYMOUS}),
                                             "postfix_smtp_options.smtpd_tls_exclude_ciphers leaves out aNULL,"),
    "port 25 allowed anonymous, not LOW": (
        dict(postfix_tls_anonymous_on_port_25=True,
             postfix_smtp_options={"smtpd_tls_exclude_ciphers": NO_ANONYMOUS.replace("LOW, ", "")}),
        "postfix_smtp_options.smtpd_tls_exclude_ciphers leaves out LOW,"),
    "anonymous allowed, but not behind postscreen's pass service for submission": (
        dict(postfix_tls_anonymous_on_port_25=True, postfix_submission_options={"smtpd_tls_exclude_ciphers": ""}),
        "postfix_submission_options.smtpd_tls_exclude_ciphers leaves out aNULL"),
    "a low grade on submission": (dict(postfix_submission_options={"smtpd_tls_mandatory_ciphers": "low"}),
                                  "postfix_submission_options.smtpd_tls_mandatory_ciphers is 'low'"),
    "an export grade on port 25": (dict(postfix_smtp_options={"smtpd_tls_ciphers": "export"}),
                                   "postfix_smtp_options.smtpd_tls_ciphers is 'export'"),
    "old protocols by exclusion": (dict(postfix_tls_protocols="!SSLv2, !SSLv3"),
                                   "postfix_tls_protocols is '!SSLv2, !SSLv3', which allows TLSv1, TLSv1.1"),
    "old protocols by floor": (dict(postfix_tls_protocols=">=TLSv1"), "postfix_tls_protocols is '>=TLSv1', which allows"),
    "an include list with TLS 1.0": (dict(postfix_tls_protocols="TLSv1.2 TLSv1"),
                                     "postfix_tls_protocols is 'TLSv1.2 TLSv1', which allows TLSv1"),
    "a protocol word the floor does not read": (dict(postfix_tls_protocols=">=TLSv1.2 +SSLv3"),
                                                "which names '+SSLv3'"),
    # A conditional expansion can make Postfix read an empty list out of one that names the floor.
    "a conditional that expands to nothing": (
        dict(postfix_submission_options={"smtpd_tls_exclude_ciphers": "$(myhostname:x," + FLOOR.replace(" ", "") + ")"}),
        "postfix_submission_options.smtpd_tls_exclude_ciphers is '$(myhostname:x,aNULL"),
    "a conditional behind a reference": (
        dict(postfix_main_cf_extra={"mua_exclusions": "${relayhost?" + FLOOR + "}"},
             postfix_smtps_options={"smtpd_tls_exclude_ciphers": "$mua_exclusions"}),
        "postfix_main_cf_extra.mua_exclusions is '${relayhost?aNULL"),
    "postscreen pointed at a tlsproxy of one's own": (
        dict(postfix_postscreen_enabled=True, postfix_main_cf_extra={"tlsproxy_service_name": "weakproxy"}),
        "postfix_main_cf_extra.tlsproxy_service_name sets tlsproxy_service_name, which points postscreen"),
    "a tlsproxy service with weak overrides": (
        dict(postfix_master_services=[{"name": "tlsproxy2", "type": "unix", "private": "-", "process_limit": "0",
                                       "command": "tlsproxy", "options": {"tlsproxy_tls_protocols": ">=TLSv1"}}]),
        "postfix_master_services[0].options.tlsproxy_tls_protocols is '>=TLSv1'"),
    "a per-destination policy table": (
        dict(postfix_main_cf_extra={"smtp_tls_policy_maps": "inline:{ { [smtp.example.net]:587 = encrypt protocols=!SSLv2 } }"}),
        "postfix_main_cf_extra.smtp_tls_policy_maps sets smtp_tls_policy_maps, which sets each next hop"),
    "a per-destination policy table on a client service": (
        dict(postfix_master_services=[{"name": "out2", "type": "unix", "private": "-", "command": "smtp",
                                       "options": {"smtp_tls_policy_maps": "hash:/etc/postfix/tls_policy"}}]),
        "postfix_master_services[0].options.smtp_tls_policy_maps: smtp_tls_policy_maps sets"),
    "an LMTP client service with weak overrides": (
        dict(postfix_master_services=[{"name": "lmtp-remote", "type": "unix", "private": "-", "command": "lmtp",
                                       "options": {"lmtp_tls_exclude_ciphers": ""}}]),
        "postfix_master_services[0].options.lmtp_tls_exclude_ciphers leaves out aNULL"),
    "an unknown protocol": (dict(postfix_tls_protocols=">=TLSv2"), "which names 'TLSv2'"),
    "old protocols on one listener": (dict(postfix_submission_options={"smtpd_tls_mandatory_protocols": ">=TLSv1.1"}),
                                      "postfix_submission_options.smtpd_tls_mandatory_protocols is '>=TLSv1.1'"),
    "what high means": (dict(postfix_main_cf_extra={"tls_high_cipherlist": "ALL:@SECLEVEL=0"}),
                        "postfix_main_cf_extra.tls_high_cipherlist sets tls_high_cipherlist"),
    "OpenSSL switches on a service": (dict(postfix_submission_options={"tls_ssl_options": "0x40000000"}),
                                      "postfix_submission_options.tls_ssl_options: tls_ssl_options decides"),
    "a reference the floor cannot follow": (dict(postfix_submission_options={"smtpd_tls_exclude_ciphers": "$nowhere"}),
                                            "postfix_submission_options.smtpd_tls_exclude_ciphers is '$nowhere', a reference"),
    "a client service that sends in the clear of the floor": (
        dict(postfix_master_services=[{"name": "outbound", "type": "unix", "private": "-", "command": "smtp",
                                       "options": {"smtp_tls_exclude_ciphers": "eNULL"}}]),
        "postfix_master_services[0].options.smtp_tls_exclude_ciphers leaves out aNULL"),
    "postscreen's TLS side made weak": (
        dict(postfix_postscreen_enabled=True, postfix_main_cf_extra={"tlsproxy_tls_ciphers": "export"}),
        "postfix_main_cf_extra.tlsproxy_tls_ciphers is 'export'"),
}


@pytest.mark.parametrize("name", sorted(WEAK))
def test_weak_tls_is_refused_naming_the_variable(name):
    changes, expected = WEAK[name]
    problems = judge(**changes)[1]
    assert any(expected in p for p in problems), problems


def test_a_reference_to_a_full_list_is_followed():
    problems = judge(postfix_main_cf_extra={"mua_exclusions": FLOOR},
                     postfix_submission_options={"smtpd_tls_exclude_ciphers": "$mua_exclusions"})[1]
    assert problems == []
    problems = judge(postfix_main_cf_extra={"mua_exclusions": "eNULL"},
                     postfix_submission_options={"smtpd_tls_exclude_ciphers": "${mua_exclusions}"})[1]
    assert any(p.startswith("postfix_main_cf_extra.mua_exclusions leaves out aNULL") for p in problems), problems


@pytest.mark.parametrize("value, allowed", [
    (">=TLSv1.2", None), (">=TLSv1.3", None), (">=TLSv1.2 <=TLSv1.3", None), ("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", None),
    ("!SSLv2:!SSLv3:!TLSv1:!TLSv1.1", None), (">=TLSv1.1", "allows TLSv1.1"), ("!SSLv2, !TLSv1, !TLSv1.1", "allows SSLv3"),
    ("", "is empty"), ("<=TLSv1.3", "allows SSLv2, SSLv3, TLSv1, TLSv1.1"),
    # Postfix reads names in any case, hex versions (3.6+) and lists of protocols to include.
    (">=tlsv1.2", None), (">=0x0303", None), (">=303", None), (">=0303", None), ("TLSv1.2 TLSv1.3", None),
    (">=TLSv1.2 !tlsv1", None), (">=0x0302", "allows TLSv1.1"), ("TLSv1.3 SSLv3", "allows SSLv3")])
def test_protocol_values(value, allowed):
    why = tls_floor._protocol_problem(value)  # pylint: disable=protected-access
    assert (why is None) if allowed is None else (allowed in why), why


def test_a_parenthesised_reference_is_followed_like_the_others():
    assert judge(postfix_main_cf_extra={"mua_exclusions": FLOOR},
                 postfix_submission_options={"smtpd_tls_exclude_ciphers": "$(mua_exclusions)"})[1] == []


def test_the_lmtp_client_gets_the_floor_too():
    """smtp(8) run as lmtp reads lmtp_tls_*, whose defaults exclude nothing."""
    params = render.parameters(judge()[0], FACTS_37)
    assert params["lmtp_tls_exclude_ciphers"] == FLOOR and params["lmtp_tls_protocols"] == ">=TLSv1.2"
    assert params["lmtp_tls_ciphers"] == params["lmtp_tls_mandatory_ciphers"] == "high"


def test_a_model_without_the_settings_fails_closed():
    config = judge()[0]
    for section in config["main_cf"]:
        section["parameters"] = [p for p in section["parameters"] if p["name"] != "smtp_tls_protocols"]
    found = tls_floor.problems(config, model.main_parameters(config))
    assert found == ["smtp_tls_protocols is not set where the TLS floor expects the role to set it; the guard cannot tell "
                     "what Postfix would offer (report this as a bug)."]
