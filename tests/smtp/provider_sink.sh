#!/bin/sh
# provider_sink.sh NAME USER — a mail provider's smarthost for the outbound scenario: smtp_sink.py
# on 587 (STARTTLS) and on 465 (TLS from the first byte), both requiring AUTH as USER, with the
# certificate /pki/NAME.crt and key /pki/NAME.key and the password in /pki/NAME.password.
# The scenario's prepare writes those files, then /pki/ready, then restarts this container, so
# the sink never serves a certificate from an earlier run.
set -eu
name=${1:?usage: provider_sink.sh NAME USER}
user=${2:?usage: provider_sink.sh NAME USER}
while [ ! -f /pki/ready ] || [ ! -f "/pki/$name.crt" ] || [ ! -f "/pki/$name.password" ]; do
    sleep 1
done
mkdir -p /var/log/sink
# The same sink twice; exec keeps the second in the foreground (the container's main process).
set -- --hostname "$name" --tls-cert "/pki/$name.crt" --tls-key "/pki/$name.key" --auth-user "$user" \
    --auth-password-file "/pki/$name.password" --auth-required --spool /var/spool/smtp-sink
python3 /opt/hardened-relay-test/smtp_sink.py "$@" --port 587 --log /var/log/sink/587.jsonl &
exec python3 /opt/hardened-relay-test/smtp_sink.py "$@" --port 465 --wrapper --log /var/log/sink/465.jsonl
