#!/usr/bin/env bash
# molecule_cores.sh SCENARIO — run a Molecule scenario with the oldest and then the newest
# ansible-core hack/cores.txt lists (the oldest on its first Python, the newest on its last), from venvs of their
# own (hack/lib.sh core_venv); Molecule and the tarball build stay in the development venv.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=hack/lib.sh
. "$top/hack/lib.sh"
scenario=${1:?usage: molecule_cores.sh SCENARIO}
# The docker driver's modules run on the controller with the core's Python: the same docker and
# requests as the development venv.
mapfile -t driver < <("$HR_VENV/bin/python" - <<'PY'
from importlib.metadata import version
for name in ("docker", "requests"):
    print("%s==%s" % (name, version(name)))
PY
)
status=0
for end in oldest newest; do
    if [ $end = oldest ]; then row=$(cores_table | head -n 1); else row=$(cores_table | tail -n 1); fi
    read -r minor version _ pythons <<<"$row"
    # The oldest core on its oldest Python, the newest on its newest.
    if [ $end = oldest ]; then py=${pythons%%,*}; else py=${pythons##*,}; fi
    venv=$(core_venv "$minor" "$version" "$py" "${driver[@]}") \
        || { echo "molecule_cores: no venv for ansible-core $version on Python $py" >&2; exit 1; }
    # The oldest core against Debian 12, the newest against Debian 13 (see molecule/compat/molecule.yml).
    if [ $end = oldest ]; then debian=12; else debian=13; fi
    HR_COMPAT_DEBIAN=$debian HR_CORE_VENV=$venv bash "$top/hack/timed.sh" \
        "molecule $scenario, ansible-core $version, Debian $debian" \
        bash "$top/hack/molecule.sh" test -s "$scenario" || status=1
done
exit $status
