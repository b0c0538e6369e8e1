#!/usr/bin/env bash
# The main job on embedded defaults: build, install sample plugins into a private host home, start the host over that
# plugins directory, serve work items on the loaded Brain task, and stop cleanly (every plugin drained, unloaded, verified).
# Later capabilities grow this into the local devnet.
#   bash scripts/start.sh [extra `basedai run` arguments, e.g. --count 100000 --concurrency 8]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
home="$root/artifacts/host-home"
basedai=(dotnet "$root/host/BasedAI.Host/bin/Release/net10.0/basedai.dll")
plugins="$root/artifacts/test-plugins/Release"

echo "== building (Release)"
dotnet build BasedAI.Host.sln -c Release -nologo -clp:ErrorsOnly -v quiet

echo "== installing sample plugins into $home/plugins"
rm -rf "$home"
for plugin in Echo ConflictA ConflictB; do
  "${basedai[@]}" plugins install "$plugins/BasedAI.TestPlugins.$plugin" --home "$home"
done
"${basedai[@]}" plugins list --home "$home"

echo "== running the host: 20000 work items on tests.echo, then a clean shutdown"
"${basedai[@]}" run --home "$home" --no-watch --plugin tests.echo --count 20000 --concurrency 8 --payload "hello, Brain" "$@"
