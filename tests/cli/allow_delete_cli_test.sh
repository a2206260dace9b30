#!/usr/bin/env bash
# Deleting applications takes two keys: settings.prune.apps in the manifest and --allow-delete from
# the person applying (on apply, or recorded by plan -o FILE --allow-delete). Without the flag apply
# refuses before any write, naming the apps and the flag; plan shows the deletes and says so.
# Usage: allow_delete_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
local_tenant

# A pruning set names its owner (settings.owner); a loader that does not know the key yet gets the
# same manifest without it.
owner="  owner: team-a"
printf 'version: 1\nsettings:\n%s\n  prune: { apps: true }\n' "$owner" >"$work/probe.yaml"
"$bin" validate "$work/probe.yaml" >/dev/null 2>&1 || owner=""

mkdir -p "$work/m"
cat >"$work/m/settings.yaml" <<EOF
version: 1
settings:
$owner
  prune: { apps: true }
identities:
  centos-1: { managedIdentity: centos-1 }
EOF
app() {  # app KEY: a manifest file for one app that only centos-1 may call
  cat >"$work/m/$1.yaml" <<EOF
version: 1
apps:
  $1:
    displayName: $1 API
    appRoles:
      App.Use: { allowedMemberTypes: [ Application ] }
    assignmentRequired: true
    access:
      App.Use: [ centos-1 ]
EOF
}
app keep; app old-api; app older-api
e apply --auto-approve "$work/m" >/dev/null 2>&1; rc=$?
check "three apps applied" test $rc -eq 0

rm "$work/m/old-api.yaml" "$work/m/older-api.yaml"
out=$(e plan "$work/m"); rc=$?
check "plan shows the deletes" contains "$out" "- app.old-api"
check "… and says apply will need --allow-delete" contains "$out" "Note: this plan deletes applications ("
check "… naming each app" contains "$out" "app.old-api (old-api API, appId"
check "… both of them" contains "$out" "app.older-api (older-api API, appId"
check "… naming the flag" contains "$out" "apply will need --allow-delete"

out=$(e apply --auto-approve "$work/m" 2>&1); rc=$?
check "apply without --allow-delete: refused (exit 1)" test $rc -eq 1
check "… naming the apps" contains "$out" "this plan deletes applications: app.old"
check "… each of them" contains "$out" "app.old-api (old-api API, appId"
check "… both of them" contains "$out" "app.older-api (older-api API, appId"
check "… and the flag" contains "$out" "Deleting applications needs --allow-delete"
check "… before any write" bash -c "! grep -q 'applying' <<<\"\$1\"" _ "$out"
e access old-api >/dev/null 2>&1; rc=$?
check "… the app is still there" test $rc -eq 0

e plan "$work/m" -o "$work/plan.json" >/dev/null
out=$(e apply "$work/plan.json" 2>&1); rc=$?
check "a plan saved without --allow-delete: refused (exit 1)" test $rc -eq 1
check "… naming the flag" contains "$out" "Deleting applications needs --allow-delete"
e access older-api >/dev/null 2>&1; rc=$?
check "… nothing deleted" test $rc -eq 0

out=$(e plan "$work/m" -o "$work/allowed.json" --allow-delete); rc=$?
check "plan -o --allow-delete records the permission" contains "$out" "The saved plan records --allow-delete: applying it deletes app.old"
out=$(e apply "$work/allowed.json" 2>&1); rc=$?
check "that saved plan applies (exit 0)" test $rc -eq 0
check "… deleting both apps" contains "$out" "Apply complete: 2 done"
e access old-api >/dev/null 2>&1; rc=$?
check "… which are gone" test $rc -ne 0
e plan --detailed-exitcode "$work/m" >/dev/null; rc=$?
check "… and nothing is left to do" test $rc -eq 0

app old-api
e apply --auto-approve "$work/m" >/dev/null 2>&1
rm "$work/m/old-api.yaml"
e plan "$work/m" -o "$work/plan.json" >/dev/null
out=$(e apply "$work/plan.json" --allow-delete 2>&1); rc=$?
check "apply FILE --allow-delete: a plan saved without the flag applies" test $rc -eq 0
app old-api
e apply --auto-approve "$work/m" >/dev/null 2>&1
rm "$work/m/old-api.yaml"
out=$(e apply --auto-approve --allow-delete "$work/m" 2>&1); rc=$?
check "apply PATH --allow-delete deletes" test $rc -eq 0
check "… the app" contains "$out" "done      app.old-api"
e plan --detailed-exitcode "$work/m" >/dev/null; rc=$?
check "… and nothing is left to do" test $rc -eq 0

finish "allow-delete CLI"
