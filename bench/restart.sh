#!/usr/bin/env bash
# restart: mailboxd restarted once under the http load, on a socket that outlives it
# (socket activation, with bench/socket_parent in systemd's place): POST /mobiles with
# wrk at 64 keep-alive connections for SECONDS, a SIGHUP to socket_parent halfway (it
# stops mailboxd with SIGTERM and starts it again on the same socket). Reports the
# requests that failed (non-2xx answers and socket errors; target 0), the longest
# request latency beside the time from SIGTERM to the next process ready, that time and
# the old process's part of it, and the rate beside the http benchmark's at 64
# connections (from RPS, its "connections successes/s errors" lines, when given).
# Writes JSON rows to OUT.
#   bench/restart.sh OUT.json SECONDS [RPS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=$1
seconds=$2
rps=${3:-}
work=$(mktemp -d /var/tmp/mailbox-bench-restart-XXXXXX)
parent_pid=""
cleanup() {
  [ -n "$parent_pid" ] && kill "$parent_pid" 2>/dev/null && wait "$parent_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=18197
build/bench/socket_parent 127.0.0.1:$port build/server/mailboxd --data "$work/data" --threads 1 --log-level warn \
  >"$work/parent.log" 2>&1 &
parent_pid=$!
wait_http "http://127.0.0.1:$port/readyz"

echo "restart: 64 connections for ${seconds}s, mailboxd restarted halfway..." >&2
run_wrk "http://127.0.0.1:$port/mobiles" 64 "$seconds" >"$work/wrk.out" &
wrk_pid=$!
sleep "$(awk -v s="$seconds" 'BEGIN { print s / 2 }')"
asked=$(date +%s.%N)
kill -HUP "$parent_pid"
# Bounded: the old process drains within its --drain-timeout-ms (8 s), the new one
# opens the log in well under a second.
ready=""
for _ in $(seq 1 3000); do
  if curl -fs -o /dev/null --max-time 30 "http://127.0.0.1:$port/readyz" && grep -q '^restarted' "$work/parent.log"; then
    ready=$(awk -v a="$asked" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
    break
  fi
  sleep 0.01
done
[ -n "$ready" ] || { echo "restart: mailboxd not ready 30 s after the restart: $(tail -3 "$work/parent.log")" >&2; exit 1; }
wait "$wrk_pid"
read -r ok _ _ bad sock max_us <"$work/wrk.out"
errors=$((bad + sock))
if [ "$errors" != 0 ]; then echo "restart: $bad non-2xx answers, and $sock socket errors" >&2; fi
exited=$(sed -n 's/^restarted exited_after_ms=//p' "$work/parent.log")
longest=$(awk -v u="$max_us" 'BEGIN { printf "%.0f", u / 1000 }')
ratio=$(awk -v a="$longest" -v b="$ready" -v e="$errors" 'BEGIN { if (e > 0 || b == 0) print "null"; else printf "%.4f", a / b }')
base=""
[ -n "$rps" ] && base=$(awk '$1 == 64 && $3 == 0 { print $2 }' "$rps")
rate_ratio=$(awk -v a="$ok" -v b="$base" -v e="$errors" 'BEGIN { if (e > 0 || b == "" || b == 0) print "null"; else printf "%.4f", a / b }')
name="POST /mobiles, 64 connections, one restart"
write_rows "$out" \
  "{\"benchmark\": \"restart\", \"metric\": \"$name: requests failed\", \"value\": $errors, \"unit\": \"requests\", \"errors\": $errors, \"reference\": \"\", \"ratio\": null}" \
  "{\"benchmark\": \"restart\", \"metric\": \"$name: longest request\", \"value\": $longest, \"unit\": \"ms\", \"errors\": $errors, \"reference\": \"SIGTERM to the next process ready\", \"ratio\": $ratio}" \
  "{\"benchmark\": \"restart\", \"metric\": \"SIGTERM to the next process ready\", \"value\": $ready, \"unit\": \"ms\", \"errors\": null, \"reference\": \"\", \"ratio\": null}" \
  "{\"benchmark\": \"restart\", \"metric\": \"SIGTERM to the old process's exit\", \"value\": $exited, \"unit\": \"ms\", \"errors\": null, \"reference\": \"\", \"ratio\": null}" \
  "{\"benchmark\": \"restart\", \"metric\": \"$name\", \"value\": $ok, \"unit\": \"successes/s\", \"errors\": $errors, \"reference\": \"POST /mobiles, 64 connections\", \"ratio\": $rate_ratio}"
