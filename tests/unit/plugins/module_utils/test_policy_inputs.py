# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inputs of the policy services (block lists, postscreen access, SPF networks and domains),
checked before Postfix or the service gets them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hardened.relay.plugins.filter import input_problems as plugin
from ansible_collections.hardened.relay.plugins.module_utils.policy_inputs import (
    dnsbl_problems, input_problems, postscreen_access_problems,
)

GOOD_ZONES = [
    "zen.spamhaus.org",
    "zen.spamhaus.org=127.0.0.[2..11]",
    "bl.spamcop.net=127.0.0.2",
    "dnsbl.test=127.0.0.[2;4;10..11]",
    "list.dnswl.org=127.0.[0..255].[1..3]",
    "b.barracudacentral.org=127.0.0.2",
    "dnsbl.example.",
]


@pytest.mark.parametrize("zone", GOOD_ZONES)
def test_good_zones_pass_for_smtpd_and_postscreen(zone):
    assert dnsbl_problems([zone], "postfix_dnsbl_zones") == []
    assert dnsbl_problems([zone], "postfix_postscreen_dnsbl_sites", weighted=True) == []


@pytest.mark.parametrize("site", ["zen.spamhaus.org*3", "zen.spamhaus.org=127.0.0.[2..11]*3",
                                  "list.dnswl.org=127.0.[0..255].[1..3]*-2", "dnsbl.test*0"])
def test_weighted_sites_pass_for_postscreen_only(site):
    assert dnsbl_problems([site], "postfix_postscreen_dnsbl_sites", weighted=True) == []
    problems = dnsbl_problems([site], "postfix_dnsbl_zones")
    assert len(problems) == 1 and "has a weight, which only postscreen takes" in problems[0]
    assert problems[0].startswith("postfix_dnsbl_zones[0] (%r)" % site)


@pytest.mark.parametrize("site, words", [
    ("zen", "which is not a DNS domain name"),
    ("zen..spamhaus.org", "which is not a DNS domain name"),
    ("-bad.example.org", "which is not a DNS domain name"),
    ("zen.spamhaus.org=127.0.0", "has reply filter '127.0.0'"),
    ("zen.spamhaus.org=127.0.0.256", "with part '256'"),
    ("zen.spamhaus.org=127.0.0.[11..2]", "with part '[11..2]'"),
    ("zen.spamhaus.org=127.0.0.2..11", "has reply filter '127.0.0.2..11'"),
    ("zen.spamhaus.org=127.0.0.[2..11", "has reply filter '127.0.0.[2..11'"),
    ("zen.spamhaus.org=127.0.0.[a]", "with part '[a]'"),
    ("zen.spamhaus.org=", "has reply filter ''"),
    ("zen.spamhaus.org*three", "has weight 'three'"),
    ("zen.spamhaus.org*3*4", "is not one entry"),
    ("zen.spamhaus.org bl.spamcop.net", "is not one entry"),
])
def test_bad_sites_are_explained_with_the_item_and_the_fix(site, words):
    problems = dnsbl_problems(["bl.spamcop.net", site], "postfix_postscreen_dnsbl_sites", weighted=True)
    assert len(problems) == 1, problems
    assert problems[0].startswith("postfix_postscreen_dnsbl_sites[1] (%r)" % site)
    assert words in problems[0]
    assert "e.g." in problems[0]


def test_non_list_and_non_string_entries():
    assert dnsbl_problems("zen.spamhaus.org", "postfix_dnsbl_zones") == [
        "postfix_dnsbl_zones must be a list of block list entries, not str."]
    assert "is not a string" in dnsbl_problems([3], "postfix_dnsbl_zones")[0]


def test_every_bad_entry_is_reported():
    assert len(dnsbl_problems(["a", "b", "ok.example"], "postfix_dnsbl_zones")) == 2


GOOD_ACCESS = [
    {"key": "192.0.2.0/24", "value": "reject"},
    {"key": "198.51.100.7", "value": "permit"},
    {"key": "2001:db8::/32", "value": "DUNNO"},
    {"key": "[2001:db8:1::]/48", "value": "permit"},
]


def test_good_postscreen_access_entries_pass():
    assert postscreen_access_problems(GOOD_ACCESS, "postfix_postscreen_access") == []
    assert postscreen_access_problems([], "postfix_postscreen_access") == []


@pytest.mark.parametrize("entry, words", [
    ({"key": "192.0.2.1/24", "value": "reject"}, "has host bits set"),
    ({"key": "192.0.2.300", "value": "reject"}, "is not a valid IPv4 or IPv6 address"),
    ({"key": "mail.example.com", "value": "reject"}, "is not an IP address or network"),
    ({"key": "192.0.2.0/33", "value": "reject"}, "prefix lengths run from 0 to 32"),
    ({"key": "192.0.2.0/24", "value": "OK"}, "only knows permit, reject, dunno"),
    ({"key": "192.0.2.0/24", "value": "permit", "comment": "x"}, "exactly 'key'"),
    ("192.0.2.0/24 reject", "exactly 'key'"),
])
def test_bad_postscreen_access_entries_are_explained(entry, words):
    problems = postscreen_access_problems(GOOD_ACCESS + [entry], "postfix_postscreen_access")
    assert len(problems) == 1, problems
    assert problems[0].startswith("postfix_postscreen_access[4]")
    assert words in problems[0]


def test_postscreen_access_must_be_a_list():
    assert postscreen_access_problems({"192.0.2.0/24": "reject"}, "postfix_postscreen_access")[0].startswith(
        "postfix_postscreen_access must be a list")


def test_the_filter_is_input_problems():
    assert plugin.FilterModule().filters() == {"input_problems": input_problems}


@pytest.mark.parametrize("kind, entries, variable, expected", [
    ("dnsbl", ["zen.spamhaus.org*3"], "postfix_dnsbl_zones", ["has a weight, which only postscreen takes"]),
    ("postscreen_dnsbl", ["zen.spamhaus.org*3", "zen"], "postfix_postscreen_dnsbl_sites", ["not a DNS domain name"]),
    ("postscreen_access", [{"key": "10.0.0.0/8", "value": "ok"}], "postfix_postscreen_access", ["only knows permit"]),
    ("networks", ["192.0.2.0/24", "2001:db8::/32", "198.51.100.9"], "policyd_spf_whitelist", []),
    ("networks", ["192.0.2.1/24"], "policyd_spf_whitelist", ["policyd_spf_whitelist[0] '192.0.2.1/24' has host bits set"]),
    ("networks", ["[2001:db8::]/32"], "policyd_spf_whitelist", ["has brackets, which this list does not take; write '2001:db8::/32'"]),
    ("networks", ["mail.example.org"], "policyd_spf_whitelist", ["is not an IP address or network"]),
    ("networks", "192.0.2.0/24", "policyd_spf_whitelist", ["policyd_spf_whitelist must be a list"]),
    ("domains", ["example.org", "mail.example.org."], "policyd_spf_domain_whitelist", []),
    ("domains", ["example .org", "a..b"], "policyd_spf_domain_whitelist",
     ["policyd_spf_domain_whitelist[0] 'example .org' is not a domain name",
      "policyd_spf_domain_whitelist[1] 'a..b' is not a domain name"]),
    ("domains", {"example.org": 1}, "policyd_spf_domain_whitelist", ["policyd_spf_domain_whitelist must be a list"]),
])
def test_input_problems_by_kind(kind, entries, variable, expected):
    problems = input_problems(entries, kind, variable)
    assert len(problems) == len(expected), problems
    for problem, words in zip(problems, expected):
        assert words in problem


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="kind must be one of"):
        input_problems([], "dnsbls", "x")


GOOD_ACCESS_MAPS = {
    "sender_access": {"entries": {"spammer@example.com": "REJECT", "example.net": "550 5.7.1 no thanks"}},
    "client_access": {"type": "cidr", "entries": [{"key": "192.0.2.0/24", "value": "REJECT"},
                                                  {"key": "2001:db8::/32", "value": "DUNNO"},
                                                  {"key": "[2001:db8:1::]/48", "value": "REJECT"}]},
    "helo.pcre": {"type": "pcre", "entries": [{"key": "/^localhost$/i", "value": "REJECT no"},
                                              {"key": "!/\\./", "value": "REJECT not a name"},
                                              {"key": "|^\\[.*\\]$|", "value": "REJECT literal"}]},
    "empty": {"type": "hash", "entries": {}},
}


def test_good_access_maps_pass():
    assert input_problems(GOOD_ACCESS_MAPS, "access_maps", "postfix_access_maps") == []


@pytest.mark.parametrize("maps, words", [
    ({"../escape": {"entries": {}}}, ["postfix_access_maps: '../escape' is not a file name"]),
    ({"a": {"type": "texthash", "entries": {}}}, ["postfix_access_maps.a.type is 'texthash'", "cidr, pcre, regexp"]),
    ({"a": {"entries": {}, "typ": "cidr"}}, ["postfix_access_maps.a must be a mapping with 'entries'"]),
    ({"a": {"type": "cidr"}}, ["postfix_access_maps.a must be a mapping with 'entries'"]),
    ({"a": {"entries": "x REJECT"}}, ["postfix_access_maps.a.entries must be a dict"]),
    ({"a": {"type": "cidr", "entries": {"192.0.2.0/33": "REJECT"}}}, ["postfix_access_maps.a.entries[0] key '192.0.2.0/33'", "0 to 32"]),
    ({"a": {"type": "cidr", "entries": {"10.1.1.1/8": "REJECT"}}}, ["entries[0] key '10.1.1.1/8'", "host bits"]),
    ({"a": {"type": "cidr", "entries": {"mail.example.com": "REJECT"}}}, ["not an IP address or network"]),
    ({"a": {"type": "pcre", "entries": {"^spam$": "REJECT"}}}, ["entries[0] key '^spam$' is not a pcre pattern", "/regular expression/"]),
    ({"a": {"type": "regexp", "entries": {"/unclosed": "REJECT"}}}, ["key '/unclosed' is not a regexp pattern"]),
    ({"a": {"type": "pcre", "entries": {"/a/ REJECT": "x"}}}, ["key '/a/ REJECT' is not a pcre pattern"]),
    ({"a": {"entries": {"two words@example.com": "REJECT"}}}, ["entries[0] key 'two words@example.com' holds a blank"]),
    ({"a": {"entries": {"spam@example.com": ""}}}, ["entries[0] 'spam@example.com' has no value", "REJECT, DUNNO"]),
    ({"a": {"entries": [{"key": "x@example.com"}]}}, ["entries[0] ({'key': 'x@example.com'}) must be a mapping with exactly"]),
    ({"a": {"entries": {"x": "REJECT\nOK"}}}, ["a multi-line value"]),
    ("sender_access", ["postfix_access_maps must be a dict"]),
])
def test_bad_access_maps_are_explained(maps, words):
    problems = input_problems(maps, "access_maps", "postfix_access_maps")
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0], problems[0]


def test_many_bad_entries_are_summed_up():
    maps = {"big": {"type": "cidr", "entries": {"10.0.%d.1/24" % i: "REJECT" for i in range(8)}}}
    problems = input_problems(maps, "access_maps", "postfix_access_maps")
    assert [p.split(" key ")[0] for p in problems[:5]] == ["postfix_access_maps.big.entries[%d]" % i for i in range(5)]
    assert problems[5:] == ["postfix_access_maps.big has 3 more such entries."]
