#!/usr/bin/env bash
# Man pages for kinerjad, kinerjactl and kinerja-portal, written by help2man from their --help and --version (ArgumentParser's
# generate-manual plugin needs a package plugin run at install time; help2man reads the same text).
# $1: folder with the built binaries; $2: the man1 folder to write kinerjad.1.gz and kinerjactl.1.gz into.
set -euo pipefail
bin=${1:?usage: man-pages.sh BIN_DIR MAN1_DIR}
out=${2:?usage: man-pages.sh BIN_DIR MAN1_DIR}
command -v help2man >/dev/null || { echo "man-pages: help2man missing (apt-get install help2man)" >&2; exit 1; }
mkdir -p "$out"
help2man --no-info --no-discard-stderr --section 1 --source Kinerja \
  --name "the Kinerja daemon: ASN performance management (SKP, realisasi, ratings, TPP) over a Unix socket" \
  "$bin/kinerjad" | gzip -9n > "$out/kinerjad.1.gz"
help2man --no-info --no-discard-stderr --section 1 --source Kinerja \
  --name "administer a running kinerjad: agency, staff, periods, SKP, appraisal, TPP, reminders" \
  "$bin/kinerjactl" | gzip -9n > "$out/kinerjactl.1.gz"
help2man --no-info --no-discard-stderr --section 1 --source Kinerja \
  --name "the Kinerja web portal for staff, supervisors and the public, in front of kinerjad's gateway socket" \
  "$bin/kinerja-portal" | gzip -9n > "$out/kinerja-portal.1.gz"
chmod 0644 "$out/kinerjad.1.gz" "$out/kinerjactl.1.gz" "$out/kinerja-portal.1.gz"
