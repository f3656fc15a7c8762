#!/usr/bin/env bash
# One-time set-up for a fresh Debian 12 machine; the README's commands start with it.
#
# Installs only what is missing: Bazel (Debian's bazel-bootstrap), the Fashion-MNIST data
# (dataset-fashion-mnist), python3-venv, and the pinned Python dependencies (.venv).
# A second run finds everything in place and does no set-up work.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fmnist=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz

missing=()
command -v bazel >/dev/null 2>&1 || missing+=(bazel-bootstrap)
[[ -f "$fmnist" ]] || missing+=(dataset-fashion-mnist)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)

if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null 2>&1; then
    cat >&2 <<MSG
setup: missing ${missing[*]} and this is not a Debian/Ubuntu machine (no apt-get).
Install by hand:
  - Bazel 4.2+ (https://bazel.build/install), on PATH as 'bazel';
  - Fashion-MNIST's four idx files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
    t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in /usr/share/datasets/fashion-mnist/
    (or train on a folder of them with --data=fashion_mnist:DIR);
  - Python >= 3.10 with the venv module.
Then run this command again.
MSG
    exit 1
  fi
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
      echo "setup: need root (or sudo) to apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "setup: installing ${missing[*]} with apt-get" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >&2
fi

bash "$root/tools/ensure_venv.sh"
