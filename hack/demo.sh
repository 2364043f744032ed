#!/usr/bin/env bash
# demo.sh up|clean — a relay in a container, deployed with playbooks/site.yml, and SMTP to it
# from a trusted and an untrusted network. `up` leaves it running; `clean` removes it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/hack/lib.sh"

relay=hr-demo-relay
clients=(hr-demo-client-trusted hr-demo-client-untrusted hr-demo-client-listed hr-demo-client-zombie)
sink=hr-demo-sink
dns=hr-demo-dns
networks="hr-demo-trusted:172.31.211.0/24 hr-demo-untrusted:172.31.212.0/24 hr-demo-upstream:172.31.213.0/24"
work="$top/.build/demo"

clean() {
    docker rm -f "$relay" "${clients[@]}" "$sink" "$dns" >/dev/null 2>&1 || true
    for n in $networks; do docker network rm "${n%%:*}" >/dev/null 2>&1 || true; done
}

up() {
    local image
    image=$(base_image bookworm)
    echo "==> Removing any earlier demo"
    clean
    echo "==> Networks: trusted 172.31.211.0/24 (in mynetworks), untrusted 172.31.212.0/24, upstream 172.31.213.0/24"
    echo "    Services switched on: SMTP AUTH on 587/465 (saslauthd), greylisting, SPF, DNS block lists, postscreen"
    for n in $networks; do docker network create --subnet "${n#*:}" "${n%%:*}" >/dev/null; done

    echo "==> DNS server (dnsmasq): two block lists, SPF records, and Debian's archive passed through"
    docker run -d --name "$dns" --hostname dns.demo.test --network hr-demo-upstream --ip 172.31.213.53 \
        "$image" sleep infinity >/dev/null
    docker exec "$dns" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq >/dev/null'
    docker exec -i "$dns" sh -c 'cat > /etc/dnsmasq.d/demo.conf' <<'DNS'
no-resolv
server=127.0.0.11
listen-address=172.31.213.53
bind-interfaces
no-hosts
address=/40.212.31.172.dnsbl.demo.test/127.0.0.2
txt-record=40.212.31.172.dnsbl.demo.test,"listed for the demo"
address=/60.212.31.172.dnsbl.demo.test/127.0.0.2
address=/60.212.31.172.zombies.demo.test/127.0.0.2
txt-record=spf-fail.demo.test,"v=spf1 -all"
DNS
    docker exec "$dns" dnsmasq --conf-file=/etc/dnsmasq.d/demo.conf

    echo "==> Relay container $relay (Debian 12, systemd as PID 1)"
    docker run -d --name "$relay" --hostname relay.demo.test --dns 172.31.213.53 \
        --cap-add SYS_ADMIN --cap-add NET_ADMIN \
        --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
        --tmpfs /run --tmpfs /run/lock --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
        -e container=docker --network hr-demo-trusted "$image" /lib/systemd/systemd >/dev/null
    docker network connect hr-demo-untrusted "$relay"
    docker network connect hr-demo-upstream "$relay"

    echo "==> Client containers and a sink that stands in for the Internet"
    docker run -d --name hr-demo-client-trusted --hostname trusted.client.test --network hr-demo-trusted \
        --ip 172.31.211.20 -v "$top/tests/smtp:/opt/hardened-relay-test:ro" "$image" sleep infinity >/dev/null
    docker run -d --name hr-demo-client-untrusted --hostname untrusted.client.test --network hr-demo-untrusted \
        --ip 172.31.212.20 -v "$top/tests/smtp:/opt/hardened-relay-test:ro" "$image" sleep infinity >/dev/null
    docker run -d --name hr-demo-client-listed --hostname listed.client.test --network hr-demo-untrusted \
        --ip 172.31.212.40 -v "$top/tests/smtp:/opt/hardened-relay-test:ro" "$image" sleep infinity >/dev/null
    docker run -d --name hr-demo-client-zombie --hostname zombie.client.test --network hr-demo-untrusted \
        --ip 172.31.212.60 -v "$top/tests/smtp:/opt/hardened-relay-test:ro" "$image" sleep infinity >/dev/null
    docker run -d --name "$sink" --hostname sink.upstream.test --network hr-demo-upstream --ip 172.31.213.25 \
        -v "$top/tests/smtp:/opt/hardened-relay-test:ro" "$image" \
        python3 /opt/hardened-relay-test/smtp_sink.py --hostname sink.upstream.test >/dev/null

    printf '    waiting for systemd in the relay'
    for _ in $(seq 1 60); do
        state=$(docker exec "$relay" systemctl is-system-running 2>/dev/null || true)
        case "$state" in running|degraded) break ;; esac
        printf '.'; sleep 1
    done
    echo " $state"
    for user in alice bob; do docker exec "$relay" useradd --no-create-home --shell /usr/sbin/nologin "$user"; done

    echo "==> Deploying playbooks/site.yml with ansible-playbook"
    mkdir -p "$work"
    cat >"$work/inventory.yml" <<INV
relays:
  hosts:
    $relay:
      ansible_connection: community.docker.docker
      ansible_python_interpreter: /usr/bin/python3
  vars:
    postfix_myhostname: relay.demo.test
    postfix_mynetworks: [127.0.0.0/8, "[::1]/128", 172.31.211.0/24]
    postfix_relayhost: "[172.31.213.25]:25"
    postfix_dnsbl_enabled: true
    postfix_dnsbl_zones: ["dnsbl.demo.test=127.0.0.[2..11]"]
    postfix_rhsbl_sender_zones: []
    # postscreen scores both lists: "listed" (weight 1) passes to smtpd, "zombie" (1 + 2) does not.
    postfix_postscreen_enabled: true
    postfix_postscreen_dnsbl_sites: ["dnsbl.demo.test=127.0.0.[2..11]*1", "zombies.demo.test=127.0.0.2*2"]
    postfix_main_cf_extra: {postscreen_greet_wait: 2s}
    relay_postgrey_enabled: true
    postgrey_whitelist_recipients: [alice@]
    relay_spf_enabled: true
    relay_saslauthd_enabled: true
    saslauthd_users: [{name: carol, password: demo-password}]
    postfix_sender_login_maps: {carol@relay.demo.test: carol@relay.demo.test}
INV
    ANSIBLE_COLLECTIONS_PATH="$HR_COLLECTIONS" "$HR_VENV/bin/ansible-playbook" \
        -i "$work/inventory.yml" "$top/playbooks/site.yml"

    echo "==> SMTP from the clients"
    "$HR_VENV/bin/python" "$top/hack/demo_check.py" --relay "$relay" --relay-name relay.demo.test --sink "$sink"
    cat <<MSG

The demo is still running: try it yourself, e.g.
  docker exec -it hr-demo-client-untrusted python3 /opt/hardened-relay-test/smtp_probe.py \\
      --server $relay --sender me@untrusted.client.test --rcpt you@outside.example
Remove it with: make demo-clean
MSG
}

case "${1:-}" in
    up) up ;;
    clean) clean; echo "demo removed" ;;
    *) echo "usage: $0 up|clean" >&2; exit 2 ;;
esac
