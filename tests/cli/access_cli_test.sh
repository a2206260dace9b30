#!/usr/bin/env bash
# entragate access: who can get a token for an app and why; what a manifest change does to that;
# what an identity can reach. Usage: access_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
local_tenant
cp -r examples/restrict-managed-identities "$work/m"
e apply --auto-approve "$work/m" >/dev/null 2>&1

out=$(e access testapp); rc=$?
check "access APP exits 0" test $rc -eq 0
check "says assignment is required and what that means" contains "$out" "assignment required: yes — only the identities below"
check "names one application" contains "$out" ": 1 application, 1 identity"
check "lists who can change access (the operator app)" bash -c '[[ "$1" == *"who can change access:"* && "$1" == *"entragate-operator"*"Application.ReadWrite.All"* ]]' _ "$out"
check "lists the holder with role and type" bash -c '[[ "$1" =~ centos-1\ +ServicePrincipal\ +App\.Use ]]' _ "$out"
check "does not list identities without access" test "${out/centos-2/}" = "$out"

out=$(e access --format json testapp); rc=$?
check "json: the access review document" bash -c '[[ "$1" == *'"'"'"format_version":"1"'"'"'* && "$1" == *'"'"'"assignmentRequired":true'"'"'* && "$1" == *'"'"'"anyIdentityCanGetToken":false'"'"'* ]]' _ "$out"
printf '%s\n' "$out" > "$work/one.json"
check "… validates against schemas/access.v1.schema.json" node tests/js/check-json-schema.mjs schemas/access.v1.schema.json "$work/one.json"
check "… with testapp alone" test "$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(j.apps.map(a=>a.key).join(","))' "$work/one.json")" = testapp
app_id=$(node -e 'const j=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(j.apps[0].appId)' "$work/one.json")
out=$(e access "$app_id"); rc=$?
check "APP may be its appId" bash -c '[[ $1 == 0 && "$2" == *"testapp (TestApp, appId $3)"* ]]' _ $rc "$out" "$app_id"
out=$(e access TestApp); rc=$?
check "… or its display name" bash -c '[[ $1 == 0 && "$2" =~ centos-1\ +ServicePrincipal\ +App\.Use ]]' _ $rc "$out"

sed -i -e 's/^  # centos-2:$/  centos-2:/' -e 's/^  #   managedIdentity: centos-2$/    managedIdentity: centos-2/' \
       -e 's/App.Use: \[ centos-1 \]/App.Use: [ centos-2 ]/' "$work/m/testapp.yaml"
out=$(e access testapp "$work/m"); rc=$?
check "with PATH: the effect of the change on access" contains "$out" "+ centos-2 gets App.Use"
check "… including who loses access" contains "$out" "- centos-1 loses App.Use"

sed -i 's/assignmentRequired: true/assignmentRequired: false/' "$work/m/testapp.yaml"
out=$(e access testapp "$work/m"); rc=$?
check "with PATH: switching assignment off is spelled out" contains "$out" "assignment stops being required: any identity in the tenant can get a token"

out=$(e access --identity centos-1); rc=$?
check "access --identity lists the apps it can reach, with roles" bash -c '[[ "$1" =~ testapp\ +App\.Use ]]' _ "$out"
out=$(e access --identity centos-2); rc=$?
check "an identity without access reaches nothing" contains "$out" "(none)"
out=$(e access no-such-app 2>&1); rc=$?
check "an unknown app is an error" test $rc -eq 1
check "… saying so" contains "$out" "no application 'no-such-app'"

out=$(e access --identity centos-1 --app testapp); rc=$?
check "--identity with --app: only that app" bash -c '[[ $1 == 0 && "$2" =~ testapp\ +App\.Use ]]' _ $rc "$out"
out=$(e access --app tesapp 2>&1); rc=$?
check "an unknown --app is an error with a did-you-mean" bash -c '[[ $1 == 1 && "$2" == *"--app tesapp: no such application"* && "$2" == *"did you mean '"'testapp'"'"* ]]' _ $rc "$out"

# An adopted app (no uniqueName) under a manifest key of its own: APP and --app take the key with PATH.
vms=(--target local --seed examples/seeds/two-vms.yaml --local-state "$work/vms")
"$bin" export --display-name legacy-client -o "$work/adopted" "${vms[@]}" >/dev/null 2>&1
sed -i 's/^  legacy-client:/  legacy:/' "$work/adopted/legacy-client.yaml"
out=$("$bin" access legacy "$work/adopted" "${vms[@]}" 2>&1); rc=$?
check "access KEY PATH finds an adopted app by its manifest key" bash -c '[[ $1 == 0 && "$2" == *"(legacy-client, appId "* ]]' _ $rc "$out"
out=$("$bin" access --app legacy "$work/adopted" --format json "${vms[@]}" 2>&1); rc=$?
check "… and so does --app KEY PATH" bash -c '[[ $1 == 0 && "$2" == *'"'"'"displayName":"legacy-client"'"'"'* ]]' _ $rc "$out"

finish "access CLI"
