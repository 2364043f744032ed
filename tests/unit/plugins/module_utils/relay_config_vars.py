# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The postfix role's variables as its argument specs give them to the model: the role's own
defaults (templated defaults replaced by plain values), with the test's changes on top."""
import os

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.hardened.relay.plugins.module_utils.relay_config import guard

ROLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "roles", "postfix")
with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
    DEFAULTS = yaml.safe_load(handle)
with open(os.path.join(ROLE, "meta", "argument_specs.yml")) as handle:
    SPEC = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
DEFAULTS.update(postfix_myhostname="relay.example.org", postfix_mydomain="example.org")
FACTS_37 = {"version_tuple": [3, 7, 11], "max_compatibility_level": "3.6", "default_database_type": "hash"}
FACTS_310 = {"version_tuple": [3, 10, 13], "max_compatibility_level": "3.6", "default_database_type": "hash"}


def validated(**changes):
    """(variables, errors): the defaults with the changes, checked and converted by the specs."""
    given = dict(DEFAULTS, **changes)
    result = ArgumentSpecValidator(SPEC).validate(given, validate_role_argument_spec=True)
    return result.validated_parameters, result.error_messages


def judge(**changes):
    """(configuration, problems) of the variables, which the argument specs must accept."""
    variables, errors = validated(**changes)
    assert errors == [], errors
    return guard.judge(variables)


def problems_of(**changes):
    return judge(**changes)[1]


# A smarthost with credentials, and two senders with smarthosts of their own (the outbound tests).
SMARTHOST = "[smtp.example.net]:587"
PASSWORD = "pr0vider pass:word"
CREDENTIALS = dict(postfix_relayhost=SMARTHOST, postfix_relayhost_username="relay@example.org",
                   postfix_relayhost_password=PASSWORD)
SENDERS = [{"sender": "app1@example.org", "relayhost": "[smtp2.example.net]:587", "username": "app1",
            "password": "app1-secret"},
           {"sender": "@billing.example.org", "relayhost": "[smtp3.example.net]:465", "username": "billing",
            "password": "billing-secret"}]
