# Helpers shared by the benchmark scripts (sourced, not run).

# wait_http URL: waits up to 10 s for URL to answer 2xx.
wait_http() {
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "$(basename "$0"): $1 did not come up" >&2
  exit 1
}

# write_rows FILE ROW...: writes the JSON objects ROW... as one JSON array to FILE.
write_rows() {
  local file=$1
  shift
  {
    echo "["
    local i=0
    for row in "$@"; do
      i=$((i + 1))
      if [ $i -lt $# ]; then echo "  $row,"; else echo "  $row"; fi
    done
    echo "]"
  } >"$file"
}

# cpu_ticks PID: clock ticks of user and system time PID has used so far (fields 14
# and 15 of /proc/PID/stat, counted after the command name, which may hold spaces).
# Fails when PID is gone.
cpu_ticks() {
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null
}

# role_ticks PID: "ROLE TICKS" lines, the CPU clock ticks PID's threads have used so
# far, summed by role from the threads' names (mailboxd names them): writer, http (every
# http-N), each view-NAME and each *-policy, shipper or replica, rocksdb (RocksDB's
# background threads), and other (the main thread and the rest).
role_ticks() {
  local task comm
  for task in /proc/"$1"/task/*; do
    comm=$(cat "$task/comm" 2>/dev/null) || continue
    case "$comm" in
      http-*) comm=http ;;
      rocksdb:*) comm=rocksdb ;;
      writer | view-* | *-policy | shipper | replica) ;;
      *) comm=other ;;
    esac
    awk -v role="$comm" '{ sub(/^.*\) /, ""); print role, $12 + $13 }' "$task/stat" 2>/dev/null
  done | awk '{ t[$1] += $2 } END { for (r in t) print r, t[r] }' | sort
}

# cpu_rows BENCHMARK METRIC BEFORE AFTER COUNT REFERENCE REF_US: JSON rows (one per line)
# of the CPU time per operation of each role between two role_ticks outputs (files
# BEFORE and AFTER), over COUNT operations, and the total, compared with REF_US (the
# reference's CPU per operation, named REFERENCE).
cpu_rows() {
  local bench=$1 metric=$2 before=$3 after=$4 count=$5 reference=$6 ref_us=$7 hz
  hz=$(getconf CLK_TCK)
  join -a 2 "$before" "$after" | awk -v b="$bench" -v m="$metric" -v n="$count" -v hz="$hz" \
    -v ref="$reference" -v ref_us="$ref_us" '
    { used = (NF == 3 ? $3 - $2 : $2); total += used
      printf "{\"benchmark\": \"%s\", \"metric\": \"%s: %s\", \"value\": %.2f, \"unit\": \"us\", \"errors\": null, \"reference\": \"\", \"ratio\": null}\n", b, m, $1, (n > 0 ? used * 1e6 / hz / n : 0) }
    END { us = (n > 0 ? total * 1e6 / hz / n : 0)
      printf "{\"benchmark\": \"%s\", \"metric\": \"%s: all threads\", \"value\": %.2f, \"unit\": \"us\", \"errors\": null, \"reference\": \"%s\", \"ratio\": %s}\n", b, m, us, ref, (ref_us > 0 ? sprintf("%.2f", us / ref_us) : "null") }'
}

# wait_idle PID BOUND: waits until PID has used under 5% of one core over half a
# second, at most BOUND seconds. Prints how long PID stayed busy (in steps of 0.5 s);
# returns 1 when it was still busy at the bound. A process that is gone is idle.
wait_idle() {
  local pid=$1 bound=$2 hz before after steps=0
  hz=$(getconf CLK_TCK)
  before=$(cpu_ticks "$pid") || { echo 0; return 0; }
  while [ $((steps * 5)) -lt $((bound * 10)) ]; do
    sleep 0.5
    after=$(cpu_ticks "$pid") || break
    if [ $(((after - before) * 40)) -lt "$hz" ]; then
      awk -v s="$steps" 'BEGIN { printf "%.1f\n", s / 2 }'
      return 0
    fi
    before=$after
    steps=$((steps + 1))
  done
  awk -v s="$steps" 'BEGIN { printf "%.1f\n", s / 2 }'
  [ -d "/proc/$pid" ] && return 1
  return 0
}

# mailboxd_non2xx PORT [TOKEN]: how many answers the mailboxd on PORT has given with a
# status outside 2xx since it started, from its /metrics (read with the bearer TOKEN, one
# with the mailbox:admin scope, when mailboxd checks tokens). Fails when it does not
# answer.
mailboxd_non2xx() {
  local metrics auth=()
  [ -n "${2:-}" ] && auth=(-H "Authorization: Bearer $2")
  metrics=$(curl -fs --max-time 5 "${auth[@]}" "http://127.0.0.1:$1/metrics") || return 1
  awk '/^mailbox_http_requests_total\{/ && !/status="2[0-9][0-9]"/ { n += $NF } END { print n + 0 }' <<<"$metrics"
}

# run_wrk [--threads N] [--senders FILE] [--metrics-token TOKEN] URL CONNECTIONS SECONDS
#         [MAILBOXD_PORT]
#   -> "successes_per_s p50_us p99_us non2xx socket_errors max_us"
# Sends bench/post_mobiles.lua's POSTs with wrk (one thread unless --threads, keep-alive;
# --senders is the script's senders file: who sends, with which token). non2xx is wrk's
# count of answers with a status of 400 or more; with MAILBOXD_PORT it is at least
# mailboxd's own count of answers outside 2xx during the run (read with --metrics-token
# when mailboxd checks tokens), since wrk takes 1xx and 3xx for successes. Successes are
# the answers that were not non2xx; socket errors (connect, read, write, timeout) are
# counted apart. The percentiles and the longest request (max_us) are wrk's, over every
# answer. A wrk that prints no result counts as one socket error.
run_wrk() {
  local threads=1 senders=() metrics_token=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --threads) threads=$2; shift 2 ;;
      --senders) senders=(-- "$2"); shift 2 ;;
      --metrics-token) metrics_token=$2; shift 2 ;;
      *) break ;;
    esac
  done
  local url=$1 connections=$2 seconds=$3 port=${4:-} before="" after="" result
  if [ -n "$port" ]; then before=$(mailboxd_non2xx "$port" "$metrics_token") || before=""; fi
  result=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s bench/post_mobiles.lua "$url" "${senders[@]}" |
    sed -n 's/^RESULT //p') || true
  if [ -n "$port" ]; then after=$(mailboxd_non2xx "$port" "$metrics_token") || after=""; fi
  if [ -z "$result" ]; then
    echo "$(basename "$0"): wrk printed no result for $url" >&2
    echo "0 0 0 0 1 0"
    return
  fi
  awk -v before="$before" -v after="$after" '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    bad = v["non2xx"]
    if (before != "" && after != "" && after - before > bad) bad = after - before
    ok = v["requests"] - bad
    if (ok < 0) ok = 0
    printf "%.1f %d %d %d %d %d\n", (v["seconds"] > 0 ? ok / v["seconds"] : 0), v["p50_us"], v["p99_us"], bad, v["socket_errors"], v["max_us"]
  }' <<<"$result"
}
