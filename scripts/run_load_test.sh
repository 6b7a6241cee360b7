#!/usr/bin/env bash
# The seed's load test, on aria-harness: the seed's interface and defaults, its scenario
# (builtin:aria), its targets (p95 < 500 ms, failure rate < 1 %, RPS > 100).
# Usage: scripts/run_load_test.sh [host] [users] [duration-seconds]
#   ARIA_DB       store the run is kept in          (default: aria-harness.db)
#   RESULTS       prefix of the Locust-style CSVs   (default: load-results/results)
#   ARIA_HARNESS  the binary                        (default: build/cli/aria-harness, else PATH)
# Exit code: 0 all targets met, 1 a target missed, 2 bad input, 3 runtime failure.
set -euo pipefail

HOST="${1:-http://localhost:5000}"
USERS="${2:-50}"
DURATION="${3:-120}"  # seconds
SPAWN_RATE=5          # users/sec

root=$(cd "$(dirname "$0")/.." && pwd)
BIN="${ARIA_HARNESS:-$root/build/cli/aria-harness}"
if [[ ! -x $BIN ]]; then BIN=$(command -v aria-harness || true); fi
if [[ -z $BIN ]]; then
  echo "run_load_test.sh: aria-harness is not built; run scripts/install-deps and cmake --preset default && cmake --build --preset default" >&2
  exit 2
fi
if ! [[ $USERS =~ ^[0-9]+$ && $DURATION =~ ^[0-9]+$ ]]; then
  echo "run_load_test.sh: users and duration must be whole numbers (got '$USERS' and '$DURATION')" >&2
  echo "usage: scripts/run_load_test.sh [host] [users] [duration-seconds]" >&2
  exit 2
fi
DB="${ARIA_DB:-aria-harness.db}"
RESULTS="${RESULTS:-load-results/results}"
mkdir -p "$(dirname "$RESULTS")"

echo "=== Aria Blue Load Test ==="
echo "Host: $HOST"
echo "Users: $USERS"
echo "Duration: ${DURATION}s"
echo "Spawn rate: ${SPAWN_RATE}/s"
echo ""

status=0
"$BIN" replay --db "$DB" --host "$HOST" --model builtin:aria --users "$USERS" --spawn-rate "$SPAWN_RATE" \
  --run-time "${DURATION}s" --csv "$RESULTS" --label seed-load-test || status=$?

echo ""
echo "=== Results ==="
echo "CSV:   ${RESULTS}_stats.csv"
echo "Store: $DB (aria-harness runs --db $DB)"
case $status in
  0) echo "PASS: All targets met" ;;
  1) echo "FAIL: a target was missed (see the thresholds above)" ;;
esac
exit "$status"
