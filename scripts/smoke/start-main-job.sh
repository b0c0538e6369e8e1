#!/usr/bin/env bash
# Smoke test of the README's main-job command: `bash scripts/start.sh` must bring the devnet up, answer the encrypted prompt
# with generated text, see an epoch pay miners and validator (start.sh fails otherwise), and take the devnet down.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
log=$(mktemp "${TMPDIR:-/tmp}/start-smoke.XXXXXX")
trap 'rm -f "$log"' EXIT
if ! bash "$root/scripts/start.sh" "Once upon a time" >"$log" 2>&1; then
  cat "$log"; echo "scripts/start.sh failed" >&2; exit 1
fi
# The answer line: the prompt followed by at least one generated word.
if ! grep -Eq '^Once upon a time[[:space:][:punct:]]*[[:alpha:]]' "$log"; then
  cat "$log"; echo "no generated answer in the output of scripts/start.sh" >&2; exit 1
fi
grep -q "== the metagraph of Brain" "$log" || { cat "$log"; echo "no metagraph shown" >&2; exit 1; }
grep -q "== devnet down" "$log" || { cat "$log"; echo "devnet not taken down" >&2; exit 1; }
echo "scripts/start.sh: devnet up, encrypted answer, paying epoch, metagraph, devnet down"
