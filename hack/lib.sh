# Shared settings for the hack/ scripts (sourced, not run).
# shellcheck shell=bash
: "${HR_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${HR_VENV:=$HR_TOP/.venv}"
# Downloads and sanity copies: the system cache for root (make setup), the user's own otherwise.
if [ "$(id -u)" = 0 ]; then
    : "${HR_CACHE:=/var/cache/hardened-relay}"
else
    : "${HR_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/hardened-relay}"
fi
# One small venv per (ansible-core, Python) pair of the sanity matrix (hack/cores.txt).
: "${HR_CORES:=$HR_TOP/.build/cores}"
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

# find_python X.Y -> an interpreter of Python X.Y: $HR_PYTHON_X_Y, then /usr/bin/pythonX.Y,
# the newest pyenv build (~/.pyenv/versions/X.Y.*), then pythonX.Y on PATH. Nothing when none runs.
find_python() {
    local want=$1 var="HR_PYTHON_${1//./_}" candidate pyenv=()
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}/versions/$want".*/bin/"python$want"; do
        [ -x "$candidate" ] && pyenv+=("$candidate")
    done
    if [ ${#pyenv[@]} -gt 0 ]; then
        mapfile -t pyenv < <(printf '%s\n' "${pyenv[@]}" | sort -V -r)
    fi
    for candidate in "${!var:-}" "/usr/bin/python$want" "${pyenv[@]}" \
            "$(command -v "python$want" 2>/dev/null || true)"; do
        [ -n "$candidate" ] && [ -x "$candidate" ] || continue
        if [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# cores_table -> hack/cores.txt without comments: MINOR VERSION PIP PYTHONS (comma-separated).
cores_table() {
    sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HR_TOP/hack/cores.txt"
}

# core_venv MINOR VERSION PYTHON [PACKAGE==VERSION...] -> the directory of a venv with that
# ansible-core (and the packages given), made or updated when needed: $HR_VENV itself for the
# development pin on its own Python, else $HR_CORES/MINOR-pyPYTHON. Returns 3 when there is no
# such Python on this machine. (hack/sanity.sh; hack/molecule_cores.sh adds what the docker
# driver's modules import on the controller.)
# make test runs sanity and molecule-compat side by side, and both may want the same venv:
# whoever comes second waits on the venv's lock file instead of building over the first.
core_venv() {
    local minor=$1 version=$2 py=$3 dev_core dev_py
    dev_core=$(sed -n 's/^ansible-core==//p' "$HR_TOP/hack/requirements.txt")
    dev_py=$("$HR_VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    if [ "$version" = "$dev_core" ] && [ "$py" = "$dev_py" ]; then
        echo "$HR_VENV"
        return 0
    fi
    mkdir -p "$HR_CORES"
    (
        flock 9
        _core_venv_build "$@"
    ) 9>"$HR_CORES/$minor-py$py.lock"
}

# _core_venv_build: core_venv's work, with the venv's lock held.
_core_venv_build() {
    local minor=$1 version=$2 py=$3 venv interpreter
    venv="$HR_CORES/$minor-py$py"
    shift 3
    if [ "$(cat "$venv/.ansible-core" 2>/dev/null)" != "$version" ] || [ ! -x "$venv/bin/ansible-test" ]; then
        interpreter=$(find_python "$py") || return 3
        printf '    building %s: ansible-core==%s on %s\n' "$venv" "$version" "$interpreter" >&2
        rm -rf "$venv"
        "$interpreter" -m venv "$venv" >&2 || return 1
        "$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$version" >&2 || return 1
        echo "$version" >"$venv/.ansible-core"
    fi
    if [ $# -gt 0 ] && [ "$(cat "$venv/.extras" 2>/dev/null)" != "$*" ]; then
        "$venv/bin/pip" install -q --disable-pip-version-check "$@" >&2 || return 1
        echo "$*" >"$venv/.extras"
    fi
    echo "$venv"
}
