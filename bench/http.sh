#!/usr/bin/env bash
# http: POST /mobiles against mailboxd (durable: every 201 is fsynced) at 16, 64 and 256
# keep-alive connections, beside nginx answering `return 200` to the same requests with
# the same load generator (wrk, one thread) in the same run. Rates count successes
# (2xx) only; a run with non-2xx answers or socket errors has them in its errors column
# and is not compared. nginx starts only once mailboxd has gone idle after its load (its
# views and policies catch up after the last 201), so the two never share the cores.
# At 64 connections, the CPU time per send of each of mailboxd's thread roles (until it
# is idle again), beside nginx's CPU time per request.
# Writes JSON rows to $1, and "connections successes/s errors" lines to $1.rps.
#   bench/http.sh OUT.json [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=$1
seconds=${2:-5}
work=$(mktemp -d /var/tmp/mailbox-bench-http-XXXXXX)
mailboxd_pid=""
nginx_pid=""
cleanup() {
  [ -n "$mailboxd_pid" ] && kill "$mailboxd_pid" 2>/dev/null && wait "$mailboxd_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=18180
build/server/mailboxd --data "$work/data" --listen 127.0.0.1:$port --threads 1 --log-level warn >"$work/mailboxd.log" 2>&1 &
mailboxd_pid=$!
wait_http "http://127.0.0.1:$port/readyz"

cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx-body;
  server {
    listen 127.0.0.1:$((port + 1));
    location / { return 200 "ok"; }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" -g 'daemon off;' &
nginx_pid=$!
wait_http "http://127.0.0.1:$((port + 1))/"

# nginx_ticks: CPU clock ticks nginx's master and worker have used so far.
nginx_ticks() {
  local total=0 p
  for p in "$nginx_pid" $(pgrep -P "$nginx_pid"); do total=$((total + $(cpu_ticks "$p" || echo 0))); done
  echo "$total"
}

# How long mailboxd may stay busy after a run before nginx starts beside it anyway.
idle_bound=60
rows=()
: >"$out.rps"
for c in 16 64 256; do
  echo "http: $c connections, mailboxd (${seconds}s)..." >&2
  role_ticks "$mailboxd_pid" >"$work/ticks-before"
  read -r m_ok m_p50 m_p99 m_bad m_sock _ < <(run_wrk "http://127.0.0.1:$port/mobiles" "$c" "$seconds" "$port")
  m_errors=$((m_bad + m_sock))
  if [ "$m_errors" != 0 ]; then echo "http: mailboxd answered $m_bad non-2xx, and $m_sock socket errors" >&2; fi
  busy=$(wait_idle "$mailboxd_pid" "$idle_bound") ||
    echo "http: mailboxd still busy after ${idle_bound}s; nginx runs beside it" >&2
  role_ticks "$mailboxd_pid" >"$work/ticks-after"
  echo "http: $c connections, nginx (${seconds}s) after mailboxd was busy ${busy}s more..." >&2
  nginx_before=$(nginx_ticks)
  read -r n_ok n_p50 n_p99 n_bad n_sock _ < <(run_wrk "http://127.0.0.1:$((port + 1))/mobiles" "$c" "$seconds")
  nginx_after=$(nginx_ticks)
  n_errors=$((n_bad + n_sock))
  if [ "$n_errors" != 0 ]; then echo "http: nginx answered $n_bad non-2xx, and $n_sock socket errors" >&2; fi
  ratio=$(awk -v a="$m_ok" -v b="$n_ok" -v e="$((m_errors + n_errors))" 'BEGIN { if (e > 0 || b == 0) print "null"; else printf "%.4f", a / b }')
  echo "$c $m_ok $m_errors" >>"$out.rps"
  name="POST /mobiles, $c connections"
  rows+=("{\"benchmark\": \"http\", \"metric\": \"$name\", \"value\": $m_ok, \"unit\": \"successes/s\", \"errors\": $m_errors, \"reference\": \"nginx return 200, $c connections\", \"ratio\": $ratio}")
  rows+=("{\"benchmark\": \"http\", \"metric\": \"$name p50\", \"value\": $m_p50, \"unit\": \"us\", \"errors\": $m_errors, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"http\", \"metric\": \"$name p99\", \"value\": $m_p99, \"unit\": \"us\", \"errors\": $m_errors, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"http\", \"metric\": \"$name: mailboxd busy after the load\", \"value\": $busy, \"unit\": \"s\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"http\", \"metric\": \"nginx return 200, $c connections\", \"value\": $n_ok, \"unit\": \"successes/s\", \"errors\": $n_errors, \"reference\": \"\", \"ratio\": null}")
  if [ "$c" = 64 ]; then
    nginx_us=$(awk -v t=$((nginx_after - nginx_before)) -v hz="$(getconf CLK_TCK)" -v n="$n_ok" -v s="$seconds" \
      'BEGIN { printf "%.2f", (n > 0 ? t * 1e6 / hz / (n * s) : 0) }')
    sends=$(awk -v n="$m_ok" -v s="$seconds" 'BEGIN { printf "%.0f", n * s }')
    while IFS= read -r row; do rows+=("$row"); done < <(cpu_rows http "POST /mobiles, 64 connections, CPU per send" \
      "$work/ticks-before" "$work/ticks-after" "$sends" "nginx return 200, 64 connections: CPU per request" "$nginx_us")
    rows+=("{\"benchmark\": \"http\", \"metric\": \"nginx return 200, 64 connections: CPU per request\", \"value\": $nginx_us, \"unit\": \"us\", \"errors\": $n_errors, \"reference\": \"\", \"ratio\": null}")
  fi
done
# Latency at about half of the most successes/s seen above, mailboxd still running.
max_ok=$(sort -k2 -g -r "$out.rps" | head -1 | cut -d' ' -f2)
half=$(awk -v m="$max_ok" 'BEGIN { h = m / 2; printf "%.0f", (h < 1 ? 1 : h) }')
echo "http: latency with sends paced at $half/s (${seconds}s)..." >&2
build/bench/latency --port $port --send-rate "$half" --seconds "$seconds" --json "$work/latency.json" >/dev/null
while IFS= read -r line; do
  case "$line" in *'"benchmark"'*) rows+=("$(echo "$line" | sed 's/,$//; s/^ *//')") ;; esac
done <"$work/latency.json"

write_rows "$out" "${rows[@]}"
