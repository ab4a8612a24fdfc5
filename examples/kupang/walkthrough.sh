#!/usr/bin/env bash
# Kupang: annual appraisal, TPP by logged activity time, WITA reminders.
# A whole cycle for the sample agency Dinas Kependudukan dan Pencatatan Sipil Kota Kupang against a running kinerjad that has the
# kupang plugin loaded (see README.md next to this script). Needs an empty database.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../walkthrough-common.sh"

PLUGIN=kupang CODE=DUKCAPIL-KPG NAME="Dinas Kependudukan dan Pencatatan Sipil Kota Kupang" ZONE=Asia/Makassar
PERIODIC=none PERIOD=2025 MONTH=2025-03 YEAR=2025

cycle

step "TPP explained for one employee (paid by activity minutes)"
ctl tpp show "$(sed -n 3p "$here/employees.csv" | cut -d, -f1)" --month 2025-03
step "The plugin's reminder rule (weekdays 15:30 WITA)"
ctl reminder list
ctl reminder next --limit 5

step "Done"
