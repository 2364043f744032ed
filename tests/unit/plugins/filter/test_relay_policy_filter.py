# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The relay_policy_problems filter is the module_utils function, unchanged."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml

from ansible_collections.hardened.relay.plugins.filter import relay_policy_problems as plugin
from ansible_collections.hardened.relay.plugins.module_utils.relay_policy import relay_policy_problems

POLICIES = [
    {"stages": {"relay": ["permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination"]}},
    {"stages": {"recipient": ["permit_mynetworks", "check_helo_access hash:/etc/postfix/helo_access",
                              "reject_unknown_helo_hostname", "reject_unauth_destination"]},
     "access_tables": {"hash:/etc/postfix/helo_access": {
         "variable": "postfix_helo_access", "entries": [{"key": "localhost.localdomain", "value": "PERMIT"}]}}},
    {"mynetworks": ["0.0.0.0/0", "192.0.2.1/24"], "stages": {"relay": ["permit"]}},
    {},
]


def test_filters_exposes_the_function():
    assert plugin.FilterModule().filters() == {"relay_policy_problems": relay_policy_problems}


@pytest.mark.parametrize("policy", POLICIES)
def test_filter_returns_what_the_function_returns(policy):
    relay_filter = plugin.FilterModule().filters()["relay_policy_problems"]
    assert relay_filter(policy) == relay_policy_problems(policy)


def test_filter_refuses_the_readme_example():
    assert "postfix_helo_access" in plugin.FilterModule().filters()["relay_policy_problems"](POLICIES[1])[0]


def test_documentation_is_yaml_for_the_filter():
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    assert doc["name"] == "relay_policy_problems"
    assert doc["positional"] == "_input"
    assert doc["options"]["_input"]["type"] == "dict"
    assert doc["author"] == "hardened.relay developers (@hardened-relay)"
    assert yaml.safe_load(plugin.EXAMPLES)
    assert yaml.safe_load(plugin.RETURN)["_value"]["type"] == "list"
