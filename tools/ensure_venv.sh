#!/usr/bin/env bash
# Creates or refreshes the project virtualenv (.venv) from requirements.lock.
#
# Does nothing (and prints nothing) when .venv already matches the lock file, so it is
# safe to call before every command. Called by tools/setup.sh and by Bazel's repository
# rule (third_party/python/venv.bzl), which registers .venv/bin/python3 as the toolchain.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
lock="$root/requirements.lock"
python="${OTZOO_PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "ensure_venv: '$python' not found; install Python 3.11 (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 10) else 1)'; then
  echo "ensure_venv: $("$python" --version 2>&1) is too old; otzoo needs Python >= 3.10 (3.11 tested)" >&2
  exit 1
fi

stamp="$venv/.otzoo-lock.sha256"
want="$( (sha256sum "$lock" | cut -d' ' -f1; "$python" --version 2>&1) | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python3" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

echo "ensure_venv: installing the pinned dependencies into $venv (first run only; a few minutes)" >&2
if [[ ! -x "$venv/bin/python3" ]]; then
  if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    echo "ensure_venv: '$python -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
fi
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
"$venv/bin/python3" -m pip install --quiet --disable-pip-version-check -r "$lock" >&2
echo "$want" > "$stamp"
echo "ensure_venv: done" >&2
