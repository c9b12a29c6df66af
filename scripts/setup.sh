#!/usr/bin/env bash
# Create .venv and install regiekamer with its test tools, from PyPI only. Idempotent: a second
# run only checks. Sourced by demo.sh and test.sh; nothing else needs to be installed by hand.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,spark]"
  touch "$stamp"
fi
