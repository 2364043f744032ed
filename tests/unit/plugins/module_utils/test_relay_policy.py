# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The open-relay guard: policies Postfix would run safely, and ones that relay for strangers or break."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.hardened.relay.plugins.module_utils.relay_policy import RESTRICTIONS, relay_policy_problems

GUARDED = ["permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination"]
HELO = "hash:/etc/postfix/helo_access"
HELO_CHECK = "check_helo_access " + HELO


def table(lookup, variable, *entries):
    return {lookup: {"variable": variable, "entries": [{"key": key, "value": value} for key, value in entries]}}


def helo(*values):
    """The helo_access table of SMTPD_ACCESS_README, with the given values."""
    keys = ["localhost.localdomain"] + ["host%d.example" % i for i in range(1, len(values))]
    return table(HELO, "postfix_helo_access", *zip(keys, values))


def relay(*entries, **policy):
    policy.setdefault("stages", {})["relay"] = list(entries)
    return policy


def service(variable, **options):
    """One master.cf smtpd service with its -o overrides, on top of the safe default relay list."""
    return {"smtp": {"variable": variable, "options": options}}


def access_maps(**maps):
    """postfix_access_maps as the role passes it: built into /etc/postfix/maps, type auto = every indexed type."""
    return {"variable": "postfix_access_maps", "directory": "/etc/postfix/maps", "indexed_types": ["hash", "lmdb"],
            "maps": maps}


SAFE = {
    "postfix default relay list": relay(*GUARDED),
    "defer_unauth_destination guards too": relay("permit_mynetworks", "permit_sasl_authenticated", "defer_unauth_destination"),
    "names are case-insensitive": relay("PERMIT_MYNETWORKS", "Reject_Unauth_Destination"),
    "an unconditional reject ends the list": relay("permit_mynetworks", "reject"),
    "an unconditional defer ends the list": relay("permit_sasl_authenticated", "defer"),
    "README fixed: helo PERMIT after the guard": {
        "stages": {"recipient": ["permit_mynetworks", "reject_unauth_destination", HELO_CHECK, "reject_unknown_helo_hostname"]},
        "access_tables": helo("PERMIT")},
    "README table with only REJECT entries before the guard": {
        "stages": {"recipient": ["permit_mynetworks", HELO_CHECK, "reject_unknown_helo_hostname", "reject_unauth_destination"]},
        "access_tables": helo("REJECT", "REJECT go away", "DUNNO", "550 5.7.1 no thanks", "DEFER_IF_PERMIT", "WARN odd",
                              "HOLD", "DISCARD", "permit_mynetworks", "reject_unknown_helo_hostname")},
    "numeric value after the guard": relay(*GUARDED + [HELO_CHECK], access_tables=helo("1700000000")),
    "relay list decides, permissive recipient list does not": relay(
        *GUARDED, stages={"recipient": [HELO_CHECK, "permit"]}, access_tables=helo("OK")),
    "bare permit after the guard": relay("permit_mynetworks", "reject_unauth_destination", "permit"),
    "policy service after the guard": relay(*GUARDED + ["check_policy_service unix:private/policyd-spf"]),
    "policy service group after the guard": relay(*GUARDED + ["check_policy_service { inet:127.0.0.1:10023, timeout=10s }"]),
    "permitting class after the guard": relay(*GUARDED + ["trusted"], restriction_classes={"trusted": ["permit"]}),
    "class holding the guard": relay("relay_guard", restriction_classes={"relay_guard": GUARDED}),
    "nested classes holding the guard": relay("outer", restriction_classes={"outer": ["inner"], "inner": GUARDED}),
    "table check safe when no entry permits": relay("check_client_access cidr:/etc/postfix/client_access.cidr", *GUARDED,
                                                    access_tables=table("cidr:/etc/postfix/client_access.cidr",
                                                                        "postfix_client_access", ("192.0.2.66", "REJECT"))),
    "service override that keeps the guard": relay(*GUARDED, services=service(
        "postfix_submission_options", smtpd_relay_restrictions="permit_sasl_authenticated,reject",
        smtpd_client_restrictions="permit_sasl_authenticated, reject", syslog_name="postfix/submission")),
    "service override with a restriction and its table": relay(*GUARDED, services=service(
        "postfix_smtp_options", smtpd_relay_restrictions="check_client_access cidr:/etc/postfix/maps/nets, permit_mynetworks, "
        "reject_unauth_destination"), access_maps=access_maps(nets={"type": "cidr", "entries": {"192.0.2.66": "REJECT"}})),
    "service override naming a main.cf list": relay(*GUARDED, services=service(
        "postfix_submission_options", smtpd_relay_restrictions="$mua_relay_restrictions"),
        parameters={"mua_relay_restrictions": ["permit_sasl_authenticated", "reject"]}),
    "private XCLIENT proxy": relay(*GUARDED, xclient_hosts=["127.0.0.1", "10.1.2.0/24", "[2001:db8::5]"]),
    "access map of type auto with only REJECT": relay(
        "check_client_access hash:/etc/postfix/maps/clients", *GUARDED,
        access_maps=access_maps(clients={"entries": {"192.0.2.66": "REJECT"}})),
    "access map with OK after the guard": relay(
        *GUARDED + ["check_client_access lmdb:/etc/postfix/maps/clients"],
        access_maps=access_maps(clients={"entries": [{"key": "192.0.2.66", "value": "OK"}]})),
    "check_sasl_access sees only authenticated clients": relay("check_sasl_access hash:/etc/postfix/sasl_access", *GUARDED),
    "check_ccert_access with exact fingerprints": relay(
        "check_ccert_access hash:/etc/postfix/ccert_access", *GUARDED,
        access_tables=table("hash:/etc/postfix/ccert_access", "postfix_ccert_access", ("AB:CD:EF", "OK"))),
    "postfix default mynetworks": relay(*GUARDED, mynetworks=["127.0.0.0/8", "[::ffff:127.0.0.0]/104", "[::1]/128"]),
    "private, CGNAT, link-local and ULA networks": relay(*GUARDED, mynetworks=[
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "[fd00::]/8", "[fe80::]/10"]),
    "documentation networks": relay(*GUARDED, mynetworks=["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "[2001:db8::]/32"]),
    "single public hosts": relay(*GUARDED, mynetworks=["8.8.8.8", "8.8.4.4/32", "[2a00:1450::1]", "[2a00:1450::2]/128"]),
    "public network allowed": relay(*GUARDED, mynetworks=["8.8.0.0/16"], mynetworks_allow_public=["8.8.0.0/16"]),
    "public network inside a wider allowed one": relay(*GUARDED, mynetworks=["8.8.8.0/24"], mynetworks_allow_public=["8.0.0.0/8"]),
    "public IPv6 network allowed, with or without brackets": relay(
        *GUARDED, mynetworks=["[2a00:1450::]/48", "[2a00:1451::]/48"],
        mynetworks_allow_public=["2a00:1450::/32", "[2a00:1451::]/32"]),
    "exclusions keep their order and never count as wide": relay(
        *GUARDED, mynetworks=["!192.0.2.66", "192.0.2.0/24", "!8.8.0.0/16", "![2001:db8::1]"]),
    "every stage in use, as the seeds write them": {
        "stages": {
            "client": ["permit_mynetworks", "reject_rbl_client zen.spamhaus.org=127.0.0.[2..11]",
                       "reject_rhsbl_reverse_client dbl.spamhaus.org", "sleep 1"],
            "helo": ["reject_invalid_helo_hostname", "reject_non_fqdn_helo_hostname", "warn_if_reject reject_unknown_helo_hostname"],
            "sender": ["reject_non_fqdn_sender", "reject_unknown_sender_domain", "check_sender_access hash:/etc/postfix/sender_access",
                       "reject_sender_login_mismatch"],
            "relay": GUARDED,
            "recipient": ["reject_unauth_pipelining", "reject_non_fqdn_recipient", "reject_unknown_recipient_domain",
                          "reject_unlisted_recipient", "check_policy_service unix:private/policyd-spf"],
            "data": ["reject_unauth_pipelining", "reject_multi_recipient_bounce", "reject_unknown_sender_domain"],
            "end_of_data": ["check_policy_service { inet:127.0.0.1:10023, timeout=10s }", "check_recipient_access hash:/etc/x"],
            "etrn": ["permit_mynetworks", "reject_invalid_helo_hostname", "check_etrn_access hash:/etc/postfix/etrn_access",
                     "reject"],
        }},
    "table value naming a safe permit": relay(HELO_CHECK, *GUARDED, access_tables=helo("permit_sasl_authenticated")),
}

UNSAFE = {
    "port 25 override permitting everyone": (
        relay(*GUARDED, services=service("postfix_smtp_options", smtpd_relay_restrictions="permit")),
        ["postfix_smtp_options.smtpd_relay_restrictions[0] 'permit' permits every client"]),
    "port 25 override emptying the relay list": (
        relay(*GUARDED, stages={"recipient": ["permit_mynetworks"]},
              services=service("postfix_smtp_options", smtpd_relay_restrictions="")),
        ["postfix_smtp_options.smtpd_relay_restrictions is empty", "postfix_smtpd_recipient_restrictions has no destination guard"]),
    "service override with mynetworks of everyone": (
        relay(*GUARDED, master_services=[{"name": "relay2", "command": "smtpd", "options": {"mynetworks": "127.0.0.0/8 0.0.0.0/0"}}]),
        ["postfix_master_services[0].options.mynetworks[1] '0.0.0.0/0'", "open relay"]),
    "service override with a policy service before the guard": (
        relay(*GUARDED, services=service("postfix_submission_options",
                                         smtpd_relay_restrictions="check_policy_service unix:private/p,reject_unauth_destination")),
        ["postfix_submission_options.smtpd_relay_restrictions[0] 'check_policy_service unix:private/p'", "policy server"]),
    "service override with a misspelt restriction": (
        relay(*GUARDED, services=service("postfix_smtps_options", smtpd_client_restrictions="permit_sasl_authenticate, reject")),
        ["postfix_smtps_options.smtpd_client_restrictions[0]", "Did you mean 'permit_sasl_authenticated'?"]),
    "service override with a reference the guard cannot follow": (
        relay(*GUARDED, services=service("postfix_smtp_options", smtpd_relay_restrictions="$my_relay_rules")),
        ["postfix_smtp_options.smtpd_relay_restrictions is '$my_relay_rules'", "Write the restrictions out"]),
    "service override referring to a permissive main.cf list": (
        relay(*GUARDED, services=service("postfix_smtp_options", smtpd_relay_restrictions="${open}"),
              parameters={"open": "permit_mynetworks, permit, reject_unauth_destination"}),
        ["postfix_smtp_options.smtpd_relay_restrictions[1] 'permit'"]),
    "service override redefining a restriction class": (
        relay(*GUARDED + ["trusted"], restriction_classes={"trusted": ["reject"]},
              services=service("postfix_smtp_options", trusted="permit")),
        ["postfix_smtp_options.trusted: redefines restriction classes", "postfix_smtpd_restriction_classes"]),
    "service override setting restriction classes": (
        relay(*GUARDED, services=service("postfix_smtp_options", smtpd_restriction_classes="mine")),
        ["postfix_smtp_options.smtpd_restriction_classes: sets restriction classes"]),
    "service with -o in its command": (
        relay(*GUARDED, master_services=[{"name": "policy", "command": "spawn user=nobody argv=/bin/true -o x=y"},
                                         {"name": "relay2", "command": "smtpd -o smtpd_relay_restrictions=permit"}]),
        ["postfix_master_services[1] has -o in its command", "Move the overrides to the service's options"]),
    "service override XCLIENT for everyone": (
        relay(*GUARDED, services=service("postfix_smtp_options", smtpd_authorized_xclient_hosts="0.0.0.0/0")),
        ["postfix_smtp_options.smtpd_authorized_xclient_hosts[0] '0.0.0.0/0'", "XCLIENT"]),
    "XCLIENT for everyone": (relay(*GUARDED, xclient_hosts=["0.0.0.0/0"]),
                             ["postfix_smtpd_authorized_xclient_hosts[0] '0.0.0.0/0'", "claim, with XCLIENT", "open relay"]),
    "XCLIENT for a public /16": (relay(*GUARDED, xclient_hosts=["8.8.0.0/16"]),
                                 ["postfix_smtpd_authorized_xclient_hosts[0]", "/16 network with public addresses",
                                  "postfix_mynetworks_allow_public"]),
    "XCLIENT host misspelt": (relay(*GUARDED, xclient_hosts=["10.0.0.300"]),
                              ["postfix_smtpd_authorized_xclient_hosts[0] '10.0.0.300' is not a valid"]),
    "access map of type auto answering OK": (
        relay("check_client_access lmdb:/etc/postfix/maps/clients", *GUARDED,
              access_maps=access_maps(clients={"entries": {"192.0.2.1": "REJECT", "192.0.2.7": "OK"}})),
        ["postfix_access_maps.clients (lmdb:/etc/postfix/maps/clients) has '192.0.2.7 OK'"]),
    "access map used under a type it is not built as": (
        relay("check_client_access hash:/etc/postfix/maps/clients", *GUARDED,
              access_maps=access_maps(clients={"type": "cidr", "entries": {"192.0.2.7": "REJECT"}})),
        ["hash:/etc/postfix/maps/clients, which is not among the access tables"]),
    "README example: helo PERMIT before the guard": (
        {"stages": {"recipient": ["permit_mynetworks", HELO_CHECK, "reject_unknown_helo_hostname", "reject_unauth_destination"]},
         "access_tables": helo("PERMIT")},
        ["postfix_smtpd_relay_restrictions is empty", "postfix_smtpd_recipient_restrictions[1] '%s'" % HELO_CHECK,
         "postfix_helo_access", "'localhost.localdomain PERMIT'", "before the destination guard", "Fix:"]),
    "helo OK before the guard in the relay list": (
        relay("permit_mynetworks", HELO_CHECK, "reject_unauth_destination", access_tables=helo("ok")),
        ["postfix_smtpd_relay_restrictions[1]", "'localhost.localdomain ok'", "change those entries to DUNNO or REJECT"]),
    "numeric value counts as OK": (relay(HELO_CHECK, *GUARDED, access_tables=helo("REJECT", "1700000000")),
                                   ["'host1.example 1700000000'", "all-numeric"]),
    "RELAY counts as OK": (relay(HELO_CHECK, *GUARDED, access_tables=helo("RELAY")), ["RELAY permits"]),
    "empty value counts as OK": (relay(HELO_CHECK, *GUARDED, access_tables=helo("")), ["empty value counts as OK"]),
    "value running permit_mx_backup": (relay(HELO_CHECK, *GUARDED, access_tables=helo("permit_mx_backup")),
                                       ["runs 'permit_mx_backup'", "MX records"]),
    "value running a permitting class": (
        relay(HELO_CHECK, *GUARDED, access_tables=helo("friends"), restriction_classes={"friends": ["permit"]}),
        ["runs postfix_smtpd_restriction_classes.friends[0] 'permit'"]),
    "more offenders than shown": (relay(HELO_CHECK, *GUARDED, access_tables=helo("OK", "OK", "OK", "OK", "OK")), ["and 2 more"]),
    "table not among access_tables": (relay("check_client_access hash:/etc/postfix/client_access", *GUARDED),
                                      ["hash:/etc/postfix/client_access", "not among the access tables"]),
    "MX table answering OK": (
        relay("check_helo_mx_access hash:/etc/postfix/mx_access", *GUARDED,
              access_tables=table("hash:/etc/postfix/mx_access", "postfix_mx_access", ("192.0.2.0/24", "OK"))),
        ["server configuration error", "use DUNNO, not OK"]),
    "ccert table matching any certificate": (
        relay("check_ccert_access pcre:/etc/postfix/ccert.pcre", *GUARDED,
              access_tables=table("pcre:/etc/postfix/ccert.pcre", "postfix_ccert_access", ("/./", "OK"))),
        ["postfix_ccert_access", "'/./ OK'"]),
    "warn_if_reject reject_unauth_destination is no guard": (
        relay("permit_mynetworks", "warn_if_reject reject_unauth_destination"),
        ["postfix_smtpd_relay_restrictions has no destination guard", "warn_if_reject turns"]),
    "warn_if_reject reject ends nothing": (relay("permit_mynetworks", "warn_if_reject reject"), ["has no destination guard"]),
    "warn_if_reject does not stop a permit": (relay("warn_if_reject permit", *GUARDED), ["'warn_if_reject permit' permits"]),
    "relay list empty and recipient list unguarded": (
        {"stages": {"relay": [], "recipient": ["permit_mynetworks"]}},
        ["postfix_smtpd_relay_restrictions is empty, so postfix_smtpd_recipient_restrictions decides relaying",
         "postfix_smtpd_recipient_restrictions has no destination guard", "end postfix_smtpd_relay_restrictions with"]),
    "nothing at all": ({}, ["has no destination guard"]),
    "bare permit before the guard": (relay("permit", *GUARDED), ["postfix_smtpd_relay_restrictions[0] 'permit' permits every client"]),
    "permitting class before the guard": (
        relay("permit_mynetworks", "trusted", "reject_unauth_destination", restriction_classes={"trusted": ["permit"]}),
        ["postfix_smtpd_restriction_classes.trusted[0] 'permit'", "reached through postfix_smtpd_relay_restrictions[1] 'trusted'"]),
    "class loop": (relay(*GUARDED, restriction_classes={"a": ["b"], "b": ["reject_rbl_client x.example", "a"]}),
                   ["refers back to itself (a -> b -> a)"]),
    "self-referring class in the relay list": (relay("loop", "reject_unauth_destination", restriction_classes={"loop": ["loop"]}),
                                               ["postfix_smtpd_restriction_classes.loop refers back to itself"]),
    "policy service before the guard": (relay("check_policy_service unix:private/policyd-spf", *GUARDED), ["policy server"]),
    "permit_mx_backup before the guard": (relay("permit_mx_backup", *GUARDED), ["relay_domains"]),
    "permit_tls_all_clientcerts before the guard": (relay("permit_tls_all_clientcerts", *GUARDED), ["relay_clientcerts"]),
    "permit_dnswl_client before the guard": (relay("permit_dnswl_client list.dnswl.org", *GUARDED), ["allow-list"]),
    "permit_naked_ip_address: obsolete and open": (relay("permit_naked_ip_address", *GUARDED),
                                                   ["obsolete name", "sends an IP address as its HELO name"]),
    "check_relay_domains: obsolete and open": (relay("permit_mynetworks", "check_relay_domains"),
                                               ["obsolete name; write reject_unauth_destination", "relay_domains"]),
    "mynetworks 0.0.0.0/0": (relay(*GUARDED, mynetworks=["0.0.0.0/0"]), ["postfix_mynetworks[0] '0.0.0.0/0'", "open relay"]),
    "mynetworks ::/0": (relay(*GUARDED, mynetworks=["127.0.0.0/8", "::/0"]), ["postfix_mynetworks[1]", "every IPv6 address"]),
    "mynetworks [::]/0": (relay(*GUARDED, mynetworks=["[::]/0"]), ["every IPv6 address", "open relay"]),
    "public /16": (relay(*GUARDED, mynetworks=["8.8.0.0/16"]),
                   ["/16 network with public addresses", "add '8.8.0.0/16'", "postfix_mynetworks_allow_public"]),
    "public /16, only a /24 of it allowed": (relay(*GUARDED, mynetworks=["8.8.0.0/16"], mynetworks_allow_public=["8.8.8.0/24"]),
                                             ["/16 network with public addresses"]),
    "public network half private": (relay(*GUARDED, mynetworks=["10.0.0.0/7"]), ["/7 network with public addresses"]),
    "public IPv6 /32": (relay(*GUARDED, mynetworks=["[2a00:1450::]/32"]), ["add '[2a00:1450::]/32'"]),
    "public IPv4-mapped network": (relay(*GUARDED, mynetworks=["[::ffff:8.8.0.0]/112"]), ["add '[::ffff:8.8.0.0]/112'"]),
    "host bits set": (relay(*GUARDED, mynetworks=["192.0.2.1/24"]), ["host bits", "'192.0.2.0/24'", "'192.0.2.1'"]),
    "host bits set in IPv6": (relay(*GUARDED, mynetworks=["[2001:db8::1]/32"]), ["host bits", "'[2001:db8::]/32'"]),
    "bad IPv4 address": (relay(*GUARDED, mynetworks=["300.1.1.1"]), ["'300.1.1.1' is not a valid IPv4 or IPv6 address"]),
    "bad prefix length": (relay(*GUARDED, mynetworks=["192.0.2.0/33"]), ["prefix length '/33'", "0 to 32"]),
    "prefix that is no number": (relay(*GUARDED, mynetworks=["[::1]/abc"]), ["prefix length '/abc'"]),
    "IPv6 without brackets": (relay(*GUARDED, mynetworks=["2001:db8::/32"]), ["without brackets", "'[2001:db8::]/32'"]),
    "hostname in mynetworks": (relay(*GUARDED, mynetworks=["mail.example.com"]), ["only accepts addresses and networks"]),
    "lookup table in mynetworks": (relay(*GUARDED, mynetworks=["hash:/etc/postfix/network_table"]), ["type:table"]),
    "file in mynetworks": (relay(*GUARDED, mynetworks=["/etc/postfix/networks"]), ["only accepts addresses"]),
    "bad exclusion": (relay(*GUARDED, mynetworks=["!192.0.2.300"]), ["postfix_mynetworks[0] '!192.0.2.300' is not a valid"]),
    "malformed allow_public entry": (relay(*GUARDED, mynetworks_allow_public=["banana"]), ["postfix_mynetworks_allow_public[0]"]),
    "allow_public everything": (relay(*GUARDED, mynetworks_allow_public=["0.0.0.0/0"]), ["would allow every address"]),
    "unknown restriction with a suggestion": (
        relay(*GUARDED, stages={"helo": ["reject_unknown_helo_hostnam"]}),
        ["postfix_smtpd_helo_restrictions[0]", "is neither a Postfix smtpd restriction nor a class", "Did you mean 'reject_unknown_helo_hostname'?"]),
    "misspelt guard: unknown and unguarded": (relay("permit_mynetworks", "reject_unauth_destinaton"),
                                              ["Did you mean 'reject_unauth_destination'?", "no destination guard"]),
    "unknown restriction without a suggestion": (relay(*GUARDED, stages={"client": ["frobnicate"]}), ["postconf(5)"]),
    "sender restriction in etrn": (relay(*GUARDED, stages={"etrn": ["reject_unknown_sender_domain"]}),
                                   ["postfix_smtpd_etrn_restrictions[0]", "tests the sender address",
                                    "Move it to postfix_smtpd_sender_restrictions"]),
    "recipient restriction in etrn": (relay(*GUARDED, stages={"etrn": ["reject_unlisted_recipient"]}),
                                      ["Move it to postfix_smtpd_recipient_restrictions"]),
    "reject_unauth_destination in data": (relay(*GUARDED, stages={"data": ["reject_unauth_destination"]}),
                                          ["postfix_smtpd_data_restrictions[0]", "does not stop relaying"]),
    "defer_unauth_destination in helo": (relay(*GUARDED, stages={"helo": ["defer_unauth_destination"]}), ["guards relaying"]),
    "check_etrn_access outside etrn": (relay(*GUARDED, stages={"client": ["check_etrn_access hash:/etc/postfix/etrn"]}),
                                       ["ETRN domain", "Move it to postfix_smtpd_etrn_restrictions"]),
    "reject_unauth_pipelining in etrn": (relay(*GUARDED, stages={"etrn": ["reject_unauth_pipelining"]}), ["does nothing for ETRN"]),
    "table check without its table": (
        relay(*GUARDED, stages={"helo": ["check_helo_access"]}),
        ["takes a type:name lookup table, but has none", "write 'check_helo_access hash:"]),
    "DNS list without its domain": (relay(*GUARDED, stages={"client": ["reject_rbl_client"]}), ["takes a DNS list domain"]),
    "policy service without its server": (relay(*GUARDED, stages={"end_of_data": ["check_policy_service"]}), ["policy endpoint"]),
    "table check given no table": (relay(*GUARDED, stages={"client": ["check_client_access client_access"]}),
                                   ["but has 'client_access'"]),
    "sleep without seconds": (relay(*GUARDED, stages={"client": ["sleep soon"]}), ["a number of seconds"]),
    "argument to a restriction that takes none": (relay(*GUARDED, stages={"helo": ["permit_mynetworks hash:/x"]}),
                                                  ["permit_mynetworks takes no argument, but has 'hash:/x'"]),
    "two restrictions in one item": (relay("permit_mynetworks, reject_unauth_destination"),
                                     ["but has 'reject_unauth_destination'", "in one item of their own"]),
    "an extra restriction in an item is still walked": (relay("permit_mynetworks permit", *GUARDED),
                                                        ["permits every client"]),
    "two table arguments": (relay(*GUARDED, stages={"helo": ["check_helo_access hash:/a hash:/b"]}), ["but has 'hash:/a hash:/b'"]),
    "argument to a class": (relay(*GUARDED + ["trusted now"], restriction_classes={"trusted": ["permit"]}),
                            ["restriction class 'trusted' takes no argument"]),
    "obsolete name": (relay(*GUARDED, stages={"client": ["reject_unknown_client"]}),
                      ["write reject_unknown_client_hostname instead"]),
    "bare lookup table": (relay(*GUARDED, stages={"helo": ["hash:/etc/postfix/helo_access"]}),
                          ["bare lookup table", "'check_helo_access hash:/etc/postfix/helo_access'"]),
    "bare lookup table before the guard is a recipient check": (relay("hash:/etc/postfix/access", *GUARDED), ["not among"]),
    "class named like a built-in": (relay(*GUARDED, restriction_classes={"permit": ["reject"]}), ["Rename the class"]),
    "class with an unknown restriction": (relay(*GUARDED, restriction_classes={"c": ["permit_my_networks"]}),
                                          ["postfix_smtpd_restriction_classes.c[0]", "Did you mean 'permit_mynetworks'?"]),
    "empty item": (relay(*GUARDED, stages={"client": [""]}), ["postfix_smtpd_client_restrictions[0] '': is empty"]),
    "warn_if_reject alone": (relay(*GUARDED, stages={"client": ["warn_if_reject"]}), ["must be followed by a restriction"]),
    "unbalanced braces": (relay(*GUARDED + ["check_policy_service { inet:127.0.0.1:10023"]), ["unbalanced braces"]),
    "list given as a string": (relay(*GUARDED, stages={"helo": "reject_invalid_helo_hostname"}),
                               ["postfix_smtpd_helo_restrictions must be a list"]),
    "item that is no string": (relay(*GUARDED, mynetworks=[10]), ["postfix_mynetworks[0] must be a string"]),
    "unknown stage": (relay(*GUARDED, stages={"rcpt": ["permit"]}), ["unknown stage 'rcpt'"]),
    "variable names from the caller": (
        relay("permit", "reject_unauth_destination", stages={"helo": ["bogus"]}, mynetworks=["0.0.0.0/0"],
              variables={"relay": "relay_rules", "helo": "helo_rules", "mynetworks": "trusted_nets"}),
        ["relay_rules[0] 'permit'", "helo_rules[0] 'bogus'", "trusted_nets[0] '0.0.0.0/0'"]),
}


@pytest.mark.parametrize("policy", list(SAFE.values()), ids=list(SAFE))
def test_safe_policies_have_no_problems(policy):
    assert relay_policy_problems(policy) == []


@pytest.mark.parametrize("policy, expected", list(UNSAFE.values()), ids=list(UNSAFE))
def test_unsafe_policies_are_explained(policy, expected):
    problems = relay_policy_problems(policy)
    assert problems, "no problem found"
    text = "\n".join(problems)
    for fragment in expected:
        assert fragment in text, "%r not in:\n%s" % (fragment, text)


@pytest.mark.parametrize("policy", [p for p, expected in UNSAFE.values()], ids=list(UNSAFE))
def test_every_message_names_its_variable(policy):
    names = tuple((policy.get("variables") or {}).values()) + ("postfix_", "stages")
    for problem in relay_policy_problems(policy):
        assert any(name in problem for name in names), problem


def test_readme_example_message_in_full():
    policy = {"stages": {"recipient": ["permit_mynetworks", HELO_CHECK, "reject_unknown_helo_hostname",
                                       "reject_unauth_destination"]},
              "access_tables": helo("PERMIT")}
    assert relay_policy_problems(policy) == [
        "postfix_smtpd_relay_restrictions is empty, so postfix_smtpd_recipient_restrictions decides relaying: "
        "postfix_smtpd_recipient_restrictions[1] 'check_helo_access hash:/etc/postfix/helo_access' can answer OK: "
        "postfix_helo_access (hash:/etc/postfix/helo_access) has 'localhost.localdomain PERMIT' (PERMIT permits the request). "
        "It comes before the destination guard (reject_unauth_destination) in postfix_smtpd_recipient_restrictions, so a "
        "stranger it lets through may relay mail to any domain. Fix: change those entries to DUNNO or REJECT, or move it "
        "after reject_unauth_destination."]


def test_relay_list_decides_alone():
    """Only the relay list is walked when it is set: the same permissive recipient list is refused without it."""
    recipient = {"recipient": [HELO_CHECK, "reject_unauth_destination"]}
    with_relay = relay(*GUARDED, stages=dict(recipient), access_tables=helo("OK"))
    without_relay = {"stages": dict(recipient), "access_tables": helo("OK")}
    assert relay_policy_problems(with_relay) == []
    assert "decides relaying" in relay_policy_problems(without_relay)[0]


def test_one_problem_per_unsafe_entry_and_walk_continues():
    problems = relay_policy_problems(relay("permit", "permit_mx_backup", "reject_unauth_destination", "permit_dnswl_client x.org"))
    assert len(problems) == 2
    assert "[0] 'permit'" in problems[0] and "[1] 'permit_mx_backup'" in problems[1]


def test_not_a_dict():
    assert relay_policy_problems(None) == [
        "relay_policy_problems needs a dict (mynetworks, stages, restriction_classes, access_tables, ...), not NoneType."]


def test_the_input_is_left_alone():
    policy = relay("permit", "reject_unauth_destination", mynetworks=["8.8.0.0/16"], restriction_classes={"c": ["c"]})
    before = repr(policy)
    relay_policy_problems(policy)
    assert repr(policy) == before


@pytest.mark.parametrize("name", sorted(RESTRICTIONS))
def test_every_known_restriction_is_accepted_somewhere(name):
    """Each name in the table, with the argument it needs, passes in the stage it belongs to (or a relay-safe place)."""
    kind, argument = RESTRICTIONS[name]
    example = {"table": " hash:/etc/postfix/x", "domain": " list.example.org", "policy": " unix:private/policy",
               "number": " 1", None: ""}[argument]
    stage = {"generic": "data", "client": "client", "helo": "helo", "sender": "sender", "recipient": "recipient",
             "etrn": "etrn"}[kind]
    problems = relay_policy_problems(relay(*GUARDED, stages={stage: [name + example]}))
    assert all("obsolete" in problem or "guards relaying" in problem for problem in problems), problems
