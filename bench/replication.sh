#!/usr/bin/env bash
# replication: POST /mobiles successes per second at 64 connections (wrk, one thread)
# with the log shipped to NATS JetStream (--replicate, asynchronous) into an R1 stream
# (one nats-server) and an R3 stream (three on loopback), and in sync mode
# (--replicate-mode sync, each send answered once the R3 stream holds it, with its p99
# latency), each as a ratio to the unreplicated writer in the same run; the shipper's lag when the load stops and how
# long it takes to reach 0. Then a replica started empty against a stream of EVENTS
# events: events copied per second until ready, as a ratio to an offline rebuild of
# the views from the same log (mailbox-replay rebuild). Writes JSON rows to OUT.
#   bench/replication.sh OUT.json SECONDS EVENTS
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=$1
seconds=$2
events=$3
work=$(mktemp -d /var/tmp/mailbox-bench-replication-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # nats() runs in a command substitution: its servers are found by their config's path.
  pkill -f "$work/nats-" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port=18196
rows=()

metric() {  # metric PORT NAME -> its value
  # awk reads it all: an early exit would end curl with SIGPIPE, and pipefail the script.
  curl -fs "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 ~ "^"n"({|$)" && !found { print $2; found = 1 }'
}

# nats N [TAG]: starts N nats-servers (a cluster when N > 1) with store folders of their
# own (TAG tells runs apart); prints the client URLs, comma-separated, once every server
# is healthy in full: JetStream on, and in a cluster its metadata leader known (until
# then JetStream's API times out).
nats() {
  local n=$1 tag=${2:-} urls=() routes=()
  for i in $(seq 1 "$n"); do routes+=("nats-route://127.0.0.1:$((16250 + i))"); done
  for i in $(seq 1 "$n"); do
    local conf="$work/nats-$tag$n-$i.conf"
    {
      echo "server_name: bench$n-$i"
      echo "listen: 127.0.0.1:$((16220 + i))"
      echo "http: 127.0.0.1:$((16230 + i))"
      echo "jetstream { store_dir: \"$work/nats-$tag$n-$i\" }"
      if [ "$n" -gt 1 ]; then
        echo "cluster { name: bench, listen: 127.0.0.1:$((16250 + i)), routes: [$(IFS=,; echo "${routes[*]}")] }"
      fi
    } >"$conf"
    /usr/sbin/nats-server -c "$conf" >"$work/nats-$tag$n-$i.log" 2>&1 &
    pids+=($!)
    urls+=("nats://127.0.0.1:$((16220 + i))")
  done
  for i in $(seq 1 "$n"); do
    local healthy=""
    for _ in $(seq 1 1200); do
      curl -fs -o /dev/null "http://127.0.0.1:$((16230 + i))/healthz" && { healthy=1; break; }
      sleep 0.05
    done
    [ -n "$healthy" ] || { echo "replication: nats-server $tag$n-$i not healthy after 60 s" >&2; exit 1; }
  done
  (IFS=,; echo "${urls[*]}")
}

# nats_ticks: CPU clock ticks the running nats-servers of this run have used so far.
nats_ticks() {
  local total=0 p
  for p in $(pgrep -f "$work/nats-"); do total=$((total + $(cpu_ticks "$p" || echo 0))); done
  echo "$total"
}

stop_nats() {
  pkill -f "$work/nats-" 2>/dev/null || true
  sleep 0.5
}

# sends NAME ARGS...: mailboxd with ARGS, wrk for SECONDS; sets ok, errors, lag_end, drain.
sends() {
  local name=$1 data="$work/data-$1"
  shift
  mkdir -p "$data"
  build/server/mailboxd --data "$data" --listen 127.0.0.1:$port --threads 1 --log-level warn "$@" >"$work/mailboxd.log" 2>&1 &
  local pid=$!
  pids+=($pid)
  wait_http "http://127.0.0.1:$port/readyz"
  local bad sock
  role_ticks "$pid" >"$work/ticks-before"
  local nats_before
  nats_before=$(nats_ticks)
  read -r ok p50 p99 bad sock _ < <(run_wrk "http://127.0.0.1:$port/mobiles" 64 "$seconds" "$port")
  errors=$((bad + sock))
  if [ "$errors" != 0 ]; then  # which answers, and what mailboxd said about them
    echo "replication: $name: $bad answers outside 2xx, $sock socket errors; mailboxd's answers and last warnings:" >&2
    curl -fs "http://127.0.0.1:$port/metrics" | grep 'requests_total{route="POST /mobiles"' >&2 || true
    grep -E "warn|error" "$work/mailboxd.log" | tail -5 >&2 || true
  fi
  lag_end=$(metric $port mailbox_replication_lag_events)
  lag_end=${lag_end:-0}
  local started
  started=$(date +%s.%N)
  for _ in $(seq 1 600); do
    [ "$(metric $port mailbox_replication_lag_events)" = "0" ] && break
    [ -z "$(metric $port mailbox_replication_lag_events)" ] && break
    sleep 0.05
  done
  drain=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  wait_idle "$pid" 30 >/dev/null || true  # the views and policies catch up too
  role_ticks "$pid" >"$work/ticks-after"
  local sends
  sends=$(awk -v n="$ok" -v s="$seconds" 'BEGIN { printf "%.0f", n * s }')
  # CPU per send: mailboxd's in all, its shipper's, and the nats-servers'.
  cpu=$(cpu_rows replication "CPU per send" "$work/ticks-before" "$work/ticks-after" "$sends" "" 0 |
    awk -F'"value": ' '/: (shipper|all threads)"/ { split($2, v, ","); printf "%s ", v[1] }')
  nats_us=$(awk -v t=$(($(nats_ticks) - nats_before)) -v hz="$(getconf CLK_TCK)" -v n="$sends" \
    'BEGIN { printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0) }')
  kill "$pid" && wait "$pid" 2>/dev/null || true
}

ratio() { awk -v a="$1" -v b="$2" -v e="$3" 'BEGIN { if (e > 0 || b == 0) print "null"; else printf "%.4f", a / b }'; }

echo "replication: unreplicated writer (${seconds}s of sends)..." >&2
sends plain
base_ok=$ok base_errors=$errors base_p99=$p99
read -r base_cpu _ <<<"$cpu"
rows+=("{\"benchmark\": \"replication\", \"metric\": \"POST /mobiles, 64 connections, not replicated\", \"value\": $ok, \"unit\": \"successes/s\", \"errors\": $errors, \"reference\": \"\", \"ratio\": null}")
rows+=("{\"benchmark\": \"replication\", \"metric\": \"POST /mobiles, 64 connections, not replicated: p99 latency\", \"value\": $base_p99, \"unit\": \"us\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
rows+=("{\"benchmark\": \"replication\", \"metric\": \"not replicated: mailboxd CPU per send, all threads\", \"value\": $base_cpu, \"unit\": \"us\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
for n in 1 3; do
  echo "replication: writer shipping to an R$n stream (${seconds}s of sends)..." >&2
  urls=$(nats $n)
  sends "r$n" --replicate "$urls" --replicate-replicas $n
  stop_nats
  rows+=("{\"benchmark\": \"replication\", \"metric\": \"POST /mobiles, 64 connections, --replicate to R$n (async)\", \"value\": $ok, \"unit\": \"successes/s\", \"errors\": $errors, \"reference\": \"not replicated\", \"ratio\": $(ratio "$ok" "$base_ok" $((errors + base_errors)))}")
  read -r shipper_us all_us <<<"$cpu"
  rows+=("{\"benchmark\": \"replication\", \"metric\": \"R$n: mailboxd CPU per send, all threads\", \"value\": $all_us, \"unit\": \"us\", \"errors\": null, \"reference\": \"not replicated\", \"ratio\": $(ratio "$all_us" "$base_cpu" 0)}")
  rows+=("{\"benchmark\": \"replication\", \"metric\": \"R$n: mailboxd CPU per send, the shipper\", \"value\": $shipper_us, \"unit\": \"us\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"replication\", \"metric\": \"R$n: nats-servers' CPU per send\", \"value\": $nats_us, \"unit\": \"us\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"replication\", \"metric\": \"R$n: events not yet shipped when the load stopped\", \"value\": $lag_end, \"unit\": \"events\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"replication\", \"metric\": \"R$n: from the load's end to nothing left to ship\", \"value\": $drain, \"unit\": \"s\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
done

echo "replication: sync mode, an R3 stream (${seconds}s of sends)..." >&2
# Servers and a stream of their own: the R3 run above left its writer's log in MAILBOX.
urls=$(nats 3 sync-)
sends "r3-sync" --replicate "$urls" --replicate-replicas 3 --replicate-mode sync --replicate-stream SYNC
stop_nats
rows+=("{\"benchmark\": \"replication\", \"metric\": \"POST /mobiles, 64 connections, --replicate-mode sync to R3\", \"value\": $ok, \"unit\": \"successes/s\", \"errors\": $errors, \"reference\": \"not replicated\", \"ratio\": $(ratio "$ok" "$base_ok" $((errors + base_errors)))}")
rows+=("{\"benchmark\": \"replication\", \"metric\": \"sync R3: p99 latency\", \"value\": $p99, \"unit\": \"us\", \"errors\": null, \"reference\": \"not replicated: p99 latency\", \"ratio\": $(ratio "$p99" "$base_p99" 0)}")
read -r shipper_us all_us <<<"$cpu"
rows+=("{\"benchmark\": \"replication\", \"metric\": \"sync R3: mailboxd CPU per send, all threads\", \"value\": $all_us, \"unit\": \"us\", \"errors\": null, \"reference\": \"not replicated\", \"ratio\": $(ratio "$all_us" "$base_cpu" 0)}")
rows+=("{\"benchmark\": \"replication\", \"metric\": \"sync R3: nats-servers' CPU per send\", \"value\": $nats_us, \"unit\": \"us\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")

echo "replication: a replica catching up with $events events, beside an offline rebuild..." >&2
data="$work/catch-up"
mkdir -p "$data"
build/bench/fill "$data" "$events" >/dev/null
started=$(date +%s.%N)
build/tools/replay/mailbox-replay rebuild --data "$data" >/dev/null 2>&1
rebuild_s=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
urls=$(nats 1)
build/server/mailboxd --data "$data" --listen 127.0.0.1:$port --log-level warn --replicate "$urls" --replicate-stream CATCHUP >"$work/writer.log" 2>&1 &
writer=$!
pids+=($writer)
for _ in $(seq 1 60000); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break
  sleep 0.01
done
for _ in $(seq 1 6000); do
  [ "$(metric $port mailbox_replication_lag_events)" = "0" ] && break
  sleep 0.05
done
head=$(metric $port mailbox_log_head_position)
started=$(date +%s.%N)
build/server/mailboxd --data "$work/replica" --listen 127.0.0.1:$((port + 1)) --log-level warn --follow "$urls" --replicate-stream CATCHUP \
  --follow-max-lag 1 >"$work/replica.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60000); do
  curl -fs -o /dev/null "http://127.0.0.1:$((port + 1))/readyz" && break
  sleep 0.01
done
follow_s=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
copy_rate=$(awk -v n="$head" -v s="$follow_s" 'BEGIN { printf "%.0f", n / s }')
rebuild_rate=$(awk -v n="$head" -v s="$rebuild_s" 'BEGIN { printf "%.0f", n / s }')
rows+=("{\"benchmark\": \"replication\", \"metric\": \"offline rebuild of the views, $head events\", \"value\": $rebuild_rate, \"unit\": \"events/s\", \"errors\": null, \"reference\": \"\", \"ratio\": null}")
rows+=("{\"benchmark\": \"replication\", \"metric\": \"a replica started empty until ready (copy and views), $head events\", \"value\": $copy_rate, \"unit\": \"events/s\", \"errors\": null, \"reference\": \"offline rebuild of the views\", \"ratio\": $(ratio "$copy_rate" "$rebuild_rate" 0)}")
write_rows "$out" "${rows[@]}"
