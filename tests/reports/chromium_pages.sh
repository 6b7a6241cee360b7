#!/usr/bin/env bash
# The report, compare and trend pages in a real browser: headless Chromium opens each page from
# disk, with no console message and no failed load, and saves a screenshot next to the test.
#   usage: chromium_pages.sh ARIA_BINARY OUT_DIR
# Exits 77 (skipped) when no chromium is installed; scripts/install-deps installs Debian's.
set -euo pipefail
BIN=$1
OUT=$2
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $CHROMIUM ]]; then
  echo "SKIPPED: chromium is not installed (scripts/install-deps installs it)"
  exit 77
fi
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/aria-chromium.XXXXXX)
MOCK_PID=''
cleanup() {
  [[ -n $MOCK_PID ]] && kill "$MOCK_PID" 2>/dev/null && wait "$MOCK_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" mock --listen 127.0.0.1:0 --threads 1 --llm-latency 10ms >"$WORK/mock.log" 2>&1 &
MOCK_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$WORK/mock.log" && break; sleep 0.1; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/mock.log" | head -1)
[[ -n $URL ]] || { echo "the stand-in did not start"; cat "$WORK/mock.log"; exit 1; }

for i in 1 2; do
  "$BIN" replay --db "$WORK/runs.db" --host "$URL" --users 10 --spawn-rate 20 --run-time 3s --quiet \
    --label '<b>nightly</b>' --threshold 'fail_rate<1%' --html "$WORK/report.html" >/dev/null
done
"$BIN" compare --db "$WORK/runs.db" 1 2 -o "$WORK/compare.html" >/dev/null || true  # exit 1 would be a regression; the page is what counts here
"$BIN" trend --db "$WORK/runs.db" -o "$WORK/trend.html" --quiet

status=0
for page in report compare trend; do
  log="$WORK/$page.chromium.log"
  shot="$OUT/$page.png"
  rm -f "$shot"
  if ! timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
      --enable-logging=stderr --v=0 --window-size=1200,2400 --screenshot="$shot" "file://$WORK/$page.html" \
      >"$log" 2>&1; then
    echo "FAIL: chromium could not open $page.html"; cat "$log"; status=1; continue
  fi
  if grep -E "CONSOLE|Uncaught|ERR_|Failed to load" "$log"; then
    echo "FAIL: $page.html logged the lines above in the browser"; status=1
  fi
  size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
  if ((size < 10000)); then
    echo "FAIL: no screenshot of $page.html (size $size)"; status=1
  else
    echo "ok: $page.html opened with no console message; screenshot $shot ($size bytes)"
  fi
done
exit $status
