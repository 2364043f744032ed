#!/usr/bin/env bash
# ansible-test must run from a path ending in ansible_collections/<namespace>/<name>:
# copy the collection's files (what git tracks or would track) there and run sanity.
# The copy lives outside this work tree: inside it, ansible-test would ask git for the
# file list and git ignores .build/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/hack/lib.sh"
# One copy per checkout, so that two clones never share it.
dest="$HR_CACHE/sanity/$(printf '%s' "$top" | sha256sum | cut -c1-12)/ansible_collections/hardened/relay"
rm -rf "$dest"
mkdir -p "$dest"
cd "$top"
# --ignore-failed-read: a tracked file deleted in the work tree is simply left out.
git ls-files -z --cached --others --exclude-standard \
    | tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -C "$dest" -xf -
cd "$dest"
python_version=$("$HR_VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
exec "$HR_VENV/bin/ansible-test" sanity --color no --python "$python_version" "$@"
