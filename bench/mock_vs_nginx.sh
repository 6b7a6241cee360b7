#!/usr/bin/env bash
# Benchmark: the stand-in's raw HTTP rate against nginx serving the same bytes.
#   usage: bench/mock_vs_nginx.sh [BINARY]   (default: build/cli/aria-harness under the repo root)
# Both servers answer GET /api/health with the same JSON body on 127.0.0.1: nginx from a `return 200`
# in a throw-away config (worker_processes auto), the mock with its default threads (one per core).
# wrk (-t2 -c50 -d10s --latency) hits each in turn, alternating, 3 rounds. The script prints the medians
# as a markdown table, writes it to bench/results/mock_vs_nginx.md, and exits 1 when mock/nginx < 0.5.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BINARY=${1:-$ROOT/build/cli/aria-harness}
NGINX=/usr/sbin/nginx
ROUNDS=3
WRK_ARGS=(-t2 -c50 -d10s --latency)
GOAL=0.5  # the stand-in must reach at least half of nginx's rate

if [[ ! -x $BINARY ]]; then
  echo "error: $BINARY not found; build it first: cmake --preset default && cmake --build build" >&2
  exit 2
fi
for tool in "$NGINX" wrk curl; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found; run scripts/install-deps" >&2; exit 2; }
done

TMP=$(mktemp -d /tmp/mock_vs_nginx.XXXXXX)
MOCK_PID=''
NGINX_PID=''
cleanup() {
  for pid in $MOCK_PID $NGINX_PID; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $MOCK_PID $NGINX_PID; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT


# 1. The mock, on a port the kernel picks; its first line names the URL.
"$BINARY" mock --listen 127.0.0.1:0 >"$TMP/mock.out" 2>"$TMP/mock.err" &
MOCK_PID=$!
MOCK_URL=
for _ in $(seq 100); do
  MOCK_URL=$(sed -n 's/^aria-harness mock: .* listening on \(http:[^ ]*\).*/\1/p' "$TMP/mock.out" | head -n1)
  [[ -n $MOCK_URL ]] && break
  sleep 0.1
done
[[ -n $MOCK_URL ]] || { echo "error: the mock did not start:" >&2; cat "$TMP/mock.out" "$TMP/mock.err" >&2; exit 2; }
wait_ready "$MOCK_URL/api/health"
MOCK_THREADS=$(sed -n 's/^ *threads \([0-9]*\).*/\1/p' "$TMP/mock.out")

# 2. nginx returning the mock's own /api/health body, so that both send the same payload.
BODY=$(curl -fsS "$MOCK_URL/api/health")
if [[ -z $BODY || $BODY == *"'"* || $BODY == *'$'* ]]; then  # it goes inside '...' in nginx.conf
  echo "error: unusable health body for nginx.conf: $BODY" >&2
  exit 2
fi
NGINX_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TMP/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/body;
  proxy_temp_path $TMP/proxy;
  fastcgi_temp_path $TMP/fastcgi;
  uwsgi_temp_path $TMP/uwsgi;
  scgi_temp_path $TMP/scgi;
  keepalive_requests 1000000;  # like the mock: never close a busy keep-alive connection
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /api/health { default_type application/json; return 200 '$BODY'; }
  }
}
EOF
"$NGINX" -p "$TMP" -e "$TMP/error.log" -c "$TMP/nginx.conf" &
NGINX_PID=$!
NGINX_URL=http://127.0.0.1:$NGINX_PORT
wait_ready "$NGINX_URL/api/health" || { cat "$TMP/error.log" >&2; exit 2; }
NGINX_BODY=$(curl -fsS "$NGINX_URL/api/health")
echo "mock:  $MOCK_URL ($MOCK_THREADS threads), body ${#BODY} bytes: $BODY"
echo "nginx: $NGINX_URL (worker_processes auto), body ${#NGINX_BODY} bytes"

# 3. wrk, alternating the order each round; each run leaves "req/s p50_ms p99_ms errors" in an array.
# Prints "req/s p50_ms p99_ms non2xx+socket_errors" from a wrk --latency report on stdin.
parse_wrk() {
  awk '
    function ms(v) {  # wrk prints 812.00us, 1.23ms, 1.02s, 2.00m
      if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v
    }
    $1 == "50%" { p50 = ms($2) }  $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    /Non-2xx or 3xx responses:/ { err += $NF }
    /Socket errors:/ { for (i = 3; i <= NF; i += 2) err += $(i + 1) }
    END { printf "%.2f %.3f %.3f %d\n", rps, p50, p99, err }'
}
run_wrk() {  # name url round
  local out="$TMP/wrk.$1.$3"
  wrk "${WRK_ARGS[@]}" "$2/api/health" >"$out"
  read -r rps p50 p99 err < <(parse_wrk <"$out")
  printf '  round %d %-5s %12s req/s  p50 %8s ms  p99 %8s ms  errors %s\n' "$3" "$1" "$rps" "$p50" "$p99" "$err"
  RUNS[$1]+="$rps $p50 $p99 $err"$'\n'
}
declare -A RUNS=([mock]="" [nginx]="")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "warm-up (2 s each, not counted)"
wrk -t2 -c50 -d2s "$MOCK_URL/api/health" >/dev/null
wrk -t2 -c50 -d2s "$NGINX_URL/api/health" >/dev/null
for round in $(seq "$ROUNDS"); do
  if ((round % 2)); then order=(mock nginx); else order=(nginx mock); fi
  for name in "${order[@]}"; do
    if [[ $name == mock ]]; then run_wrk mock "$MOCK_URL" "$round"; else run_wrk nginx "$NGINX_URL" "$round"; fi
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# 4. Medians per server, the ratio, the table.
declare -A RPS P50 P99 ERR
for name in mock nginx; do
  rows=$(printf '%s' "${RUNS[$name]}")
  RPS[$name]=$(median 1 <<<"$rows")
  P50[$name]=$(median 2 <<<"$rows")
  P99[$name]=$(median 3 <<<"$rows")
  ERR[$name]=$(awk '{ s += $4 } END { print s + 0 }' <<<"$rows")
done
RATIO=$(awk -v m="${RPS[mock]}" -v n="${RPS[nginx]}" 'BEGIN { printf "%.2f", (n > 0) ? m / n : 0 }')
CPU=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)

TABLE=$(
  echo "| server | req/s (median of $ROUNDS) | p50 | p99 | ratio to nginx |"
  echo "|---|---:|---:|---:|---:|"
  printf '| aria-harness mock (%s threads) | %.0f | %.2f ms | %.2f ms | %.2fx |\n' \
    "$MOCK_THREADS" "${RPS[mock]}" "${P50[mock]}" "${P99[mock]}" "$RATIO"
  printf '| nginx %s (worker_processes auto) | %.0f | %.2f ms | %.2f ms | 1.00x |\n' \
    "$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')" "${RPS[nginx]}" "${P50[nginx]}" "${P99[nginx]}"
)
mkdir -p "$ROOT/bench/results"
REPORT=$ROOT/bench/results/mock_vs_nginx.md
{
  echo "# mock vs nginx: GET /api/health"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($CPU), $(uname -sr);"
  echo "wrk ${WRK_ARGS[*]}, $ROUNDS rounds alternating, body ${#BODY} bytes."
  echo
  echo "$TABLE"
  echo
  echo "Rounds (req/s p50_ms p99_ms errors):"
  echo
  for name in mock nginx; do printf '%s\n' "${RUNS[$name]}" | sed "/^$/d; s/^/    $name /"; done
} >"$REPORT"
echo
echo "$TABLE"
echo
echo "written to $REPORT"

if ((ERR[mock] + ERR[nginx] > 0)); then
  echo "FAIL: errors or non-2xx responses during the runs (mock ${ERR[mock]}, nginx ${ERR[nginx]})" >&2
  exit 1
fi
if awk -v r="$RATIO" -v g="$GOAL" 'BEGIN { exit !(r < g) }'; then
  echo "FAIL: the mock reaches ${RATIO}x of nginx's rate; the goal is at least ${GOAL}x" >&2
  exit 1
fi
echo "PASS: the mock reaches ${RATIO}x of nginx's rate (goal: at least ${GOAL}x)"
