#!/usr/bin/env bash
# Benchmark: the recorder (aria-harness record, capture on) beside two other proxies, in front of the same nginx.
#   usage: bench/recorder_vs_proxies.sh [BINARY]   (default: build/cli/aria-harness under the repo root)
#   env:   PATHS="/api/health /api/agents"  ROUNDS=3  DURATION=10 (s per wrk run)  LOW_LOAD=1 (0: skip)
# Backend: nginx (worker_processes auto) on 127.0.0.1 with GET /api/health (92-byte JSON) and GET
# /api/agents (a 10 KB JSON file), plus stub_status, whose request counter is the reference count of
# what reached the backend. In front of it, each on its own port:
#   recorder   aria-harness record --db FRESH.db --upstream BACKEND --listen 127.0.0.1:0 (defaults; a new
#              process and a new store per run, stopped with SIGINT after the run)
#   nginx      a second nginx, worker_processes auto, proxy_pass to an upstream block with keepalive 64
#   mitmproxy  mitmdump --mode reverse:BACKEND -w FLOWFILE -q (a new process and flow file per run)
# plus the backend alone ("direct"). wrk -t2 -c50 -d10s --latency hits each in turn on the same path,
# 3 rounds, the order reversed every round; columns are medians over the rounds. Then, unless LOW_LOAD=0,
# one wrk -t1 -c1 -d5s run each, for the latency a proxy adds when it is not saturated.
# Goals, per path, for the recorder: added p50 (its p50 - direct p50) < 100 us; req/s >= 1.0 x the nginx
# proxy's; exchanges stored == requests wrk completed (see below). Prints PASS/FAIL per goal, writes the
# tables to bench/results/recorder_vs_proxies.md, and exits 1 when a goal fails or a run saw errors,
# 2 when something is missing.
#
# Counting: wrk counts a request when its response has been read; the requests in flight on its 50
# connections when the run ends were sent, answered by the backend and relayed by the proxy, but wrk
# never reads those responses. So a recorder that stores every exchange stores wrk's count plus at
# most 50. The exchange goal passes when the store holds exactly what the backend served through the
# recorder (stub_status) and that is wrk's count plus 0..50 in-flight requests, with nothing dropped;
# the strict "stored == wrk's count" comparison is printed beside it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BINARY=${1:-$ROOT/build/cli/aria-harness}
NGINX=/usr/sbin/nginx
MITMDUMP=/usr/bin/mitmdump
PY=/usr/bin/python3
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
LOW_LOAD=${LOW_LOAD:-1}
LOW_DURATION=5
read -r -a PATHS <<<"${PATHS:-/api/health /api/agents}"
CONNECTIONS=50
WRK_ARGS=(-t2 "-c$CONNECTIONS" "-d${DURATION}s" --latency)
LOW_ARGS=(-t1 -c1 "-d${LOW_DURATION}s" --latency)
GOAL_ADDED_P50_US=100  # the recorder adds less than this at p50
GOAL_RATIO=1.0         # the recorder's req/s at least this times the nginx proxy's
PROXIES=(direct recorder nginx mitmproxy)
STOP_TIMEOUT=180       # s a recorder may take to flush and exit after SIGINT

if [[ ! -x $BINARY ]]; then
  echo "error: $BINARY not found; build it first: cmake --preset default && cmake --build build" >&2
  exit 2
fi
for tool in "$NGINX" "$MITMDUMP" "$PY" wrk curl; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found; run scripts/install-deps" >&2; exit 2; }
done
for p in "${PATHS[@]}"; do
  [[ $p == /api/health || $p == /api/agents ]] || { echo "error: PATHS: $p is neither /api/health nor /api/agents" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/recorder_vs_proxies.XXXXXX)
BACKEND_PID=''
FRONT_PID=''
REC_PID=''
MITM_PID=''
cleanup() {
  for pid in $REC_PID $MITM_PID $FRONT_PID $BACKEND_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $REC_PID $MITM_PID $FRONT_PID $BACKEND_PID; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }


# Waits up to 20 s for a TCP port to accept a connection (no request is sent, so nothing is recorded).
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "error: nothing listens on 127.0.0.1:$1 after 20 s" >&2
  return 1
}

# Waits for a process to exit, up to $2 s; returns its status, 124 after killing it when it hangs.
wait_exit() {  # pid seconds
  local deadline=$((SECONDS + $2)) status=0
  while kill -0 "$1" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    return 124
  fi
  wait "$1" || status=$?
  return "$status"
}

# CPU time (user + system, clock ticks) of a process and its direct children (nginx's workers).
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {
  local total=0 pid t
  for pid in "$1" $(pgrep -P "$1" || true); do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}

wait_for_no_compiler() {
  if pgrep -x cc1plus >/dev/null; then
    echo "  (a compiler is running on this machine; waiting for it to finish)"
    while pgrep -x cc1plus >/dev/null; do sleep 5; done
  fi
}

# 1. The backend: nginx with a small and a 10 KB JSON body, and stub_status.
HEALTH_BODY='{"status":"healthy","uptime_seconds":1.000,"database":"connected","version":"aria-mock/0.1"}'
"$PY" - "$TMP/agents.json" <<'EOF'
import json, sys
agents, body = [], ""
for i in range(1000):  # the largest list of agents whose JSON stays within 10 KB
    agents.append({"id": f"agent-{i:03d}", "name": f"agent {i}", "status": ["idle", "busy"][i % 2],
                   "model": "mock-llm", "skills": i % 12,
                   "description": "Plans, researches and calls tools for the Aria Blue platform."})
    candidate = json.dumps({"agents": agents, "count": len(agents)}, separators=(",", ":"))
    if len(candidate) > 10240:
        break
    body = candidate
open(sys.argv[1], "w").write(body)
EOF
chmod 755 "$TMP"  # nginx's workers (not root) read the file
chmod 644 "$TMP/agents.json"
AGENTS_BYTES=$(stat -c %s "$TMP/agents.json")
mkdir -p "$TMP/backend" "$TMP/front"
BACKEND_PORT=$(free_port)
cat >"$TMP/backend/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $TMP/backend/nginx.pid;
error_log $TMP/backend/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/backend/body;
  proxy_temp_path $TMP/backend/proxy;
  fastcgi_temp_path $TMP/backend/fastcgi;
  uwsgi_temp_path $TMP/backend/uwsgi;
  scgi_temp_path $TMP/backend/scgi;
  keepalive_requests 1000000;  # never close a busy keep-alive connection
  open_file_cache max=16;      # the agents file is opened once, not per request
  server {
    listen 127.0.0.1:$BACKEND_PORT;
    location = /api/health { default_type application/json; return 200 '$HEALTH_BODY'; }
    location = /api/agents { default_type application/json; alias $TMP/agents.json; }
    location = /nginx_status { stub_status; }
  }
}
EOF
"$NGINX" -p "$TMP/backend" -e "$TMP/backend/error.log" -c "$TMP/backend/nginx.conf" &
BACKEND_PID=$!
BACKEND_URL=http://127.0.0.1:$BACKEND_PORT
wait_ready "$BACKEND_URL/api/health" || { cat "$TMP/backend/error.log" >&2; exit 2; }
wait_ready "$BACKEND_URL/nginx_status" || { echo "error: nginx has no stub_status" >&2; exit 2; }
[[ $(curl -fsS "$BACKEND_URL/api/agents" | wc -c) == "$AGENTS_BYTES" ]] \
  || { echo "error: the backend does not serve /api/agents" >&2; cat "$TMP/backend/error.log" >&2; exit 2; }

# The backend's total of requests so far; this read itself counts as one.
backend_requests() { curl -fsS "$BACKEND_URL/nginx_status" | awk 'NR == 3 { print $3 }'; }

# 2. nginx as a plain reverse proxy, with a keep-alive pool to the backend.
FRONT_PORT=$(free_port)
cat >"$TMP/front/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $TMP/front/nginx.pid;
error_log $TMP/front/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/front/body;
  proxy_temp_path $TMP/front/proxy;
  fastcgi_temp_path $TMP/front/fastcgi;
  uwsgi_temp_path $TMP/front/uwsgi;
  scgi_temp_path $TMP/front/scgi;
  keepalive_requests 1000000;
  upstream b {
    server 127.0.0.1:$BACKEND_PORT;
    keepalive 64;
    keepalive_requests 1000000;  # like the recorder, never retire a busy upstream connection
  }
  server {
    listen 127.0.0.1:$FRONT_PORT;
    location / {
      proxy_pass http://b;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
"$NGINX" -p "$TMP/front" -e "$TMP/front/error.log" -c "$TMP/front/nginx.conf" &
FRONT_PID=$!
FRONT_URL=http://127.0.0.1:$FRONT_PORT
wait_ready "$FRONT_URL/api/health" || { cat "$TMP/front/error.log" >&2; exit 2; }

NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')
MITM_VERSION=$("$MITMDUMP" --version 2>/dev/null | sed -n 's/^Mitmproxy: *//p')
WRK_VERSION=$({ wrk -v 2>&1 || true; } | sed -n 's/^wrk \([a-z]*\/\)\{0,1\}\([0-9.]*[0-9]\).*/\2/p' | head -n1)
# What was measured: the binary's build time beside the checkout's HEAD (a binary older than HEAD's
# commit is named as such: the sources moved on after it was built).
GIT_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')
if [[ -n $(git -C "$ROOT" status --porcelain -- ':!bench' 2>/dev/null) ]]; then GIT_REV+=' with local changes'; fi
BINARY_BUILT=$(date -u -d "@$(stat -c %Y "$BINARY")" '+%Y-%m-%d %H:%M UTC')
BINARY_ID="binary built $BINARY_BUILT, checkout at $GIT_REV"
HEAD_TIME=$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)
if (($(stat -c %Y "$BINARY") < HEAD_TIME)); then
  BINARY_ID+=" (WARNING: the binary is older than that commit; rebuild to measure it)"
  echo "warning: $BINARY was built before HEAD ($GIT_REV) was committed; the figures are for an older build" >&2
fi
echo "backend: nginx $NGINX_VERSION at $BACKEND_URL (worker_processes auto): /api/health ${#HEALTH_BODY} bytes, /api/agents $AGENTS_BYTES bytes"
echo "nginx reverse proxy: $FRONT_URL (worker_processes auto, upstream keepalive 64)"
echo "recorder: $BINARY record ($BINARY_ID; a fresh store per run); mitmproxy: mitmdump $MITM_VERSION -q -w FLOWFILE (fresh per run)"

# 3. The proxies that start per run.
REC_URL=''
start_recorder() {  # db stdout-file
  "$BINARY" record --db "$1" --upstream "$BACKEND_URL" --listen 127.0.0.1:0 >"$2" 2>"$2.err" &
  REC_PID=$!
  REC_URL=
  for _ in $(seq 200); do
    REC_URL=$(sed -n 's/^ *listening on \(http:[^,]*\), forwarding to .*/\1/p' "$2" | head -n1)
    [[ -n $REC_URL ]] && return 0
    kill -0 "$REC_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "error: the recorder did not start:" >&2
  cat "$2" "$2.err" >&2
  exit 2
}
stop_recorder() {  # sets REC_STATUS, REC_STOP_S
  local t0 status=0
  t0=$(date +%s.%N)
  kill -INT "$REC_PID" 2>/dev/null || true
  wait_exit "$REC_PID" "$STOP_TIMEOUT" || status=$?
  REC_STOP_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  REC_PID=''
  REC_STATUS=$status
}
MITM_URL=''
start_mitm() {  # flowfile stdout-file
  local port
  port=$(free_port)
  "$MITMDUMP" --mode "reverse:$BACKEND_URL" --listen-host 127.0.0.1 --listen-port "$port" -w "$1" -q \
    --set confdir="$TMP/mitmproxy" >"$2" 2>&1 &
  MITM_PID=$!
  MITM_URL=http://127.0.0.1:$port
  wait_port "$port" || { cat "$2" >&2; exit 2; }
}
stop_mitm() {
  local status=0
  kill -INT "$MITM_PID" 2>/dev/null || true
  wait_exit "$MITM_PID" 60 || status=$?
  MITM_PID=''
  MITM_STATUS=$status
}

# Prints "req/s p50_ms p99_ms errors requests" from a wrk --latency report on stdin.
parse_wrk() {
  awk '
    function ms(v) {  # wrk prints 812.00us, 1.23ms, 1.02s, 2.00m
      if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v
    }
    $1 == "50%" { p50 = ms($2) }  $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    / requests in / { n = $1 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { for (i = 3; i <= NF; i += 2) err += $(i + 1) }
    END { printf "%.2f %.3f %.3f %d %d\n", rps, p50, p99, err, n }'
}

# One wrk run through one proxy. Leaves a row in RUNS[name|path] (or LOW[...] for the 1-connection run):
#   req/s p50_ms p99_ms errors wrk_count backend_count stored cpu_us_per_req dropped stop_s non200 relay_errors
run_one() {  # name path tag(round number or "low")
  local name=$1 path=$2 tag=$3 key="$1|$2" url pid before after t0 t1 out="$TMP/wrk.$1.${2//\//_}.$3"
  local stored=- dropped=- stop_s=- note='' non200=- relay_errors=-
  local -a args=("${WRK_ARGS[@]}")
  [[ $tag == low ]] && args=("${LOW_ARGS[@]}")
  before=$(backend_requests)
  case $name in
    direct) url=$BACKEND_URL pid=$BACKEND_PID ;;
    nginx) url=$FRONT_URL pid=$FRONT_PID ;;
    recorder)
      start_recorder "$TMP/rec.db" "$out.rec"
      url=$REC_URL pid=$REC_PID
      ;;
    mitmproxy)
      start_mitm "$TMP/flows" "$out.mitm"
      url=$MITM_URL pid=$MITM_PID
      ;;
  esac
  t0=$(cpu_ticks "$pid")
  wrk "${args[@]}" "$url$path" >"$out"
  t1=$(cpu_ticks "$pid")
  if pgrep -x cc1plus >/dev/null; then note=' (a compiler ran)'; fi
  case $name in
    recorder)
      stop_recorder
      stored=$(sed -n 's/.*: \([0-9]*\) exchanges stored, .*/\1/p' "$out.rec")
      dropped=$(sed -n 's/.* MB of bodies, \([0-9]*\) dropped, .*/\1/p' "$out.rec")
      local listed db_mb
      listed=$("$BINARY" recordings --db "$TMP/rec.db" --json \
        | "$PY" -c 'import json, sys; r = json.load(sys.stdin); print(r[0]["exchanges"] if len(r) == 1 else -1)')
      db_mb=$(du -cm "$TMP"/rec.db* | awk 'END { print $1 }')
      if command -v sqlite3 >/dev/null; then  # what the exchanges say about themselves
        read -r non200 relay_errors < <(sqlite3 -separator ' ' "$TMP/rec.db" \
          "SELECT COALESCE(SUM(status <> 200), 0), COALESCE(SUM(error IS NOT NULL), 0) FROM exchanges")
      fi
      if ((REC_STATUS != 0)) || [[ -z $stored || $listed != "$stored" ]]; then
        echo "  recorder: exit status $REC_STATUS, printed '${stored:-nothing}' exchanges stored, recordings --json says $listed:" >&2
        cat "$out.rec" "$out.rec.err" >&2
        stored=${stored:-0} dropped=$((${dropped:-0} + 1))  # counts as a failed run
      fi
      note+=" stop ${REC_STOP_S}s, store ${db_mb} MB, stored non-200 $non200, stored with an error $relay_errors"
      stop_s=$REC_STOP_S
      rm -f "$TMP"/rec.db*
      ;;
    mitmproxy)
      stop_mitm
      note+=" flow file $(du -m "$TMP/flows" 2>/dev/null | cut -f1) MB"
      ((MITM_STATUS == 0)) || note+=" (mitmdump exit status $MITM_STATUS)"
      rm -f "$TMP/flows"
      ;;
  esac
  after=$(backend_requests)
  local backend=$((after - before - 1)) rps p50 p99 err count cpu_us
  read -r rps p50 p99 err count < <(parse_wrk <"$out")
  cpu_us=$(awk -v t="$((t1 - t0))" -v hz="$CLK_TCK" -v n="$count" 'BEGIN { printf "%.1f", (n > 0) ? t * 1e6 / hz / n : 0 }')
  printf '  %-5s %-9s %-11s %9s req/s  p50 %7s ms  p99 %8s ms  wrk %8s  backend %8s  stored %8s  cpu %6s us/req  errors %s%s\n' \
    "$tag" "$name" "$path" "$rps" "$p50" "$p99" "$count" "$backend" "$stored" "$cpu_us" "$err" "$note"
  local row="$rps $p50 $p99 $err $count $backend $stored $cpu_us $dropped $stop_s $non200 $relay_errors"
  if [[ $tag == low ]]; then LOW[$key]=$row; else RUNS[$key]+="$row"$'\n'; fi
}

declare -A RUNS=() LOW=()
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
wait_for_no_compiler
echo "warm-up (2 s of each path through each proxy, not counted)"
for path in "${PATHS[@]}"; do
  wrk -t2 -c50 -d2s "$BACKEND_URL$path" >/dev/null
  wrk -t2 -c50 -d2s "$FRONT_URL$path" >/dev/null
  start_recorder "$TMP/warm.db" "$TMP/warm.rec"
  wrk -t2 -c50 -d2s "$REC_URL$path" >/dev/null
  stop_recorder
  rm -f "$TMP"/warm.db*
  start_mitm "$TMP/warm.flows" "$TMP/warm.mitm"
  wrk -t2 -c50 -d2s "$MITM_URL$path" >/dev/null
  stop_mitm
  rm -f "$TMP/warm.flows"
done
for path in "${PATHS[@]}"; do
  echo "GET $path: wrk ${WRK_ARGS[*]}, $ROUNDS rounds"
  for round in $(seq "$ROUNDS"); do
    wait_for_no_compiler
    if ((round % 2)); then order=("${PROXIES[@]}"); else order=(mitmproxy nginx recorder direct); fi
    for name in "${order[@]}"; do run_one "$name" "$path" "$round"; done
  done
  if ((LOW_LOAD)); then
    echo "GET $path: wrk ${LOW_ARGS[*]} (one connection: the latency a proxy adds when it is not saturated)"
    wait_for_no_compiler
    for name in "${PROXIES[@]}"; do run_one "$name" "$path" low; done
  fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# 4. Medians, goals, tables.
declare -A RPS P50 P99 ERR CPU
FAILED=0
GOALS=''
TABLES=''
ROUND_LOG=''
label() {
  case $1 in
    direct) echo "direct to nginx (the backend; no proxy)" ;;
    recorder) echo "aria-harness record (capture on, defaults)" ;;
    nginx) echo "nginx $NGINX_VERSION reverse proxy (keepalive 64)" ;;
    mitmproxy) echo "mitmdump $MITM_VERSION reverse, -w flow file" ;;
  esac
}
goal() {  # PASS|FAIL text
  GOALS+="- **$2: $1**"$'\n'
  [[ $1 == PASS ]] || FAILED=1
}
for path in "${PATHS[@]}"; do
  for name in "${PROXIES[@]}"; do
    rows=$(printf '%s' "${RUNS[$name|$path]}")
    RPS[$name]=$(median 1 <<<"$rows")
    P50[$name]=$(median 2 <<<"$rows")
    P99[$name]=$(median 3 <<<"$rows")
    CPU[$name]=$(median 8 <<<"$rows")
    ERR[$name]=$(awk '{ s += $4 } END { print s + 0 }' <<<"$rows")
    ROUND_LOG+=$(printf '%s\n' "${RUNS[$name|$path]}" | sed "/^$/d; s|^|    $path $name |")$'\n'
    [[ -n ${LOW[$name|$path]:-} ]] && ROUND_LOG+="    $path $name (1 connection) ${LOW[$name|$path]}"$'\n'
  done
  body=$([[ $path == /api/health ]] && echo "${#HEALTH_BODY}-byte" || echo "$AGENTS_BYTES-byte")
  T="#### GET $path ($body JSON)"$'\n\n'
  T+="| proxy | req/s (median of $ROUNDS) | p50 | p99 | added p50 vs direct | req/s vs nginx proxy | proxy CPU µs/request |"
  ((LOW_LOAD)) && T+=" p50, 1 connection | added p50, 1 connection |"
  T+=$'\n'"|---|---:|---:|---:|---:|---:|---:|"
  ((LOW_LOAD)) && T+="---:|---:|"
  T+=$'\n'
  low_direct=$(awk '{ print $2 }' <<<"${LOW[direct|$path]:-0 0}")
  for name in "${PROXIES[@]}"; do
    added=$(awk -v a="${P50[$name]}" -v b="${P50[direct]}" 'BEGIN { printf "%+.0f µs", (a - b) * 1000 }')
    ratio=$(awk -v a="${RPS[$name]}" -v b="${RPS[nginx]}" 'BEGIN { printf "%.2fx", (b > 0) ? a / b : 0 }')
    [[ $name == direct ]] && added='—' ratio=$(awk -v a="${RPS[direct]}" -v b="${RPS[nginx]}" 'BEGIN { printf "(%.2fx)", a / b }')
    cpu="${CPU[$name]}"
    [[ $name == direct ]] && cpu="(${cpu}: the backend)"
    T+=$(printf '| %s | %.0f | %.3f ms | %.2f ms | %s | %s | %s |' "$(label "$name")" "${RPS[$name]}" \
      "${P50[$name]}" "${P99[$name]}" "$added" "$ratio" "$cpu")
    if ((LOW_LOAD)); then
      low_p50=$(awk '{ print $2 }' <<<"${LOW[$name|$path]}")
      low_added=$(awk -v a="$low_p50" -v b="$low_direct" 'BEGIN { printf "%+.0f µs", (a - b) * 1000 }')
      [[ $name == direct ]] && low_added='—'
      T+=$(printf ' %.0f µs | %s |' "$(awk -v a="$low_p50" 'BEGIN { print a * 1000 }')" "$low_added")
    fi
    T+=$'\n'
  done
  # The recorder's exchanges, run by run.
  T+=$'\n'"Recorder, run by run (wrk -c$CONNECTIONS): exchanges stored / requests wrk completed / requests the backend served:"
  strict=0 exact=0 runs=0 details=''
  while read -r _ _ _ err count backend stored _ dropped stop_s non200 relay_errors; do
    [[ -n ${count:-} ]] || continue
    runs=$((runs + 1))
    diff=$((stored - count))
    ((stored == count)) && strict=$((strict + 1))
    if ((stored == backend && diff >= 0 && diff <= CONNECTIONS && dropped == 0 && err == 0)); then exact=$((exact + 1)); fi
    details+=" $stored / $count / $backend (+$diff, of which stored with an error: $relay_errors; dropped $dropped; flushed and exited ${stop_s} s after SIGINT);"
  done <<<"${RUNS[recorder|$path]}"
  T+="${details%;}."$'\n'
  TABLES+="$T"$'\n'

  # Goals for this path.
  added_us=$(awk -v a="${P50[recorder]}" -v b="${P50[direct]}" 'BEGIN { printf "%.0f", (a - b) * 1000 }')
  ratio=$(awk -v a="${RPS[recorder]}" -v b="${RPS[nginx]}" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
  if ((added_us < GOAL_ADDED_P50_US)); then r=PASS; else r=FAIL; fi
  nginx_added_us=$(awk -v a="${P50[nginx]}" -v b="${P50[direct]}" 'BEGIN { printf "%.0f", (a - b) * 1000 }')
  goal $r "GET $path: the recorder adds ${added_us} µs at p50 (goal: under ${GOAL_ADDED_P50_US} µs; the nginx proxy adds ${nginx_added_us} µs)"
  if awk -v r="$ratio" -v g="$GOAL_RATIO" 'BEGIN { exit !(r >= g) }'; then r=PASS; else r=FAIL; fi
  goal $r "GET $path: the recorder reaches ${ratio}x the nginx reverse proxy's req/s (goal: at least ${GOAL_RATIO}x)"
  if ((exact == runs && runs > 0)); then r=PASS; else r=FAIL; fi
  goal $r "GET $path: exchanges stored == requests completed, in $exact of $runs runs (stored equals the backend's count and is wrk's count plus 0-$CONNECTIONS requests in flight when wrk stopped, none dropped); strictly equal to wrk's count in $strict of $runs"
  for name in "${PROXIES[@]}"; do
    if ((ERR[$name] > 0)); then goal FAIL "GET $path: $name: wrk saw ${ERR[$name]} socket errors or non-2xx responses"; fi
  done
done

CPU_NAME=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
mkdir -p "$ROOT/bench/results"
REPORT=$ROOT/bench/results/recorder_vs_proxies.md
{
  echo "# recorder vs nginx and mitmproxy as reverse proxies"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($CPU_NAME), $(uname -sr); aria-harness $BINARY_ID;"
  echo "backend nginx $NGINX_VERSION (worker_processes auto); wrk $WRK_VERSION ${WRK_ARGS[*]}, $ROUNDS rounds, order"
  echo "reversed every round; medians of each column separately; proxy CPU = the proxy's user+sys time during"
  echo "the wrk run / requests wrk completed (nginx: master and workers)."
  ((LOW_LOAD)) && echo "1-connection columns: one wrk ${LOW_ARGS[*]} run each."
  echo
  printf '%s' "$TABLES"
  echo "$GOALS"
  echo "Rounds (req/s p50_ms p99_ms errors wrk_count backend_count stored cpu_us_per_req dropped stop_s"
  echo "stored_non200 stored_with_error; '-' where it does not apply; direct's CPU is the backend's):"
  echo
  printf '%s' "$ROUND_LOG"
} >"$REPORT"
echo
printf '%s' "$TABLES"
printf '%s\n' "$GOALS"
echo "written to $REPORT"
if ((FAILED)); then
  echo "FAIL: at least one goal missed" >&2
  exit 1
fi
echo "PASS: every goal met"
