#!/usr/bin/env bash
# peers: what users would otherwise run, measured on loopback in the same run as our
# HTTP benchmark, with the same 200-byte payload at the same client counts:
#   PostgreSQL INSERT into an events table (fsync and synchronous_commit on), by pgbench
#   Redis XADD with appendonly yes and appendfsync always, by redis-benchmark
# Installs them from Debian's packages if missing, starts private instances in a temp
# folder, stops them after. Rates count successes only, with failures beside them:
# pgbench's failed transactions and aborted clients; for Redis, the XADDs sent that did
# not land in the stream (its XLEN before and after). A row with failures is not
# compared. Writes JSON rows to OUT; MAILBOXD_RPS holds "connections successes/s errors"
# lines from bench/http.sh for the ratios.
#   bench/peers.sh OUT.json SECONDS MAILBOXD_RPS
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=$1
seconds=$2
mailboxd_rps=$3

missing=()
for p in postgresql redis-server redis-tools; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "peers: installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

work=$(mktemp -d /var/tmp/mailbox-bench-peers-XXXXXX)
chmod 755 "$work"
pg_port=18290
redis_port=18291
cleanup() {
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

payload=$(printf 'x%.0s' $(seq 1 200))

# PostgreSQL: a private cluster as the postgres user (it refuses to run as root).
mkdir -p "$work/pg" && chown postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg" -A trust >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=300" \
  start >/dev/null
psql -h 127.0.0.1 -p $pg_port -U postgres -q -c \
  "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, payload text NOT NULL)"
echo "INSERT INTO events (stream, payload) VALUES ('message-' || :client_id, '$payload');" >"$work/insert.sql"

# Redis with every write fsynced before it is answered.
redis-server --port $redis_port --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync always \
  --save '' --daemonize yes --logfile "$work/redis.log" >/dev/null
for _ in $(seq 1 100); do redis-cli -p $redis_port ping >/dev/null 2>&1 && break; sleep 0.05; done

# run_pgbench CLIENTS -> "tx/s failed": pgbench's rate of committed transactions and
# the ones that failed (its failed count, plus one per client it aborted). A pgbench
# that fails without saying why, or commits nothing (connecting the clients can take
# the whole run), counts as one failure.
run_pgbench() {
  local rc=0 tps processed failed aborted
  pgbench -h 127.0.0.1 -p $pg_port -U postgres -n -c "$1" -j 1 -T "$seconds" -f "$work/insert.sql" postgres \
    >"$work/pgbench.out" 2>&1 || rc=$?
  tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$work/pgbench.out" | head -1)
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/pgbench.out" | head -1)
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/pgbench.out" | head -1)
  aborted=$(grep -c 'aborted in command' "$work/pgbench.out" || true)
  failed=$((${failed:-0} + aborted))
  if [ "$failed" = 0 ] && { [ "$rc" != 0 ] || [ "${processed:-0}" = 0 ]; }; then failed=1; fi
  if [ "$failed" != 0 ]; then
    echo "peers: pgbench, $1 clients: $failed failed, ${processed:-0} committed ($(grep -m1 'error' "$work/pgbench.out"))" >&2
  fi
  echo "${tps:-0} $failed"
}

# run_redis CLIENTS -> "successes/s failed": redis-benchmark's XADDs that landed in the
# stream, per second, and the ones that did not.
run_redis() {
  local requests before after rps stored
  requests=$(awk -v s="$seconds" 'BEGIN { print int(s * 40000) }')
  before=$(redis-cli -p $redis_port XLEN bench) || before=""
  rps=$(redis-benchmark -p $redis_port -c "$1" -n "$requests" -q XADD bench '*' payload "$payload" 2>/dev/null |
    tr '\r' '\n' | sed -n 's/^XADD.*: \([0-9.]*\) requests per second.*/\1/p' | tail -1) || true
  after=$(redis-cli -p $redis_port XLEN bench) || after=""
  stored=0
  [ -n "$before" ] && [ -n "$after" ] && stored=$((after - before))
  if [ "$stored" != "$requests" ]; then echo "peers: redis, $1 clients: $stored of $requests XADDs stored" >&2; fi
  awk -v r="${rps:-0}" -v n="$requests" -v s="$stored" 'BEGIN { printf "%.1f %d\n", r * s / n, n - s }'
}

ratio() {
  awk -v a="$1" -v b="$2" -v e="$3" 'BEGIN { if (e > 0 || a == "" || b == "" || b == 0) print "null"; else printf "%.4f", a / b }'
}

rows=()
for c in 16 64 256; do
  echo "peers: $c clients, postgres then redis (${seconds}s each)..." >&2
  read -r pg pg_failed < <(run_pgbench "$c")
  read -r rd rd_failed < <(run_redis "$c")
  read -r m m_errors < <(awk -v c="$c" '$1 == c { print $2, $3 }' "$mailboxd_rps") || true
  m=${m:-0}
  m_errors=${m_errors:-1}
  rows+=("{\"benchmark\": \"peers\", \"metric\": \"postgres INSERT (fsync, synchronous_commit), $c clients\", \"value\": $pg, \"unit\": \"tx/s\", \"errors\": $pg_failed, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"peers\", \"metric\": \"redis XADD (appendfsync always), $c clients\", \"value\": $rd, \"unit\": \"successes/s\", \"errors\": $rd_failed, \"reference\": \"\", \"ratio\": null}")
  rows+=("{\"benchmark\": \"peers\", \"metric\": \"POST /mobiles, $c connections\", \"value\": $m, \"unit\": \"successes/s\", \"errors\": $m_errors, \"reference\": \"redis XADD (appendfsync always), $c clients\", \"ratio\": $(ratio "$m" "$rd" $((m_errors + rd_failed)))}")
  rows+=("{\"benchmark\": \"peers\", \"metric\": \"POST /mobiles, $c connections\", \"value\": $m, \"unit\": \"successes/s\", \"errors\": $m_errors, \"reference\": \"postgres INSERT, $c clients\", \"ratio\": $(ratio "$m" "$pg" $((m_errors + pg_failed)))}")
done
write_rows "$out" "${rows[@]}"
