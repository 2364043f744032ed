# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Properties of the guard over the whole input space, not only the cases someone thought of:
no input makes it raise, every refusal names a variable, and whatever it accepts is written
one setting per line, with nothing in a value that becomes structure in its file."""
import re

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard, render, syntax
from relay_config_vars import FACTS_37, validated

# Text with what breaks files and parsers: line breaks, braces, commas, $, quotes, non-ASCII
# digits and letters, and the words Postfix reads as actions.
ATOMS = st.sampled_from(["\n", "\r", "{", "}", ",", " ", "$", "${x}", "=", "#", "/", ":", "[", "]", "!", "\u00b2", "\u0663",
                         "\u2028", "OK", "ok", "permit", "reject", "reject_unauth_destination", "permit_mynetworks",
                         "0.0.0.0/0", "[::]/0", "10.0.0.0/8", "127.0.0.1", "hash:/etc/postfix/x", "-o", "smtpd", "com",
                         "example.org", ".example.org", "\u00e9", "check_client_access", "static:ALL", "200"])
TEXT = st.lists(st.one_of(ATOMS, st.text(max_size=4)), max_size=6).map("".join)
LIST = st.lists(TEXT, max_size=4)
MAPPING = st.dictionaries(TEXT, st.one_of(TEXT, LIST, st.integers(), st.booleans()), max_size=3)
SERVICE = st.fixed_dictionaries({"name": TEXT, "type": st.one_of(st.sampled_from(["inet", "unix", "pass", "fifo"]), TEXT),
                                 "command": st.one_of(st.sampled_from(["smtpd", "pipe argv=/bin/true", "trivial-rewrite"]), TEXT)},
                                optional={"options": MAPPING, "private": TEXT, "process_limit": TEXT, "state": TEXT})
ACCESS_MAPS = st.dictionaries(st.one_of(st.sampled_from(["c", "transport", "sender_login", "x.db"]), TEXT), st.fixed_dictionaries(
    {"entries": st.one_of(MAPPING, st.lists(st.fixed_dictionaries({"key": TEXT, "value": st.one_of(TEXT, LIST)}), max_size=3))},
    optional={"type": st.one_of(st.sampled_from(["hash", "cidr", "pcre", "regexp", "auto", "lmdb"]), TEXT)}), max_size=2)

STRINGS = ["postfix_myhostname", "postfix_mydomain", "postfix_myorigin", "postfix_smtpd_banner", "postfix_relayhost",
           "postfix_relayhost_username", "postfix_relayhost_password", "postfix_tls_protocols", "postfix_tls_ciphers",
           "postfix_anvil_rate_time_unit", "postfix_smtpd_error_sleep_time"]
LISTS = ["postfix_mydestination", "postfix_inet_interfaces", "postfix_mynetworks", "postfix_mynetworks_allow_public",
         "postfix_relay_domains", "postfix_smtpd_client_event_limit_exceptions", "postfix_policy_restrictions",
         "postfix_smtpd_authorized_xclient_hosts", "postfix_dnsbl_zones", "postfix_sasl_mechanisms"] + [
    "postfix_smtpd_%s_restrictions" % stage for stage in guard.STAGES]
MAPPINGS = ["postfix_transport", "postfix_sender_login_maps", "postfix_main_cf_extra", "postfix_smtp_options",
            "postfix_submission_options", "postfix_smtps_options", "postfix_smtpd_restriction_classes"]
SWITCHES = ["postfix_sasl_enabled", "postfix_postscreen_enabled", "postfix_staging", "postfix_dnsbl_enabled",
            "postfix_smtps_enabled", "postfix_smtp_enabled"]

VALUES = ([(name, TEXT) for name in STRINGS] + [(name, LIST) for name in LISTS] + [(name, MAPPING) for name in MAPPINGS]
          + [(name, st.sampled_from([True, False, "true", "false", "yes"])) for name in SWITCHES]
          + [("postfix_master_services", st.lists(SERVICE, max_size=2)), ("postfix_access_maps", ACCESS_MAPS),
             ("postfix_header_checks", st.lists(st.fixed_dictionaries({"key": TEXT, "value": TEXT}), max_size=2))])
# Any number of variables changed at once (mostly refused), or one or two (often accepted).
CHANGES = st.fixed_dictionaries({}, optional=dict(VALUES))
ONE_VARIABLE = st.sampled_from(VALUES).flatmap(lambda pair: pair[1].map(lambda value: {pair[0]: value}))
FEW_CHANGES = st.lists(ONE_VARIABLE, min_size=1, max_size=2).map(lambda changes: dict(kv for c in changes for kv in c.items()))
VARIABLE = re.compile(r"\bpostfix_[a-z_]+")
SETTING = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]* =( [^\r\n]*)?$")
FAST = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def judged(changes):
    variables, errors = validated(**changes)
    assume(not errors)  # the argument specs refuse it before the guard sees it
    return guard.judge(variables)


@FAST
@given(st.one_of(CHANGES, FEW_CHANGES))
def test_the_guard_never_raises_and_every_refusal_names_a_variable(changes):
    config, problems = judged(changes)
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, str) and VARIABLE.search(problem), problem


@FAST
@given(FEW_CHANGES)
def test_what_the_guard_accepts_is_written_without_structure_in_values(changes):
    config, problems = judged(changes)
    assume(not problems)
    for line in render.main_cf(config, FACTS_37).splitlines():
        assert not line or line.startswith("#") or SETTING.match(line), line
    for service in config["master_cf"]:
        for value in [service["name"], service["command"]] + [service[c] for c in syntax.COLUMNS]:
            assert syntax.line_break_problem(value) is None
        for name, value in service["options"].items():
            assert syntax.PARAMETER_NAME.match(name) and syntax.override_value_problem(value) is None
    for table in config["tables"]:
        for key, value in table["entries"]:
            assert syntax.line_break_problem(key) is None and syntax.line_break_problem(value) is None


@FAST
@given(FEW_CHANGES)
def test_an_accepted_port_25_relay_list_never_starts_with_an_open_permit(changes):
    """Whatever else it holds, an accepted relay list cannot begin with a bare permit."""
    config, problems = judged(changes)
    assume(not problems)
    params = render.parameters(config, FACTS_37)
    first = re.split(r"[\s,]+", params["smtpd_relay_restrictions"].strip())[0]
    assert first.lower() not in ("permit", "permit_mx_backup", "permit_tls_all_clientcerts", "check_policy_service")
