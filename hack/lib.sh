# Shared settings for the hack/ scripts (sourced, not run).
# shellcheck shell=bash
: "${HR_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${HR_VENV:=$HR_TOP/.venv}"
: "${HR_CACHE:=/var/cache/hardened-relay}"
: "${HR_COLLECTIONS:=$HR_TOP/.build/collections}"
: "${HR_SUITES:=bookworm trixie}"
: "${HR_ANSIBLE_WHEEL:=12.3.0}"
# Packages in the base images on top of debootstrap's minbase. The images carry a label
# with a digest of their recipe, so changing it here (or in setup.sh, then bumping
# HR_IMAGE_REV) makes `make setup` rebuild them.
HR_IMAGE_PACKAGES="python3,systemd,systemd-sysv,iproute2,sudo"
HR_IMAGE_REV=1
# shellcheck disable=SC2034  # read by setup.sh, which sources this file
HR_DRIVER_COLLECTIONS=(community/docker ansible/posix community/library_inventory_filtering_v1)

# base_image SUITE -> the local image name Molecule and the demo run.
base_image() {
    case "$1" in
        bookworm) echo "hardened-relay/debian:12" ;;
        trixie) echo "hardened-relay/debian:13" ;;
        *) echo "hardened-relay/debian:$1" ;;
    esac
}

# image_recipe SUITE -> digest of what the image is built from.
image_recipe() {
    printf '%s %s %s' "$1" "$HR_IMAGE_PACKAGES" "$HR_IMAGE_REV" | sha256sum | cut -c1-16
}

# debian_mirror -> the Debian archive URI from the host's apt sources (deb822 or one-line).
debian_mirror() {
    if [ -n "${HR_DEBIAN_MIRROR:-}" ]; then echo "$HR_DEBIAN_MIRROR"; return; fi
    local f
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        if [ -r "$f" ]; then grep -v '^[[:space:]]*#' "$f" || true; fi
    done | grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | tr -d ' ' | awk 'NR == 1'
}
