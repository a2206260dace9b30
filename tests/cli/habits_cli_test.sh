#!/usr/bin/env bash
# CLI habits of Terraform and az users: `show` for a saved plan, an unknown command named with the
# list of commands, single-dash long options refused with the two-dash spelling.
# Usage: habits_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
st=(--target local --local-state "$work/tenant")

"$bin" plan examples/restrict-managed-identities "${st[@]}" -o "$work/plan.json" >/dev/null 2>&1
before=$(ls "$work/tenant" | wc -l)
out=$("$bin" show "$work/plan.json" --no-color 2>&1); rc=$?
check "show renders a saved plan" test $rc -eq 0
check "… as the plan's text" contains "$out" "+ app.testapp.service_principal"
check "… with its summary" contains "$out" "Plan: 2 to create, 1 to update, 0 to delete, 1 to grant, 0 to revoke."
out=$("$bin" show "$work/plan.json" --format markdown 2>&1)
check "show --format markdown: the pull-request rendering" contains "$out" "#### Access changes"
out=$("$bin" show "$work/plan.json" --format json 2>&1)
check "show --format json: the plan itself" contains "$out" '"format_version":"1"'
check "show touches no tenant" test "$(ls "$work/tenant" | wc -l)" -eq "$before"
echo '{"not":"a plan"}' >"$work/other.json"
out=$("$bin" show "$work/other.json" 2>&1); rc=$?
check "show refuses a file that is not a plan" test $rc -eq 1
check "… saying so" contains "$out" "is not a saved entragate plan"

out=$("$bin" shwo "$work/plan.json" 2>&1); rc=$?
check "an unknown command is an error" test $rc -eq 1
check "… that names it, suggests the near one and lists the commands" \
  contains "$out" "unknown command 'shwo'. Did you mean 'show'? The commands are: validate, plan, apply, drift"

out=$("$bin" plan examples/restrict-managed-identities -out=plan.json "${st[@]}" 2>&1); rc=$?
check "-out=FILE is refused (CLI11 would read -o ut=FILE)" test $rc -eq 1
check "… with the two-dash spelling" contains "$out" "Did you mean '--out=plan.json'?"
check "… and no file named ut=plan.json appears" test ! -e "ut=plan.json"
out=$("$bin" plan -detailed-exitcode examples/restrict-managed-identities "${st[@]}" 2>&1); rc=$?
check "-detailed-exitcode gets the hint" contains "$out" "Did you mean '--detailed-exitcode'?"
out=$("$bin" apply -auto-approve examples/restrict-managed-identities "${st[@]}" 2>&1); rc=$?
check "-auto-approve is refused before anything is applied" test $rc -eq 1
check "… with the hint" contains "$out" "Did you mean '--auto-approve'?"

finish "habits CLI"
