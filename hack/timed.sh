#!/usr/bin/env bash
# timed.sh LABEL COMMAND... — run a stage of `make test` and report its wall time.
set -uo pipefail
label=$1; shift
start=$(date +%s)
printf '\n######## %s\n' "$label"
"$@"
rc=$?
printf '######## %s: %s in %ss\n' "$label" "$([ $rc = 0 ] && echo passed || echo FAILED)" "$(( $(date +%s) - start ))"
exit $rc
