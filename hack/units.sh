#!/usr/bin/env bash
# units.sh — make units: the unit tests, in two processes. Action plugins run on the controller,
# whose Ansible code changes how the modules' own code behaves once imported (warnings, JSON);
# modules never share a process with it, so neither do their tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=${HR_COLLECTIONS:-$PWD/.build/collections}
python -m pytest -q tests/unit --ignore=tests/unit/plugins/action
python -m pytest -q tests/unit/plugins/action
