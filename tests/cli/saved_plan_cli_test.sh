#!/usr/bin/env bash
# Saved plans cannot be tampered with: `apply plan.json` plans again and runs only when the fresh plan
# is the saved one, so a hand-edited plan (an extra grant, a swapped principal, an extra payload
# property, a deleted step, a delete of an app entragate did not make, steps that wait on each
# other) is refused with the first difference named and nothing written. A saved plan applies from
# any working directory. Usage: saved_plan_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$(realpath "$1")  # the test changes directory
source "$(dirname "$0")/lib.sh"
st=(--target local --local-state "$work/tenant" --seed "$PWD/examples/seeds/two-vms.yaml")
e() { "$bin" "$@" "${st[@]}"; }
cp -r examples/restrict-managed-identities "$work/m"
e apply --auto-approve "$work/m" >/dev/null 2>&1

# The change to approve: centos-2 may call the API too, under a new display name.
sed -i -e 's/^  # centos-2:$/  centos-2:/' -e 's/^  #   managedIdentity: centos-2$/    managedIdentity: centos-2/' \
       -e 's/App.Use: \[ centos-1 \]/App.Use: [ centos-1, centos-2 ]/' -e 's/displayName: TestApp$/displayName: TestApp v2/' "$work/m/testapp.yaml"
e plan "$work/m" -o "$work/plan.json" >/dev/null; rc=$?
check "plan -o saves the change" test $rc -eq 0
digest() { node -e "console.log(JSON.parse(require('fs').readFileSync('$1','utf8')).observed_digest)"; }
saved_digest=$(digest "$work/plan.json")
check "the saved plan names the manifest by absolute path" \
  contains "$(node -e "console.log(JSON.parse(require('fs').readFileSync('$work/plan.json','utf8')).manifest.files[0])")" "$work/m/testapp.yaml"

# tamper NAME JS: writes $work/NAME.json, the saved plan with JS applied to it (p: the plan).
tamper() {
  node -e "
    const fs = require('fs');
    const p = JSON.parse(fs.readFileSync('$work/plan.json', 'utf8'));
    const step = (kind) => p.changes.find((c) => c.kind === kind);
    $2;
    fs.writeFileSync('$work/$1.json', JSON.stringify(p));"
}
# refused NAME MESSAGE: apply of the tampered plan exits 1 naming MESSAGE, and the tenant is as it was.
refused() {
  local out rc
  out=$(e apply "$work/$1.json" 2>&1); rc=$?
  check "$1: refused (exit 1)" test $rc -eq 1
  check "$1: the first difference is named" contains "$out" "$2"
  check "$1: nothing was written" contains "$out" "Nothing was changed."
  e plan "$work/m" --format json >"$work/fresh.json" 2>/dev/null
  check "$1: a fresh plan sees the tenant unchanged" test "$(digest "$work/fresh.json")" = "$saved_digest"
}

tamper extra-grant "const g = structuredClone(step('grant')); g.id = g.address = 'app.testapp.access[App.Use][ci-runner]';
  g.payload.principal = g.after.principal = 'ci-runner'; p.changes.push(g)"
refused extra-grant "step app.testapp.access[App.Use][ci-runner]: in the saved plan but not in a fresh plan"

tamper swapped-principal "const g = step('grant'); g.payload.principalId = '00000000-0000-0000-0000-00000000beef'"
refused swapped-principal "payload of step app.testapp.access[App.Use][centos-2] differs at principalId: the saved plan has \"00000000-0000-0000-0000-00000000beef\""

tamper extra-property "step('update_app').payload.web = { redirectUris: ['https://evil.example/callback'] }"
refused extra-property "payload of step app.testapp differs at web: the saved plan has {\"redirectUris\":[\"https://evil.example/callback\"]}, a fresh plan has nothing"

tamper deleted-step "p.changes = p.changes.filter((c) => c.kind !== 'grant')"
refused deleted-step "step app.testapp.access[App.Use][centos-2]: in a fresh plan but not in the saved plan"

legacy_app_id=$(e access legacy-client --format json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).app.appId))")
tamper delete-foreign "p.changes.push({ id: 'app.legacy-client', address: 'app.legacy-client', action: 'delete', kind: 'delete_app',
  app: 'legacy-client', before: { displayName: 'legacy-client', appId: '$legacy_app_id' }, after: {}, payload: {}, after_steps: [],
  source: {}, notes: [], widens_access_drift: false }); p.allow_delete = true"
refused delete-foreign "step app.legacy-client: in the saved plan but not in a fresh plan"
e access legacy-client >/dev/null 2>&1; rc=$?
check "delete-foreign: the app entragate did not make is still there" test $rc -eq 0

# A step graph that cannot run is refused when the plan is read, before the tenant is even planned.
check_load_refusal() {
  local out rc
  out=$(e apply "$work/$1.json" 2>&1); rc=$?
  check "$1: refused on load (exit 1)" test $rc -eq 1
  check "$1: naming the steps" contains "$out" "$2"
}
tamper cycle "step('update_app').after_steps.push(step('grant').id); step('grant').after_steps.push(step('update_app').id)"
check_load_refusal cycle "invalid plan: steps wait on each other, so none of them could ever run: app.testapp → app.testapp.access[App.Use][centos-2] → app.testapp"
tamper unknown-step "step('grant').after_steps.push('app.ghost')"
check_load_refusal unknown-step "step app.testapp.access[App.Use][centos-2] waits for step 'app.ghost', which is not in the plan"
tamper duplicate-id "p.changes.push(structuredClone(step('grant')))"
check_load_refusal duplicate-id "two steps have the id 'app.testapp.access[App.Use][centos-2]'"
e plan "$work/m" --format json >"$work/fresh.json" 2>/dev/null
check "after the refused graphs the tenant is unchanged" test "$(digest "$work/fresh.json")" = "$saved_digest"

# The untampered plan still applies — from another working directory, by absolute and by relative path.
mkdir -p "$work/elsewhere/deeper"
out=$(cd "$work/elsewhere/deeper" && "$bin" apply "$work/plan.json" "${st[@]}" 2>&1); rc=$?
check "the saved plan applies from another directory (absolute path)" test $rc -eq 0
check "… every step done" contains "$out" "Apply complete: 2 done"
cp -r examples/restrict-managed-identities "$work/m2"
(cd "$work" && "$bin" plan m2 -o plan2.json "${st[@]}" >/dev/null)
out=$(cd "$work/elsewhere" && "$bin" apply ../plan2.json "${st[@]}" 2>&1); rc=$?
check "a plan made with a relative manifest path applies from another directory (relative plan path)" test $rc -eq 0
check "… and does what it says (back to centos-1 only)" contains "$out" "Apply complete: 2 done"
e plan --detailed-exitcode "$work/m2" >/dev/null; rc=$?
check "… after which nothing is left to do" test $rc -eq 0

finish "saved plan CLI"
