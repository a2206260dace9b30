#!/usr/bin/env bash
# `entragate token` says when the managed-identity endpoint handed out a token it had cached, as
# Azure's do: a second request gets the same token, and so does one after the identity's access
# was revoked (the token still carries the role). The cache lives with the local tenant's state.
# Usage: token_cache_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
cp -r examples/restrict-managed-identities "$work/m"
local_tenant

e apply --auto-approve "$work/m" >/dev/null 2>&1; rc=$?
check "the example applies" test $rc -eq 0

out=$(e token --identity centos-1 --resource testapp --protocol imds); rc=$?
check "a first token is issued" test $rc -eq 0
check "… and is not a cached one" contains "$out" "cached: no, issued now; handed out again until "
first=$out

out=$(e token --identity centos-1 --resource testapp --protocol imds); rc=$?
check "a second request gets a token" test $rc -eq 0
check "… the cached one, and says so" contains "$out" "cached: yes, issued "
check "… with what that means for a change of access" contains "$out" "access changed since then reaches"
check "… the same token (same exp)" test "$(grep '^  exp:' <<<"$out")" = "$(grep '^  exp:' <<<"$first")"
check "… and never the token itself" test "${out/eyJ/}" = "$out"

# Revoke centos-1: the manifest no longer lists it.
sed -i 's/App.Use: \[ centos-1 \]/App.Use: []/' "$work/m/testapp.yaml"
out=$(e apply --auto-approve "$work/m" 2>&1); rc=$?
check "the revoke applies" test $rc -eq 0
check "… and says that tokens already issued stay valid" contains "$out" "stay valid until they expire"

out=$(e token --identity centos-1 --resource testapp --protocol imds); rc=$?
check "after the revoke, the workload still gets its cached token" test $rc -eq 0
check "… which still carries the role" contains "$out" 'roles: ["App.Use"]'
check "… and says it is cached" contains "$out" "cached: yes"

out=$(e token --identity centos-1 --resource testapp --protocol appservice); rc=$?
check "the host's cache serves the App Service protocol too" contains "$out" "cached: yes"

finish "token cache CLI"
