#!/usr/bin/env bash
# Smoke test of `dotnet new basedbrain`, as a plugin author outside this repository would use it:
#   1. installs the template from templates/basedbrain (and, separately, its packed .nupkg) into private template hives;
#   2. generates Acme.MyBrain in a temporary directory outside the repository;
#   3. builds it and runs its tests against BasedAI.Abstractions from artifacts/packages (packed by the solution build);
#   4. `basedai plugins install` trial-loads it and installs it; `basedai run` loads it in the host and runs work items on it.
# Expects the solution to be built (scripts/test.sh builds it first); builds what it needs when run alone.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
configuration=${CONFIGURATION:-Release}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
work=$(mktemp -d "${TMPDIR:-/tmp}/basedbrain-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
# A private package folder: the generated project must restore BasedAI.Abstractions from the fresh local feed, never from a
# stale copy in the user's global packages folder (other packages still come from NuGet's HTTP cache).
export NUGET_PACKAGES="$work/nuget-packages"
feed="$root/artifacts/packages"
basedai="$root/host/BasedAI.Host/bin/$configuration/net10.0/basedai.dll"

if [ ! -f "$basedai" ] || ! ls "$feed"/BasedAI.Abstractions.*.nupkg >/dev/null 2>&1; then
  echo "building the host and packing BasedAI.Abstractions"
  dotnet build "$root/host/BasedAI.Host" -c "$configuration" -nologo -clp:ErrorsOnly
fi

echo "== dotnet new install ./templates/basedbrain (private hive)"
dotnet new install "$root/templates/basedbrain" --debug:custom-hive "$work/hive" >/dev/null

echo "== dotnet new basedbrain -n Acme.MyBrain --BrainId acme.mybrain (outside the repository: $work/Acme.MyBrain)"
dotnet new basedbrain -n Acme.MyBrain --BrainId acme.mybrain --LocalFeed "$feed" -o "$work/Acme.MyBrain" --debug:custom-hive "$work/hive" >/dev/null
cd "$work/Acme.MyBrain"
grep -q '"id": "acme.mybrain"' src/Acme.MyBrain/brain.json
grep -q '"assembly": "Acme.MyBrain.dll"' src/Acme.MyBrain/brain.json

echo "== generated project: tests, then the plugin build"
dotnet test tests/Acme.MyBrain.Tests -c Release -nologo -v quiet
dotnet build src/Acme.MyBrain -c Release -nologo -v quiet -clp:ErrorsOnly
plugin="$work/Acme.MyBrain/src/Acme.MyBrain/bin/Release/net10.0"
if [ -f "$plugin/BasedAI.Abstractions.dll" ]; then echo "the plugin output carries BasedAI.Abstractions.dll; the template should exclude it"; exit 1; fi

echo "== basedai plugins install (trial load, run, verified unload, install)"
home="$work/home"
dotnet "$basedai" plugins install "$plugin" --home "$home" --payload abc | tee "$work/install.txt"
grep -q "ran digest: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" "$work/install.txt"
grep -q "acme.mybrain@1.0.0 unloaded in" "$work/install.txt"

echo "== basedai run (host loads it and serves work items)"
dotnet "$basedai" run --home "$home" --no-watch --count 50 --payload abc | tee "$work/run.txt"
grep -q "50 succeeded, 0 failed" "$work/run.txt"
grep -q "result: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" "$work/run.txt"

echo "== the packed template package installs too"
dotnet pack "$root/templates/BasedAI.Templates.csproj" -o "$work/template-package" -nologo -v quiet >/dev/null
dotnet new install "$work"/template-package/BasedAI.Templates.*.nupkg --debug:custom-hive "$work/hive-package" >/dev/null
dotnet new list basedbrain --debug:custom-hive "$work/hive-package" | grep -q basedbrain

echo "basedbrain template smoke test passed"
