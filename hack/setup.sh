#!/usr/bin/env bash
# make setup: prepare a Debian/Ubuntu host (as root) to demo and test hardened.relay:
# Docker and the base images, then what hack/venv.sh (make venv) sets up without root.
# Idempotent: every step checks first and does nothing when its result is already there.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
. "$top/hack/lib.sh"

step() { printf '\n==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
die() { printf '\nsetup FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts the Docker engine)"
command -v apt-get >/dev/null || die "apt-get not found: this setup supports Debian and Ubuntu hosts only"

apt_updated=
apt_install() {
    if [ -z "$apt_updated" ]; then
        apt-get update -qq || die "apt-get update failed: check the host's apt sources"
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || die "apt-get install $* failed"
}

step "Docker engine"
if docker info >/dev/null 2>&1; then
    ok "an engine answers; using it"
else
    if ! command -v dockerd >/dev/null; then
        echo "    installing docker.io from the distribution"
        apt_install docker.io
    fi
    if ! docker info >/dev/null 2>&1; then
        echo "    starting dockerd (log: /var/log/hardened-relay-dockerd.log)"
        nohup dockerd >/var/log/hardened-relay-dockerd.log 2>&1 &
        for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
        docker info >/dev/null 2>&1 \
            || die "dockerd did not answer within 60 s; see /var/log/hardened-relay-dockerd.log"
    fi
    ok "engine $(docker version --format '{{.Server.Version}}') answers"
fi

step "Base images (Debian 12 and 13 with systemd, built with debootstrap; no registry needed)"
command -v debootstrap >/dev/null || apt_install debootstrap
mirror=$(debian_mirror)
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}; set HR_DEBIAN_MIRROR"
# build_image SUITE: one base image from debootstrap, unless the image of its recipe is there.
build_image() {
    local suite=$1 image recipe root
    image=$(base_image "$suite")
    recipe=$(image_recipe "$suite")
    if [ "$(docker image inspect --format '{{ index .Config.Labels "hardened-relay.recipe" }}' "$image" 2>/dev/null)" = "$recipe" ]; then
        ok "$image cached"
        return 0
    fi
    echo "    building $image from $mirror (about 45 s)"
    root=$(mktemp -d /var/tmp/hardened-relay-rootfs.XXXXXX)
    if ! debootstrap --variant=minbase --include="$HR_IMAGE_PACKAGES" \
            "$suite" "$root" "$mirror" >"$root.log" 2>&1; then
        tail -n 20 "$root.log" >&2
        rm -rf "$root"
        echo "    debootstrap $suite failed (log above, full log $root.log)" >&2
        return 1
    fi
    # The image is only a systemd host for Ansible to configure: no apt caches, and
    # a machine-id of its own is created by systemd when each container boots.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    : >"$root/etc/machine-id"
    tar -C "$root" -c . | docker import --change 'CMD ["/lib/systemd/systemd"]' \
        --change "LABEL hardened-relay.recipe=$recipe" - "$image" >/dev/null
    rm -rf "$root" "$root.log"
    ok "$image built"
}
# The suites side by side: debootstrap spends most of its time waiting on the mirror.
pids=()
for suite in $HR_SUITES; do
    build_image "$suite" &
    pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ $failed = 0 ] || die "a base image could not be built (output above)"

if [ "${1:-}" = "--no-venv" ]; then
    printf '\nsetup complete (engine and images; the venv is make venv).\n'
    exit 0
fi

# The venv, the driver collections, this collection's symlink and ansible-test's offline
# get-pip stand-ins need no root: hack/venv.sh (make venv) does them, for any user.
bash "$top/hack/venv.sh" || die "hack/venv.sh failed (output above)"

printf '\nsetup complete.\n'
