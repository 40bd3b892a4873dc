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
