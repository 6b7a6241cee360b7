# Helpers the benchmark scripts share; sourced, not run.

# Waits up to 10 s for a URL to answer 2xx.
wait_ready() {
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "error: $1 did not answer within 10 s" >&2
  return 1
}

# The median of column $1 of the rows on stdin (the mean of the middle two for an even count).
median() {
  sort -g -k"$1,$1" | awk -v c="$1" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
