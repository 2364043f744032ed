#!/usr/bin/python
# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postfix_apply
short_description: Apply the postfix role's configuration model as one transaction, rolled back on failure
version_added: 0.1.0
description:
  - Applies the configuration that M(hardened.relay.postfix_config) computed and the open-relay guard
    judged (RV(hardened.relay.postfix_config#module:config)) in one module run. It handles C(main.cf), C(master.cf), every
    lookup table and every file of the model, checks them, installs them, reloads or restarts
    Postfix, and proves that it runs them. The previous configuration goes back when any of that fails.
  - B(Compare.) The candidate C(main.cf) is rendered with the facts of the installed Postfix (its
    version, the compatibility level its C(main.cf.proto) sets, its C(default_database_type)). The
    candidate C(master.cf) is the live one with every service of the model written by C(postconf -M)
    (removed with C(postconf -MX)), in the module's private temporary directory. Table sources and
    files are compared in memory. Built tables are checked with C(stat) only. An unchanged
    configuration ends here, with nothing written on the host and no table built.
  - B(Stage.) The changed candidate is laid out in O(stage_dir) (root only, C(0700)), with every
    table source and file below C(STAGE/root/) at its live path. Postfix checks it there
    (C(postconf -c STAGE -n) and C(-M)), and any output on stderr refuses it. C(postmap -c STAGE) (or
    C(postalias)) builds the changed tables, and any warning refuses them. cidr, pcre and regexp
    sources are parsed with C(postmap -q). A refusal quotes Postfix, naming the live paths, and
    nothing live has changed.
  - B(Install.) Every live file about to be replaced is copied to O(previous_dir), with a
    C(manifest.json) that records what existed, its owner and its checksum. Each staged file is then
    moved into place atomically. Files go first, then each table (the built file before its source,
    so that a table is never older than its source), then C(master.cf), and C(main.cf) last. Postfix
    processes read C(main.cf) when they start, even before the reload, so everything the new
    C(main.cf) names must be in place before it lands.
  - B(Apply.) Postfix is reloaded. It is restarted instead when a value of O(restart_parameters)
    differs between the live and the candidate configuration (C(postconf -h) on both), or when
    Postfix was not configured or not running. The module then waits until C(postfix status) says
    the master process runs (Debian's C(postfix.service) succeeds even when its C(postfix@-)
    instance fails). It waits for the C(220) greeting on every listener of C(config.listeners), read
    in clear on STARTTLS listeners and after a TLS handshake on wrapper-mode (smtps) ones. When
    O(selftest) is given, it then runs the stranger's relay test of M(hardened.relay.relay_selftest)
    against those listeners.
  - B(Roll back.) Any failure after the first live file changed puts every previous file back byte
    for byte (mode, owner and times too) and removes the files that did not exist. Postfix is then
    restarted on the previous configuration and the module waits until it runs. It fails with a
    sentence saying what failed, what Postfix logged since the install began (C(journalctl
    --priority warning SYSLOG_FACILITY=2), unique lines), the self-test's dialogue when that failed,
    and RV(rolled_back=true).
author: hardened.relay developers (@hardened-relay)
options:
  config:
    description:
      - The configuration model, the RV(hardened.relay.postfix_config#module:config) that M(hardened.relay.postfix_config)
        sets.
      - C(main_cf) holds the sections of C(main.cf) parameters, rendered as the role's template does.
      - C(postconf_services) holds the C(master.cf) services in the form of the M(hardened.relay.postconf)
        module's O(hardened.relay.postconf#module:services) (name, type, state, the columns, command,
        options). Each one present is written as one whole entry, so its O(hardened.relay.postconf#module:services[].options)
        are the only C(-o) overrides it keeps.
      - C(tables) holds the tables, C({path, type, flavour, mode, secret, entries}); V(auto) is the
        installed Postfix's C(default_database_type). A table that is not secret may give
        C(source), the text of its source file, instead of C(entries), as that model does (one string is
        cheap for Ansible to carry), or C(source_sha256), the SHA-256 of that text, when the host is
        expected to have it already. If the live source has another digest or is missing, the
        module compares and changes nothing and returns RV(sources_wanted); the action plugin of
        the same name then calls it again with those texts (it sends every source of 64 KiB or more
        this way). For a secret table the values in C(entries) are masked and
        the real ones come from O(secret_entries); the keys must be the same.
        Secret tables and their built files are mode C(0600) whatever C(mode) says.
      - C(files) holds other files, C({path, content, mode}) (the SASL configuration).
      - C(listeners) holds the SMTP listeners, C({name, host, port, tls}), that must greet after the
        apply and that the self-test talks to.
      - Other keys of the model (C(master_cf), C(packages), each value's C(origin)) are ignored.
    type: dict
    required: true
  secret_entries:
    description:
      - The real entries of the secret tables, a mapping of each secret table's path to a mapping of
        its keys to their values. Values are folded as C(postmap) reads them (runs of blanks become one).
      - The values, and their parts around C(:) and blanks, never appear in the module's result,
        its messages, the diff (it marks a changed value C((changed))) or anything it quotes
        from Postfix or the journal.
    type: dict
    default: {}
  managed_comment:
    description:
      - The comment to put first in C(main.cf), for example C({{ ansible_managed | comment }}).
        A line that does not start with C(#) is made a comment.
    type: str
    default: ""
  config_dir:
    description: The live Postfix configuration directory.
    type: path
    default: /etc/postfix
  stage_dir:
    description:
      - Where the changed candidate is staged and checked. The module owns C(main.cf), C(master.cf)
        and C(root/) in it and replaces them on every run that changes something. A refused
        candidate stays there for inspection.
      - In check mode a directory below the module's temporary directory is used instead, so that
        nothing is written on the host.
    type: path
    default: /var/lib/hardened-relay/postfix-stage
  previous_dir:
    description:
      - Where the live files are kept before they are replaced, with C(manifest.json), for the
        rollback. The module owns C(root/) and C(manifest.json) in it. They are left after the run,
        for a manual rollback should the module be killed (SIGKILL) half-way.
    type: path
    default: /var/lib/hardened-relay/postfix-previous
  restart_parameters:
    description: C(main.cf) parameters whose change Postfix applies only on a restart, not on a reload.
    type: list
    elements: str
    default: [inet_interfaces, inet_protocols]
  service:
    description:
      - The systemd unit to reload or restart. Without systemd, C(postfix reload) or
        C(postfix stop) and C(postfix start) are run instead.
    type: str
    default: postfix
  timeout:
    description:
      - Seconds Postfix has, after the reload or restart, to run the new configuration and greet
        on every listener. C(postfix status) is asked for at most 10 of them, once a second, as the
        start has returned by then. After a rollback the same limits hold for the previous configuration.
    type: int
    default: 30
  selftest:
    description:
      - Run the stranger's relay test of M(hardened.relay.relay_selftest) against C(config.listeners)
        once Postfix runs the new configuration. A listener that relays for the stranger, or cannot
        be tested, makes the transaction roll back.
      - The options are checked before anything changes, also in check mode. The test runs only in
        a run that changed the configuration.
    type: dict
    suboptions:
      trusted_networks:
        description:
          - Networks the listeners trust (C(mynetworks) and any exceptions), which the test address
            must stay out of. See O(hardened.relay.relay_selftest#module:trusted_networks).
        type: list
        elements: str
        required: true
      recipient:
        description: The recipient outside the relay asked for at C(RCPT TO).
        type: str
        default: hardened-relay-selftest@selftest.invalid
      sender:
        description: The envelope sender. An empty string sends the null sender.
        type: str
        default: selftest@hardened-relay.invalid
      helo:
        description: The name the stranger gives in C(EHLO) and C(HELO).
        type: str
        default: selftest.hardened-relay.invalid
      timeout:
        description: Seconds one conversation may take.
        type: int
        default: 30
      source_address:
        description: Test from this address instead of choosing one.
        type: str
attributes:
  action:
    support: full
    description:
      - An action plugin of the same name runs the module on the host. It sends each table source
        of 64 KiB or more by its digest, and the text only when the host's live source differs.
  async:
    support: none
    description:
      - The action plugin talks to the module twice when a big table changed, so the task cannot
        run in the background; C(async) is refused with an error before anything runs.
  check_mode:
    support: full
    description:
      - Compares, stages and lets Postfix check and build the candidate below the module's
        temporary directory, and reports RV(changed), RV(changed_files), RV(action) and the diff
        exactly as the real run would. Nothing is written on the host, and Postfix is neither
        reloaded nor tested.
  diff_mode:
    support: full
    description:
      - One diff per changed file. It shows the whole C(main.cf) text, the C(master.cf) entries that
        change, each table's entries (keys only for secret tables) and each file. A built table
        has no diff of its own; RV(changed_files) lists it.
  platform:
    support: full
    platforms: posix
    description:
      - Needs Postfix's C(postconf), C(postmap) and C(postfix), and root. The self-test needs Linux
        with the C(ip) command.
notes:
  - On failure after the install, RV(changed) is false, since the live files are as they were. Postfix was
    restarted on them, though.
  - Owner and mode are part of the comparison. A live file that has the wanted bytes but another mode,
    or an owner other than the user the module runs as, is replaced too.
seealso:
  - module: hardened.relay.postfix_config
  - module: hardened.relay.relay_selftest
  - name: postconf(1)
    description: Postfix configuration utility.
    link: https://www.postfix.org/postconf.1.html
"""

EXAMPLES = r"""
- name: Apply the configuration, prove that no listener relays, or put the previous one back
  hardened.relay.postfix_apply:
    config: "{{ __postfix_config }}"
    secret_entries: "{{ {'/etc/postfix/maps/sasl_passwd': {postfix_relayhost: postfix_relayhost_username ~ ':' ~ postfix_relayhost_password}}
                        if postfix_relayhost_username else {} }}"
    managed_comment: "{{ ansible_managed | comment }}"
    selftest:
      trusted_networks: "{{ postfix_mynetworks }}"
  register: __postfix_apply

- name: Show what would change, without touching the host
  hardened.relay.postfix_apply:
    config: "{{ __postfix_config }}"
  check_mode: true
  diff: true
"""

RETURN = r"""
changed:
  description: Whether a live file was (or in check mode would be) replaced.
  returned: always
  type: bool
action:
  description: What was (or would be) done to Postfix.
  returned: always
  type: str
  choices: [none, reload, restart]
changed_files:
  description: The live paths that were (or would be) replaced or created, tables' built files included.
  returned: always
  type: list
  elements: str
  sample: [/etc/postfix/main.cf, /etc/postfix/maps/transport, /etc/postfix/maps/transport.db]
selftest:
  description:
    - The self-test's result per listener, as RV(hardened.relay.relay_selftest#module:listeners) of
      M(hardened.relay.relay_selftest). Empty when it did not run.
  returned: always
  type: list
  elements: dict
sources_wanted:
  description:
    - The tables given by C(source_sha256) whose live source is another or is missing. When it is
      returned, nothing was compared or changed; call the module again with their C(source).
  returned: when a table's digest is not the live source's
  type: list
  elements: str
  sample: [/etc/postfix/maps/client_access]
rolled_back:
  description: Whether the previous configuration was put back after a failure.
  returned: always
  type: bool
postfix_version:
  description: The installed Postfix's C(mail_version).
  returned: when Postfix's facts were read
  type: str
  sample: 3.7.11
postfix_warnings:
  description: What Postfix said when it refused the candidate, with the live paths.
  returned: when Postfix refused the candidate
  type: list
  elements: str
postfix_log:
  description: The unique lines Postfix logged at warning level or worse since the install began.
  returned: when rolled back
  type: list
  elements: str
rollback_problems:
  description: What went wrong while the previous configuration went back (empty when nothing did).
  returned: when rolled back
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardened.relay.plugins.module_utils.relay_config import transaction
from ansible_collections.hardened.relay.plugins.module_utils import smtp_selftest


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="dict", required=True),
            secret_entries=dict(type="dict", default={}, no_log=True),
            managed_comment=dict(type="str", default=""),
            config_dir=dict(type="path", default=transaction.DEFAULT_CONFIG_DIR),
            stage_dir=dict(type="path", default=transaction.DEFAULT_STAGE_DIR),
            previous_dir=dict(type="path", default=transaction.DEFAULT_PREVIOUS_DIR),
            restart_parameters=dict(type="list", elements="str", default=list(transaction.DEFAULT_RESTART_PARAMETERS)),
            service=dict(type="str", default="postfix"),
            timeout=dict(type="int", default=transaction.DEFAULT_TIMEOUT),
            selftest=dict(type="dict", options=dict(smtp_selftest.STRANGER_OPTIONS)),
        ),
        supports_check_mode=True,
    )
    try:
        result = transaction.Transaction(module).run()
    except transaction.TransactionError as exc:
        details = dict(changed=False, rolled_back=False, selftest=[])
        details.update(exc.details)
        module.fail_json(msg="postfix_apply: %s" % exc, **details)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
