#!/usr/bin/env bash
# Bukittinggi: Hasil Kerja from target achievement (berbasis capaian), TPP 70/30.
# A whole cycle for the sample agency Badan Perencanaan Pembangunan Daerah Kota Bukittinggi against a running kinerjad that has the
# bukittinggi plugin loaded (see README.md next to this script). Needs an empty database.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../walkthrough-common.sh"

PLUGIN=bukittinggi CODE=BAPPEDA-BKT NAME="Badan Perencanaan Pembangunan Daerah Kota Bukittinggi" ZONE=Asia/Jakarta
PERIODIC=monthly PERIOD=2026-03 MONTH=2026-03 YEAR=2026

cycle

step "Appraisal list (Hasil Kerja set by the plugin)"
ctl appraisal list --period 2026-03 | head -n 8

step "Done"
