#!/usr/bin/env bash
# Kotalama (C plugin): Perilaku Kerja from BerAKHLAK aspect ratings.
# A whole cycle for the sample agency Dinas Penanaman Modal dan PTSP Kotalama against a running kinerjad that has the
# kotalama plugin loaded (see README.md next to this script). Needs an empty database.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../walkthrough-common.sh"

PLUGIN=kotalama CODE=DPMPTSP-KTL NAME="Dinas Penanaman Modal dan PTSP Kotalama" ZONE=Asia/Jakarta
PERIODIC=quarterly PERIOD=2026-Q1 MONTH=2026-03 YEAR=2026

cycle

step "Plugin report: kebutuhan pelatihan"
ctl plugin report kotalama kebutuhan_pelatihan --period 2026-Q1

step "Done"
