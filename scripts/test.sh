#!/usr/bin/env bash
# Runs every test suite of BasedAI.Host on a fresh machine and ends with one line "N passed, N failed".
#   1. installs the Node.js peers/oracles the interop suites drive (npm ci for every lock file under tests/ and the shared libp2p peer);
#   2. builds the solution in Release with warnings as errors;
#   3. runs every test project (xunit), then every scripts/smoke/*.sh (the `dotnet new basedbrain` template, the README's main job).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
configuration=${CONFIGURATION:-Release}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log_dir=${TEST_LOG_DIR:-$root/artifacts/test-logs}
mkdir -p "$log_dir"

passed=0
failed=0

step() { printf '\n== %s\n' "$*"; }

step "Installing Node.js interop peers"
if ! command -v npm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  # A fresh Debian machine: the interop suites need Node.js (20 or later is what they are tested with).
  (apt-get update -qq && apt-get install -y -qq nodejs npm) >/dev/null || echo "could not install Node.js with apt-get"
fi
npm_dirs=()
while IFS= read -r lock; do npm_dirs+=("$(dirname "$lock")"); done < <(find tests -name package-lock.json -not -path '*/node_modules/*' | sort)
[ -f ../shared/interop/libp2p/package-lock.json ] && npm_dirs+=("../shared/interop/libp2p")
for dir in "${npm_dirs[@]}"; do
  if [ -w "$dir" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in $dir"; failed=$((failed + 1)); }
  else
    # shared/ is read-only: install its peer into a private copy the tests are pointed at.
    copy="$root/artifacts/interop/$(basename "$dir")"
    rm -rf "$copy" && mkdir -p "$copy" && cp -r "$dir"/. "$copy"/ && chmod -R u+w "$copy"
    (cd "$copy" && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed in $copy"; failed=$((failed + 1)); }
  fi
done

step "Building (configuration $configuration, warnings as errors)"
if ! dotnet build BasedAI.Host.sln -c "$configuration" -warnaserror -nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

step "Running test projects"
test_log="$log_dir/dotnet-test.log"
results_dir="$log_dir/results"
rm -rf "$results_dir"
dotnet test BasedAI.Host.sln -c "$configuration" --no-build --nologo \
  --blame-hang-timeout 10m --results-directory "$results_dir" --logger trx 2>&1 | tee "$test_log"
test_status=${PIPESTATUS[0]}
# Each test project writes a .trx file whose <Counters> element holds its totals.
read -r p f < <(cat "$results_dir"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' \
  | sed -E 's/.* passed="([0-9]+)" failed="([0-9]+)".*/\1 \2/' | awk '{p+=$1; f+=$2} END {print p+0, f+0}')
passed=$((passed + p))
failed=$((failed + f))
if [ "$test_status" -ne 0 ] && [ "$f" -eq 0 ]; then
  echo "dotnet test exited with $test_status without a failed test (a test host crashed or hung)"
  failed=$((failed + 1))
fi

for smoke in scripts/smoke/*.sh; do
  [ -e "$smoke" ] || continue
  step "Smoke test $(basename "$smoke")"
  if bash "$smoke"; then passed=$((passed + 1)); else echo "smoke test $smoke failed"; failed=$((failed + 1)); fi
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
