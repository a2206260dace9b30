#!/usr/bin/env bash
# Graph pacing flags as a user meets them: --graph-budget, --deadline, --stats figures, and
# serve --graph-limits. Usage: pacing_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
cp -r examples/restrict-managed-identities "$work/m"
local_tenant

err=$(e plan --deadline soon "$work/m" 2>&1 >/dev/null); rc=$?
check "a bad --deadline exits 1" test $rc -eq 1
check "a bad --deadline says what a duration looks like" contains "$err" "--deadline: 'soon' is not a duration such as 30m, 90s or 2h"

err=$(e plan --graph-budget huge "$work/m" 2>&1 >/dev/null); rc=$?
check "an unknown --graph-budget is refused" test $rc -ne 0
check "the refusal names the flag" contains "$err" "--graph-budget"

err=$(e plan --graph-budget large --deadline 90s --stats "$work/m" 2>&1 >/dev/null); rc=$?
check "plan with a budget and a deadline runs (2: changes)" test $rc -eq 0 -o $rc -eq 2
check "--stats reports the budget spent" contains "$err" "Graph budget spent: "
check "--stats reports resource units and writes" contains "$err" " resource units, 0 writes;"
check "--stats reports wall time waiting" contains "$err" "s of wall time waiting on Graph's limits"

err=$("$bin" serve --graph-limits huge 2>&1); rc=$?
check "serve refuses an unknown --graph-limits" test $rc -ne 0
check "the refusal lists the presets" contains "$err" "small"

finish pacing_cli
