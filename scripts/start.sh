#!/usr/bin/env bash
# The main job on embedded defaults: build `basedai`, bring up a local devnet (a block producer, 2 miners and a validator, each
# its own process on 127.0.0.1, serving one Brain with the encrypted LLM task on the bundled stories260K), answer an encrypted
# prompt through a miner, wait until an epoch has paid the miners and the validator, show the metagraph, take the devnet down.
#   bash scripts/start.sh ["your prompt"]
# State lives in artifacts/devnet (recreated on each run); BASEDAI_START_KEEP=1 leaves the devnet running afterwards.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
basedai=(dotnet "$root/host/BasedAI.Host/bin/Release/net10.0/basedai.dll")
devnet="$root/artifacts/devnet"
prompt=${1:-"Once upon a time"}

echo "== building basedai (Release)"
dotnet build host/BasedAI.Host -c Release -nologo -clp:ErrorsOnly -v quiet

if [ -f "$devnet/devnet.json" ]; then "${basedai[@]}" devnet down --dir "$devnet" >/dev/null; fi
rm -rf "$devnet"
if [ "${BASEDAI_START_KEEP:-0}" != 1 ]; then
  trap 'echo "== devnet down"; "${basedai[@]}" devnet down --dir "$devnet"' EXIT
fi

echo "== devnet up: block producer, 2 miners, 1 validator on 127.0.0.1"
"${basedai[@]}" devnet up --dir "$devnet"

echo "== encrypted prompt: \"$prompt\" (CKKS: the miner computes on ciphertexts; the key, token ids and text stay here)"
"${basedai[@]}" prompt --devnet "$devnet" "$prompt" --tokens 16

brain=$(sed -n 's/^  "brain": *\([0-9]*\).*/\1/p' "$devnet/devnet.json")
rpc=$(sed -n 's/.*"rpc_port": *\([0-9]*\).*/\1/p' "$devnet/devnet.json" | head -n 1)
echo "== waiting for an epoch that pays the miners (incentive) and the validator (dividends)"
paid=0
for _ in $(seq 1 120); do
  stem=$("${basedai[@]}" stem "$brain" --node "http://127.0.0.1:$rpc/" --json)
  if grep -q '"dividends": [1-9]' <<<"$stem" && grep -q '"incentive": [1-9]' <<<"$stem"; then paid=1; break; fi
  sleep 1
done

echo "== the metagraph of Brain $brain (basedai stem $brain)"
"${basedai[@]}" stem "$brain" --node "http://127.0.0.1:$rpc/"
"${basedai[@]}" devnet status --dir "$devnet"
if [ "$paid" != 1 ]; then
  echo "error: no epoch paid both miners (incentive) and the validator (dividends) within 120 s" >&2
  exit 1
fi
