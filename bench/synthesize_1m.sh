#!/usr/bin/env bash
# Benchmark: aria-harness synthesize on a recording of 1,000,000 exchanges.
#   usage: bench/synthesize_1m.sh [BINARY]   (default: build/cli/aria-harness under the repo root)
#   env:   EXCHANGES=1000000  RUNS=3
# The recording: `aria-harness record` makes the store and an (empty) recording, then this script
# fills it with the traffic of the seed's scenario as the recorder would have stored it: 20,000
# visitors (ChatUser 5 : DashboardUser 3 : APIUser 2) of one or two sessions, 50 requests each on
# average, think times drawn from the seed's ranges, client-made session ids, JSON request and
# response bodies, the dashboard pages as shared bodies (as the recorder keeps them once). Then
# `synthesize --db FILE -o model.json` runs RUNS times, timed with /usr/bin/time (wall clock, peak
# RSS). It prints a table, checks the model against the truth (class weights), writes
# bench/results/synthesize_1m.md, and exits 1 unless the median run takes under 10 s; 2 when something
# is missing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BINARY=${1:-$ROOT/build/cli/aria-harness}
PY=/usr/bin/python3
EXCHANGES=${EXCHANGES:-1000000}
RUNS=${RUNS:-3}
GOAL_S=10

if [[ ! -x $BINARY ]]; then
  echo "error: $BINARY not found; build it first: cmake --preset default && cmake --build build" >&2
  exit 2
fi
for tool in "$PY" /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found; run scripts/install-deps" >&2; exit 2; }
done
[[ $EXCHANGES =~ ^[0-9]+$ && $EXCHANGES -ge 1000 ]] || { echo "error: EXCHANGES must be a number >= 1000" >&2; exit 2; }

TMP=$(mktemp -d /tmp/aria-synth-bench.XXXXXX)
REC_PID=''
cleanup() {
  [[ -n $REC_PID ]] && kill -KILL "$REC_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
DB=$TMP/rec.db

# 1. The store and an empty recording, made by the recorder itself (nothing connects to it).
"$BINARY" record --db "$DB" --upstream http://127.0.0.1:9 --listen 127.0.0.1:0 --label synth-bench >"$TMP/rec.log" 2>&1 &
REC_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$TMP/rec.log" && break; sleep 0.1; done
grep -q "listening on" "$TMP/rec.log" || { echo "error: the recorder did not start:" >&2; cat "$TMP/rec.log" >&2; exit 2; }
kill -INT "$REC_PID"
wait "$REC_PID" || { echo "error: the recorder did not stop cleanly" >&2; cat "$TMP/rec.log" >&2; exit 2; }
REC_PID=''

# 2. The traffic.
echo "filling $DB with $EXCHANGES exchanges of the seed's scenario..."
gen_start=$SECONDS
"$PY" - "$DB" "$EXCHANGES" <<'EOF'
import json, random, sqlite3, sys

db_path, total = sys.argv[1], int(sys.argv[2])
random.seed(7)
db = sqlite3.connect(db_path, isolation_level=None)  # transactions by hand
rec = db.execute("SELECT id FROM recordings ORDER BY id DESC LIMIT 1").fetchone()[0]
pages = {p: ("<!doctype html><title>%s</title>" % p) + "<div>" + "x" * 40000 + "</div>"
         for p in ["/dashboard", "/agents", "/skills", "/sessions", "/schedule", "/status", "/goals", "/health/dashboard"]}
page_ref = {}
for p, html in pages.items():
    page_ref[p] = db.execute("INSERT INTO bodies (recording_id, data) VALUES (?, ?)", (rec, html.encode())).lastrowid
messages = ["Hello, how are you?", "Tell me about Python 3.13", "What's the weather like?", "Check the server health"]
classes = [("chat", 5, 1.0, 5.0), ("dash", 3, 2.0, 8.0), ("api", 2, 0.5, 2.0)]
dash_tasks = [("/dashboard", 5), ("/agents", 3), ("/skills", 3), ("/sessions", 2), ("/schedule", 2), ("/status", 2),
              ("/goals", 1), ("/health/dashboard", 1)]
api_tasks = [("/api/status", 5), ("/api/agents", 3), ("/api/skills", 3), ("/api/models", 2), ("/api/health", 1),
             ("/metrics", 1)]
headers_json = json.dumps([["Host", "aria.internal"], ["User-Agent", "python-requests/2.31"],
                           ["Accept", "*/*"], ["Content-Type", "application/json"]])
resp_headers = json.dumps([["Content-Type", "application/json"], ["X-Response-Time-Ms", "3"]])
rows = []
inserted = 0
visitor = 0
INSERT = ("INSERT INTO exchanges (recording_id, visitor, connection_id, seq, client_addr, started_us, ttfb_us, total_us, "
          "method, path, query, request_headers, request_body, request_body_size, status, response_headers, "
          "response_body, response_body_size, response_body_ref) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
db.execute("BEGIN")
t0 = 1_700_000_000_000_000

def pick(tasks):
    return random.choices([t for t, _ in tasks], weights=[w for _, w in tasks])[0]

while inserted + len(rows) < total:
    if len(rows) >= 50_000:
        db.executemany(INSERT, rows)
        inserted += len(rows)
        rows = []
    visitor += 1
    kind = random.choices(classes, weights=[c[1] for c in classes])[0]
    name, _, lo, hi = kind
    t = t0 + visitor * 10_000
    conn = visitor
    seq = 0
    for session in range(random.choice([1, 2])):
        sid = "load-test-%d-%s" % (visitor, "%08x" % random.getrandbits(32))
        n = random.randint(30, 70)
        reqs = []
        if name == "chat":
            reqs.append(("POST", "/api/sessions", "", json.dumps({"session_id": sid, "title": "Load Test Session"}),
                         201, json.dumps({"session_id": sid, "title": "Load Test Session", "created": True}), None))
        for k in range(n):
            if name == "chat":
                r = random.choices(["chat", "history", "search"], weights=[10, 3, 1])[0]
                if r == "chat":
                    reqs.append(("POST", "/api/chat", "", json.dumps({"session_id": sid, "content": random.choice(messages),
                                 "stream": False}), 200, json.dumps({"content": "A reply " * 20, "session_id": sid}), None))
                elif r == "history":
                    reqs.append(("GET", "/api/sessions/%s/history" % sid, "", None, 200,
                                 json.dumps({"messages": [{"role": "user", "content": "hi"}] * 5}), None))
                else:
                    reqs.append(("GET", "/api/sessions/search", "q=hello", None, 200, json.dumps([{"id": sid}]), None))
            elif name == "dash":
                p = pick(dash_tasks)
                reqs.append(("GET", p, "", None, 200, None, page_ref[p]))
            else:
                p = pick(api_tasks)
                reqs.append(("GET", p, "", None, 200, json.dumps({"status": "ok", "items": list(range(20))}), None))
        if name == "chat":
            reqs.append(("DELETE", "/api/sessions/%s" % sid, "", None, 200, json.dumps({"deleted": True}), None))
        for i, (method, path, query, body, status, resp, ref) in enumerate(reqs):
            seq += 1
            total_us = random.randint(2_000, 200_000)
            rows.append((rec, "conn:%d" % visitor, conn, seq, "127.0.0.1", t, total_us // 2, total_us, method, path,
                         query, headers_json, body.encode() if body else None, len(body) if body else 0, status,
                         resp_headers, resp.encode() if resp else None, len(resp) if resp else 40000, ref))
            think = random.uniform(lo, hi) if 0 < i < len(reqs) - 1 or name != "chat" else 0.0
            t += total_us + int(think * 1e6)
        t += 3 * 3600 * 1_000_000  # the next session comes hours later
rows = rows[:total - inserted]
db.executemany(INSERT, rows)
inserted += len(rows)
db.execute("UPDATE recordings SET exchanges = ? WHERE id = ?", (inserted, rec))
db.commit()
print("  %d exchanges, %d visitors" % (inserted, visitor))
EOF
echo "  generated in $((SECONDS - gen_start)) s; store $(du -m "$DB" | cut -f1) MB"

# 3. Synthesize, RUNS times.
times=()
rss=()
for i in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %M" -o "$TMP/time.txt" "$BINARY" synthesize --db "$DB" -o "$TMP/model.json" --quiet
  read -r wall peak <"$TMP/time.txt"
  times+=("$wall")
  rss+=("$peak")
  echo "  run $i: ${wall} s, peak RSS $((peak / 1024)) MiB"
done
MEDIAN=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
MEDIAN_RSS=$(printf '%s\n' "${rss[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
"$BINARY" synthesize --db "$DB" --quiet -o "$TMP/model.json"
WEIGHTS=$("$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(", ".join("%s %.3f (%d tasks)" % (c["name"], c["weight"], len(c["tasks"])) for c in m["classes"]))' "$TMP/model.json")
"$BINARY" synthesize --db "$DB" >"$TMP/summary.txt"

VERDICT=PASS
awk -v m="$MEDIAN" -v g="$GOAL_S" 'BEGIN { exit !(m < g) }' || VERDICT=FAIL
mkdir -p "$ROOT/bench/results"
{
  echo "# synthesize on $EXCHANGES recorded exchanges"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, binary $BINARY (built $(date -u -r "$BINARY" '+%Y-%m-%d %H:%M UTC')), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "| runs | median wall time | times | median peak RSS | goal | verdict |"
  echo "|---:|---:|---|---:|---|---|"
  echo "| $RUNS | ${MEDIAN} s | ${times[*]} | $((MEDIAN_RSS / 1024)) MiB | under ${GOAL_S} s | $VERDICT |"
  echo
  echo "Model: $WEIGHTS (truth: 0.500, 0.300, 0.200 with 3, 8, 6 tasks)."
  echo
  echo '```'
  cat "$TMP/summary.txt"
  echo '```'
} >"$ROOT/bench/results/synthesize_1m.md"
echo "median ${MEDIAN} s (goal: under ${GOAL_S} s): $VERDICT; model: $WEIGHTS"
echo "written to $ROOT/bench/results/synthesize_1m.md"
[[ $VERDICT == PASS ]]
