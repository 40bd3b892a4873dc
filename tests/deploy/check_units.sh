#!/usr/bin/env bash
# Checks deploy/: systemd-analyze verify passes mailboxd.socket and mailboxd.service
# with no warning, against a root that holds systemd's own units and the built mailboxd
# at the path of the service's ExecStart= (the path docs/operations.md installs it to);
# and mailboxd.env names the variable of every flag that `mailboxd --help` lists.
#   check_units.sh REPOSITORY MAILBOXD
set -euo pipefail
repo=$1
mailboxd=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing: install systemd (scripts/deps)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

binary=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$repo/deploy/mailboxd.service")
[ -n "$binary" ] || { echo "mailboxd.service has no ExecStart=" >&2; exit 1; }
grep -qF "$binary" "$repo/docs/operations.md" ||
  { echo "docs/operations.md does not say where mailboxd is installed ($binary)" >&2; exit 1; }
mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root$(dirname "$binary")"
cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
cp "$repo/deploy/mailboxd.socket" "$repo/deploy/mailboxd.service" "$root/etc/systemd/system/"
cp "$mailboxd" "$root$binary"
if ! out=$(systemd-analyze verify --root="$root" --man=no mailboxd.socket mailboxd.service 2>&1) || [ -n "$out" ]; then
  echo "systemd-analyze verify: $out" >&2
  exit 1
fi

missing=0
# The help text wraps long names: join its lines and drop the spaces first.
for var in $("$mailboxd" --help | tr '\n' ' ' | tr -d ' ' | grep -o '\[MAILBOX_[A-Z0-9_]*\]' | tr -d '[]'); do
  if ! grep -q "^#\{0,1\}$var=" "$repo/deploy/mailboxd.env"; then
    echo "deploy/mailboxd.env has no line for $var" >&2
    missing=1
  fi
done
exit $missing
