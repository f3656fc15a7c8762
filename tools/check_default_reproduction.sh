#!/usr/bin/env bash
# Trains the default zoo entry as the README's first command does, into scratch folders,
# and checks that its exported variables equal the shipped ones byte for byte.
#
#   bash tools/check_default_reproduction.sh [MODEL] [SHIPPED_VERSION_DIR]
#
# Defaults: swgan and its newest version under exported/swgan/. Minutes alone on a
# 2-core CPU (the model card gives the wall time).
# Exit 0 when every file under variables/ has the shipped sha256, 1 otherwise.
# Bit-exactness holds per CPU kind: TensorFlow's oneDNN kernels differ across instruction
# sets (capping oneDNN at AVX2, or turning it off, gave yet other bits: neither makes
# the bits portable). The README names the CPU kind that trained the shipped version. To
# check that a change alters no number, run this script on the commit before and after
# it on one machine and compare the two printed digests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:-swgan}"
shipped="${2:-$root/exported/$model/$(ls "$root/exported/$model" | sort -n | tail -n 1)}"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/otzoo_repro_XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

cd "$root"
bash tools/ensure_venv.sh
start=$(date +%s)
.venv/bin/python -m otzoo.train --model="$model" --workdir="$scratch/work" \
    --export_dir="$scratch/exported"
echo "check_default_reproduction: trained in $(( $(date +%s) - start )) s"
new="$(ls -d "$scratch/exported/$model"/*/ | head -n 1)"
echo "check_default_reproduction: trained variables $(cat "$new"/variables/variables.data-* | sha256sum)"
if diff <(cd "$shipped/variables" && sha256sum -- *) <(cd "$new/variables" && sha256sum -- *); then
  echo "check_default_reproduction: $model variables equal $shipped byte for byte"
else
  echo "check_default_reproduction: $model variables DIFFER from $shipped" >&2
  exit 1
fi
