#!/usr/bin/env bash
# The full test suite on a fresh machine: install, lint, then every test (slow ones included).
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/system.sh"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
