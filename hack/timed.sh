#!/usr/bin/env bash
# timed.sh LABEL COMMAND... — run a stage of `make test` and report its wall time; with
# HR_TIMINGS set, also append "label<TAB>result<TAB>start<TAB>end" (epoch seconds) to that
# file for the table hack/timing_table.py prints at the end.
set -uo pipefail
label=$1; shift
start=$(date +%s)
printf '\n######## %s\n' "$label"
"$@"
rc=$?
end=$(date +%s)
result=$([ $rc = 0 ] && echo passed || echo FAILED)
printf '######## %s: %s in %ss\n' "$label" "$result" "$((end - start))"
if [ -n "${HR_TIMINGS:-}" ]; then
    printf '%s\t%s\t%s\t%s\n' "$label" "$result" "$start" "$end" >>"$HR_TIMINGS"
fi
exit $rc
