#!/usr/bin/env bash
# Gajahmungkur: 360° appraisal including the public.
# A whole cycle for the sample agency Dinas Komunikasi dan Informatika Kecamatan Gajahmungkur against a running kinerjad that has the
# gajahmungkur plugin loaded (see README.md next to this script). Needs an empty database.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../walkthrough-common.sh"

PLUGIN=gajahmungkur CODE=DISKOMINFO-GJM NAME="Dinas Komunikasi dan Informatika Kecamatan Gajahmungkur" ZONE=Asia/Jakarta
PERIODIC=monthly PERIOD=2026-03 MONTH=2026-03 YEAR=2026

cycle

step "Plugin report: penghargaan (Sangat Baik, best 360° score first)"
ctl plugin report gajahmungkur penghargaan --period 2026-03

step "Done"
