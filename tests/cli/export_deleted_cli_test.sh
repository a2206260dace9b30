#!/usr/bin/env bash
# export skips applications that are in deleted items (soft-deleted, restorable for 30 days) and
# says so on stderr, whichever selector named them. Usage: export_deleted_cli_test.sh ENTRAGATE
# (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
local_tenant

mkdir -p "$work/m"
printf 'version: 1\nsettings:\n  owner: x\n  prune: { apps: true }\n' >"$work/m/settings.yaml"
for key in keep orders; do printf 'version: 1\napps:\n  %s:\n    displayName: %s API\n' "$key" "$key" >"$work/m/$key.yaml"; done
e apply --auto-approve "$work/m" >/dev/null 2>&1; rc=$?
check "two apps applied" test $rc -eq 0
rm "$work/m/orders.yaml"
e apply --auto-approve --allow-delete "$work/m" >/dev/null 2>&1; rc=$?
check "one deleted (into deleted items)" test $rc -eq 0

e export --all -o "$work/all" 2>"$work/err"; rc=$?
err=$(cat "$work/err")
check "export --all: exit 0" test $rc -eq 0
check "… the live app is exported" test -f "$work/all/keep.yaml"
check "… the deleted one is not" test ! -e "$work/all/orders.yaml"
check "… and a note says why" contains "$err" "note: 'orders API' (appId "
check "… naming its uniqueName and that it is in deleted items" contains "$err" ", uniqueName orders) is in deleted items since "
check "… and how it comes back" contains "$err" "applying a manifest that wants it restores it"

e export --unique-name orders 2>"$work/err" >/dev/null; rc=$?
err=$(cat "$work/err")
check "export --unique-name of a deleted app: nothing to export (exit 1)" test $rc -eq 1
check "… says it is in deleted items" contains "$err" "is in deleted items since"
check "… instead of 'no application has uniqueName'" test "${err/no application has uniqueName/}" = "$err"

finish "export of deleted apps CLI"
