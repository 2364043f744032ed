#!/usr/bin/env bash
# galaxy_checks.sh (make galaxy-checks) — what Galaxy and Automation Hub check on upload, run here
# first, in order:
#   importer  galaxy-importer on the tarball `ansible-galaxy collection build` makes, with
#             ansible-doc, ansible-lint and flake8 on, ansible-test (containers) off, and
#             Automation Hub's rules on (version 1.0.0 or greater, one of its required tags);
#             settings in hack/galaxy-importer.cfg. Any WARNING or ERROR line fails it.
#   docs      antsibull-docs lint-collection-docs with plugin and role docs, references to every
#             collection it can find validated, unknown ones refused, and extra docs checked.
#   ee        ansible-builder introspect on the installed tarball: meta/execution-environment.yml
#             must add no Python and no system requirements.
# The tools live in their own venv (.build/venv-galaxy, from hack/requirements-galaxy.txt), never
# in .venv. One line per check with its result and seconds; the logs stay in .build/galaxy-checks/.
# Every check runs; the script exits non-zero if any failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
venv=${HR_GALAXY_VENV:-$top/.build/venv-galaxy}
req=$top/hack/requirements-galaxy.txt
work=$top/.build/galaxy-checks
tools_path="$venv/bin:$PATH"

now() { echo "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The tools venv, rebuilt only when hack/requirements-galaxy.txt changes (as hack/setup.sh's venv step).
start=$(now)
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "galaxy-checks: tools venv current ($venv)"
else
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    if ! { /usr/bin/python3 -m venv "$venv" \
            && "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip \
            && "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"; } >"$venv.log" 2>&1; then
        tail -n 20 "$venv.log" >&2
        echo "galaxy-checks: FAILED to build the tools venv $venv (log above, full log $venv.log; is PyPI reachable?)" >&2
        exit 1
    fi
    echo "$want" >"$stamp"
    echo "galaxy-checks: tools venv built in $(since "$start")s ($(grep -c '==' "$req") pinned packages, $venv)"
fi

rm -rf "$work"
mkdir -p "$work/dist"
failed=0
# report NAME START RC LOG: the check's one line; on failure, its log's findings follow.
report() {
    if [ "$3" = 0 ]; then
        printf 'galaxy-checks: %-8s passed in %ss\n' "$1" "$(since "$2")"
    else
        printf 'galaxy-checks: %-8s FAILED in %ss (log: %s)\n' "$1" "$(since "$2")" "$4"
        sed 's/^/    /' "$work/$1.findings" 2>/dev/null | head -n 60
        failed=1
    fi
}

# 1. galaxy-importer on the built tarball.
start=$(now)
log=$work/importer.log
rc=0
version=$(awk '/^version:/ {print $2}' "$top/galaxy.yml")
tarball="$work/dist/hardened-relay-$version.tar.gz"
(
    set -e
    cd "$top"
    "$venv/bin/ansible-galaxy" collection build --force --output-path "$work/dist"
    # Only hack/galaxy-importer.cfg decides: GALAXY_IMPORTER_<OPTION> variables would override it.
    unset_vars=$(compgen -e | grep '^GALAXY_IMPORTER_' || true)
    # shellcheck disable=SC2086
    [ -z "$unset_vars" ] || unset $unset_vars
    export GALAXY_IMPORTER_CONFIG="$top/hack/galaxy-importer.cfg"
    # The settings as the importer reads them, so that a misspelt option cannot pass unnoticed.
    "$venv/bin/python" - <<'PY' || exit 1
from galaxy_importer import config
cfg = config.Config(config_data=config.ConfigFile.load())
want = {"run_ansible_test": False, "run_ansible_lint": True, "run_flake8": True, "run_ansible_doc": True,
        "require_v1_or_greater": True, "check_required_tags": True, "check_changelog": True}
wrong = {k: getattr(cfg, k) for k in want if getattr(cfg, k) is not want[k]}
if wrong:
    raise SystemExit("galaxy-importer settings not as hack/galaxy-importer.cfg means them: %s" % wrong)
print("importer settings: %s" % want)
PY
    cd "$work"
    PATH="$tools_path" "$venv/bin/python" -m galaxy_importer.main "$tarball"
    # What Galaxy lists: every documentable plugin under its own name, with its documentation
    # (a plugin file named otherwise is listed under the file's name, without docs).
    "$venv/bin/python" - <<'PY'
import json
with open("importer_result.json") as f:
    result = json.load(f)
undocumented = ["%s %s" % (c["content_type"], c["content_name"]) for c in result["docs_blob"]["contents"]
                if c["content_type"] not in ("action", "module_utils", "role", "playbook")
                and (c.get("doc_strings") or {}).get("doc", {}).get("module" if c["content_type"] == "module" else "name")
                != c["content_name"].split(".")[-1]]
if undocumented:
    raise SystemExit("ERROR: plugins without documentation of their own name: %s" % ", ".join(undocumented))
print("documented plugins: %d" % sum(c["content_type"] not in ("action", "module_utils", "role", "playbook")
                                     for c in result["docs_blob"]["contents"]))
PY
) >"$log" 2>&1 || rc=1
grep -E '(^|[^A-Za-z])(WARNING|ERROR|CRITICAL|Traceback)([^A-Za-z]|$)' "$log" >"$work/importer.findings" && rc=1
for expected in "Importer processing completed successfully" "via flake8" "Linting collection via ansible-lint" "...ansible-lint run complete"; do
    grep -qF -- "$expected" "$log" || { echo "missing from the importer's log: $expected" >>"$work/importer.findings"; rc=1; }
done
if grep -qi "ansible-test" "$log"; then echo "the importer ran ansible-test" >>"$work/importer.findings"; rc=1; fi
[ "$rc" = 0 ] || tail -n 5 "$log" >>"$work/importer.findings"
report importer "$start" "$rc" "$log"

# 2. antsibull-docs lint-collection-docs over the collection's source (it needs galaxy.yml).
start=$(now)
log=$work/docs.log
rc=0
(cd "$work" && env -u ANSIBLE_COLLECTIONS_PATH PATH="$tools_path" "$venv/bin/antsibull-docs" lint-collection-docs \
    --plugin-docs --validate-collection-refs all --disallow-unknown-collection-refs --check-extra-docs-refs \
    "$top") >"$log" 2>&1 || rc=1
# Any output at all is a finding (the linter prints nothing when everything is right).
[ -s "$log" ] && rc=1
cp "$log" "$work/docs.findings"
report docs "$start" "$rc" "$log"

# 3. ansible-builder introspect over the tarball installed in an empty collections path.
start=$(now)
log=$work/ee.log
rc=0
: >"$work/ee.findings"
collections=$work/collections
if [ -f "$tarball" ]; then
    ANSIBLE_COLLECTIONS_PATH="$collections" "$venv/bin/ansible-galaxy" collection install --offline -p "$collections" "$tarball" >"$log" 2>&1 || rc=1
    ee_file=$collections/ansible_collections/hardened/relay/meta/execution-environment.yml
    [ -f "$ee_file" ] || { echo "the tarball has no meta/execution-environment.yml" >>"$work/ee.findings"; rc=1; }
    "$venv/bin/ansible-builder" introspect --sanitize "$collections" >"$work/ee.out" 2>>"$log" || rc=1
    cat "$work/ee.out" >>"$log"
    "$venv/bin/python" - "$work/ee.out" "$ee_file" >>"$work/ee.findings" 2>&1 <<'PY' || rc=1
import sys, yaml
out, ee_file = sys.argv[1:]
with open(ee_file) as f:
    ee = yaml.safe_load(f)
if ee.get("version") not in (1, 3) or not isinstance(ee.get("dependencies"), dict):
    sys.exit("%s: not an ansible-builder file of version 1 or 3 with dependencies: %r" % (ee_file, ee))
with open(out) as f:
    data = yaml.safe_load(f)
if data != {"python": [], "system": []}:
    sys.exit("introspect reports requirements beyond ansible-core: %r" % (data,))
PY
else
    echo "no tarball (the importer check could not build it)" >>"$work/ee.findings"
    rc=1
fi
report ee "$start" "$rc" "$log"

exit $failed
