# Shared steps of the sample agencies' walkthroughs (sourced by examples/<plugin-id>/walkthrough.sh).
# Runs one whole appraisal cycle against a running kinerjad with kinerjactl: agency and organisation, period,
# SKP, realisasi, activities and feedback, supervisor ratings and the plugin's `rating derive`, unit predicates
# and the distribution curve, closing the period, TPP compute/export/lock.
#
# Environment: KINERJACTL (default: kinerjactl on PATH), KINERJA_SOCKET (kinerjactl's own default otherwise),
# OUT (where the payroll CSV goes; default a temporary directory).

ctl() {
    echo "+ kinerjactl $*"
    "${KINERJACTL:-kinerjactl}" "$@"
}
step() { printf '\n== %s\n' "$*"; }

cycle() {
    local out="${OUT:-$(mktemp -d)}"
    step "Agency ${NAME} (${ZONE}) with the ${PLUGIN} plugin"
    ctl agency set --code "$CODE" --name "$NAME" --zone "$ZONE" --plugin "$PLUGIN"
    ctl plugin show "$PLUGIN"

    step "Organisation"
    ctl unit import "$here/units.csv"
    ctl employee import "$here/employees.csv"
    tail -n +2 "$here/unit-heads.csv" | while IFS=, read -r unit head; do ctl unit set-head "$unit" "$head"; done

    step "Period $YEAR (periodic: ${PERIODIC}), SKP planning"
    ctl period create $YEAR --periodic "$PERIODIC"
    ctl period advance $YEAR
    ctl skp import "$here/skp.json" --submit
    ctl skp approve --all --period $YEAR
    ctl skp list --period $YEAR --status approved | tail -n 3
    ctl period advance $YEAR
    if [ "$PERIOD" != "$YEAR" ]; then
        ctl period advance "$PERIOD"
        ctl period advance "$PERIOD"
    fi

    step "Monitoring: realisasi, daily activities, 360° feedback, attendance"
    ctl realisasi import "$here/realisasi.csv"
    ctl activity import "$here/activities.csv"
    ctl feedback import "$here/feedback.csv" --period "$PERIOD"
    ctl tpp attendance import "$here/attendance.csv" --month "$MONTH"
    ctl period show "$PERIOD"

    step "Ratings: the supervisors', then the ${PLUGIN} rules"
    ctl rating import "$here/ratings.csv" --period "$PERIOD"
    ctl rating derive --period "$PERIOD"
    ctl rating derive --period "$PERIOD" --apply

    step "Unit predicates and the distribution curve"
    ctl unit rate DINAS --period "$PERIOD" --predikat istimewa
    for unit in $(tail -n +3 "$here/unit-heads.csv" | cut -d, -f1); do
        ctl unit rate "$unit" --period "$PERIOD" --predikat baik
    done
    ctl appraisal curve --period "$PERIOD"

    step "Closing ${PERIOD}"
    ctl period advance "$PERIOD"
    ctl period advance "$PERIOD"
    ctl period show "$PERIOD"

    step "TPP ${MONTH}"
    ctl tpp base import "$here/base.csv"
    ctl tpp compute --month "$MONTH"
    ctl tpp export --month "$MONTH" "$out/payroll-$MONTH.csv"
    echo "payroll: $out/payroll-$MONTH.csv ($(($(wc -l < "$out/payroll-$MONTH.csv") - 1)) employees)"
    ctl tpp lock --month "$MONTH"
}
