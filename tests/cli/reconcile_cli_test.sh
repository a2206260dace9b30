#!/usr/bin/env bash
# plan / apply / drift / token as a pipeline runs them: exit codes, saved plans (and their refusal
# when stale), report formats. Usage: reconcile_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
cp -r examples/restrict-managed-identities "$work/m"
local_tenant

out=$(e plan --detailed-exitcode "$work/m"); rc=$?
check "plan --detailed-exitcode: 2 when there are changes" test $rc -eq 2
check "plan names the target and tenant" contains "$out" "target: local tenant 7e8c5963-8c6b-472e-b9c9-43118267cdbf"
check "plan summary line" contains "$out" "Plan: 2 to create, 1 to update, 0 to delete, 1 to grant, 0 to revoke."
e plan "$work/m" >/dev/null; rc=$?
check "plan without --detailed-exitcode: 0" test $rc -eq 0

out=$(e drift "$work/m"); rc=$?
check "drift: 2 when the tenant differs" test $rc -eq 2

e apply "$work/m" </dev/null >/dev/null 2>"$work/err"; rc=$?
check "apply without a terminal needs --auto-approve" test $rc -eq 1
check "… and says so" contains "$(cat "$work/err")" "pass --auto-approve"

if command -v script >/dev/null; then
  # On a terminal apply asks; anything but "yes" cancels.
  out=$(printf 'no\n' | script -qec "$bin apply $work/m ${st[*]}" /dev/null 2>&1); rc=$?
  check "on a terminal apply asks for confirmation" contains "$out" "Only 'yes' will be accepted to approve."
  check "… and anything but yes cancels (exit 1)" test $rc -eq 1
  check "… saying so" contains "$out" "Apply cancelled."
  e plan --detailed-exitcode "$work/m" >/dev/null; rc=$?
  check "… leaving the tenant untouched" test $rc -eq 2
fi

e plan "$work/m" -o "$work/plan.json" >/dev/null; rc=$?
check "plan -o saves a plan" test -s "$work/plan.json"
check "the saved plan holds no secret or token" bash -c "! grep -Eqi 'secret|eyJ[A-Za-z0-9_-]{10,}|Bearer' '$work/plan.json'"
check "the saved plan is JSON" node -e "JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'))" "$work/plan.json"
out=$(e apply "$work/plan.json"); rc=$?
check "apply PLAN.json applies the saved plan" test $rc -eq 0
check "… every step done" contains "$out" "Apply complete: 4 done"
out=$(e apply "$work/plan.json" 2>&1); rc=$?
check "a saved plan is refused once the tenant moved on" test $rc -eq 1
check "… with a clear message" contains "$out" "the saved plan is stale: the tenant changed since it was made"

e plan --detailed-exitcode "$work/m" >/dev/null; rc=$?
check "after apply: no changes (exit 0)" test $rc -eq 0
e drift "$work/m" --format junit --output "$work/drift.xml"; rc=$?
check "drift: 0 when the tenant matches" test $rc -eq 0
check "junit report written" contains "$(cat "$work/drift.xml")" '<testcase classname="entragate.app" name="testapp"/>'

e plan "$work/m" -o "$work/stale.json" >/dev/null
sed -i 's/displayName: TestApp/displayName: TestApp v2/' "$work/m/testapp.yaml"
out=$(e apply "$work/stale.json" 2>&1); rc=$?
check "a saved plan is refused once the manifest changed" test $rc -eq 1
check "… saying the manifest changed" contains "$out" "the manifest files changed"

out=$(e drift "$work/m" --format markdown); rc=$?
check "drift after a manifest change: 2" test $rc -eq 2
check "markdown drift report" contains "$out" '| `~` | app.testapp |'
out=$(e drift "$work/m" --format json); rc=$?
check "json drift report says drifted" contains "$out" '"drifted":true'

out=$(e token --identity centos-1 --resource testapp); rc=$?
check "token for the allowed identity" test $rc -eq 0
check "… carries the role" contains "$out" 'roles: ["App.Use"]'
check "… and its signature verifies" contains "$out" "signature: valid"
out=$(e token --identity centos-2 --resource testapp --protocol imds); rc=$?
check "token for another identity is refused (exit 1)" test $rc -eq 1
check "… with AADSTS501051" contains "$out" "AADSTS501051"

out=$(e token --identity centos-1 --resource testapp --protocol imds); rc=$?
check "token through IMDS for the allowed identity" test $rc -eq 0
check "… carries the role" contains "$out" 'roles: ["App.Use"]'
out=$(e token --identity centos-2 --resource testapp --protocol appservice); rc=$?
check "token through App Service for another identity is refused" test $rc -eq 1
check "… with the platform's HTTP 500, as Azure answers" contains "$out" "refused (HTTP 500): An unexpected error occured while fetching the AAD Token."
check "… and a hint at the reason the platform keeps to itself" contains "$out" "the usual one is AADSTS501051"

err=$("$bin" -v plan "$work/m" "${st[@]}" 2>&1 >/dev/null)
check "--verbose logs each HTTP exchange" contains "$err" "http: POST "
check "… with Authorization redacted" contains "$err" "[Authorization: [redacted]]"
check "… and never a token" test "${err/eyJ/}" = "$err"

err=$(e plan "$work/m" --stats 2>&1 >/dev/null)
check "global flags may follow the command (--stats)" contains "$err" "stats: "

err=$("$bin" -v drift "$work/m" "${st[@]}" 2>&1 >/dev/null)
check "drift reads at low throttle priority" contains "$err" "[x-ms-throttle-priority: Low]"

echo "tenant: fabrikam.onmicrosoft.com" >> "$work/m/testapp.yaml"
out=$(e plan "$work/m" 2>&1); rc=$?
check "the tenant guard refuses another tenant" test $rc -eq 1
check "… with E0301" contains "$out" "error[E0301]"

out=$(e auth status); rc=$?
check "auth status names the credential" contains "$out" "Credential: the local tenant's operator application"
check "auth status shows the roles" contains "$out" "Application.ReadWrite.All"
check "auth status never prints the token" test "${out/eyJ/}" = "$out"

finish "reconcile CLI"
