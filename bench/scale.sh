#!/usr/bin/env bash
# scale: mailboxd over logs of growing size (0, then each SIZE given): time from start
# to ready, POST /mobiles rate at 64 connections (wrk, one thread), and resident memory
# after that load. The logs are mailbox-like (bench/fill) with views built by
# mailbox-replay rebuild, as after a long life. Writes JSON rows to OUT.
#   bench/scale.sh OUT.json SECONDS SIZE...
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=$1
seconds=$2
shift 2
work=$(mktemp -d /var/tmp/mailbox-bench-scale-XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=18195
rows=()
base_rps=""
for size in 0 "$@"; do
  data="$work/data-$size"
  mkdir -p "$data"
  if [ "$size" -gt 0 ]; then
    echo "scale: writing a log of $size events and building its views..." >&2
    build/bench/fill "$data" "$size" >/dev/null
    build/tools/replay/mailbox-replay rebuild --data "$data" >/dev/null 2>&1
  fi
  echo "scale: mailboxd over $size events (${seconds}s of sends)..." >&2
  started=$(date +%s.%N)
  build/server/mailboxd --data "$data" --listen 127.0.0.1:$port --threads 1 --log-level warn >"$work/mailboxd.log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do sleep 0.01; done
  ready=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  rps=$(wrk -t1 -c64 -d"${seconds}s" -s bench/post_mobiles.lua "http://127.0.0.1:$port/mobiles" |
    sed -n 's/^RESULT rps=\([0-9.]*\) .*/\1/p')
  rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
  kill "$pid" && wait "$pid" || true
  pid=""
  rm -rf "$data"
  [ -z "$base_rps" ] && base_rps=$rps
  ratio=$(awk -v a="$rps" -v b="$base_rps" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')
  rows+=("{\"benchmark\": \"scale\", \"metric\": \"log at $size events: POST /mobiles, 64 connections\", \"value\": $rps, \"unit\": \"req/s\", \"reference\": \"log at 0 events\", \"ratio\": $ratio}")
  rows+=("{\"benchmark\": \"scale\", \"metric\": \"log at $size events: resident memory after the sends\", \"value\": $((rss_kb / 1024)), \"unit\": \"MB\", \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"scale\", \"metric\": \"log at $size events: start to ready\", \"value\": $ready, \"unit\": \"s\", \"reference\": \"\", \"ratio\": null}")
done
write_rows "$out" "${rows[@]}"
