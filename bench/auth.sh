#!/usr/bin/env bash
# auth: POST /mobiles with bearer tokens beside the same sends in open mode, in one run:
# three mailboxd, each on fresh data, one in open mode (no keys), one checking HS256
# tokens (a random secret) and one checking ES256 tokens (a P-256 key made by openssl),
# both made here. 64 keep-alive connections, one wrk thread each, so that each
# connection sends as its own sender with its own token (the body's user is the token's
# sub; open mode sends as the same numbers, without a token). The modes take turns,
# open, HS256, ES256, ES256, HS256, open, SECONDS each, so that a drift in the machine's
# load weighs on all three alike; a mode's rate is the mean of its two turns. Each turn
# starts once the previous mailboxd has gone idle. Rates count successes (2xx) only; a
# mode with non-2xx answers (a refused token is a 401) or socket errors has them in its
# errors column and is not compared. Writes JSON rows to $1.
#   bench/auth.sh OUT.json [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
out=$1
seconds=${2:-5}
connections=64
work=$(mktemp -d /var/tmp/mailbox-bench-auth-XXXXXX)
declare -A mailboxd_pid=()
cleanup() {
  for pid in "${mailboxd_pid[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

token=build/tools/token/mailbox-token
openssl rand -hex 32 >"$work/hs256.secret"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/es256.pem"
openssl pkey -in "$work/es256.pem" -pubout -out "$work/es256.pub.pem"

modes=(open hs256 es256)
declare -A name=([open]="open mode (no keys)" [hs256]="HS256 tokens" [es256]="ES256 tokens")
# With keys, sends are limited per user by default: the benchmark measures the tokens.
declare -A key_flags=([open]="" [hs256]="--auth-hs256-secret-file $work/hs256.secret --send-rate 0"
  [es256]="--auth-public-keys $work/es256.pub.pem --send-rate 0")
declare -A mint_flags=([open]="" [hs256]="--hs256-secret-file $work/hs256.secret"
  [es256]="--private-key $work/es256.pem")
declare -A port=([open]=18170 [hs256]=18171 [es256]=18172)
declare -A metrics_token
echo "auth: making keys and $connections tokens for each of HS256 and ES256..." >&2
for m in "${modes[@]}"; do
  : >"$work/$m.senders"
  for i in $(seq 1 "$connections"); do
    phone=$(printf '0102%07d' "$i")
    if [ "$m" = open ]; then
      echo "$phone" >>"$work/$m.senders"
    else
      # shellcheck disable=SC2086 # mint_flags holds a flag and its value
      echo "$phone $("$token" ${mint_flags[$m]} --sub "$phone" --ttl 1h)" >>"$work/$m.senders"
    fi
  done
  # shellcheck disable=SC2086
  [ "$m" = open ] || metrics_token[$m]=$("$token" ${mint_flags[$m]} --sub 01029999999 --scope mailbox:admin --ttl 1h)
  # shellcheck disable=SC2086 # key_flags holds a flag and its value, or nothing
  build/server/mailboxd --data "$work/data-$m" --listen "127.0.0.1:${port[$m]}" --threads 1 --log-level warn \
    ${key_flags[$m]} >"$work/mailboxd-$m.log" 2>&1 &
  mailboxd_pid[$m]=$!
done
for m in "${modes[@]}"; do wait_http "http://127.0.0.1:${port[$m]}/readyz"; done

declare -A ok errors
for m in "${modes[@]}"; do ok[$m]=0; errors[$m]=0; done
for m in open hs256 es256 es256 hs256 open; do
  echo "auth: $connections connections, ${name[$m]} (${seconds}s)..." >&2
  read -r m_ok _ _ m_bad m_sock _ < <(run_wrk --threads "$connections" --senders "$work/$m.senders" \
    --metrics-token "${metrics_token[$m]:-}" "http://127.0.0.1:${port[$m]}/mobiles" "$connections" "$seconds" "${port[$m]}")
  if [ "$((m_bad + m_sock))" != 0 ]; then echo "auth: ${name[$m]}: $m_bad non-2xx, and $m_sock socket errors" >&2; fi
  ok[$m]=$(awk -v a="${ok[$m]}" -v b="$m_ok" 'BEGIN { printf "%.1f", a + b / 2 }')
  errors[$m]=$((errors[$m] + m_bad + m_sock))
  wait_idle "${mailboxd_pid[$m]}" 60 >/dev/null || echo "auth: mailboxd (${name[$m]}) still busy after 60s" >&2
done

rows=()
reference="POST /mobiles, $connections connections, ${name[open]}"
for m in "${modes[@]}"; do
  metric="POST /mobiles, $connections connections, ${name[$m]}"
  if [ "$m" = open ]; then
    rows+=("{\"benchmark\": \"auth\", \"metric\": \"$metric\", \"value\": ${ok[$m]}, \"unit\": \"successes/s\", \"errors\": ${errors[$m]}, \"reference\": \"\", \"ratio\": null}")
    continue
  fi
  ratio=$(awk -v a="${ok[$m]}" -v b="${ok[open]}" -v e="$((errors[$m] + errors[open]))" 'BEGIN { if (e > 0 || b == 0) print "null"; else printf "%.4f", a / b }')
  rows+=("{\"benchmark\": \"auth\", \"metric\": \"$metric\", \"value\": ${ok[$m]}, \"unit\": \"successes/s\", \"errors\": ${errors[$m]}, \"reference\": \"$reference\", \"ratio\": $ratio}")
done
write_rows "$out" "${rows[@]}"
