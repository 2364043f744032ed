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
# HR_CORE_VENV: run the scenario's playbooks with the ansible-core of that venv (Molecule itself
# and the tarball build stay in the development venv). The docker driver's collections live in
# the development venv's site-packages, which another core's interpreter does not scan.
if [ -n "${HR_CORE_VENV:-}" ]; then
    [ -x "$HR_CORE_VENV/bin/ansible-playbook" ] || { echo "molecule.sh: no ansible-playbook in $HR_CORE_VENV" >&2; exit 1; }
    export PATH="$HR_CORE_VENV/bin:$PATH"
fi
HR_CORE_EXPECTED=$("${HR_CORE_VENV:-$HR_VENV}/bin/python" -c 'from ansible.release import __version__; print(__version__)')
export HR_CORE_EXPECTED
HR_DRIVER_COLLECTIONS_PATH=$("$HR_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
export HR_DRIVER_COLLECTIONS_PATH
scenario=all
args=("$@")
for i in "${!args[@]}"; do
    case "${args[$i]}" in -s|--scenario-name) scenario=${args[$((i + 1))]:-all} ;; esac
done
export HR_INSTALLED_COLLECTIONS="$top/.build/installed/$scenario"
bash "$top/hack/galaxy.sh" "$HR_INSTALLED_COLLECTIONS"
export ANSIBLE_COLLECTIONS_PATH="$HR_INSTALLED_COLLECTIONS"
# One docker exec per task instead of several (as users run it; the bench does too): the
# converges, idempotence runs and the verifiers' own runs of the site playbook all gain.
export ANSIBLE_PIPELINING=True
export MOLECULE_GLOB="molecule/*/molecule.yml"
if [ "${1:-}" != test ] || [ "$scenario" = all ]; then
    exec molecule "$@"
fi
# `test` of one scenario: its containers are kept past verify, for hack/secret_scan.py to look
# for the test secrets in them and in everything printed (Molecule's output and the plays the
# verifiers run, HR_PLAY_LOG), then destroyed.
logs="$top/.build/logs"
mkdir -p "$logs"
run="$scenario${HR_COMPAT_DEBIAN:+-debian$HR_COMPAT_DEBIAN}"
export HR_PLAY_LOG="$logs/plays-$run.log"
: >"$HR_PLAY_LOG"
molecule destroy -s "$scenario"
status=0
molecule "$@" --destroy never 2>&1 | tee "$logs/molecule-$run.log" || status=$?
python "$top/hack/secret_scan.py" --scenario "$scenario" --log "$logs/molecule-$run.log" --log "$HR_PLAY_LOG" || status=1
molecule destroy -s "$scenario" || status=1
exit $status
