#!/usr/bin/env bash
# owners and servicePrincipalOwners as a user meets them: planned (text, JSON, saved and shown),
# applied through owners/$ref, an owner added out of band reported by drift (JUnit before → after)
# and removed by apply, exported; and the W0230 warning for a group holding a role that allows
# applications, on stderr and in the JSON diagnostics, while validate and plan still succeed.
# Usage: owners_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
serve_tenant
e() { "$bin" "$@" "${g[@]}"; }
ca=$(field e.caFile); graph=$(field e.graph)
token=$(curl -sS --cacert "$ca" -d "client_id=$AZURE_CLIENT_ID&client_secret=$AZURE_CLIENT_SECRET&grant_type=client_credentials&scope=https://graph.microsoft.com/.default" \
  "$authority/$AZURE_TENANT_ID/oauth2/v2.0/token" | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
get() { curl -sS --cacert "$ca" -H "Authorization: Bearer $token" "$graph/$1"; }
first_id() { node -pe 'const v=JSON.parse(require("fs").readFileSync(0)); (v.value ? v.value[0] : v).id'; }

m=$work/owners.yaml
cat >"$m" <<'EOF'
version: 1
identities:
  alice: { user: alice@contoso.onmicrosoft.com }
  centos-2: { managedIdentity: centos-2 }
  support: { group: Support Engineers }
apps:
  testapp:
    displayName: TestApp
    appRoles:
      App.Read: { allowedMemberTypes: [ Application, User ] }
    assignmentRequired: true
    access:
      App.Read: [ support ]
    owners: [ alice, client ]
    servicePrincipalOwners: [ centos-2 ]
  client:
    displayName: Client
EOF

out=$("$bin" validate "$m" 2>"$work/err"); rc=$?
check "validate: a warning does not fail it (exit 0)" test $rc -eq 0
check "… W0230 on stderr at the grant" contains "$(cat "$work/err")" "owners.yaml:13:19: warning[W0230]: app role 'App.Read' of app 'testapp' allows Application members, but it is granted to group 'support'"
check "… with the rule as hint" contains "$(cat "$work/err")" "a service principal in a group does not get the group's app roles in its app-only tokens"
check "… and the set is valid" contains "$out" "valid (1 file, 2 apps, 3 identities)"
json=$("$bin" validate --format json "$m" 2>/dev/null)
check "validate --format json: the warning is a diagnostic" \
  test "$(node -pe 'const j=JSON.parse(require("fs").readFileSync(0)); [j.valid, j.warning_count, j.diagnostics[0].severity, j.diagnostics[0].code, j.diagnostics[0].line].join(" ")' <<<"$json")" = "true 1 warning W0230 13"

out=$(e plan "$m" 2>"$work/err"); rc=$?
check "plan: exit 0 despite the warning" test $rc -eq 0
check "… the warning on stderr" contains "$(cat "$work/err")" "warning[W0230]"
check "… and in the plan" contains "$out" "warning: $m:13:19: [W0230]"
check "… adds the application's owners" contains "$out" "> app.testapp.owners[alice]"
check "… including an app of the set" contains "$out" "> app.testapp.owners[client]"
check "… and the service principal's" contains "$out" "> app.testapp.service_principal.owners[centos-2]"
check "… counted as grants" contains "$out" "4 to create, 0 to update, 0 to delete, 4 to grant, 0 to revoke"
out=$(e access --all "$m" 2>/dev/null)
check "the access review says who the plan lets change access" \
  bash -c '[[ "$1" == *"the plan makes alice an owner of the application"* && "$1" == *"the plan makes centos-2 an owner of its service principal"* ]]' _ "$out"
json=$(e plan --format json "$m" 2>/dev/null)
check "plan --format json: add_owner steps and the warning" \
  test "$(node -pe 'const j=JSON.parse(require("fs").readFileSync(0)); [j.changes.filter(c => c.kind === "add_owner").length, j.warnings.length, j.warnings[0].includes("[W0230]")].join(" ")' <<<"$json")" = "3 1 true"

e plan "$m" -o "$work/plan.json" >/dev/null 2>&1
out=$("$bin" show "$work/plan.json" 2>&1); rc=$?
check "show of the saved plan lists the owner steps" test $rc -eq 0 -a -n "$(grep -F '> app.testapp.service_principal.owners[centos-2]' <<<"$out")"
out=$("$bin" show --format markdown "$work/plan.json" 2>&1)
check "… and markdown says who becomes an owner" contains "$out" "**alice** becomes an owner of the application of **testapp**"
check "… and lists the warning" contains "$out" "#### Warnings (1)"
e apply "$work/plan.json" >"$work/apply.out" 2>&1; rc=$?
check "apply of the saved plan: exit 0" test $rc -eq 0
app=$(get "applications(uniqueName='testapp')" | first_id)
check "… alice owns the application" contains "$(get "applications/$app/owners")" "alice@contoso.onmicrosoft.com"
e plan --detailed-exitcode "$m" >/dev/null 2>&1; rc=$?
check "the next plan is empty (exit 0)" test $rc -eq 0

centos1=$(get "servicePrincipals?\$filter=displayName%20eq%20'centos-1'" | first_id)
status=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$ca" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"@odata.id\":\"$graph/directoryObjects/$centos1\"}" "$graph/applications/$app/owners/\$ref")
check "someone adds centos-1 as an owner out of band (204)" test "$status" = 204
out=$(e drift "$m" --format junit 2>/dev/null); rc=$?
check "drift: exit 2" test $rc -eq 2
check "… the JUnit case names the owner's removal as widening" contains "$out" "&lt; app.testapp.owners[centos-1] (widens access)"
check "… with its before → after" contains "$out" "owner: &quot;centos-1&quot; → (removed)"
out=$(e apply --auto-approve "$m" 2>&1); rc=$?
check "apply removes it: exit 0" test $rc -eq 0
check "… saying so" contains "$out" "done      app.testapp.owners[centos-1]"
check "… the application's owners are the manifest's again" test "$(get "applications/$app/owners" | node -pe 'JSON.parse(require("fs").readFileSync(0)).value.length')" = 2
e drift "$m" >/dev/null 2>&1; rc=$?
check "… and drift finds nothing (exit 0)" test $rc -eq 0

out=$(e export --unique-name testapp --unique-name client 2>/dev/null); rc=$?
check "export: exit 0" test $rc -eq 0
check "… writes the application's owners" contains "$out" "owners: [alice, client]"
check "… and the service principal's" contains "$out" "servicePrincipalOwners: [centos-2]"
printf '%s\n' "$out" >"$work/export.yaml"
e plan --detailed-exitcode "$work/export.yaml" >/dev/null 2>&1; rc=$?
check "… which plans with no changes (exit 0)" test $rc -eq 0

finish "owners CLI"
