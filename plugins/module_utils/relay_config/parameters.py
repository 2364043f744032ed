# Copyright: (c) 2026, hardened.relay developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Postfix parameters can decide relaying: the data behind the open-relay guard.

Every main.cf parameter, and every master.cf ``-o`` override, that a user sets is either

- ``RELAY``: it can decide whether a stranger's mail is relayed. That covers who the client is
  (mynetworks, XCLIENT, the proxy protocol), authentication (SASL, client certificates, where
  AUTH is offered), the restriction lists and what changes how they are read, the address
  classes behind reject_unauth_destination (mydestination, relay_domains, the virtual domains,
  the resolver's address parsing), whatever makes a policy server answer OK, and whatever makes
  Postfix read another configuration or run other programs. The guard checks such a parameter
  itself, or refuses it. Each one comes with the reason, for the guard's messages.
- ``SAFE``: known not to affect who may relay or who the client is: limits, timeouts, queue and
  delivery, logging, the SMTP and LMTP clients, server TLS ciphers and protocols and its own
  certificate, bounces, postscreen's tests, anvil. Content checks (header_checks, body_checks,
  milters, content_filter, smtpd_proxy_filter) and address rewriting (canonical, generic,
  aliases) are safe too: they run on mail that smtpd has already accepted past its restriction
  lists, or (milters, before-queue proxies) after those lists, and can only refuse it, change
  it or route it.
- anything else is ``unknown``: the guard refuses it (fail closed).

``classify()`` looks at the exact names first, then at ``RELAY_PATTERNS``, then at
``SAFE_PATTERNS``: the per-transport forms postconf(5) documents as templates
(``transport_time_limit`` and the like, e.g. ``policyd-spf_time_limit``), and a few families
whose new members must count as relay-relevant until they are reviewed. A SAFE parameter is
safe by itself; its value can still matter where a relay-relevant one refers to it as
``$name``, which the guard must follow.

Reviewed against ``postconf -d`` of Postfix 3.7.11 (Debian 12) and 3.10.13 (Debian 13), and
against postconf(5) of both, which also documents some older names that ``postconf -d`` no
longer prints (some are still read as defaults, e.g. virtual_maps). The name lists are in
tests/unit/plugins/module_utils/data/postconf_d_<version>.txt; the unit test checks that every
name in them classifies as relay or safe, none as both.

To update for a new Postfix release, in its Debian image::

    apt-get install postfix postfix-pcre postfix-lmdb postfix-cdb
    postconf -d | cut -d" " -f1 > postconf_d_<version>.txt
    zcat /usr/share/man/man5/postconf.5.gz   # what the new names do

Add the list to the test data, read postconf(5) for every name the test reports as unknown
(and for changed defaults: a default that refers to a SAFE parameter makes that parameter
relay-relevant), put it in RELAY with its reason or in SAFE, and run ``make units``.
When in doubt, it is RELAY.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# The per-transport parameter templates of postconf(5) ("transport_<suffix>", where transport is
# the master.cf name of a delivery transport). postconf -d prints them only for the transports
# of the default master.cf, e.g. relay_destination_concurrency_limit.
TRANSPORT_TEMPLATES = (
    "delivery_slot_cost", "delivery_slot_discount", "delivery_slot_loan", "destination_concurrency_failed_cohort_limit",
    "destination_concurrency_limit", "destination_concurrency_negative_feedback", "destination_concurrency_positive_feedback",
    "destination_rate_delay", "destination_recipient_limit", "extra_recipient_limit", "initial_destination_concurrency",
    "minimum_delivery_slots", "recipient_limit", "recipient_refill_delay", "recipient_refill_limit", "time_limit",
    "transport_rate_delay",
)
# A master.cf service name as it appears in such a parameter (e.g. "policyd-spf").
_TRANSPORT = r"[A-Za-z0-9][A-Za-z0-9._-]*"

# The relay-relevant parameters, each with why: a predicate that follows the name in the guard's
# messages ("<name> <reason>", "sets <name>, which <reason>").
RELAY = {
    # --- rewriting that a pattern's $1 could steer to where the sender wants -------------------
    "canonical_maps": "rewrites recipient addresses of accepted mail; a pattern table's $1 could let the sender choose where mail goes",
    "recipient_canonical_maps": "rewrites recipient addresses of accepted mail; a pattern table's $1 could let the sender choose where mail goes",
    "smtp_generic_maps": "rewrites recipient addresses on the way out; a pattern table's $1 could let the sender choose where mail goes",
    "lmtp_generic_maps": "rewrites recipient addresses on the way out; a pattern table's $1 could let the sender choose where mail goes",
    "known_tcp_ports": "changes which port a master.cf service name means, which the guard and the self-test read",
    "header_checks": "can REDIRECT mail to an address a pattern's $1 took from it; set postfix_header_checks instead",
    "body_checks": "can REDIRECT mail to an address a pattern's $1 took from it; set postfix_body_checks instead",
    # --- who the client is -------------------------------------------------------------------
    "inet_interfaces": "makes its addresses local destinations (user@[address]) and lets them pass permit_inet_interfaces",
    "inet_protocols": "decides which interface addresses are local (inet_interfaces = all) and make up the default mynetworks",
    "mynetworks": "lists the clients that pass permit_mynetworks, so may relay",
    "mynetworks_style": "derives mynetworks when that is not set (subnet or class trust whole networks)",
    "postscreen_upstream_proxy_protocol": "makes postscreen take the client address from a proxy header and hand it to smtpd",
    "proxy_interfaces": "makes its addresses local destinations, as inet_interfaces does",
    "qmqpd_authorized_clients": "lets clients send through qmqpd, which relays to any destination",
    "smtpd_authorized_xclient_hosts": "lets clients claim any client address, name or login with XCLIENT",
    "smtpd_authorized_xforward_hosts": "lets clients claim another client's name and address with XFORWARD",
    "smtpd_dns_reply_filter": "edits the DNS replies behind the client name, permit_mx_backup and the *_mx/_ns/_a_access checks",
    "smtpd_peername_lookup": "decides whether smtpd looks up the client hostname that name-based restrictions match",
    "smtpd_upstream_proxy_protocol": "makes smtpd take the client address from a HAProxy header instead of the connection",
    # --- authentication ----------------------------------------------------------------------
    "broken_sasl_auth_clients": "changes how AUTH is offered and accepted (the non-standard AUTH= form)",
    "cyrus_sasl_config_path": "decides where Cyrus SASL reads smtpd.conf, which says how passwords are checked",
    "relay_clientcerts": "lists the client certificate fingerprints that pass permit_tls_clientcerts",
    "smtpd_enforce_tls": "is the pre-2.3 form of smtpd_tls_security_level (encrypt), used while that is empty",
    "smtpd_sasl_application_name": "is the pre-2.3 name of smtpd_sasl_path",
    "smtpd_sasl_auth_enable": "turns SMTP AUTH on: authenticated clients pass permit_sasl_authenticated",
    "smtpd_sasl_authenticated_header": "puts the login name in Received: (kept with the SMTP server's SASL settings)",
    "smtpd_sasl_exceptions_networks": "decides to which clients AUTH is not offered",
    "smtpd_sasl_local_domain": "appends a realm to login names: decides which account a login is",
    "smtpd_sasl_mechanism_filter": "decides which AUTH mechanisms are offered (ANONYMOUS or EXTERNAL log in anyone)",
    "smtpd_sasl_path": "decides which SASL server (Cyrus application name, Dovecot socket) checks passwords",
    "smtpd_sasl_response_limit": "limits the AUTH exchange (kept with the SMTP server's SASL settings)",
    "smtpd_sasl_security_options": "decides which mechanisms may log in (noanonymous keeps anonymous logins out)",
    "smtpd_sasl_service": "names the SASL service: which Cyrus or Dovecot configuration checks passwords",
    "smtpd_sasl_tls_security_options": "decides which mechanisms may log in inside TLS",
    "smtpd_sasl_type": "chooses the SASL implementation (cyrus, dovecot) that checks passwords",
    "smtpd_sender_login_maps": "says which login owns which sender address (reject_*_sender_login_mismatch)",
    "smtpd_tls_CAfile": "names the CAs that vouch for client certificates (permit_tls_all_clientcerts)",
    "smtpd_tls_CApath": "names the CAs that vouch for client certificates (permit_tls_all_clientcerts)",
    "smtpd_tls_ask_ccert": "asks clients for the certificate that permit_tls_clientcerts and check_ccert_access trust",
    "smtpd_tls_auth_only": "decides whether AUTH is offered before TLS",
    "smtpd_tls_ccert_verifydepth": "decides how long a client certificate chain may be and still verify",
    "smtpd_tls_enable_rpk": "lets clients present raw public keys, whose fingerprints the client-certificate tables match",
    "smtpd_tls_fingerprint_digest": "chooses the digest of the fingerprints in relay_clientcerts and check_ccert_access tables",
    "smtpd_tls_req_ccert": "requires a client certificate (the client-certificate trust of the listener)",
    "smtpd_tls_security_level": "decides (none, may, encrypt) with smtpd_tls_auth_only where AUTH is offered",
    "smtpd_use_tls": "is the pre-2.3 form of smtpd_tls_security_level (may), used while that is empty",
    "tls_append_default_CA": "adds the system CAs to the client-certificate trust (permit_tls_all_clientcerts)",
    "tls_config_file": "loads OpenSSL settings, which can change certificate verification (e.g. VerifyCAFile)",
    "tls_config_name": "chooses the section of the OpenSSL configuration that applies (see tls_config_file)",
    "tls_legacy_public_key_fingerprints": "changes the public-key fingerprints that client-certificate tables match",
    "tlsproxy_enforce_tls": "sets the TLS policy of tlsproxy (postscreen's TLS side), as smtpd_enforce_tls does for smtpd",
    "tlsproxy_tls_CAfile": "sets the client-certificate trust of tlsproxy, as smtpd_tls_CAfile does for smtpd",
    "tlsproxy_tls_CApath": "sets the client-certificate trust of tlsproxy, as smtpd_tls_CApath does for smtpd",
    "tlsproxy_tls_ask_ccert": "sets the client-certificate trust of tlsproxy, as smtpd_tls_ask_ccert does for smtpd",
    "tlsproxy_tls_ccert_verifydepth": "sets the client-certificate trust of tlsproxy, as smtpd_tls_ccert_verifydepth does",
    "tlsproxy_tls_enable_rpk": "sets the client-certificate trust of tlsproxy, as smtpd_tls_enable_rpk does for smtpd",
    "tlsproxy_tls_fingerprint_digest": "sets the client-certificate trust of tlsproxy, as smtpd_tls_fingerprint_digest does",
    "tlsproxy_tls_req_ccert": "sets the client-certificate trust of tlsproxy, as smtpd_tls_req_ccert does for smtpd",
    "tlsproxy_tls_security_level": "sets the TLS policy of tlsproxy, as smtpd_tls_security_level does for smtpd",
    "tlsproxy_use_tls": "sets the TLS policy of tlsproxy (postscreen's TLS side), as smtpd_use_tls does for smtpd",
    # --- the restriction lists and how they are read -----------------------------------------
    "compatibility_level": "changes the defaults of relay_domains, mynetworks_style and smtpd_relay_restrictions",
    "parent_domain_matches_subdomains": "decides whether names in relay_domains, mynetworks and others match their subdomains",
    "recipient_delimiter": "makes access tables (check_*_access) match user+ext@domain by the key user@domain",
    "smtpd_client_restrictions": "is a restriction list, which can permit (OK, permit_*) a client",
    "smtpd_data_restrictions": "is a restriction list, which can permit (OK, permit_*) a client",
    "smtpd_delay_reject": "decides when the client, helo and sender lists run (at RCPT TO or earlier)",
    "smtpd_end_of_data_restrictions": "is a restriction list, which can permit (OK, permit_*) a client",
    "smtpd_etrn_restrictions": "is a restriction list, which can permit (OK, permit_*) a client",
    "smtpd_helo_restrictions": "is a restriction list, which can permit (OK, permit_*) a client",
    "smtpd_null_access_lookup_key": "is the key the null sender (<>) is looked up as in access tables",
    "smtpd_policy_service_default_action": "is the answer of a policy server that fails (OK would permit)",
    "smtpd_policy_service_policy_context": "is sent to policy servers, which may choose their answer (even OK) by it",
    "smtpd_recipient_restrictions": "is a restriction list, which can permit (OK, permit_*) a recipient, so relay",
    "smtpd_relay_before_recipient_restrictions": "decides the order of smtpd_relay_restrictions and smtpd_recipient_restrictions",
    "smtpd_relay_restrictions": "is the relay restriction list: who may send to which destination",
    "smtpd_restriction_classes": "names parameters that restriction lists run as further restriction lists",
    "smtpd_sender_restrictions": "is a restriction list, which can permit (OK, permit_*) a sender",
    # --- the address classes behind reject_unauth_destination --------------------------------
    "allow_percent_hack": "turns user%remote@local into user@remote before the relay check",
    "allow_untrusted_routing": "relays sender-routed addresses (user%remote@relay-domain) from any client to relay_domains",
    "append_at_myorigin": "appends @$myorigin to a bare recipient before its class is decided",
    "append_dot_mydomain": "appends .$mydomain to a recipient domain before its class is decided",
    "enable_idna2003_compatibility": "changes how UTF-8 recipient domains convert to the ASCII form the domain lists match",
    "mydestination": "lists the local destinations (permit_auth_destination)",
    "mydomain": "is in the default mydestination, and appended by append_dot_mydomain",
    "myhostname": "is in the default mydestination, and the domain of a recipient without one",
    "myorigin": "is appended to a bare recipient (append_at_myorigin) before its class is decided",
    "permit_mx_backup_networks": "lists the primary MX hosts for whose domains permit_mx_backup relays",
    "relay_domains": "lists the domains that pass reject_unauth_destination: mail for them is relayed",
    "resolve_dequoted_address": "decides whether \"user@remote\"@local is read as a route to remote",
    "resolve_null_domain": "decides whether user@ (an empty domain) is a local address",
    "resolve_numeric_domain": "reads user@1.2.3.4 as user@[1.2.3.4], local when it is this host",
    "swap_bangpath": "turns remote!user@local into user@remote before the relay check",
    "virtual_alias_domains": "lists destinations (permit_auth_destination)",
    "virtual_alias_maps": "makes its domain keys virtual alias domains (the default virtual_alias_domains), so destinations",
    "virtual_mailbox_domains": "lists destinations (permit_auth_destination)",
    "virtual_mailbox_maps": "makes its domain keys virtual mailbox domains (the default virtual_mailbox_domains)",
    "virtual_maps": "is the pre-2.0 name of virtual_alias_maps, and still its default",
    # --- another configuration, other programs, other daemons --------------------------------
    "alternate_config_directories": "lists further configuration directories that Postfix programs accept",
    "config_directory": "makes Postfix read another main.cf and master.cf",
    "daemon_directory": "makes Postfix run other daemon programs (another smtpd, trivial-rewrite)",
    "import_environment": "can set MAIL_CONFIG for the daemons, which then read another configuration",
    "meta_directory": "makes Postfix read another dynamicmaps.cf (which code implements each table type)",
    "multi_instance_directories": "is part of the multi-instance configuration (other instances' configuration)",
    "multi_instance_enable": "is part of the multi-instance configuration (other instances' configuration)",
    "multi_instance_group": "is part of the multi-instance configuration (other instances' configuration)",
    "multi_instance_name": "is part of the multi-instance configuration (other instances' configuration)",
    "multi_instance_wrapper": "is part of the multi-instance configuration (other instances' configuration)",
    "proxymap_service_name": "makes smtpd look up its tables through another master.cf service",
    "queue_directory": "makes smtpd talk to another instance's daemons (trivial-rewrite, proxymap) and queue",
    "rewrite_service_name": "makes smtpd ask another master.cf service (another trivial-rewrite) for the address classes",
    "shlib_directory": "makes Postfix load other shared libraries (table and TLS code)",
    "smtpd_service_name": "makes postscreen hand clients to another master.cf service (one with other overrides)",
}

SAFE = frozenset({
    "2bounce_notice_recipient",
    "access_map_defer_code", "access_map_reject_code",
    "address_verify_cache_cleanup_interval", "address_verify_default_transport", "address_verify_local_transport",
    "address_verify_map", "address_verify_negative_cache", "address_verify_negative_expire_time",
    "address_verify_negative_refresh_time", "address_verify_pending_request_limit", "address_verify_poll_count",
    "address_verify_poll_delay", "address_verify_positive_expire_time", "address_verify_positive_refresh_time",
    "address_verify_relay_transport", "address_verify_relayhost", "address_verify_sender",
    "address_verify_sender_dependent_default_transport_maps", "address_verify_sender_dependent_relayhost_maps",
    "address_verify_sender_ttl", "address_verify_service_name", "address_verify_transport_maps",
    "address_verify_virtual_transport",
    "alias_database", "alias_maps",
    "allow_mail_to_commands", "allow_mail_to_files", "allow_min_user", "allow_srv_lookup_fallback",
    "always_add_missing_headers", "always_bcc",
    "anvil_rate_time_unit", "anvil_status_update_time",
    "application_event_drain_time",
    "authorized_flush_users", "authorized_mailq_users", "authorized_submit_users",
    "backwards_bounce_logfile_compatibility",
    "berkeley_db_create_buffer_size", "berkeley_db_read_buffer_size",
    "best_mx_transport",
    "biff",
    "body_checks_size_limit",
    "bounce_notice_recipient", "bounce_queue_lifetime", "bounce_service_name", "bounce_size_limit", "bounce_template_file",
    "canonical_classes",
    "cleanup_replace_stray_cr_lf", "cleanup_service_name",
    "command_directory", "command_execution_directory", "command_expansion_filter", "command_time_limit",
    "confirm_delay_cleared",
    "connection_cache_protocol_timeout", "connection_cache_service_name", "connection_cache_status_update_time",
    "connection_cache_ttl_limit",
    "content_filter",
    "daemon_table_open_error_is_fatal", "daemon_timeout",
    "data_directory",
    "debug_peer_level", "debug_peer_list",
    "debugger_command",
    "default_database_type", "default_delivery_slot_cost", "default_delivery_slot_discount", "default_delivery_slot_loan",
    "default_delivery_status_filter", "default_destination_concurrency_failed_cohort_limit",
    "default_destination_concurrency_limit", "default_destination_concurrency_negative_feedback",
    "default_destination_concurrency_positive_feedback", "default_destination_rate_delay", "default_destination_recipient_limit",
    "default_extra_recipient_limit", "default_filter_nexthop", "default_minimum_delivery_slots", "default_privs",
    "default_process_limit", "default_rbl_reply", "default_recipient_limit", "default_recipient_refill_delay",
    "default_recipient_refill_limit", "default_transport", "default_transport_rate_delay", "default_verp_delimiters",
    "defer_code", "defer_service_name", "defer_transports",
    "delay_logging_resolution_limit", "delay_notice_recipient", "delay_warning_time",
    "deliver_lock_attempts", "deliver_lock_delay",
    "destination_concurrency_feedback_debug",
    "detect_8bit_encoding_header",
    "disable_dns_lookups", "disable_mime_input_processing", "disable_mime_output_conversion", "disable_verp_bounces",
    "disable_vrfy_command",
    "dns_ncache_ttl_fix_enable",
    "dnsblog_reply_delay", "dnsblog_service_name",
    "dnssec_probe",
    "dont_remove",
    "double_bounce_sender",
    "duplicate_filter_limit",
    "empty_address_default_transport_maps_lookup_key", "empty_address_local_login_sender_maps_lookup_key",
    "empty_address_recipient", "empty_address_relayhost_maps_lookup_key",
    "enable_long_queue_ids", "enable_original_recipient", "enable_threaded_bounces",
    "error_notice_recipient", "error_service_name",
    "execution_directory_expansion_filter",
    "expand_owner_alias",
    "export_environment",
    "fallback_transport", "fallback_transport_maps",
    "fast_flush_domains", "fast_flush_purge_time", "fast_flush_refresh_time",
    "fault_injection_code",
    "flush_service_name",
    "force_mime_input_conversion",
    "fork_attempts", "fork_delay",
    "forward_expansion_filter", "forward_path",
    "frozen_delivered_to",
    "full_name_encoding_charset",
    "hash_queue_depth", "hash_queue_names",
    "header_address_token_limit", "header_from_format", "header_size_limit",
    "helpful_warnings",
    "home_mailbox",
    "hopcount_limit",
    "html_directory",
    "ignore_mx_lookup_error", "ignore_srv_lookup_error",
    "in_flow_delay",
    "info_log_address_format",
    "initial_destination_concurrency",
    "internal_mail_filter_classes",
    "invalid_hostname_reject_code",
    "ipc_idle", "ipc_timeout", "ipc_ttl",
    "line_length_limit",
    "lmdb_map_size",
    "lmtp_address_preference", "lmtp_address_verify_target", "lmtp_assume_final", "lmtp_balance_inet_protocols",
    "lmtp_bind_address", "lmtp_bind_address6", "lmtp_bind_address_enforce", "lmtp_body_checks", "lmtp_cname_overrides_servername",
    "lmtp_connect_timeout", "lmtp_connection_cache_destinations", "lmtp_connection_cache_on_demand",
    "lmtp_connection_cache_time_limit", "lmtp_connection_reuse_count_limit", "lmtp_connection_reuse_time_limit",
    "lmtp_data_done_timeout", "lmtp_data_init_timeout", "lmtp_data_xfer_timeout", "lmtp_defer_if_no_mx_address_found",
    "lmtp_delivery_status_filter", "lmtp_destination_concurrency_limit", "lmtp_destination_recipient_limit",
    "lmtp_discard_lhlo_keyword_address_maps", "lmtp_discard_lhlo_keywords", "lmtp_dns_reply_filter", "lmtp_dns_resolver_options",
    "lmtp_dns_support_level", "lmtp_enforce_tls", "lmtp_fallback_relay", "lmtp_header_checks",
    "lmtp_host_lookup", "lmtp_lhlo_name", "lmtp_lhlo_timeout", "lmtp_line_length_limit", "lmtp_mail_timeout",
    "lmtp_mime_header_checks", "lmtp_min_data_rate", "lmtp_mx_address_limit", "lmtp_mx_session_limit",
    "lmtp_nested_header_checks", "lmtp_per_request_deadline", "lmtp_pix_workaround_delay_time", "lmtp_pix_workaround_maps",
    "lmtp_pix_workaround_threshold_time", "lmtp_pix_workarounds", "lmtp_quit_timeout", "lmtp_quote_rfc821_envelope",
    "lmtp_randomize_addresses", "lmtp_rcpt_timeout", "lmtp_reply_filter", "lmtp_rset_timeout", "lmtp_sasl_auth_cache_name",
    "lmtp_sasl_auth_cache_time", "lmtp_sasl_auth_enable", "lmtp_sasl_auth_soft_bounce", "lmtp_sasl_mechanism_filter",
    "lmtp_sasl_password_maps", "lmtp_sasl_password_result_delimiter", "lmtp_sasl_path", "lmtp_sasl_security_options",
    "lmtp_sasl_tls_security_options", "lmtp_sasl_tls_verified_security_options", "lmtp_sasl_type", "lmtp_send_dummy_mail_auth",
    "lmtp_send_xforward_command", "lmtp_sender_dependent_authentication", "lmtp_skip_5xx_greeting", "lmtp_skip_quit_response",
    "lmtp_starttls_timeout", "lmtp_tcp_port", "lmtp_tls_CAfile", "lmtp_tls_CApath", "lmtp_tls_block_early_mail_reply",
    "lmtp_tls_cert_file", "lmtp_tls_chain_files", "lmtp_tls_ciphers", "lmtp_tls_connection_reuse", "lmtp_tls_dcert_file",
    "lmtp_tls_dkey_file", "lmtp_tls_eccert_file", "lmtp_tls_eckey_file", "lmtp_tls_enable_rpk", "lmtp_tls_enforce_peername",
    "lmtp_tls_enforce_sts_mx_patterns", "lmtp_tls_exclude_ciphers", "lmtp_tls_fingerprint_cert_match",
    "lmtp_tls_fingerprint_digest", "lmtp_tls_force_insecure_host_tlsa_lookup", "lmtp_tls_key_file", "lmtp_tls_loglevel",
    "lmtp_tls_mandatory_ciphers", "lmtp_tls_mandatory_exclude_ciphers", "lmtp_tls_mandatory_protocols",
    "lmtp_tls_note_starttls_offer", "lmtp_tls_per_site", "lmtp_tls_policy_maps", "lmtp_tls_protocols",
    "lmtp_tls_scert_verifydepth", "lmtp_tls_secure_cert_match", "lmtp_tls_security_level", "lmtp_tls_servername",
    "lmtp_tls_session_cache_database", "lmtp_tls_session_cache_timeout", "lmtp_tls_trust_anchor_file",
    "lmtp_tls_verify_cert_match", "lmtp_tls_wrappermode", "lmtp_tlsrpt_enable", "lmtp_tlsrpt_skip_reused_handshakes",
    "lmtp_tlsrpt_socket_name", "lmtp_use_tls", "lmtp_xforward_timeout",
    "local_command_shell", "local_delivery_status_filter", "local_destination_concurrency_limit",
    "local_destination_recipient_limit", "local_header_rewrite_clients", "local_login_sender_maps", "local_recipient_maps",
    "local_transport",
    "luser_relay",
    "mail_name", "mail_owner", "mail_release_date", "mail_spool_directory", "mail_version",
    "mailbox_command", "mailbox_command_maps", "mailbox_delivery_lock", "mailbox_size_limit", "mailbox_transport",
    "mailbox_transport_maps",
    "maillog_file", "maillog_file_compressor", "maillog_file_permissions", "maillog_file_prefixes", "maillog_file_rotate_suffix",
    "mailq_path",
    "manpage_directory",
    "maps_rbl_domains", "maps_rbl_reject_code",
    "masquerade_classes", "masquerade_domains", "masquerade_exceptions",
    "master_service_disable",
    "max_idle", "max_use",
    "maximal_backoff_time", "maximal_queue_lifetime",
    "message_drop_headers", "message_reject_characters", "message_size_limit", "message_strip_characters",
    "milter_command_timeout", "milter_connect_macros", "milter_connect_timeout", "milter_content_timeout", "milter_data_macros",
    "milter_default_action", "milter_end_of_data_macros", "milter_end_of_header_macros", "milter_header_checks",
    "milter_helo_macros", "milter_macro_daemon_name", "milter_macro_defaults", "milter_macro_v", "milter_mail_macros",
    "milter_protocol", "milter_rcpt_macros", "milter_unknown_command_macros",
    "mime_boundary_length_limit", "mime_header_checks", "mime_nesting_limit",
    "minimal_backoff_time",
    "multi_recipient_bounce_reject_code",
    "nested_header_checks",
    "newaliases_path",
    "non_fqdn_reject_code", "non_smtpd_milters",
    "notify_classes",
    "openssl_path",
    "owner_request_special",
    "pickup_service_name",
    "pipe_delivery_status_filter",
    "plaintext_reject_code",
    "postlog_service_name",
    "postlogd_watchdog_timeout",
    "postmulti_control_commands", "postmulti_start_commands", "postmulti_stop_commands",
    "postscreen_access_list", "postscreen_allowlist_interfaces", "postscreen_bare_newline_action",
    "postscreen_bare_newline_enable", "postscreen_bare_newline_ttl", "postscreen_cache_cleanup_interval", "postscreen_cache_map",
    "postscreen_cache_retention_time", "postscreen_client_connection_count_limit", "postscreen_command_count_limit",
    "postscreen_command_filter", "postscreen_command_time_limit", "postscreen_denylist_action", "postscreen_disable_vrfy_command",
    "postscreen_discard_ehlo_keyword_address_maps", "postscreen_discard_ehlo_keywords", "postscreen_dnsbl_action",
    "postscreen_dnsbl_allowlist_threshold", "postscreen_dnsbl_max_ttl", "postscreen_dnsbl_min_ttl", "postscreen_dnsbl_reply_map",
    "postscreen_dnsbl_sites", "postscreen_dnsbl_threshold", "postscreen_dnsbl_timeout", "postscreen_enforce_tls",
    "postscreen_expansion_filter", "postscreen_forbidden_commands", "postscreen_greet_action", "postscreen_greet_banner",
    "postscreen_greet_ttl", "postscreen_greet_wait", "postscreen_helo_required", "postscreen_non_smtp_command_action",
    "postscreen_non_smtp_command_enable", "postscreen_non_smtp_command_ttl", "postscreen_pipelining_action",
    "postscreen_pipelining_enable", "postscreen_pipelining_ttl", "postscreen_post_queue_limit", "postscreen_pre_queue_limit",
    "postscreen_reject_footer", "postscreen_reject_footer_maps", "postscreen_tls_security_level",
    "postscreen_upstream_proxy_timeout", "postscreen_use_tls", "postscreen_watchdog_timeout",
    "prepend_delivered_header",
    "process_id", "process_id_directory", "process_name",
    "propagate_unmatched_extensions",
    "proxy_read_maps", "proxy_write_maps",
    "proxywrite_service_name",
    "qmgr_clog_warn_time", "qmgr_daemon_timeout", "qmgr_fudge_factor", "qmgr_ipc_timeout", "qmgr_message_active_limit",
    "qmgr_message_recipient_limit", "qmgr_message_recipient_minimum",
    "qmqpd_client_port_logging", "qmqpd_error_delay", "qmqpd_timeout",
    "queue_file_attribute_count_limit", "queue_minfree", "queue_run_delay", "queue_service_name",
    "rbl_reply_maps",
    "readme_directory",
    "receive_override_options",
    "recipient_bcc_maps", "recipient_canonical_classes",
    "reject_code", "reject_tempfail_action",
    "relay_destination_concurrency_limit", "relay_destination_recipient_limit", "relay_domains_reject_code",
    "relay_recipient_maps", "relay_transport",
    "relayhost",
    "relocated_maps",
    "remote_header_rewrite_domain",
    "require_home_directory",
    "reset_owner_alias",
    "respectful_logging",
    "sample_directory",
    "send_cyrus_sasl_authzid",
    "sender_bcc_maps", "sender_canonical_classes", "sender_canonical_maps", "sender_dependent_default_transport_maps",
    "sender_dependent_relayhost_maps",
    "sendmail_fix_line_endings", "sendmail_path",
    "service_name", "service_throttle_time",
    "setgid_group",
    "show_user_unknown_table_name",
    "showq_service_name",
    "smtp_address_preference", "smtp_address_verify_target", "smtp_always_send_ehlo", "smtp_balance_inet_protocols",
    "smtp_bind_address", "smtp_bind_address6", "smtp_bind_address_enforce", "smtp_body_checks", "smtp_cname_overrides_servername",
    "smtp_connect_timeout", "smtp_connection_cache_destinations", "smtp_connection_cache_on_demand",
    "smtp_connection_cache_time_limit", "smtp_connection_reuse_count_limit", "smtp_connection_reuse_time_limit",
    "smtp_data_done_timeout", "smtp_data_init_timeout", "smtp_data_xfer_timeout", "smtp_defer_if_no_mx_address_found",
    "smtp_delivery_status_filter", "smtp_destination_concurrency_limit", "smtp_destination_recipient_limit",
    "smtp_discard_ehlo_keyword_address_maps", "smtp_discard_ehlo_keywords", "smtp_dns_reply_filter", "smtp_dns_resolver_options",
    "smtp_dns_support_level", "smtp_enforce_tls", "smtp_fallback_relay", "smtp_header_checks",
    "smtp_helo_name", "smtp_helo_timeout", "smtp_host_lookup", "smtp_line_length_limit", "smtp_mail_timeout",
    "smtp_mime_header_checks", "smtp_min_data_rate", "smtp_mx_address_limit", "smtp_mx_session_limit",
    "smtp_nested_header_checks", "smtp_never_send_ehlo", "smtp_per_request_deadline", "smtp_pix_workaround_delay_time",
    "smtp_pix_workaround_maps", "smtp_pix_workaround_threshold_time", "smtp_pix_workarounds", "smtp_quit_timeout",
    "smtp_quote_rfc821_envelope", "smtp_randomize_addresses", "smtp_rcpt_timeout", "smtp_reply_filter", "smtp_rset_timeout",
    "smtp_sasl_auth_cache_name", "smtp_sasl_auth_cache_time", "smtp_sasl_auth_enable", "smtp_sasl_auth_soft_bounce",
    "smtp_sasl_mechanism_filter", "smtp_sasl_password_maps", "smtp_sasl_password_result_delimiter", "smtp_sasl_path",
    "smtp_sasl_security_options", "smtp_sasl_tls_security_options", "smtp_sasl_tls_verified_security_options", "smtp_sasl_type",
    "smtp_send_dummy_mail_auth", "smtp_send_xforward_command", "smtp_sender_dependent_authentication", "smtp_skip_5xx_greeting",
    "smtp_skip_quit_response", "smtp_starttls_timeout", "smtp_tcp_port", "smtp_tls_CAfile", "smtp_tls_CApath",
    "smtp_tls_block_early_mail_reply", "smtp_tls_cert_file", "smtp_tls_chain_files", "smtp_tls_ciphers",
    "smtp_tls_connection_reuse", "smtp_tls_dane_insecure_mx_policy", "smtp_tls_dcert_file", "smtp_tls_dkey_file",
    "smtp_tls_eccert_file", "smtp_tls_eckey_file", "smtp_tls_enable_rpk", "smtp_tls_enforce_peername",
    "smtp_tls_enforce_sts_mx_patterns", "smtp_tls_exclude_ciphers", "smtp_tls_fingerprint_cert_match",
    "smtp_tls_fingerprint_digest", "smtp_tls_force_insecure_host_tlsa_lookup", "smtp_tls_key_file", "smtp_tls_loglevel",
    "smtp_tls_mandatory_ciphers", "smtp_tls_mandatory_exclude_ciphers", "smtp_tls_mandatory_protocols",
    "smtp_tls_note_starttls_offer", "smtp_tls_per_site", "smtp_tls_policy_maps", "smtp_tls_protocols",
    "smtp_tls_scert_verifydepth", "smtp_tls_secure_cert_match", "smtp_tls_security_level", "smtp_tls_servername",
    "smtp_tls_session_cache_database", "smtp_tls_session_cache_timeout", "smtp_tls_trust_anchor_file",
    "smtp_tls_verify_cert_match", "smtp_tls_wrappermode", "smtp_tlsrpt_enable", "smtp_tlsrpt_skip_reused_handshakes",
    "smtp_tlsrpt_socket_name", "smtp_use_tls", "smtp_xforward_timeout",
    "smtpd_authorized_verp_clients", "smtpd_banner", "smtpd_client_auth_rate_limit", "smtpd_client_connection_count_limit",
    "smtpd_client_connection_rate_limit", "smtpd_client_event_limit_exceptions", "smtpd_client_ipv4_prefix_length",
    "smtpd_client_ipv6_prefix_length", "smtpd_client_message_rate_limit", "smtpd_client_new_tls_session_rate_limit",
    "smtpd_client_port_logging", "smtpd_client_recipient_rate_limit", "smtpd_command_filter", "smtpd_delay_open_until_valid_rcpt",
    "smtpd_discard_ehlo_keyword_address_maps", "smtpd_discard_ehlo_keywords", "smtpd_error_sleep_time", "smtpd_expansion_filter",
    "smtpd_forbid_bare_newline", "smtpd_forbid_bare_newline_exclusions", "smtpd_forbid_bare_newline_reject_code",
    "smtpd_forbid_unauth_pipelining", "smtpd_forbidden_commands", "smtpd_hard_error_limit", "smtpd_helo_required",
    "smtpd_hide_client_session", "smtpd_history_flush_threshold", "smtpd_junk_command_limit", "smtpd_log_access_permit_actions",
    "smtpd_milter_maps", "smtpd_milters", "smtpd_min_data_rate", "smtpd_noop_commands", "smtpd_per_request_deadline",
    "smtpd_policy_service_max_idle", "smtpd_policy_service_max_ttl", "smtpd_policy_service_request_limit",
    "smtpd_policy_service_retry_delay", "smtpd_policy_service_timeout", "smtpd_policy_service_try_limit", "smtpd_proxy_ehlo",
    "smtpd_proxy_filter", "smtpd_proxy_options", "smtpd_proxy_timeout", "smtpd_recipient_limit",
    "smtpd_recipient_overshoot_limit", "smtpd_reject_footer", "smtpd_reject_footer_maps", "smtpd_reject_unlisted_recipient",
    "smtpd_reject_unlisted_sender", "smtpd_soft_error_limit", "smtpd_starttls_timeout", "smtpd_timeout",
    "smtpd_tls_always_issue_session_ids", "smtpd_tls_cert_file", "smtpd_tls_chain_files", "smtpd_tls_ciphers",
    "smtpd_tls_dcert_file", "smtpd_tls_dh1024_param_file", "smtpd_tls_dh512_param_file", "smtpd_tls_dkey_file",
    "smtpd_tls_eccert_file", "smtpd_tls_eckey_file", "smtpd_tls_eecdh_grade", "smtpd_tls_exclude_ciphers", "smtpd_tls_key_file",
    "smtpd_tls_loglevel", "smtpd_tls_mandatory_ciphers", "smtpd_tls_mandatory_exclude_ciphers", "smtpd_tls_mandatory_protocols",
    "smtpd_tls_protocols", "smtpd_tls_received_header", "smtpd_tls_session_cache_database", "smtpd_tls_session_cache_timeout",
    "smtpd_tls_wrappermode", "smtpd_upstream_proxy_timeout",
    "smtputf8_autodetect_classes", "smtputf8_enable",
    "socketmap_max_reply_size",
    "soft_bounce",
    "stale_lock_time",
    "stress",
    "strict_7bit_headers", "strict_8bitmime", "strict_8bitmime_body", "strict_mailbox_ownership", "strict_mime_encoding_domain",
    "strict_rfc821_envelopes", "strict_smtputf8",
    "sun_mailtool_compatibility",
    "syslog_facility", "syslog_name",
    "tcp_windowsize",
    "tls_daemon_random_bytes", "tls_dane_digests", "tls_disable_workarounds", "tls_eecdh_auto_curves", "tls_eecdh_strong_curve",
    "tls_eecdh_ultra_curve", "tls_export_cipherlist", "tls_fast_shutdown_enable", "tls_ffdhe_auto_groups", "tls_high_cipherlist",
    "tls_low_cipherlist", "tls_medium_cipherlist", "tls_null_cipherlist", "tls_preempt_cipherlist", "tls_random_bytes",
    "tls_random_exchange_name", "tls_random_prng_update_period", "tls_random_reseed_period", "tls_random_source",
    "tls_required_enable", "tls_server_sni_maps", "tls_session_ticket_cipher", "tls_ssl_options",
    "tls_wildcard_matches_multiple_labels",
    "tlsmgr_service_name",
    "tlsproxy_client_CAfile", "tlsproxy_client_CApath", "tlsproxy_client_cert_file", "tlsproxy_client_chain_files",
    "tlsproxy_client_dcert_file", "tlsproxy_client_dkey_file", "tlsproxy_client_eccert_file", "tlsproxy_client_eckey_file",
    "tlsproxy_client_enforce_tls", "tlsproxy_client_fingerprint_digest", "tlsproxy_client_key_file", "tlsproxy_client_loglevel",
    "tlsproxy_client_loglevel_parameter", "tlsproxy_client_per_site", "tlsproxy_client_policy_maps",
    "tlsproxy_client_scert_verifydepth", "tlsproxy_client_security_level", "tlsproxy_client_use_tls", "tlsproxy_service_name",
    "tlsproxy_tls_always_issue_session_ids", "tlsproxy_tls_cert_file", "tlsproxy_tls_chain_files", "tlsproxy_tls_ciphers",
    "tlsproxy_tls_dcert_file", "tlsproxy_tls_dh1024_param_file", "tlsproxy_tls_dh512_param_file", "tlsproxy_tls_dkey_file",
    "tlsproxy_tls_eccert_file", "tlsproxy_tls_eckey_file", "tlsproxy_tls_eecdh_grade", "tlsproxy_tls_exclude_ciphers",
    "tlsproxy_tls_key_file", "tlsproxy_tls_loglevel", "tlsproxy_tls_mandatory_ciphers", "tlsproxy_tls_mandatory_exclude_ciphers",
    "tlsproxy_tls_mandatory_protocols", "tlsproxy_tls_protocols", "tlsproxy_watchdog_timeout",
    "trace_service_name",
    "transport_maps", "transport_retry_time",
    "trigger_timeout",
    "undisclosed_recipients_header",
    "unknown_address_reject_code", "unknown_address_tempfail_action", "unknown_client_reject_code",
    "unknown_helo_hostname_tempfail_action", "unknown_hostname_reject_code", "unknown_local_recipient_reject_code",
    "unknown_relay_recipient_reject_code", "unknown_virtual_alias_reject_code", "unknown_virtual_mailbox_reject_code",
    "unverified_recipient_defer_code", "unverified_recipient_reject_code", "unverified_recipient_reject_reason",
    "unverified_recipient_tempfail_action", "unverified_sender_defer_code", "unverified_sender_reject_code",
    "unverified_sender_reject_reason", "unverified_sender_tempfail_action",
    "use_srv_lookup",
    "verp_delimiter_filter",
    "virtual_alias_address_length_limit", "virtual_alias_expansion_limit", "virtual_alias_recursion_limit",
    "virtual_delivery_status_filter", "virtual_destination_concurrency_limit", "virtual_destination_recipient_limit",
    "virtual_gid_maps", "virtual_mailbox_base", "virtual_mailbox_limit", "virtual_mailbox_lock", "virtual_minimum_uid",
    "virtual_transport", "virtual_uid_maps",
    # Older names that postconf(5) still documents and postconf -d no longer prints.
    "authorized_verp_clients",
    "enable_errors_to",
    "extract_recipient_limit",
    "fallback_relay",
    "lmtp_cache_connection", "lmtp_per_record_deadline",
    "postscreen_blacklist_action", "postscreen_dnsbl_ttl", "postscreen_dnsbl_whitelist_threshold",
    "postscreen_whitelist_interfaces",
    "sender_based_routing",
    "smtp_per_record_deadline", "smtp_skip_4xx_greeting", "smtp_tls_cipherlist",
    "smtpd_client_connection_limit_exceptions", "smtpd_per_record_deadline", "smtpd_tls_cipherlist",
    "tls_dane_digest_agility", "tls_dane_trust_anchor_digest_enable",
    "tlsproxy_client_level", "tlsproxy_client_policy", "tlsproxy_tls_session_cache_timeout",
})

# Families of relay-relevant names: a member the lists above do not name yet counts as relay.
# (smtpd_authorized_verp_clients is SAFE by name: XVERP only formats bounces.)
RELAY_PATTERNS = (
    re.compile(r"^smtpd_sasl_[A-Za-z0-9_]+\Z"),  # the SMTP server's SASL authentication
    re.compile(r"^smtpd_[A-Za-z0-9_]+_restrictions\Z"),  # restriction lists
    re.compile(r"^smtpd_authorized_[A-Za-z0-9_]+\Z"),  # clients trusted to claim another identity (XCLIENT, XFORWARD)
    re.compile(r"^smtpd_tls_(?:[A-Za-z0-9]+_)*ccert(?:_[A-Za-z0-9]+)*\Z"),  # client certificates
    re.compile(r"^[A-Za-z0-9_]+_upstream_proxy_protocol\Z"),  # the client address from a proxy header
    re.compile(r"^virtual_[A-Za-z0-9_]+_domains\Z"),  # address classes
    re.compile(r"^resolve_[A-Za-z0-9_]+\Z"),  # the address resolver
    re.compile(r"^multi_instance_[A-Za-z0-9_]+\Z"),  # other instances' configuration
)

# The per-transport templates: limits and rates of one delivery transport.
SAFE_PATTERNS = tuple(re.compile(r"^%s_%s\Z" % (_TRANSPORT, suffix)) for suffix in TRANSPORT_TEMPLATES)


def classify(name):
    """"relay", "safe" or "unknown" for a main.cf parameter or master.cf -o override name."""
    if not isinstance(name, str):
        return "unknown"
    if name in RELAY:
        return "relay"
    if name in SAFE:
        return "safe"
    if any(pattern.match(name) for pattern in RELAY_PATTERNS):
        return "relay"
    if any(pattern.match(name) for pattern in SAFE_PATTERNS):
        return "safe"
    return "unknown"
