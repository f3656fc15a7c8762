#!/usr/bin/env bash
# The set-up scripts parse, and setup.sh on a machine without apt-get or Bazel stops
# with instructions for installing by hand (exit 1) instead of failing obscurely.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
passed=0
failed=0
check() {  # check NAME COMMAND...: counts a pass or a failure
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAILED: $name"; failed=$((failed + 1)); fi
}

check "setup.sh parses" bash -n "$here/setup.sh"
check "ensure_venv.sh parses" bash -n "$here/ensure_venv.sh"

# A PATH with the basic tools but neither bazel nor apt-get.
bin="${TEST_TMPDIR:-$(mktemp -d)}/bin"
mkdir -p "$bin"
for tool in bash dirname id cat sha256sum cut python3 env; do
  path="$(command -v "$tool" || true)"
  [[ -n "$path" ]] && ln -sf "$path" "$bin/$tool"
done
set +e
out="$(PATH="$bin" bash "$here/setup.sh" 2>&1)"
code=$?
set -e
check "setup.sh exits 1 without apt-get" test "$code" -eq 1
check "setup.sh names Bazel" grep -q "bazel-bootstrap" <<<"$out"
check "setup.sh says to install by hand" grep -q "Install by hand" <<<"$out"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
