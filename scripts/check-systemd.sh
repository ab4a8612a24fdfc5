#!/usr/bin/env bash
# CI check of the systemd units:
#  - `systemd-analyze verify` prints nothing (systemd 252 only warns on unknown settings, so any output fails);
#  - `systemd-analyze security --offline=true` rates kinerjad.service at an exposure of 2.0 or lower.
# $1: folder holding the built kinerjad (verify checks that ExecStart exists; the units point at the
# installed path, so a copy pointing at the built binary is verified, as `make install` would rewrite it).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: check-systemd.sh BIN_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e "s|/usr/local/bin/|$bin/|g" systemd/kinerjad.service > "$tmp/kinerjad.service"
cp systemd/kinerjad.socket systemd/kinerjad-gateway.socket "$tmp/"
out=$(systemd-analyze verify "$tmp/kinerjad.service" "$tmp/kinerjad.socket" "$tmp/kinerjad-gateway.socket" 2>&1) || { echo "systemd-analyze verify failed:"; echo "$out"; exit 1; }
if [ -n "$out" ]; then
  echo "systemd-analyze verify printed output (treated as failure):"; echo "$out"; exit 1
fi
sec=$(systemd-analyze security --offline=true systemd/kinerjad.service 2>&1)
level=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for kinerjad.service: \([0-9.]*\).*/\1/p')
if [ -z "$level" ]; then echo "systemd-analyze security gave no exposure level:"; echo "$sec"; exit 1; fi
if ! awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
  echo "kinerjad.service exposure $level is above 2.0:"; printf '%s\n' "$sec" | grep '✗'; exit 1
fi
# The portal's unit: verified the same way, exposure 2.5 or lower.
sed -e "s|/usr/local/bin/|$bin/|g" systemd/kinerja-portal.service > "$tmp/kinerja-portal.service"
out=$(systemd-analyze verify "$tmp/kinerja-portal.service" 2>&1) || { echo "systemd-analyze verify (portal) failed:"; echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "systemd-analyze verify (portal) printed output (treated as failure):"; echo "$out"; exit 1; fi
psec=$(systemd-analyze security --offline=true systemd/kinerja-portal.service 2>&1)
plevel=$(printf '%s\n' "$psec" | sed -n 's/.*Overall exposure level for kinerja-portal.service: \([0-9.]*\).*/\1/p')
if [ -z "$plevel" ] || ! awk -v l="$plevel" 'BEGIN { exit !(l <= 2.5) }'; then
  echo "kinerja-portal.service exposure '$plevel' is above 2.5:"; printf '%s\n' "$psec" | grep '✗'; exit 1
fi
# The template units (one daemon per agency), as an instance: verified the same way, exposure 2.0 or lower.
sed -e "s|/usr/local/bin/|$bin/|g" -e "s|^AssertPathExists=.*||" systemd/kinerjad@.service > "$tmp/kinerjad@demo.service"
cp systemd/kinerjad@.socket "$tmp/kinerjad@demo.socket"
out=$(systemd-analyze verify "$tmp/kinerjad@demo.service" "$tmp/kinerjad@demo.socket" 2>&1) || { echo "systemd-analyze verify (template) failed:"; echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "systemd-analyze verify (template) printed output (treated as failure):"; echo "$out"; exit 1; fi
tsec=$(systemd-analyze security --offline=true "$tmp/kinerjad@demo.service" 2>&1)
tlevel=$(printf '%s\n' "$tsec" | sed -n 's/.*Overall exposure level for kinerjad@demo.service: \([0-9.]*\).*/\1/p')
if [ -z "$tlevel" ] || ! awk -v l="$tlevel" 'BEGIN { exit !(l <= 2.0) }'; then
  echo "kinerjad@.service exposure '$tlevel' is above 2.0:"; printf '%s\n' "$tsec" | grep '✗'; exit 1
fi
echo "systemd units: verify clean, exposure $level (kinerjad), $tlevel (kinerjad@), $plevel (kinerja-portal)"
