#!/usr/bin/python
# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: relay_selftest
short_description: Prove with real SMTP conversations that no listener relays for a stranger
version_added: 0.1.0
description:
  - Runs on the relay itself and asks every listener in O(listeners), as a stranger would, to take
    mail for a recipient outside the relay. The stranger is a client outside O(trusted_networks),
    that does not authenticate; it says C(EHLO) (C(HELO) when EHLO is refused), C(STARTTLS) when
    asked and offered, C(MAIL FROM) and C(RCPT TO), and never C(DATA), so nothing is ever queued.
  - A listener that answers C(RCPT TO) with 2xx relays for strangers, and the module fails.
    A 4xx or 5xx reply at C(RCPT TO) or earlier (greeting, EHLO, MAIL) is a refusal. A listener
    that refuses connections, does not greet, or breaks the conversation off fails the module too,
    so list only the listeners that should run.
  - The stranger's address is the first of a list of addresses in ranges that are never routed on
    the Internet (198.18.25.25 from the RFC 2544 benchmarking range first, then others in
    198.18.0.0/15, 100.64.0.0/10, 203.0.113.0/24, 198.51.100.0/24 and 192.0.2.0/24; for IPv6
    listeners in C(2001:2::/48), C(2001:db8::/32) and C(100::/64)) that no trusted
    network covers and that the host does not have already. The module adds it to the loopback
    interface as a host address (C(ip address add ADDRESS/32 dev lo), IPv4 with the label
    C(lo:hrselftest)), connects from it, and removes it again when the test ends, also when a
    conversation fails or the module gets SIGTERM or SIGHUP. An address the host had already is
    never added or removed.
  - It adds no way in. It uses no XCLIENT and no AUTH, changes no Postfix configuration and
    leaves nothing behind but Postfix's own records of the stranger (see the notes).
author: hardened.relay developers (@hardened-relay)
options:
  listeners:
    description: The SMTP listeners to test, each one conversation.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: What the messages and results call the listener, for example V(smtp/inet) or V(127.0.0.1:2525/inet).
        type: str
        required: true
      host:
        description:
          - The address to connect to, IPv4 or IPv6 (V(::1) or V([::1])). A host name is refused.
          - It must be an address of this host (the kernel routes it locally), so that a packet
            from the test address never leaves the host.
        type: str
        default: 127.0.0.1
      port:
        description: The TCP port.
        type: int
        required: true
      tls:
        description:
          - V(starttls) issues C(STARTTLS) when the listener offers it and goes on in clear when it
            does not, or turns it down, as a stranger could. It is the default because a listener that
            requires TLS refuses C(MAIL) in clear before its relay restrictions are asked.
          - V(wrapper) speaks TLS from the first byte, as on port 465 (C(smtpd_tls_wrappermode)).
          - V(none) never uses TLS.
          - The server's certificate is never verified (a relay may use a self-signed one).
        type: str
        choices: [none, starttls, wrapper]
        default: starttls
  trusted_networks:
    description:
      - Networks whose clients a listener trusts, which the test address must stay out of. Give
        C(mynetworks) and the XCLIENT, XFORWARD, postscreen and access-table exceptions of every
        listener. Postfix notation is accepted (V(127.0.0.0/8), V([::1]/128), bare addresses, several
        in one item separated by blanks or commas); an excluded V(!network) is avoided too.
      - Tables, files and host names are refused; the module cannot tell what they match.
      - Missing a network here can only cause a false alarm (a trusted test address is permitted,
        and the module fails), never a false pass.
    type: list
    elements: str
    required: true
  recipient:
    description:
      - The recipient outside the relay asked for at C(RCPT TO). It must not be a domain the relay
        accepts mail for (C(mydestination), C(relay_domains), virtual domains).
      - The default domain is reserved (C(.invalid)) and resolves nowhere.
    type: str
    default: hardened-relay-selftest@selftest.invalid
  sender:
    description: The envelope sender (C(MAIL FROM)). An empty string sends the null sender C(<>).
    type: str
    default: selftest@hardened-relay.invalid
  helo:
    description:
      - The name the stranger gives in C(EHLO) and C(HELO). It must look like a fully qualified
        host name, so that C(reject_invalid_helo_hostname) and C(reject_non_fqdn_helo_hostname)
        do not refuse it before the relay restrictions are asked.
    type: str
    default: selftest.hardened-relay.invalid
  timeout:
    description: Seconds one conversation may take from connecting to C(QUIT).
    type: int
    default: 30
  source_address:
    description:
      - Test from this address instead of choosing one. It must be outside O(trusted_networks).
        When the host has it, it is used as it is; otherwise it is added to C(lo) for the test and
        removed afterwards. Listeners of the other IP version get a chosen address.
      - While the test runs, traffic from this host to the address goes to C(lo); choose one that
        nothing on the network uses.
    type: str
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module checks its options, tests nothing, and reports the task as
        skipped. In a check-mode run the tasks before it changed nothing, so the listeners it would
        test may not run as the play would leave them, and a verdict would be about the wrong
        configuration.
      - To test anyway, set C(check_mode=false) on the task. The test changes nothing lasting, but
        it does put its address on C(lo) for its duration.
  diff_mode:
    support: none
    description: Changes nothing lasting, so there is nothing to diff.
  platform:
    support: full
    platforms: linux
    description: Needs Linux with the C(ip) command of iproute2 (to add the test address), and root.
notes:
  - The module always reports C(changed=false); the only change, the test address on C(lo), lasts
    as long as the test.
  - Only SIGKILL can leave the test address behind (C(ip -4 address show label lo:hrselftest)
    finds an IPv4 one). A later run sees that the host has it and chooses another address.
  - A false alarm, failing closed; a listener whose relay restrictions use C(permit_inet_interfaces)
    permits the test address when C(inet_interfaces) is C(all), because for the length of the test
    it is an address of this host.
  - A refusal shows that this stranger cannot relay, not always why. Postfix asks the client, HELO
    and sender restrictions at C(RCPT TO) before the relay restrictions (C(smtpd_delay_reject)), so a
    refusal there (for example C(reject_unknown_client_hostname), which refuses the test address
    without reverse DNS, or C(reject_unknown_sender_domain), which refuses the C(.invalid) sender)
    hides what the relay restrictions would have said. Restrictions that check domains in DNS refuse
    the default sender and recipient; give addresses in domains that resolve (nothing is ever sent
    to them). The module warns when a listener refused before C(RCPT TO), or only temporarily (4xx,
    as with greylisting or C(soft_bounce)), and every result shows the stage and reply that decided it.
  - The test itself queues nothing. When a listener accepts the recipient, Postfix opens a queue
    file (its log line has the queue ID and C(client=)) that the C(RSET) discards. An address verification probe
    (C(reject_unverified_recipient) or C(reject_unverified_sender) reached before the refusal) is
    Postfix's own and may be queued.
  - Postfix logs each conversation (C(NOQUEUE reject ... from unknown[198.18.25.25])), and postscreen
    may cache the test address as having passed its tests.
seealso:
  - name: SMTPD_ACCESS_README
    description: How Postfix decides who may relay.
    link: https://www.postfix.org/SMTPD_ACCESS_README.html
"""

EXAMPLES = r"""
- name: Prove that no listener relays for a stranger
  hardened.relay.relay_selftest:
    listeners:
      - {name: smtp/inet, port: 25}
      - {name: submission/inet, port: 587}
      - {name: smtps/inet, port: 465, tls: wrapper}
      - {name: "[::1]:2525/inet", host: "::1", port: 2525, tls: none}
    trusted_networks: [127.0.0.0/8, "[::1]/128", 192.0.2.0/24]

- name: Test also in a check-mode run (on the configuration as it is)
  hardened.relay.relay_selftest:
    listeners: [{name: smtp/inet, port: 25}]
    trusted_networks: "{{ postfix_mynetworks }}"
  check_mode: false

- name: Use a recipient domain that resolves, for relays that check domains in DNS
  hardened.relay.relay_selftest:
    listeners: [{name: smtp/inet, port: 25}]
    trusted_networks: [127.0.0.0/8, "[::1]/128"]
    recipient: selftest@example.net
    sender: selftest@example.org
"""

RETURN = r"""
listeners:
  description:
    - One result per listener, in the order of O(listeners). Also returned when the module fails
      because a listener relayed or could not be tested.
    - Empty when skipped in check mode.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The listener's name.
      type: str
      sample: smtp/inet
    host:
      description: The address connected to.
      type: str
      sample: 127.0.0.1
    port:
      description: The port connected to.
      type: int
      sample: 25
    tls:
      description: The O(listeners[].tls) mode asked for.
      type: str
      sample: starttls
    encrypted:
      description: Whether the conversation ran over TLS when it was decided.
      type: bool
    source:
      description: The stranger's address the conversation came from.
      type: str
      sample: 198.18.25.25
    verdict:
      description:
        - V(refused) the stranger could not have mail relayed; V(relayed) it could (C(RCPT TO)
          was answered 2xx); V(unreachable) the connection was refused, timed out, or no greeting
          came; V(error) the conversation broke off (a closed connection, failed TLS, a reply that is
          not SMTP, the O(timeout)) before a refusal.
      type: str
      choices: [refused, relayed, unreachable, error]
    stage:
      description: Where the verdict was decided.
      type: str
      choices: [connect, greeting, ehlo, helo, starttls, mail, rcpt]
      sample: rcpt
    reply:
      description: The server's reply that decided the verdict, on one line; empty when none did.
      type: str
      sample: "554 5.7.1 <hardened-relay-selftest@selftest.invalid>: Relay access denied"
    detail:
      description: The verdict in a sentence.
      type: str
      sample: refused at RCPT
    extensions:
      description: The EHLO keywords the listener offered the stranger (after TLS when it was started).
      type: list
      elements: str
      returned: when the listener answered EHLO or HELO
      sample: [8BITMIME, PIPELINING, SIZE, STARTTLS]
    dialogue:
      description:
        - The whole conversation, a line each, C(C:) sent, C(S:) received and C(*) what happened
          (connected, TLS started). No line is secret; no AUTH is ever attempted.
      type: list
      elements: str
      sample:
        - "* connected from 198.18.25.25 to 127.0.0.1 port 25"
        - "S: 220 relay.example.net ESMTP"
        - "C: EHLO selftest.hardened-relay.invalid"
        - "S: 250-relay.example.net"
        - "S: 250 STARTTLS"
        - "C: MAIL FROM:<selftest@hardened-relay.invalid>"
        - "S: 250 2.1.0 Ok"
        - "C: RCPT TO:<hardened-relay-selftest@selftest.invalid>"
        - "S: 554 5.7.1 <hardened-relay-selftest@selftest.invalid>: Relay access denied"
        - "C: QUIT"
        - "S: 221 2.0.0 Bye"
source_address:
  description: The stranger's IPv4 address, or its IPv6 address when every listener is IPv6.
  returned: when not skipped
  type: str
  sample: 198.18.25.25
source_addresses:
  description: Every stranger's address used, one per IP version, IPv4 first.
  returned: when not skipped
  type: list
  elements: str
  sample: [198.18.25.25, "2001:2::25"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardened.relay.plugins.module_utils import smtp_selftest
from ansible_collections.hardened.relay.plugins.module_utils.smtp_selftest import (
    TLS_MODES, LoopbackHost, SelftestError,
    Terminated,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            listeners=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                host=dict(type="str", default="127.0.0.1"),
                port=dict(type="int", required=True),
                tls=dict(type="str", choices=list(TLS_MODES), default="starttls"),
            )),
            **smtp_selftest.STRANGER_OPTIONS
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        # Options are checked in check mode too, so that a mistake shows before the real run.
        plan = smtp_selftest.prepare(params["listeners"], params["trusted_networks"], sender=params["sender"],
                                     recipient=params["recipient"], helo=params["helo"],
                                     timeout=params["timeout"], source_address=params["source_address"])
    except SelftestError as exc:
        module.fail_json(msg=str(exc), changed=False, listeners=[])
    if module.check_mode:
        module.exit_json(changed=False, skipped=True, listeners=[],
                         msg="Check mode: the relay self-test did not run (the play changed nothing yet, so it "
                             "would test the wrong configuration). Set check_mode: false on the task to run it.")
    ip = module.get_bin_path("ip", required=True)
    host = LoopbackHost(module.run_command, ip)
    try:
        results, sources = smtp_selftest.run_selftest(host, plan)
    except SelftestError as exc:
        module.fail_json(msg=str(exc), changed=False, listeners=[])
    except Terminated as exc:
        module.fail_json(msg="relay_selftest: %s before the test ended; the test address was removed from lo." % exc,
                         changed=False, listeners=[])
    for warning in smtp_selftest.weak_refusals(results):
        module.warn(warning)
    message = smtp_selftest.failure_message(results)
    for item in results:
        # The compact dialogue is for the message; the result has the whole one.
        item.pop("compact", None)
    addresses = [str(sources[version]) for version in sorted(sources)]
    result = dict(changed=False, listeners=results, source_address=addresses[0], source_addresses=addresses)
    if any(item["verdict"] != "refused" for item in results):
        module.fail_json(msg=message, **result)
    module.exit_json(msg="All %d listeners refused to relay for a stranger at %s."
                         % (len(results), " and ".join(addresses)), **result)


if __name__ == "__main__":
    main()
