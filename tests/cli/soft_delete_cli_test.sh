#!/usr/bin/env bash
# Soft delete as on a real tenant: a pruned app goes to deleted items (its uniqueName stays taken);
# applying the manifest that wants it again restores it with its original appId (↺ restore in the
# plan, then its service principal created closed); --purge-deleted deletes it for good and creates
# a new one; 31 days of tenant time (POST /_emulator/clock) purge it and a create works.
# Usage: soft_delete_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
serve_tenant
e() { "$bin" "$@" "${g[@]}"; }
ca=$(field e.caFile); graph=$(field e.graph); key=$(field e.adminKey)
admin() { curl -sS --cacert "$ca" -X "$1" -H "X-Emulator-Key: $key" -H 'Content-Type: application/json' ${3:+-d "$3"} "$authority/_emulator/$2"; }
sign_in() {
  token=$(curl -sS --cacert "$ca" -d "client_id=$AZURE_CLIENT_ID&client_secret=$AZURE_CLIENT_SECRET&grant_type=client_credentials&scope=https://graph.microsoft.com/.default" \
    "$authority/$AZURE_TENANT_ID/oauth2/v2.0/token" | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
}
deleted_items() { curl -sS --cacert "$ca" -H "Authorization: Bearer $token" "$graph/directory/deletedItems/microsoft.graph.application"; }
live_appid() { curl -sS --cacert "$ca" -H "Authorization: Bearer $token" "$graph/applications(uniqueName='orders')" |
  node -pe 'JSON.parse(require("fs").readFileSync(0)).appId'; }

mkdir -p "$work/m"
printf 'version: 1\nsettings:\n  owner: x\n  prune: { apps: true }\nidentities:\n  centos-1: { managedIdentity: centos-1 }\n' >"$work/m/settings.yaml"
app() {
  printf 'version: 1\napps:\n  %s:\n    displayName: %s API\n    appRoles:\n      App.Use: { allowedMemberTypes: [ Application ] }\n    assignmentRequired: true\n    access:\n      App.Use: [ centos-1 ]\n' \
    "$1" "$1" >"$work/m/$1.yaml"
}
app keep; app orders
e apply --auto-approve "$work/m" >/dev/null 2>&1; rc=$?
check "m1 applied" test $rc -eq 0
sign_in
first=$(live_appid)
check "… orders has an appId" contains "$first" "-"

mv "$work/m/orders.yaml" "$work/orders.yaml"
out=$(e apply --auto-approve --allow-delete "$work/m" 2>&1); rc=$?
check "removing it from the manifest deletes it" test $rc -eq 0
check "… the delete says until when it can be restored" contains "$out" "restorable for 30 days: until about"
check "… and that tokens already issued for it stay valid until they expire" contains "$out" "Tokens already issued stay valid until they expire: every holder of a token for app.orders"
check "… up to 24 h for a managed identity, with the latest time" contains "$out" "up to 24 h for a managed identity"
check "… in the plan and in the apply summary" test "$(grep -c 'Tokens already issued stay valid' <<<"$out")" -eq 2
check "… it is in deleted items" contains "$(deleted_items)" "\"appId\":\"$first\""

mv "$work/orders.yaml" "$work/m/orders.yaml"
out=$(e plan "$work/m" 2>&1); rc=$?
check "the manifest wants it again: the plan restores it" contains "$out" "↺ app.orders"
check "… showing its appId" contains "$out" "appId: \"$first\""
check "… and creates its service principal closed" contains "$out" "+ app.orders.service_principal"
check "… the summary counts the restore" contains "$out" "1 to restore"
json=$(e plan --format json "$work/m" 2>/dev/null)
check "… in JSON too" contains "$json" '"kind":"restore_app"'
md=$(e plan --format markdown "$work/m" 2>/dev/null)
check "… and in markdown" contains "$md" "is restored from deleted items with its appId"
out=$(e apply --auto-approve "$work/m" 2>&1); rc=$?
check "applying restores it" test $rc -eq 0
check "… with its original appId" test "$(live_appid)" = "$first"
check "… and it is no longer in deleted items" test "$(deleted_items | grep -c "$first")" -eq 0
e plan --detailed-exitcode "$work/m" >/dev/null 2>&1; rc=$?
check "… nothing is left to do (service principal, role and grant are back)" test $rc -eq 0

mv "$work/m/orders.yaml" "$work/orders.yaml"
e apply --auto-approve --allow-delete "$work/m" >/dev/null 2>&1
mv "$work/orders.yaml" "$work/m/orders.yaml"
out=$(e plan --purge-deleted "$work/m" 2>&1)
check "--purge-deleted plans a permanent delete" contains "$out" "deletes the application in deleted items for good"
check "… then a create" contains "$out" "+ app.orders "
out=$(e apply --auto-approve --purge-deleted "$work/m" 2>&1); rc=$?
check "… which applies" test $rc -eq 0
second=$(live_appid)
check "… with a new appId" test -n "$second" -a "$second" != "$first"
check "… and the old one is gone for good" test "$(deleted_items | grep -c "$first")" -eq 0

mv "$work/m/orders.yaml" "$work/orders.yaml"
e apply --auto-approve --allow-delete "$work/m" >/dev/null 2>&1
out=$(admin POST clock '{"advanceSeconds": 2678400}')
check "31 days of tenant time purge the deleted app and its service principal" contains "$out" '"purgedDeletedItems":2'
sign_in
mv "$work/orders.yaml" "$work/m/orders.yaml"
out=$(e plan "$work/m" 2>&1)
check "… then the plan creates it" contains "$out" "+ app.orders "
check "… without a restore" test "${out/↺/}" = "$out"
e apply --auto-approve "$work/m" >/dev/null 2>&1; rc=$?
check "… and the create works" test $rc -eq 0
check "… a third appId" test "$(live_appid)" != "$second"

finish "soft delete CLI"
