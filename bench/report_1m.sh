#!/usr/bin/env bash
# Benchmark: the HTML report of a run of at least 1,000,000 requests.
#   usage: bench/report_1m.sh [BINARY]   (default: build/cli/aria-harness under the repo root)
#   env:   REQUESTS=1000000  RUNS=5
# A real run: `replay --model bench/models/health.json` (one GET, no think time) with 50 users against
# the stand-in on 127.0.0.1 until it has sent REQUESTS requests (the run time is sized from a short
# probe run, and the script checks the count). Then `aria-harness report` renders it RUNS times, timed
# with /usr/bin/time. Goals: the median render under 2 s, the file under 2 MB. Exit 1 when one fails,
# 2 when something is missing. Results go to bench/results/report_1m.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BINARY=${1:-$ROOT/build/cli/aria-harness}
MODEL=$ROOT/bench/models/health.json
REQUESTS=${REQUESTS:-1000000}
RUNS=${RUNS:-5}
PY=/usr/bin/python3

[[ -x $BINARY ]] || { echo "error: $BINARY not found; build it first" >&2; exit 2; }
for tool in /usr/bin/time "$PY"; do command -v "$tool" >/dev/null || { echo "error: $tool not found" >&2; exit 2; }; done

TMP=$(mktemp -d /tmp/aria-report-bench.XXXXXX)
MOCK_PID=''
cleanup() {
  [[ -n $MOCK_PID ]] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BINARY" mock --listen 127.0.0.1:0 >"$TMP/mock.log" 2>&1 &
MOCK_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$TMP/mock.log" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/mock.log" | head -1 || true)
[[ -n $URL ]] || { echo "error: the stand-in did not start:" >&2; cat "$TMP/mock.log" >&2; exit 2; }

# A 3 s probe sizes the run.
"$BINARY" replay --db "$TMP/probe.db" --host "$URL" --model "$MODEL" --users 50 --spawn-rate 1000 --run-time 3s \
  --quiet --threshold 'fail_rate<1%' >/dev/null
RATE=$("$BINARY" runs --db "$TMP/probe.db" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["rps"])')
SECONDS_NEEDED=$("$PY" -c "import math; print(math.ceil($REQUESTS / $RATE * 1.25) + 2)")
echo "probe: $RATE req/s; running $SECONDS_NEEDED s for $REQUESTS requests"
"$BINARY" replay --db "$TMP/runs.db" --host "$URL" --model "$MODEL" --users 50 --spawn-rate 1000 \
  --run-time "${SECONDS_NEEDED}s" --quiet --threshold 'fail_rate<1%' >/dev/null
GOT=$("$BINARY" runs --db "$TMP/runs.db" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["requests"])')
(( GOT >= REQUESTS )) || { echo "error: the run sent $GOT requests, fewer than $REQUESTS" >&2; exit 1; }

times=()
for i in $(seq "$RUNS"); do
  /usr/bin/time -f "%e" -o "$TMP/time.txt" "$BINARY" report --db "$TMP/runs.db" --run 1 -o "$TMP/report.html" --quiet
  times+=("$(cat "$TMP/time.txt")")
done
MEDIAN=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
SIZE=$(stat -c %s "$TMP/report.html")
VERDICT=PASS
awk -v m="$MEDIAN" 'BEGIN { exit !(m < 2) }' || VERDICT=FAIL
((SIZE < 2000000)) || VERDICT=FAIL
mkdir -p "$ROOT/bench/results"
{
  echo "# report of a run of $GOT requests"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, binary $BINARY, commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "| requests | run time | render, median of $RUNS | renders | file | goals | verdict |"
  echo "|---:|---:|---:|---|---:|---|---|"
  echo "| $GOT | ${SECONDS_NEEDED} s | ${MEDIAN} s | ${times[*]} | $SIZE bytes | under 2 s, under 2 MB | $VERDICT |"
} >"$ROOT/bench/results/report_1m.md"
echo "run of $GOT requests; report rendered in ${MEDIAN} s (median of ${times[*]}), $SIZE bytes: $VERDICT"
[[ $VERDICT == PASS ]]
