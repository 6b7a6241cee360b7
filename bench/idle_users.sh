#!/usr/bin/env bash
# Benchmark: what 10,000 idle virtual users cost the load generator, aria-harness replay beside Locust.
#   usage: bench/idle_users.sh [BINARY]   (default: build/cli/aria-harness under the repo root)
# Target: the stand-in (aria-harness mock --threads 2) on 127.0.0.1, a fresh one per generator. Each user
# sends one GET /api/health, then thinks 600 s holding its keep-alive connection, so after the ramp the
# generator only holds connections and timers:
#   replay  --model bench/models/idle.json --users 10000 --spawn-rate 2000 --run-time 20s
#   locust  FastHttpUser, wait_time constant(600), -u 10000 -r 2000 -t 30s --headless (one process)
# Every 0.25 s the script samples the generator's VmRSS and VmHWM (/proc/PID/status), its CPU time
# (/proc/PID/stat) and the ESTABLISHED connections to the target's port (ss -tn). It prints a table,
# writes it with the timelines to bench/results/idle_users.md, and exits 1 unless aria-harness had all
# the users connected at once with a peak RSS under 200 MB and no failures; 2 when something is missing.
# Locust is a side-by-side figure only: it has no goal, and it is stopped 60 s after its run time at most.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BINARY=${1:-$ROOT/build/cli/aria-harness}
MODEL=$ROOT/bench/models/idle.json
PY=/usr/bin/python3        # Debian's, which has locust; a pyenv python3 on PATH may not
LOCUST=/usr/bin/locust
USERS=${USERS:-10000}
SPAWN_RATE=2000
REPLAY_TIME=20             # seconds
LOCUST_TIME=30             # seconds; Locust is given longer, as it may spawn more slowly
SAMPLE_EVERY=0.25          # seconds
GOAL_RSS_MB=200            # 200 * 10^6 bytes
GENERATORS=(aria locust)

if [[ ! -x $BINARY ]]; then
  echo "error: $BINARY not found; build it first: cmake --preset default && cmake --build build" >&2
  exit 2
fi
[[ -f $MODEL ]] || { echo "error: $MODEL not found" >&2; exit 2; }
for tool in curl ss "$PY" "$LOCUST" /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found; run scripts/install-deps" >&2; exit 2; }
done
"$PY" -c 'import locust.contrib.fasthttp' 2>/dev/null \
  || { echo "error: $PY cannot import locust.contrib.fasthttp (python3-locust)" >&2; exit 2; }
NOFILE_SOFT=$(ulimit -Sn)
NOFILE_HARD=$(ulimit -Hn)
if [[ $NOFILE_HARD != unlimited ]] && ((NOFILE_HARD < USERS + 100)); then
  echo "error: the hard open-files limit ($NOFILE_HARD) is below $USERS users; raise it (ulimit -Hn)" >&2
  exit 2
fi

TMP=$(mktemp -d /tmp/idle_users.XXXXXX)
MOCK_PID=''
GEN_PID=''
cleanup() {
  if [[ -n $GEN_PID ]]; then kill -TERM -- "-$GEN_PID" 2>/dev/null || true; fi  # its group: time and child
  if [[ -n $MOCK_PID ]]; then kill -TERM "$MOCK_PID" 2>/dev/null || true; fi
  for pid in $GEN_PID $MOCK_PID; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# A fresh stand-in on a port the kernel picks (a new port per generator, so that the first one's
# TIME_WAIT sockets are not in the second one's way). Sets MOCK_PID, MOCK_URL, MOCK_PORT.
start_mock() {  # name
  "$BINARY" mock --listen 127.0.0.1:0 --threads 2 >"$TMP/mock.$1.out" 2>"$TMP/mock.$1.err" &
  MOCK_PID=$!
  MOCK_URL=
  for _ in $(seq 100); do
    MOCK_URL=$(sed -n 's/^aria-harness mock: .* listening on \(http:[^ ]*\).*/\1/p' "$TMP/mock.$1.out" | head -n1)
    [[ -n $MOCK_URL ]] && break
    sleep 0.1
  done
  [[ -n $MOCK_URL ]] || { echo "error: the mock did not start:" >&2; cat "$TMP/mock.$1.out" "$TMP/mock.$1.err" >&2; exit 2; }
  wait_ready "$MOCK_URL/api/health"
  MOCK_PORT=${MOCK_URL##*:}
}
stop_mock() {
  kill -TERM "$MOCK_PID" 2>/dev/null || true
  wait "$MOCK_PID" 2>/dev/null || true
  MOCK_PID=''
}

cat >"$TMP/locustfile.py" <<'EOF'
from locust import task, constant
from locust.contrib.fasthttp import FastHttpUser


class IdleUser(FastHttpUser):
    wait_time = constant(600)

    @task
    def health(self):
        self.client.get("/api/health")
EOF

CLK_TCK=$(getconf CLK_TCK)
# One run of one generator under /usr/bin/time, sampled until it ends. Leaves in SUMMARY[name]:
#   max_conns t_all_s rss_plateau_mb hwm_mb base_rss_mb cpu_s wall_s requests failures status nofile
TIMEFMT='%e %U %S %M'
run_one() {  # name
  local name=$1 out="$TMP/$1.out" tfile="$TMP/$1.time" samples="$TMP/$1.samples" run_time
  start_mock "$name"
  echo "$name: target $MOCK_URL (mock, 2 threads)"
  case $name in
    aria)
      run_time=$REPLAY_TIME
      setsid /usr/bin/time -f "$TIMEFMT" -o "$tfile" "$BINARY" replay --db "$TMP/idle.db" --host "$MOCK_URL" \
        --model "$MODEL" --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "${REPLAY_TIME}s" \
        --threshold 'fail_rate<1%' >"$out" 2>&1 &
      ;;
    locust)
      run_time=$LOCUST_TIME
      setsid /usr/bin/time -f "$TIMEFMT" -o "$tfile" "$PY" "$LOCUST" -f "$TMP/locustfile.py" --host "$MOCK_URL" \
        -u "$USERS" -r "$SPAWN_RATE" -t "${LOCUST_TIME}s" --headless --only-summary >"$out" 2>&1 &
      ;;
  esac
  GEN_PID=$!  # setsid made it the leader of its own process group; the generator is its child
  local child='' start=$EPOCHREALTIME deadline=$((SECONDS + run_time + 60)) status=0 nofile='?'
  for _ in $(seq 50); do
    child=$(pgrep -P "$GEN_PID" | head -n1 || true)
    [[ -n $child ]] && break
    sleep 0.02
  done
  [[ -n $child ]] && nofile=$(awk '/^Max open files/ { print $4 "/" $5 }' "/proc/$child/limits" 2>/dev/null || echo '?')
  : >"$samples"
  while kill -0 "$GEN_PID" 2>/dev/null && ((SECONDS < deadline)); do
    if [[ -n $child && -r /proc/$child/status ]]; then
      local rss hwm ticks conns t
      read -r rss hwm < <(awk '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { print r + 0, h + 0 }' \
        "/proc/$child/status" 2>/dev/null || echo '0 0')
      ticks=$(awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || echo 0)
      conns=$(ss -Htn state established "( dport = :$MOCK_PORT )" 2>/dev/null | wc -l)
      t=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
      ((rss > 0)) && echo "$t $rss $hwm $conns $(awk -v k="$ticks" -v c="$CLK_TCK" 'BEGIN { printf "%.2f", k / c }')" >>"$samples"
    fi
    sleep "$SAMPLE_EVERY"
  done
  if kill -0 "$GEN_PID" 2>/dev/null; then
    echo "  $name did not end within 60 s of its run time; stopping it" >&2
    kill -TERM -- "-$GEN_PID" 2>/dev/null || true
    sleep 5
    kill -KILL -- "-$GEN_PID" 2>/dev/null || true
    status=124
  fi
  wait "$GEN_PID" || status=$?
  GEN_PID=''
  stop_mock

  local requests fails
  case $name in
    aria)
      requests=$(sed -n 's/^ *Total requests: *\([0-9]*\).*/\1/p' "$out")
      fails=$(sed -n 's/^ *Failures: *\([0-9]*\).*/\1/p' "$out")
      ;;
    locust)
      requests=$(awk '$1 == "Aggregated" && $2 ~ /^[0-9]+$/ { print $2; exit }' "$out")
      fails=$(awk '$1 == "Aggregated" && $2 ~ /^[0-9]+$/ { sub(/\(.*/, "", $3); print $3; exit }' "$out")
      ;;
  esac
  requests=${requests:-0} fails=${fails:-0}
  local wall=0 user=0 sys=0 maxrss_kb=0
  read -r wall user sys maxrss_kb < <(tail -n1 "$tfile" 2>/dev/null) || true
  [[ $wall =~ ^[0-9.]+$ && $maxrss_kb =~ ^[0-9]+$ ]] || { wall=0 user=0 sys=0 maxrss_kb=0; }
  SUMMARY[$name]=$(awk -v users="$USERS" -v cpu="$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
    -v wall="$wall" -v maxrss="$maxrss_kb" -v req="$requests" -v f="$fails" -v st="$status" -v nf="$nofile" '
    NR == 1 { base = $2 }
    !seen && $4 == 0 { base = $2 }  # the last sample before the first connection
    $4 > 0 { seen = 1 }
    { if ($3 > hwm) hwm = $3; if ($4 > maxc) { maxc = $4; tmax = $1 }
      if (!tall && $4 >= users) tall = $1 }
    { rss[NR] = $2; conns[NR] = $4 }
    END {
      if (maxrss > hwm) hwm = maxrss  # /usr/bin/time sees the very end too
      n = 0  # the median RSS over the samples with the most users connected
      for (i = 1; i <= NR; i++) if (conns[i] == maxc) v[++n] = rss[i]
      for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
      plateau = n ? ((n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) : 0
      printf "%d %s %.1f %.1f %.1f %.2f %.2f %d %d %d %s\n", maxc, (tall ? tall : "-"), plateau / 1024, hwm / 1024,
        base / 1024, cpu, wall, req, f, st, nf
    }' "$samples")
  read -r mc ta rp hw br cpu w rq fl st nf <<<"${SUMMARY[$name]}"
  printf '  %-6s most connected %5d (all %s at %s s)  RSS %6s MiB (before the first connection %s MiB)  peak %6s MiB  cpu %6s s  requests %d  failures %d  exit %d  nofile %s\n' \
    "$name" "$mc" "$USERS" "$ta" "$rp" "$br" "$hw" "$cpu" "$rq" "$fl" "$st" "$nf"
  if ((st != 0)); then tail -n 5 "$out" | sed 's/^/    /' >&2; fi
}

declare -A SUMMARY=()
echo "open files: soft $NOFILE_SOFT, hard $NOFILE_HARD; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in "${GENERATORS[@]}"; do run_one "$name"; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

LOCUST_VERSION=$(dpkg-query -W -f '${Version}' python3-locust 2>/dev/null | sed 's/-[^-]*$//' || true)
CPU_NAME=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
TABLE=$(
  echo "| generator | users connected (most at once) | time to all $USERS | RSS while most connected (median) | peak RSS (VmHWM) | RSS per connected user | CPU s (user+sys) | requests | failures |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for name in "${GENERATORS[@]}"; do
    read -r mc ta rp hw br cpu w rq fl st nf <<<"${SUMMARY[$name]}"
    case $name in
      aria) label="aria-harness replay, ${REPLAY_TIME} s" ;;
      locust) label="Locust ${LOCUST_VERSION:-?} FastHttpUser, ${LOCUST_TIME} s, 1 process" ;;
    esac
    per_user=$(awk -v p="$rp" -v b="$br" -v n="$mc" 'BEGIN { printf (n > 0) ? "%.1f KiB" : "-", (p - b) * 1024 / n }')
    [[ $ta == - ]] && ta='not reached' || ta="$ta s"
    printf '| %s | %d | %s | %.1f MiB | %.1f MiB | %s | %.2f | %d | %d |\n' "$label" "$mc" "$ta" "$rp" "$hw" "$per_user" "$cpu" "$rq" "$fl"
  done
)
mkdir -p "$ROOT/bench/results"
REPORT=$ROOT/bench/results/idle_users.md
{
  echo "# $USERS idle users: generator memory and connections"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($CPU_NAME), $(uname -sr); target: aria-harness mock"
  echo "--threads 2 (a fresh one per generator); think time 600 s, one GET /api/health per user; spawn rate"
  echo "$SPAWN_RATE/s; open files: soft $NOFILE_SOFT, hard $NOFILE_HARD (as seen by each generator: aria ${SUMMARY[aria]##* },"
  echo "locust ${SUMMARY[locust]##* }). Sampled every ${SAMPLE_EVERY} s; RSS per user = (median RSS while most users were"
  echo "connected - RSS at the last sample before the first connection) / users connected. 1 MiB = 1024 KiB."
  echo
  echo "$TABLE"
  echo
  for name in "${GENERATORS[@]}"; do
    echo "Timeline, $name (every 4th sample, about 1 s apart: t_s VmRSS_kB VmHWM_kB established cpu_s):"
    echo
    awk 'NR % 4 == 1' "$TMP/$name.samples" | sed 's/^/    /'
    echo
    echo "Last lines of its output:"
    echo
    grep -v '^ *$' "$TMP/$name.out" | tail -n 12 | sed 's/^/    /'
    echo
  done
} >"$REPORT"
echo
echo "$TABLE"
echo
echo "written to $REPORT"

read -r mc ta rp hw br cpu w rq fl st nf <<<"${SUMMARY[aria]}"
status=0
if ((mc >= USERS)); then
  echo "PASS: aria-harness held all $USERS users connected at once"
else
  echo "FAIL: aria-harness held at most $mc of $USERS users connected at once" >&2
  status=1
fi
if awk -v h="$hw" -v g="$GOAL_RSS_MB" 'BEGIN { exit !(h * 1048576 < g * 1e6) }'; then
  echo "PASS: aria-harness peak RSS $hw MiB (goal: under $GOAL_RSS_MB MB, $(awk -v g="$GOAL_RSS_MB" 'BEGIN { printf "%.1f", g * 1e6 / 1048576 }') MiB)"
else
  echo "FAIL: aria-harness peak RSS $hw MiB (goal: under $GOAL_RSS_MB MB, $(awk -v g="$GOAL_RSS_MB" 'BEGIN { printf "%.1f", g * 1e6 / 1048576 }') MiB)" >&2
  status=1
fi
if ((fl > 0 || st != 0)); then
  echo "FAIL: aria-harness saw $fl failed requests (exit status $st)" >&2
  status=1
fi
exit "$status"
