#!/usr/bin/env bash
# Aceh: discipline caps Perilaku Kerja; awards and training needs.
# A whole cycle for the sample agency Badan Kepegawaian dan Pengembangan SDM Kabupaten Aceh Besar against a running kinerjad that has the
# aceh plugin loaded (see README.md next to this script). Needs an empty database.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../walkthrough-common.sh"

PLUGIN=aceh CODE=BKPSDM-ACEH NAME="Badan Kepegawaian dan Pengembangan SDM Kabupaten Aceh Besar" ZONE=Asia/Jakarta
PERIODIC=monthly PERIOD=2026-03 MONTH=2026-03 YEAR=2026

cycle

step "Plugin report: kebutuhan pelatihan"
ctl plugin report aceh kebutuhan_pelatihan --period 2026-03
step "Annual ratings and the plugin report penghargaan"
ctl rating import "$here/ratings.csv" --period 2026
ctl plugin report aceh penghargaan --period 2026

step "Done"
