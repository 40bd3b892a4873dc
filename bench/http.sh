#!/usr/bin/env bash
# http: POST /mobiles against mailboxd (durable: every 201 is fsynced) at 16, 64 and 256
# keep-alive connections, beside nginx answering `return 200` to the same requests with
# the same load generator (wrk, one thread) in the same run. Writes JSON rows to $1.
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

# run_wrk URL CONNECTIONS -> "rps p50_us p99_us non2xx errors"
run_wrk() {
  wrk -t1 -c"$2" -d"${seconds}s" --latency -s bench/post_mobiles.lua "$1" |
    sed -n 's/^RESULT rps=\([0-9.]*\) p50_us=\([0-9]*\) p99_us=\([0-9]*\) non2xx=\([0-9]*\) socket_errors=\([0-9]*\)$/\1 \2 \3 \4 \5/p'
}

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

rows=()
: >"$out.rps"  # "connections req/s" lines for the peers' comparison
for c in 16 64 256; do
  echo "http: $c connections, mailboxd then nginx (${seconds}s each)..." >&2
  read -r m_rps m_p50 m_p99 m_bad m_err < <(run_wrk "http://127.0.0.1:$port/mobiles" "$c")
  read -r n_rps n_p50 n_p99 n_bad n_err < <(run_wrk "http://127.0.0.1:$((port + 1))/mobiles" "$c")
  if [ "$m_bad" != 0 ] || [ "$m_err" != 0 ]; then echo "http: mailboxd answered $m_bad non-2xx and $m_err socket errors" >&2; fi
  ratio=$(awk -v a="$m_rps" -v b="$n_rps" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')
  echo "$c $m_rps" >>"$out.rps"
  rows+=("{\"benchmark\": \"http\", \"metric\": \"POST /mobiles, $c connections\", \"value\": $m_rps, \"unit\": \"req/s\", \"reference\": \"nginx return 200, $c connections\", \"ratio\": $ratio}")
  rows+=("{\"benchmark\": \"http\", \"metric\": \"POST /mobiles, $c connections p50\", \"value\": $m_p50, \"unit\": \"us\", \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"http\", \"metric\": \"POST /mobiles, $c connections p99\", \"value\": $m_p99, \"unit\": \"us\", \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"http\", \"metric\": \"nginx return 200, $c connections\", \"value\": $n_rps, \"unit\": \"req/s\", \"reference\": \"\", \"ratio\": null}")
done
# Latency at about half of the most sends/s seen above, mailboxd still running.
max_rps=$(sort -k2 -n -r "$out.rps" | head -1 | cut -d' ' -f2)
half=$(awk -v m="$max_rps" 'BEGIN { printf "%.0f", m / 2 }')
echo "http: latency with sends paced at $half/s (${seconds}s)..." >&2
build/bench/latency --port $port --send-rate "$half" --seconds "$seconds" --json "$work/latency.json" >/dev/null
while IFS= read -r line; do
  case "$line" in *'"benchmark"'*) rows+=("$(echo "$line" | sed 's/,$//; s/^ *//')") ;; esac
done <"$work/latency.json"

write_rows "$out" "${rows[@]}"
