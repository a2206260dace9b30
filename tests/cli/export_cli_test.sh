#!/usr/bin/env bash
# export as a user runs it: files written, the round trip (export, then plan: no changes), notes on
# stderr, refusals. Usage: export_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
local_tenant

e apply examples/restrict-managed-identities --auto-approve >/dev/null; rc=$?
check "the example applies" test $rc -eq 0

e export --tag entragate:managed -o "$work/managed" 2>"$work/err"; rc=$?
check "export --tag -o DIR: exit 0" test $rc -eq 0
check "… one file per app" test -f "$work/managed/testapp.yaml"
check "… says where it wrote" contains "$(cat "$work/err")" "Exported 1 file to $work/managed"
check "… the file starts with the schema line and version: 1" \
  test "$(head -2 "$work/managed/testapp.yaml")" = $'# yaml-language-server: $schema=https://entragate.dev/schemas/manifest.v1.schema.json\nversion: 1'
"$bin" validate "$work/managed" >/dev/null; rc=$?
check "… and it validates" test $rc -eq 0
e plan --detailed-exitcode "$work/managed" >/dev/null; rc=$?
check "round trip: plan on the export has no changes (exit 0)" test $rc -eq 0

e export --all -o "$work/all" 2>"$work/err"; rc=$?
check "export --all -o DIR: exit 0" test $rc -eq 0
check "… the app entragate did not make is adopted" grep -q "adopt: {appId: " "$work/all/entragate-operator.yaml"
check "… with a note on stderr" contains "$(cat "$work/err")" "note: app 'entragate-operator': made outside entragate: adopted by appId"
e plan --detailed-exitcode "$work/all" >/dev/null; rc=$?
check "round trip of everything: no changes (exit 0)" test $rc -eq 0

out=$(e export --unique-name testapp 2>"$work/err"); rc=$?
check "export to stdout: exit 0" test $rc -eq 0
check "… the manifest on stdout" contains "$out" $'apps:\n  testapp:\n    displayName: TestApp'
check "… the managed identity by display name" contains "$out" "centos-1: {managedIdentity: centos-1}"
check "… nothing on stderr" test ! -s "$work/err"

e export --unique-name testapp -o "$work/one.yaml" 2>/dev/null; rc=$?
check "export -o FILE.yaml writes one file" test $rc -eq 0 -a -f "$work/one.yaml"
e plan --detailed-exitcode "$work/one.yaml" >/dev/null; rc=$?
check "… which plans with no changes" test $rc -eq 0

out=$(e export --display-name centos-1 --app-id 00000003-0000-0000-c000-000000000000 2>&1); rc=$?
check "only skipped apps: exit 1" test $rc -eq 1
check "… a managed identity is skipped with a note" contains "$out" "'centos-1' (appId "
check "… so is Microsoft Graph" contains "$out" "is a Microsoft first-party application: skipped"
check "… and nothing is exported" contains "$out" "entragate: nothing to export"

out=$(e export 2>&1); rc=$?
check "no selection: exit 1" test $rc -eq 1
check "… saying what to choose" contains "$out" "--all"
out=$(e export --app-id not-a-guid 2>&1); rc=$?
check "--app-id must be a GUID: exit 1" test $rc -eq 1
check "… saying so" contains "$out" "is not a GUID"
e export --all --tag x >/dev/null 2>&1; rc=$?
check "--all excludes the other selectors" test $rc -eq 1

finish "export CLI"
