#!/usr/bin/env bash
# lint.sh — make lint: yamllint, ansible-lint (production profile), the changelog fragments and
# the role READMEs' generated variable tables. Runs from the top of the repository, venv on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
yamllint --strict .
ansible-lint --profile production
antsibull-changelog lint
python hack/role_readme.py --check
