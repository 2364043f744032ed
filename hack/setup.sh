#!/usr/bin/env bash
# make setup: prepare a Debian/Ubuntu host (as root) to demo and test hardened.relay.
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
for suite in $HR_SUITES; do
    image=$(base_image "$suite")
    recipe=$(image_recipe "$suite")
    if [ "$(docker image inspect --format '{{ index .Config.Labels "hardened-relay.recipe" }}' "$image" 2>/dev/null)" = "$recipe" ]; then
        ok "$image cached"
        continue
    fi
    echo "    building $image from $mirror (about 45 s)"
    root=$(mktemp -d /var/tmp/hardened-relay-rootfs.XXXXXX)
    if ! debootstrap --variant=minbase --include="$HR_IMAGE_PACKAGES" \
            "$suite" "$root" "$mirror" >"$root.log" 2>&1; then
        tail -n 20 "$root.log" >&2
        rm -rf "$root"
        die "debootstrap $suite failed (log above, full log $root.log)"
    fi
    # The image is only a systemd host for Ansible to configure: no apt caches, and
    # a machine-id of its own is created by systemd when each container boots.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    : >"$root/etc/machine-id"
    tar -C "$root" -c . | docker import --change 'CMD ["/lib/systemd/systemd"]' \
        --change "LABEL hardened-relay.recipe=$recipe" - "$image" >/dev/null
    rm -rf "$root" "$root.log"
    ok "$image built"
done

step "Python venv with the pinned toolchain ($HR_VENV)"
stamp="$HR_VENV/.requirements.sha256"
want=$(sha256sum "$top/hack/requirements.txt" | cut -d' ' -f1)
if [ -x "$HR_VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    ok "venv current"
else
    /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
    /usr/bin/python3 -m venv "$HR_VENV"
    "$HR_VENV/bin/pip" install -q --upgrade pip || die "pip upgrade in $HR_VENV failed (is PyPI reachable?)"
    "$HR_VENV/bin/pip" install -q -r "$top/hack/requirements.txt" \
        || die "pip install -r hack/requirements.txt failed (is PyPI reachable?)"
    echo "$want" >"$stamp"
    ok "installed $(grep -c '==' "$top/hack/requirements.txt") pinned packages"
fi

step "Collections the Molecule docker driver needs (from the ansible wheel on PyPI; no Galaxy)"
site=$("$HR_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
dest="$site/ansible_collections"
missing=
for c in "${HR_DRIVER_COLLECTIONS[@]}"; do [ -f "$dest/$c/MANIFEST.json" ] || missing="$missing $c"; done
if [ -z "$missing" ]; then
    ok "present:$(printf ' %s' "${HR_DRIVER_COLLECTIONS[@]}" | tr / .)"
else
    wheel_dir="$HR_CACHE/wheels"
    mkdir -p "$wheel_dir"
    wheel=$(ls "$wheel_dir"/ansible-"$HR_ANSIBLE_WHEEL"-py3-none-any.whl 2>/dev/null || true)
    if [ -z "$wheel" ]; then
        echo "    downloading ansible==$HR_ANSIBLE_WHEEL (about 54 MB) to take three collections from it"
        "$HR_VENV/bin/pip" download -q --no-deps -d "$wheel_dir" "ansible==$HR_ANSIBLE_WHEEL" \
            || die "could not download ansible==$HR_ANSIBLE_WHEEL from PyPI"
        wheel=$(ls "$wheel_dir"/ansible-"$HR_ANSIBLE_WHEEL"-py3-none-any.whl)
    fi
    mkdir -p "$dest"
    for c in $missing; do
        "$HR_VENV/bin/python" - "$wheel" "$c" "$dest" <<'PY'
import sys, zipfile
wheel, coll, dest = sys.argv[1:]
prefix = "ansible_collections/%s/" % coll
with zipfile.ZipFile(wheel) as zf:
    names = [n for n in zf.namelist() if n.startswith(prefix)]
    if not names:
        sys.exit("collection %s not found in %s" % (coll, wheel))
    for n in names:
        zf.extract(n, dest[: -len("ansible_collections")])
PY
        ok "installed ${c/\//.}"
    done
fi

step "This collection on the Ansible collections path ($HR_COLLECTIONS)"
link="$HR_COLLECTIONS/ansible_collections/hardened/relay"
mkdir -p "$(dirname "$link")"
if [ "$(readlink "$link" 2>/dev/null)" != "$top" ]; then
    ln -sfn "$top" "$link"
fi
ok "hardened.relay -> $top"

step "Programs ansible-test sanity calls (shellcheck)"
command -v shellcheck >/dev/null || apt_install shellcheck
ok "shellcheck $(shellcheck --version | awk '/^version:/ {print $2}')"

step "ansible-test offline (a local stand-in for get-pip)"
cache=~/.ansible/test/cache
mkdir -p "$cache"
pip_wheel=$(ls "$cache"/pip-24.2-py3-none-any.whl 2>/dev/null || true)
if [ -z "$pip_wheel" ]; then
    "$HR_VENV/bin/pip" download -q --no-deps -d "$cache" pip==24.2 || die "could not download pip 24.2 from PyPI"
fi
cp "$top/hack/get_pip_standin.py" "$cache/get_pip_24_2.py"
ok "$cache/get_pip_24_2.py installs pip 24.2 from $cache/pip-24.2-py3-none-any.whl"

printf '\nsetup complete.\n'
