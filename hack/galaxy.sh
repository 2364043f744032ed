#!/usr/bin/env bash
# galaxy.sh [DEST] — build the collection tarball as a user gets it, check that it holds only
# the collection, and install it offline into an empty collections path (DEST, by default
# .build/installed). Molecule scenarios run against that installed copy, so they test what
# users install; each scenario gets its own DEST so that scenarios can run side by side.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/hack/lib.sh"
installed=${1:-$top/.build/installed}
dist="$installed.dist"
version=$(awk '/^version:/ {print $2}' "$top/galaxy.yml")
tarball="$dist/hardened-relay-$version.tar.gz"

rm -rf "$dist" "$installed"
mkdir -p "$dist"
(cd "$top" && "$HR_VENV/bin/ansible-galaxy" collection build --output-path "$dist" >/dev/null)

# Top-level entries a user's tarball may hold; anything else (tests, CI, caches) is a leak.
allowed='^(MANIFEST\.json|FILES\.json|README\.md|LICENSE|CHANGELOG\.rst|meta|playbooks|plugins|roles|changelogs|docs)$'
leaks=$(tar -tzf "$tarball" | cut -d/ -f1 | sort -u | grep -Ev "$allowed" || true)
if [ -n "$leaks" ]; then
    echo "galaxy: $tarball holds files that are not part of the collection:" >&2
    while read -r leak; do printf '    %s\n' "$leak"; done <<<"$leaks" >&2
    echo "add them to build_ignore in galaxy.yml" >&2
    exit 1
fi
if tar -tzf "$tarball" | grep -E '(^|/)(__pycache__|\.pytest_cache)(/|$)|\.pyc$' >&2; then
    echo "galaxy: caches in $tarball (above); add them to build_ignore in galaxy.yml" >&2
    exit 1
fi

ANSIBLE_COLLECTIONS_PATH="$installed" "$HR_VENV/bin/ansible-galaxy" collection install --offline -p "$installed" "$tarball" >/dev/null
echo "galaxy: $(tar -tzf "$tarball" | grep -vc '/$') files in $(basename "$tarball"), installed offline in $installed"
