#!/usr/bin/env bash
# Interop test: the seed ticket's Locust scenario (locustfile.py, beside this script) against the stand-in.
#   usage: run_locust_seed.sh BINARY WORKDIR
# Starts `BINARY mock` on a free port of 127.0.0.1, runs Locust headless (50 users, 30 s), and passes when
# the "Aggregated" row of the CSV shows requests and no failures, and the mock then stops cleanly (exit 0).
# Exit codes: 0 pass, 77 skip (Locust is not installed), anything else a failure.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BINARY WORKDIR" >&2
  exit 2
fi
BINARY=$1
WORKDIR=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOCUSTFILE=$HERE/locustfile.py

# Debian's python3-locust runs on /usr/bin/python3; a `locust` on PATH is the fallback.
if [[ -x /usr/bin/locust ]]; then
  LOCUST=/usr/bin/locust
elif LOCUST=$(command -v locust); then
  :
else
  echo "SKIP: Locust is not installed (apt-get install python3-locust, or scripts/install-deps)"
  exit 77
fi
[[ -x $BINARY ]] || { echo "FAIL: $BINARY is not an executable" >&2; exit 1; }

mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
rm -f "$WORKDIR"/seed_*.csv "$WORKDIR"/locust.log "$WORKDIR"/mock.out "$WORKDIR"/mock.err

MOCK_PID=
cleanup() {
  if [[ -n $MOCK_PID ]] && kill -0 "$MOCK_PID" 2>/dev/null; then
    kill -KILL "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# 1. The stand-in, on a port the kernel picks; its first line names the URL.
"$BINARY" mock --listen 127.0.0.1:0 >"$WORKDIR/mock.out" 2>"$WORKDIR/mock.err" &
MOCK_PID=$!
URL=
for _ in $(seq 100); do  # up to 10 s
  URL=$(sed -n 's/^aria-harness mock: .* listening on \(http:[^ ]*\).*/\1/p' "$WORKDIR/mock.out" | head -n1)
  [[ -n $URL ]] && break
  kill -0 "$MOCK_PID" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $URL ]]; then
  echo "FAIL: the mock did not report a listening URL within 10 s" >&2
  cat "$WORKDIR/mock.out" "$WORKDIR/mock.err" >&2
  exit 1
fi
echo "mock: $URL (pid $MOCK_PID)"

# 2. The seed's scenario. Run from WORKDIR so that no stray ./locust.conf is picked up.
status=0
(
  cd "$WORKDIR"
  "$LOCUST" -f "$LOCUSTFILE" --headless -u 50 -r 10 -t 30s -H "$URL" \
    --csv "$WORKDIR/seed" --only-summary --exit-code-on-error 1 2>&1 | tee "$WORKDIR/locust.log"
) || status=$?
[[ $status -eq 0 ]] || echo "locust exited with status $status" >&2

# 3. The verdict from the CSV: the Aggregated row needs requests and no failures.
STATS=$WORKDIR/seed_stats.csv
if [[ ! -s $STATS ]]; then
  echo "FAIL: $STATS was not written" >&2
  exit 1
fi
# Any Python 3 reads CSV; Debian's is the one Locust came with.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
read -r REQUESTS FAILURES < <("$PY" - "$STATS" <<'PYEOF'
import csv, sys
for row in csv.DictReader(open(sys.argv[1], newline="")):
    if row["Name"] == "Aggregated":
        print(row["Request Count"], row["Failure Count"])
PYEOF
) || true
echo "Aggregated row of $STATS:"
head -n1 "$STATS"
grep -E '^[^,]*,"?Aggregated"?,' "$STATS" || true

# Locust 2.12 writes the CSV once a second and not after the users stop, so the sessions' DELETEs
# (the seed's on_stop) are only in the final console summary: check its Aggregated line as well.
read -r FINAL_REQUESTS FINAL_FAILURES < <("$PY" - "$WORKDIR/locust.log" <<'PYEOF'
import re, sys
rows = re.findall(r"^\s*Aggregated\s+(\d+)\s+(\d+)\(", open(sys.argv[1], errors="replace").read(), re.M)
if rows:
    print(*rows[-1])
PYEOF
) || true

failed=0
if [[ -z ${REQUESTS:-} || ${REQUESTS} -le 0 ]]; then
  echo "FAIL: no requests in the Aggregated row" >&2
  failed=1
fi
if [[ ${FAILURES:-1} -ne 0 ]]; then
  echo "FAIL: ${FAILURES:-?} failed requests; $WORKDIR/seed_failures.csv:" >&2
  cat "$WORKDIR/seed_failures.csv" >&2 || true
  failed=1
fi
# Exceptions raised inside tasks are not failures in the stats, but they are failures of this test.
if [[ -s $WORKDIR/seed_exceptions.csv && $(wc -l <"$WORKDIR/seed_exceptions.csv") -gt 1 ]]; then
  echo "FAIL: the scenario raised exceptions; $WORKDIR/seed_exceptions.csv:" >&2
  cat "$WORKDIR/seed_exceptions.csv" >&2
  failed=1
fi
if [[ -z ${FINAL_REQUESTS:-} || ${FINAL_FAILURES:-1} -ne 0 ]]; then
  echo "FAIL: final Locust summary: ${FINAL_FAILURES:-?} failures of ${FINAL_REQUESTS:-?} requests (see $WORKDIR/locust.log)" >&2
  failed=1
fi
[[ $status -eq 0 ]] || failed=1

# 4. aria-harness replay --csv must write the same three files with the same header lines as
#    the Locust run above: replay builtin:aria (the same scenario) briefly against the same mock.
"$BINARY" replay --db "$WORKDIR/ours.db" --host "$URL" --users 5 --spawn-rate 50 --run-time 3s \
  --threshold 'fail_rate<1%' --csv "$WORKDIR/ours" --quiet || { echo "FAIL: aria-harness replay failed" >&2; failed=1; }
for suffix in _stats.csv _stats_history.csv _failures.csv; do
  if ! cmp -s <(head -n1 "$WORKDIR/seed$suffix") <(head -n1 "$WORKDIR/ours$suffix"); then
    echo "FAIL: header of ours$suffix differs from Locust's:" >&2
    diff <(head -n1 "$WORKDIR/seed$suffix") <(head -n1 "$WORKDIR/ours$suffix") >&2 || true
    failed=1
  fi
done

# 5. Stop the mock as an operator would; it must exit 0 within 10 s.
kill -TERM "$MOCK_PID"
for _ in $(seq 100); do
  kill -0 "$MOCK_PID" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$MOCK_PID" 2>/dev/null; then
  echo "FAIL: the mock did not exit within 10 s of SIGTERM" >&2
  exit 1
fi
mock_status=0
wait "$MOCK_PID" || mock_status=$?
MOCK_PID=
tail -n1 "$WORKDIR/mock.out"
if [[ $mock_status -ne 0 ]]; then
  echo "FAIL: the mock exited with status $mock_status after SIGTERM" >&2
  cat "$WORKDIR/mock.err" >&2
  failed=1
fi

if [[ $failed -ne 0 ]]; then
  echo "FAIL: interop.locust_seed"
  exit 1
fi
echo "PASS: interop.locust_seed ($REQUESTS requests in the CSV, $FINAL_REQUESTS with the final DELETEs, 0 failures)"
