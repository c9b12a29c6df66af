#!/usr/bin/env bash
# The full test suite on a fresh machine: install, lint, then every test (slow ones included).
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/system.sh"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
# axe-core (npm) for the accessibility test in the browser tests (WCAG 2.1 AA, DOMAIN.md §8):
# Playwright injects it into each page. Node and npm come with the machine.
AXE_VERSION="4.14.1"
if ! grep -qs "\"version\": \"$AXE_VERSION\"" .venv/npm/node_modules/axe-core/package.json; then
  npm install --prefix .venv/npm --no-audit --no-fund --silent --no-save "axe-core@$AXE_VERSION"
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
# Every temporary file of the suite (pytest's basetemp, stores, exports, server logs) goes under
# one folder, which the leak scan reads after the last test (issue 9: no input BSN anywhere).
run="$(mktemp -d -t regiekamer-test-XXXXXX)"
export TMPDIR="$run"
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider "$@" 2>&1 | tee "$run/pytest.log"
status=${PIPESTATUS[0]}
set -e
.venv/bin/python scripts/leakscan.py --source tests --source src/regiekamer/synth "$run" || status=1
exit "$status"
