#!/usr/bin/env bash
# entragate access: who can get a token for an app and why; what a manifest change does to that;
# what an identity can reach. Usage: access_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
st=(--target local --local-state "$work/tenant")
e() { "$bin" "$@" "${st[@]}"; }
cp -r examples/restrict-managed-identities "$work/m"
e apply --auto-approve "$work/m" >/dev/null 2>&1

out=$(e access testapp); rc=$?
check "access APP exits 0" test $rc -eq 0
check "says assignment is required and what that means" contains "$out" "assignment required: yes — only the identities below can obtain a token"
check "lists the holder with role and type" bash -c '[[ "$1" =~ centos-1\ +ServicePrincipal\ +App\.Use ]]' _ "$out"
check "does not list identities without access" test "${out/centos-2/}" = "$out"

out=$(e access --format json testapp); rc=$?
check "json: machine-readable" contains "$out" '"assignmentRequired":true,"anyServicePrincipalCanGetToken":false'

sed -i -e 's/^  # centos-2:$/  centos-2:/' -e 's/^  #   managedIdentity: centos-2$/    managedIdentity: centos-2/' \
       -e 's/App.Use: \[ centos-1 \]/App.Use: [ centos-2 ]/' "$work/m/testapp.yaml"
out=$(e access testapp "$work/m"); rc=$?
check "with PATH: the effect of the change on access" contains "$out" "+ centos-2 gets App.Use"
check "… including who loses access" contains "$out" "- centos-1 loses App.Use"

sed -i 's/assignmentRequired: true/assignmentRequired: false/' "$work/m/testapp.yaml"
out=$(e access testapp "$work/m"); rc=$?
check "with PATH: switching assignment off is spelled out" contains "$out" "every service principal in the tenant can get a token"

out=$(e access --identity centos-1); rc=$?
check "access --identity lists the apps it can reach, with roles" bash -c '[[ "$1" =~ testapp\ +App\.Use ]]' _ "$out"
out=$(e access --identity centos-2); rc=$?
check "an identity without access reaches nothing" contains "$out" "(none)"
out=$(e access no-such-app 2>&1); rc=$?
check "an unknown app is an error" test $rc -eq 1
check "… saying so" contains "$out" "no application 'no-such-app'"

finish "access CLI"
