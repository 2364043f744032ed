# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inputs of the policy services (block lists, postscreen access, SPF networks and domains),
checked before Postfix or the service gets them, and the values the service roles write into
files and command lines on the target (shell-sourced /etc/default files, one-entry-per-line
whitelists, saslpasswd2's command line and stdin)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.hardened.relay.plugins.filter import input_problems as plugin
from ansible_collections.hardened.relay.plugins.module_utils.policy_inputs import (
    KINDS, dnsbl_problems, input_problems, postscreen_access_problems,
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


# Values that become structure on the target (the service roles) -------------------------------

SHELL_METACHARACTERS = ["$(touch /tmp/x)", "`id`", '"', "'", "\\", "$", ";", "&", "|", "<", ">", "\n", " ", "*", "#"]


def test_the_filter_documents_every_kind():
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    assert sorted(doc["options"]["kind"]["choices"]) == sorted(KINDS)
    described = " ".join(doc["options"]["kind"]["description"])
    for kind in KINDS:
        assert "V(%s)" % kind in described, kind
    yaml.safe_load(plugin.EXAMPLES)


@pytest.mark.parametrize("value", ["sasldb", "pam", "shadow", "a-b_c.d,e:f/g@h%i+j=k", 5])
def test_shell_values_that_pass(value):
    assert input_problems(value, "shell_value", "saslauthd_mechanism") == []


@pytest.mark.parametrize("bad", SHELL_METACHARACTERS + ["\r", "\t", "\0", "(", ")", "~", "!", "?", "[", "{"])
def test_shell_metacharacters_are_refused(bad):
    problems = input_problems("sasldb" + bad, "shell_value", "saslauthd_mechanism")
    assert len(problems) == 1, problems
    assert problems[0].startswith("saslauthd_mechanism (")
    assert "a shell sources as root" in problems[0] and "use only letters, digits" in problems[0]
    assert "\n" not in problems[0]  # a line break in the value is shown as \n, not printed


def test_shell_values_name_what_they_hold():
    (problem,) = input_problems("sasldb $(touch /tmp/x)", "shell_value", "saslauthd_mechanism")
    assert "holds a space, '$', '(', ')'" in problem
    assert "a line break" in input_problems("sasldb\nX=1", "shell_value", "saslauthd_mechanism")[0]


@pytest.mark.parametrize("value, words", [
    ("", "is empty"),
    (["sasldb"], "must be a string such as 'sasldb', not a list"),
    ({"a": 1}, "not a mapping"),
    (True, "not a boolean"),
    (None, "not nothing (null)"),
    (1.5, "not a decimal number"),
])
def test_shell_values_that_are_not_strings(value, words):
    problems = input_problems(value, "shell_value", "saslauthd_mechanism")
    assert len(problems) == 1 and words in problems[0] and problems[0].startswith("saslauthd_mechanism")


@pytest.mark.parametrize("value", [1, 5, 300, "300", "0300", "86400"])
def test_positive_integers_pass_as_numbers_and_as_digit_strings(value):
    # "-e postgrey_delay=300" gives the string "300": it must still work.
    assert input_problems(value, "positive_integer", "postgrey_delay") == []


@pytest.mark.parametrize("value, words", [
    (0, "postgrey_delay is 0; give a whole number of at least 1."),
    ("0", "postgrey_delay is 0"),
    (-5, "postgrey_delay is -5"),
    # All of these pass Ansible's int check, but would be written into the file as they are.
    ("300\n", "postgrey_delay ('300\\n') is not a whole number written with the digits 0-9 only"),
    (" 300", "digits 0-9 only"),
    ("300 ", "digits 0-9 only"),
    ("3e2", "digits 0-9 only"),
    ("3_00", "digits 0-9 only"),
    ("+300", "digits 0-9 only"),
    ("-300", "digits 0-9 only"),
    ("\u0663\u0660\u0660", "digits 0-9 only"),  # Arabic-Indic digits: int() takes them
    ("300; touch /tmp/x", "digits 0-9 only"),
    ("", "digits 0-9 only"),
    (True, "must be a whole number of at least 1, not a boolean"),
    (300.0, "not a decimal number"),
    ([300], "not a list"),
    (None, "not nothing (null)"),
])
def test_positive_integers_that_are_refused(value, words):
    problems = input_problems(value, "positive_integer", "postgrey_delay")
    assert len(problems) == 1, problems
    assert problems[0].startswith("postgrey_delay")
    assert words in problems[0], problems[0]


@pytest.mark.parametrize("value, ok", [(1, True), (10023, True), ("10023", True), (65535, True), (0, False),
                                       (65536, False), ("70000", False), ("10023\n", False), ("10023/tcp", False)])
def test_ports(value, ok):
    problems = input_problems(value, "port", "postgrey_listen_port")
    assert (problems == []) is ok, problems
    if not ok:
        assert problems[0].startswith("postgrey_listen_port") and "1 to 65535" in problems[0]


@pytest.mark.parametrize("value", ["127.0.0.1", "192.0.2.10", "[::1]", "[2001:db8::25]", "localhost",
                                   "policy.example.org", "greylist-1.internal"])
def test_hosts_that_pass(value):
    assert input_problems(value, "host", "postgrey_listen_host") == []


@pytest.mark.parametrize("value, words", [
    ("::1", "is an IPv6 address without brackets, which reads as HOST:PORT; write '[::1]'"),
    ("2001:db8::25", "write '[2001:db8::25]'"),
    ("[127.0.0.1]", "is not an IPv6 address in brackets"),
    ("[fe80::1%eth0]", "is not an IPv6 address in brackets"),
    ("[::1", "holds '[', ':'"),
    ("127.1", "is not a valid IPv4 address"),
    ("256.0.0.1", "is not a valid IPv4 address"),
    ("127.0.0.1:10023", "holds ':'"),
    ("127.0.0.1 --inet=0.0.0.0:10023", "holds a space"),
    ('127.0.0.1" ; touch /tmp/x ; "', "holds '\"', a space, ';', '/'"),
    ("127.0.0.1\nPOSTGREY_OPTS=x", "holds a line break, '_', '='"),
    ("$(id)", "holds '$', '(', ')'"),
    ("-bad.example.org", "is not a host name"),
    ("a..b", "is not a host name"),
    ("*", "holds '*'"),
    ("", "is empty"),
    (["127.0.0.1"], "must be a string such as '127.0.0.1', not a list"),
])
def test_hosts_that_are_refused(value, words):
    problems = input_problems(value, "host", "postgrey_listen_host")
    assert len(problems) == 1, problems
    assert problems[0].startswith("postgrey_listen_host")
    assert words in problems[0], problems[0]
    assert "\n" not in problems[0]


@pytest.mark.parametrize("value", ["relay.example.org", "RELAY.EXAMPLE.ORG", "localhost", "mail_1.example-2.org"])
def test_realms_that_pass(value):
    assert input_problems(value, "realm", "saslauthd_realm") == []


@pytest.mark.parametrize("value, words", [
    ("../../etc", "holds '/': the realm goes on saslpasswd2's command line and into file names"),
    ("example.org/../../etc/cron.d", "holds '/'"),
    ("example.org$(touch /tmp/x)", "holds '$', '(', a space, '/', ')'"),
    ("example.org\n", "holds a line break"),
    ("example org", "holds a space"),
    ("user@example.org", "holds '@'"),
    ("example.org.", "is not a domain name"),
    ("-u.example.org", "is not a domain name"),
    ("a..b", "is not a domain name"),
    ("", "is empty"),
    (None, "not nothing (null)"),
])
def test_realms_that_are_refused(value, words):
    problems = input_problems(value, "realm", "saslauthd_realm")
    assert len(problems) == 1, problems
    assert problems[0].startswith("saslauthd_realm") and "relay.example.org" in problems[0]
    assert words in problems[0], problems[0]


@pytest.mark.parametrize("value", ["/var/spool/postfix/var/run/saslauthd", "/var/lib/hardened-relay/saslauthd", "/a", "/a.b/c_d+e"])
def test_paths_that_pass(value):
    assert input_problems(value, "path", "__saslauthd_socket_dir") == []


@pytest.mark.parametrize("value, words", [
    ("/run/x\nExecStartPre=/bin/sh", "holds a line break, '=', which"),
    ('/run/x" ; touch /tmp/x ; "', "holds '\"', a space, ';'"),
    ("/run/$(id)", "holds '$', '(', ')'"),
    ("run/saslauthd", "is not such a path"),
    ("/run/../etc", "is not such a path"),
    ("/run/./x", "is not such a path"),
    ("/run//x", "is not such a path"),
    ("/run/x/", "is not such a path"),
    ("/", "is not such a path"),
    ("", "is not such a path"),
    (["/run"], "not a list"),
])
def test_paths_that_are_refused(value, words):
    problems = input_problems(value, "path", "__saslauthd_socket_dir")
    assert len(problems) == 1, problems
    assert problems[0].startswith("__saslauthd_socket_dir") and words in problems[0], problems[0]


@pytest.mark.parametrize("entry, words", [
    ("a\nb", "holds a line break"),
    ("ab\n", "holds a line break"),  # "$" in a regex would let this one through
    ("a\rb", "holds a carriage return"),
    ("a b", "holds a space"),
    ("a\tb", "holds a tab"),
    ("a#b", "holds '#'"),
    ("a\x1bb", "holds the character U+001B"),
    ("", "is empty; remove it"),
    (True, "is a boolean"),
    (None, "is nothing (null)"),
    (["a"], "is a list"),
])
def test_config_lines_refuse_what_would_add_or_cut_lines(entry, words):
    problems = input_problems(["ok.example.org", entry], "config_lines", "postgrey_whitelist_clients")
    assert len(problems) == 1, problems
    assert problems[0].startswith("postgrey_whitelist_clients[1] ")
    assert words in problems[0], problems[0]
    assert "\n" not in problems[0] and "\r" not in problems[0]


def test_config_lines_must_be_a_list():
    assert input_problems("a,b", "config_lines", "x") == ["x must be a list with one entry per item, not a string."]
    assert input_problems(["a", 10], "config_lines", "x") == []


GOOD_CLIENTS = ["mail.example.org", "example.org", ".example.org", "192.0.2.10", "192.0.2", "10.1", "192.0.2.0/24",
                "2001:db8::1", "2001:db8::/32", "/\\.example\\.org$/", "/^mx[0-9]+\\.(a|b)\\.example$/"]


def test_greylist_clients_that_pass():
    assert input_problems(GOOD_CLIENTS, "greylist_clients", "postgrey_whitelist_clients") == []


@pytest.mark.parametrize("entry, words", [
    ("mail.example.org\n/./", "holds a line break"),
    ("mail.example.org other.example.org", "holds a space"),
    ("/a b/", "holds a space"),
    ("/a#b/", "holds '#'"),
    ("$(touch /tmp/x)", "holds a space"),
    ("$(id)", "holds '$', '(', ')'"),
    ("mail.example.org;", "holds ';'"),
    ("*.example.org", "holds '*'"),
    ("/", "is neither a /regex/ nor a host name"),
    ("//", "is neither a /regex/"),
    ("/etc/passwd", "is neither a /regex/"),
    ("-.-", "is neither a /regex/"),
])
def test_greylist_clients_that_are_refused(entry, words):
    problems = input_problems(GOOD_CLIENTS + [entry], "greylist_clients", "postgrey_whitelist_clients")
    assert len(problems) == 1, problems
    assert problems[0].startswith("postgrey_whitelist_clients[%d] (%r)" % (len(GOOD_CLIENTS), entry))
    assert words in problems[0], problems[0]


def test_every_bad_greylist_entry_is_reported():
    problems = input_problems(["a b", "$(id)", "ok.example"], "greylist_clients", "postgrey_whitelist_clients")
    assert [p.split(" ")[0] for p in problems] == ["postgrey_whitelist_clients[0]", "postgrey_whitelist_clients[1]"]


GOOD_RECIPIENTS = ["postmaster@", "abuse@", "@example.org", "abuse@example.org", "o'brien+tag@example.org",
                   "a!b$c%d&e*f=g?h^i_j`k{l|m}n~o-p@example.org", "example.org", "/^postmaster@/"]


def test_greylist_recipients_that_pass():
    assert input_problems(GOOD_RECIPIENTS, "greylist_recipients", "postgrey_whitelist_recipients") == []


@pytest.mark.parametrize("entry, words", [
    ("postmaster@\n/./", "holds a line break"),
    ("abuse@example.org\n", "holds a line break"),
    ("a#b@example.org", "holds '#'"),
    ("a b@example.org", "holds a space"),
    ("a@b@example.org", "(it holds '@')"),
    ("@", "is not a recipient postgrey reads;"),
    ("abuse@exa$(id)mple.org", "(it holds '$', '(', ')')"),
    ("abuse@example.org;", "(it holds ';')"),
    ('"abuse"@example.org', "(it holds '\"')"),
])
def test_greylist_recipients_that_are_refused(entry, words):
    problems = input_problems([entry], "greylist_recipients", "postgrey_whitelist_recipients")
    assert len(problems) == 1, problems
    assert problems[0].startswith("postgrey_whitelist_recipients[0] (%r)" % entry)
    assert words in problems[0], problems[0]


@pytest.mark.parametrize("entry, words", [
    ("192.0.2.0/24\n", "holds a line break, which no address or network has"),
    ("192.0.2.0/24,0.0.0.0/0", "holds ','"),
    ("192.0.2.0/24 10.0.0.0/8", "holds a space"),
    ("fe80::1%eth0", "holds '%'"),
])
def test_networks_refuse_what_would_add_entries_or_lines(entry, words):
    problems = input_problems([entry], "networks", "policyd_spf_whitelist")
    assert len(problems) == 1, problems
    assert problems[0].startswith("policyd_spf_whitelist[0] (%r) " % entry) and words in problems[0], problems[0]


@pytest.mark.parametrize("entry", ["example.org\n", "example.org\nTestOnly = 0", "example.org,other.org", "$(id).org"])
def test_domains_refuse_line_breaks_and_separators(entry):
    problems = input_problems([entry], "domains", "policyd_spf_domain_whitelist")
    assert len(problems) == 1 and "is not a domain name" in problems[0], problems
    assert "\n" not in problems[0]


def test_access_map_names_refuse_a_final_line_break():
    problems = input_problems({"sender_access\n": {"entries": {}}}, "access_maps", "postfix_access_maps")
    assert len(problems) == 1 and "is not a file name" in problems[0], problems


PASSWORD = "Zq9Xv!2Kp7Wm$4"


def _holds_part_of(message, password, length=4):
    return any(password[i:i + length] in message for i in range(len(password) - length + 1))


def test_good_sasl_users_pass():
    users = [{"name": "alice", "password": "correct horse battery $(staple) \"'\\"},
             {"name": "bob.smith+relay", "password": PASSWORD, "state": "present"},
             {"name": "carol_2", "state": "absent"}, {"name": "Dave-3", "password": "x", "state": "absent"}]
    assert input_problems(users, "sasl_users", "saslauthd_users") == []
    assert input_problems([], "sasl_users", "saslauthd_users") == []


@pytest.mark.parametrize("user, words", [
    ({"name": "frank", "password": PASSWORD + "\n" + PASSWORD}, "(user 'frank') has a password with a line break"),
    ({"name": "frank", "password": PASSWORD + "\n"}, "has a password with a line break"),
    ({"name": "frank", "password": PASSWORD + "\r"}, "carriage return or NUL character"),
    ({"name": "frank", "password": PASSWORD + "\0" + PASSWORD}, "carriage return or NUL character"),
    ({"name": "frank", "password": PASSWORD + "\n", "state": "absent"}, "has a password with a line break"),
    ({"name": "frank", "password": [PASSWORD]}, "has a password that is a list, not a string; quote it"),
    ({"name": "frank", "password": {PASSWORD: PASSWORD}}, "has a password that is a mapping"),
    ({"name": "frank", "password": 982374982}, "has a password that is a whole number"),
    ({"name": "frank"}, "(user 'frank') has no password; give one, or state: absent"),
    ({"name": "frank", "password": ""}, "has no password"),
    ({"name": "frank", "password": None}, "has no password"),
    ({"name": "erin@example.org", "password": PASSWORD}, "(user 'erin@example.org') holds '@': the realm is added"),
    ({"name": "alice\n", "password": PASSWORD}, "(user 'alice\\n') holds a line break"),
    ({"name": "al ice", "password": PASSWORD}, "holds a space"),
    ({"name": "../../etc/x", "password": PASSWORD}, "holds '/'"),
    ({"name": "-d", "password": PASSWORD}, "(user '-d') does not start with a letter or a digit"),
    ({"name": ".hidden", "password": PASSWORD}, "does not start with a letter or a digit"),
    ({"name": "$(id)", "password": PASSWORD}, "holds '$', '(', ')'"),
    ({"name": "", "password": PASSWORD}, "has no name"),
    ({"password": PASSWORD}, "has no name"),
    ({"name": ["frank"], "password": PASSWORD}, "has a name that is a list"),
    ({"name": "frank", "password": PASSWORD, "state": "gone"}, "(user 'frank') has state 'gone'; use present or absent"),
    ({"name": "frank", "password": PASSWORD, "state": False}, "has a state that is a boolean"),
    ("frank:" + PASSWORD, "is a string, not a mapping"),
    ([PASSWORD], "is a list, not a mapping"),
])
def test_bad_sasl_users_are_refused_without_their_password(user, words):
    problems = input_problems([{"name": "ok", "password": "ok-pass"}, user], "sasl_users", "saslauthd_users")
    assert len(problems) == 1, problems
    assert problems[0].startswith("saslauthd_users[1] ")
    assert words in problems[0], problems[0]
    assert not _holds_part_of(problems[0], PASSWORD), problems[0]
    assert "ok-pass" not in problems[0]


def test_no_sasl_user_message_holds_any_part_of_a_password():
    # Every kind of mistake at once, each with its own password: no message shows any of them.
    passwords = ["Pw%02dqXz!%02dTk" % (n, n) for n in range(8)]
    users = [{"name": "a@b", "password": passwords[0]}, {"name": "b", "password": passwords[1] + "\n"},
             {"name": "b", "password": passwords[2]}, {"name": "c", "password": [passwords[3]], "state": "x"},
             {"password": passwords[4]}, "d:" + passwords[5], {"name": "e\n", "password": passwords[6] + "\r"},
             {"name": "f", "password": {"p": passwords[7]}}]
    problems = input_problems(users, "sasl_users", "saslauthd_users")
    assert len(problems) >= len(users), problems
    text = " | ".join(problems)
    for password in passwords:
        assert not _holds_part_of(text, password), (password, text)
    assert not _holds_part_of(text, "qXz!")


def test_sasl_users_listed_twice():
    problems = input_problems([{"name": "alice", "password": "a"}, {"name": "bob", "password": "b"},
                               {"name": "alice", "state": "absent"}], "sasl_users", "saslauthd_users")
    assert problems == ["saslauthd_users[2] (user 'alice') repeats saslauthd_users[0]; list each user once."]


@pytest.mark.parametrize("users, kind", [("alice", "a string"), ({"name": "alice", "password": PASSWORD}, "a mapping"),
                                         (None, "nothing (null)")])
def test_sasl_users_must_be_a_list(users, kind):
    assert input_problems(users, "sasl_users", "saslauthd_users") == [
        "saslauthd_users must be a list of {name:, password:, state:} mappings, not %s." % kind]


SCALAR_KINDS = ["shell_value", "positive_integer", "port", "host", "realm", "path"]
LIST_KINDS = ["config_lines", "greylist_clients", "greylist_recipients", "sasl_users"]


def test_the_new_kinds_are_all_tested_here():
    assert set(SCALAR_KINDS + LIST_KINDS) == set(KINDS) - {
        "dnsbl", "postscreen_dnsbl", "postscreen_access", "networks", "domains", "access_maps"}


@pytest.mark.parametrize("kind", SCALAR_KINDS + LIST_KINDS)
@pytest.mark.parametrize("value", [None, True, 1.5, {"a": "b"}, object()])
def test_new_kinds_explain_any_type_instead_of_raising(kind, value):
    problems = input_problems([value] if kind in LIST_KINDS else value, kind, "some_variable")
    assert problems and all(p.startswith("some_variable") for p in problems), problems


@pytest.mark.parametrize("key", [
    "10.0.0.0/8", "192.0.2.1", "192.0.2.1/32", "0.0.0.0/0", "255.255.255.255", "10.1.0.0/16",
    "10.1.1.1/8", "010.0.0.0/8", "10.0.0.0/08", "256.0.0.0/8", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "1.2.3.4 ",
    "[10.0.0.0]/8", "::1", "10.0.0.0/8x",
])
def test_the_quick_ipv4_check_of_cidr_keys_accepts_only_what_parse_network_accepts(key):
    from ansible_collections.hardened.relay.plugins.module_utils.policy_inputs import _plain_ipv4_network
    from ansible_collections.hardened.relay.plugins.module_utils.relay_policy import parse_network
    if _plain_ipv4_network(key):
        assert parse_network(key, brackets_required=False)[0] is not None
    assert _plain_ipv4_network(key) == (key in ("10.0.0.0/8", "192.0.2.1", "192.0.2.1/32", "0.0.0.0/0",
                                                "255.255.255.255", "10.1.0.0/16"))
