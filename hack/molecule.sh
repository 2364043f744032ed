#!/usr/bin/env bash
# molecule.sh ARGS... — run Molecule from the top of the repository with the project's settings:
# scenarios from the top-level molecule/ directory (molecule 26 would otherwise look in
# extensions/molecule/ because galaxy.yml exists), and this collection as users get it: built
# with ansible-galaxy and installed offline from the tarball (hack/galaxy.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/hack/lib.sh"
cd "$top"
export PATH="$HR_VENV/bin:$PATH"
bash "$top/hack/galaxy.sh"
export ANSIBLE_COLLECTIONS_PATH="$top/.build/installed"
export MOLECULE_GLOB="molecule/*/molecule.yml"
exec molecule "$@"
