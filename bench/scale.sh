#!/usr/bin/env bash
# scale: mailboxd over logs of growing size (0, then each SIZE given): time from start
# to ready, how long it then stays busy compacting (the sends wait for it), POST
# /mobiles successes (2xx) per second at 64 connections (wrk, one
# thread; non-2xx answers and socket errors go to the errors column, and such a run is
# not compared), and resident memory after that load. The logs are mailbox-like
# (bench/fill) with views built by mailbox-replay rebuild, as after a long life. Writes
# JSON rows to OUT.
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
base_ok=""
base_errors=0
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
  # Bounded: a mailboxd that dies or never catches up ends the run with a message.
  for _ in $(seq 1 60000); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break
    kill -0 "$pid" 2>/dev/null || { echo "scale: mailboxd exited at start: $(tail -3 "$work/mailboxd.log")" >&2; exit 1; }
    sleep 0.01
  done
  curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" || { echo "scale: mailboxd not ready after 10 minutes" >&2; exit 1; }
  ready=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
  # A log written in one burst (bench/fill, then the rebuild) leaves RocksDB compactions
  # to do, which a log grown over a long life has done as it went: the sends start once
  # mailboxd has gone idle (at most 5 minutes; the row below says how long it took).
  settled=$(wait_idle "$pid" 300) || echo "scale: mailboxd still busy 300 s after start; sending anyway" >&2
  read -r ok _ _ bad sock _ < <(run_wrk "http://127.0.0.1:$port/mobiles" 64 "$seconds" "$port")
  errors=$((bad + sock))
  if [ "$errors" != 0 ]; then echo "scale: mailboxd answered $bad non-2xx, and $sock socket errors" >&2; fi
  rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
  kill "$pid" && wait "$pid" || true
  pid=""
  rm -rf "$data"
  if [ -z "$base_ok" ]; then base_ok=$ok; base_errors=$errors; fi
  ratio=$(awk -v a="$ok" -v b="$base_ok" -v e="$((errors + base_errors))" 'BEGIN { if (e > 0 || b == 0) print "null"; else printf "%.4f", a / b }')
  rows+=("{\"benchmark\": \"scale\", \"metric\": \"log at $size events: POST /mobiles, 64 connections\", \"value\": $ok, \"unit\": \"successes/s\", \"errors\": $errors, \"reference\": \"log at 0 events\", \"ratio\": $ratio}")
  rows+=("{\"benchmark\": \"scale\", \"metric\": \"log at $size events: resident memory after the sends\", \"value\": $((rss_kb / 1024)), \"unit\": \"MB\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"scale\", \"metric\": \"log at $size events: start to ready\", \"value\": $ready, \"unit\": \"s\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"scale\", \"metric\": \"log at $size events: busy after ready (compactions), before the sends\", \"value\": $settled, \"unit\": \"s\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
done
write_rows "$out" "${rows[@]}"
