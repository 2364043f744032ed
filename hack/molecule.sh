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
scenario=all
args=("$@")
for i in "${!args[@]}"; do
    case "${args[$i]}" in -s|--scenario-name) scenario=${args[$((i + 1))]:-all} ;; esac
done
export HR_INSTALLED_COLLECTIONS="$top/.build/installed/$scenario"
bash "$top/hack/galaxy.sh" "$HR_INSTALLED_COLLECTIONS"
export ANSIBLE_COLLECTIONS_PATH="$HR_INSTALLED_COLLECTIONS"
export MOLECULE_GLOB="molecule/*/molecule.yml"
exec molecule "$@"
