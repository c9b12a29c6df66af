#!/usr/bin/env bash
# The main job on a fresh machine: install, then run the demo on the embedded default store.
set -euo pipefail
bash "$(dirname "${BASH_SOURCE[0]}")/system.sh"
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
exec .venv/bin/regiekamer demo "$@"
