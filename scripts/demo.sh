#!/usr/bin/env bash
# Set up a virtual environment, then generate the synthetic council, run the whole
# pipeline, measure it against the truth and serve the web UI.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/joinedup demo "$@"
