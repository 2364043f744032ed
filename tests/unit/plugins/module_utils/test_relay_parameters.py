# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The open-relay guard's parameter data: every parameter of Postfix 3.7 and 3.10 is known, relay or safe."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

from ansible_collections.hardened.relay.plugins.module_utils.relay_config import parameters

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
# `postconf -d | cut -d" " -f1` of Postfix 3.7.11 (Debian 12) and 3.10.13 (Debian 13).
VERSIONS = ("3.7", "3.10")
# The delivery transports of the Debian 12 and 13 default master.cf: postconf -d prints the
# per-transport template parameters (e.g. uucp_time_limit) for them.
DEFAULT_TRANSPORTS = ("bsmtp", "error", "ifmail", "lmtp", "local", "maildrop", "mailman", "relay", "retry",
                      "scalemail-backend", "smtp", "uucp", "virtual")
TEMPLATE = re.compile(r"^(?P<transport>.+?)_(?P<suffix>%s)\Z" % "|".join(parameters.TRANSPORT_TEMPLATES))


def names(version):
    with open(os.path.join(DATA, "postconf_d_%s.txt" % version)) as handle:
        return [line.strip() for line in handle if line.strip()]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_lists_are_postconf_output(version):
    listed = names(version)
    assert len(listed) > 900
    assert len(set(listed)) == len(listed)
    assert all(re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z", name) for name in listed)
    assert "mynetworks" in listed and "smtpd_relay_restrictions" in listed


@pytest.mark.parametrize("version", VERSIONS)
def test_every_parameter_is_relay_or_safe(version):
    unknown = [name for name in names(version) if parameters.classify(name) == "unknown"]
    assert unknown == [], "classify these in parameters.py (see postconf(5)): %s" % " ".join(unknown)


@pytest.mark.parametrize("version", VERSIONS)
def test_only_per_transport_parameters_are_left_to_the_patterns(version):
    """A new real parameter that merely ends like a template (e.g. _recipient_limit) must be reviewed by name."""
    for name in names(version):
        if name in parameters.RELAY or name in parameters.SAFE:
            continue
        match = TEMPLATE.match(name)
        assert match and match.group("transport") in DEFAULT_TRANSPORTS, name
        assert parameters.classify(name) == "safe", name


def test_no_parameter_is_both_relay_and_safe():
    assert set(parameters.RELAY) & parameters.SAFE == set()


def test_every_relay_parameter_says_why():
    for name, reason in parameters.RELAY.items():
        assert isinstance(reason, str) and reason and reason == reason.strip() and not reason.endswith("."), name
        assert len(reason) < 120, name


def test_the_relay_patterns_agree_with_the_named_parameters():
    """The families in RELAY_PATTERNS hold only relay parameters (bar the one SAFE by name)."""
    listed = set(names("3.7")) | set(names("3.10")) | set(parameters.SAFE) | set(parameters.RELAY)
    for name in sorted(listed):
        if any(pattern.match(name) for pattern in parameters.RELAY_PATTERNS):
            assert name in parameters.RELAY or name == "smtpd_authorized_verp_clients", name


def test_no_relay_parameter_looks_like_a_per_transport_one():
    for name in parameters.RELAY:
        assert not any(pattern.match(name) for pattern in parameters.SAFE_PATTERNS), name


def test_the_relay_parameters_are_postfix_parameters():
    """No typo: every relay (and safe) name is one postconf -d prints or postconf(5) documents."""
    listed = set(names("3.7")) | set(names("3.10"))
    legacy = set(parameters.SAFE) - listed
    assert len(legacy) < 30
    assert set(parameters.RELAY) - listed <= {"smtpd_sasl_application_name", "virtual_maps"}


@pytest.mark.parametrize("name", [
    "mynetworks", "mynetworks_style", "relay_domains", "mydestination", "smtpd_relay_restrictions",
    "smtpd_recipient_restrictions", "smtpd_restriction_classes", "smtpd_upstream_proxy_protocol",
    "postscreen_upstream_proxy_protocol", "smtpd_authorized_xclient_hosts", "virtual_alias_maps", "virtual_alias_domains",
    "allow_percent_hack", "swap_bangpath", "resolve_dequoted_address", "smtpd_sasl_auth_enable", "smtpd_tls_auth_only",
    "relay_clientcerts", "compatibility_level", "config_directory", "smtpd_policy_service_default_action", "virtual_maps",
    # families: a future member counts as relay until it is reviewed
    "smtpd_sasl_something_new", "smtpd_newstage_restrictions", "resolve_something_new",
])
def test_relay(name):
    assert parameters.classify(name) == "relay"
    assert parameters.RELAY.get(name) or any(pattern.match(name) for pattern in parameters.RELAY_PATTERNS)


@pytest.mark.parametrize("name", [
    "message_size_limit", "smtpd_banner", "smtp_tls_security_level", "smtpd_milters",
    "smtpd_reject_unlisted_recipient", "access_map_reject_code", "anvil_rate_time_unit", "smtpd_client_port_logging",
    "postscreen_dnsbl_sites", "postscreen_whitelist_interfaces", "smtpd_authorized_verp_clients",
    # the per-transport templates, for any master.cf service name
    "policyd-spf_time_limit", "uucp_time_limit", "relay_destination_concurrency_limit", "dovecot_destination_recipient_limit",
    "relay_initial_destination_concurrency", "smtp_delivery_slot_cost", "my.filter_transport_rate_delay",
])
def test_safe(name):
    assert parameters.classify(name) == "safe"


@pytest.mark.parametrize("name", ["no_such_parameter", "mynetwork", "smtpd_relay_restriction", "time_limit", "_time_limit",
                                  "Mynetworks", "", None, 25])
def test_unknown(name):
    assert parameters.classify(name) == "unknown"
