#!/usr/bin/env bash
# Every example plans and applies on the local tenant with the seed shipped for it (examples/seeds),
# and the next plan is empty. Usage: examples_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
unset ENTRAGATE_ENV

# example directory → its seed, and the environment when the example declares environments
run_example() {
  local dir=$1 seed=$2 env=$3 state="$work/state-$(basename "$1")-$3"
  local args=(--target local --seed "examples/seeds/$seed.yaml" --local-state "$state")
  [ -n "$env" ] && args+=(--env "$env")
  local name="$dir${env:+ ($env)}"
  "$bin" plan "examples/$dir" "${args[@]}" >"$work/plan.txt" 2>&1; rc=$?
  check "$name plans" test $rc -eq 0
  check "… and would change something" grep -q "to create\|to add\|to grant" "$work/plan.txt"
  "$bin" apply --auto-approve "examples/$dir" "${args[@]}" >"$work/apply.txt" 2>&1; rc=$?
  check "$name applies" test $rc -eq 0
  check "… with nothing failed" grep -q " 0 failed" "$work/apply.txt"
  "$bin" plan --detailed-exitcode "examples/$dir" "${args[@]}" >/dev/null 2>&1; rc=$?
  check "… and the next plan is empty" test $rc -eq 0
}

run_example api-with-user-and-app-roles orders-api ""
run_example multi-team multi-team ""
run_example restrict-managed-identities two-vms ""
run_example environments environments-dev dev
run_example environments environments-prod prod

# access reads several PATHs as one set, as plan does (the applied multi-team set, named file by file).
mt=(--target local --seed examples/seeds/multi-team.yaml --local-state "$work/state-multi-team-")
out=$("$bin" access payments-api examples/multi-team/identities.yaml examples/multi-team/payments.yaml examples/multi-team/reporting.yaml "${mt[@]}" 2>&1); rc=$?
check "access APP PATH PATH PATH reads one set" test $rc -eq 0
check "… and finds nothing it would change" contains "$out" "no change to who can obtain a token"
out=$("$bin" access payments-api examples/multi-team/payments.yaml "${mt[@]}" 2>&1); rc=$?
check "… while one file of it alone is incomplete" test $rc -ne 0

# Every example directory is covered above.
for d in examples/*/; do
  d=$(basename "$d"); [ "$d" = seeds ] && continue
  check "example $d is run by this test" grep -q "^run_example $d " "$0"
done
finish "examples CLI"
