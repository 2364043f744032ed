# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""postfix_header_privacy_port_25 (on the Debian 13 relay only): an application's mail on port
25, through postscreen, leaves without the headers that name the client and its software; the
Debian 12 relay, with the default, keeps them."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared"))

from relay_testlib import (  # noqa: E402  pylint: disable=wrong-import-position,import-error
    container, headers, inventory_hosts, new_token, smtp_probe, wait_for_text,
)

RELAYS = inventory_hosts("relays")
TRUSTED = container("hr-policy-client-trusted")
SINK = container("hr-policy-sink")
PRIVATE = {"X-Mailer": "HR-Mailer 2.0 (app17)", "User-Agent": "HR-Agent/1.0", "X-Originating-IP": "[10.9.8.7]"}
PRIVATE_ON = {"hr-policy-relay-deb12": False, "hr-policy-relay-deb13": True}


@pytest.mark.parametrize("relay", RELAYS)
def test_port_25_mail_of_the_relays_clients_loses_its_headers_only_where_asked(relay):
    token = new_token()
    result = smtp_probe(TRUSTED, relay, sender="app17@trusted.test", helo="app17.trusted.test",
                        rcpts=["someone@outside.example"], token=token,
                        header=["%s: %s" % item for item in PRIVATE.items()])
    assert result["accepted"] is True, result
    message = wait_for_text(SINK, "/var/spool/smtp-sink", token)
    names = [name.lower() for name, dummy in headers(message)]
    stripped = PRIVATE_ON[relay]
    for name in PRIVATE:
        assert (name.lower() in names) is not stripped, (relay, name)
    # The relay's own Received line names the client's address; the sink adds none of its own.
    assert ("172.31.221.20" in message) is not stripped, relay
    assert ("received" in names) is not stripped, relay
    assert "subject" in names and "message-id" in names
    service = container(relay).check_output("postconf -M smtpd/pass")
    assert ("cleanup_service_name=privacy-cleanup" in service) is stripped, service
