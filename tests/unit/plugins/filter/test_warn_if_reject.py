# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The staging form of a restriction list."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hardened.relay.plugins.filter.warn_if_reject import FilterModule, warn_if_reject


def test_reject_type_entries_are_prefixed():
    assert warn_if_reject([
        "permit_mynetworks", "reject_non_fqdn_helo_hostname", "check_client_access cidr:/etc/postfix/maps/c",
        "reject", "sleep 1", "permit",
    ]) == [
        "permit_mynetworks", "warn_if_reject reject_non_fqdn_helo_hostname",
        "warn_if_reject check_client_access cidr:/etc/postfix/maps/c", "warn_if_reject reject", "sleep 1", "permit",
    ]


def test_already_staged_entries_stay_as_they_are():
    assert warn_if_reject(["warn_if_reject reject_unknown_helo_hostname"]) == [
        "warn_if_reject reject_unknown_helo_hostname"]
    assert warn_if_reject(["warn_if_reject", "reject_unknown_helo_hostname"]) == [
        "warn_if_reject", "reject_unknown_helo_hostname"]


def test_names_that_only_start_like_reject_are_not_touched():
    assert warn_if_reject(["rejectx", "checkpoint"]) == ["rejectx", "checkpoint"]


def test_filter_is_registered():
    assert FilterModule().filters()["warn_if_reject"] is warn_if_reject
