#!/usr/bin/env bash
# --target graph end to end: `entragate serve --tls` plays Microsoft Graph and the identity platform
# over HTTPS, and plan/apply/drift/access/auth run against it exactly as against Azure, with the
# credential chain reading AZURE_* variables. Usage: graph_target_cli_test.sh ENTRAGATE
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"

"$bin" serve --tls --state "$work/tenant" >"$work/serve.json" 2>"$work/serve.log" &
serve=$!
trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/serve.json" ] && break; sleep 0.1; done
field() { node -e "const e=JSON.parse(require('fs').readFileSync('$work/serve.json','utf8').split('\n')[0]); console.log($1)"; }
export AZURE_CLIENT_ID=$(field e.operator.clientId) AZURE_TENANT_ID=$(field e.tenantId) AZURE_CLIENT_SECRET=$(field e.operator.clientSecret)
authority=$(field e.authority)
g=(--target graph --graph-url "$authority" --login-url "$authority" --ca-file "$(field e.caFile)")

out=$("$bin" auth status "${g[@]}"); rc=$?
check "auth status: the client secret from the environment" contains "$out" "Credential: client secret (AZURE_CLIENT_SECRET)"
check "… and the token's roles" contains "$out" "AppRoleAssignment.ReadWrite.All"
out=$("$bin" plan --detailed-exitcode examples/restrict-managed-identities "${g[@]}"); rc=$?
check "plan on Graph: exit 2 with changes" test $rc -eq 2
check "… naming Microsoft Graph as the target" contains "$out" "target: Microsoft Graph tenant $AZURE_TENANT_ID"
"$bin" apply --auto-approve examples/restrict-managed-identities "${g[@]}" >/dev/null 2>&1; rc=$?
check "apply on Graph" test $rc -eq 0
"$bin" drift examples/restrict-managed-identities "${g[@]}" >/dev/null; rc=$?
check "drift on Graph: no drift (exit 0)" test $rc -eq 0
out=$("$bin" access testapp "${g[@]}"); rc=$?
check "access on Graph" contains "$out" "centos-1"
out=$("$bin" token --identity centos-1 --resource testapp "${g[@]}"); rc=$?
check "token on Graph says it can only act as the current credential" contains "$out" "can only get a token as the current credential"
AZURE_CLIENT_SECRET=Wr0ng-Secret-Value-4711 "$bin" plan examples/restrict-managed-identities "${g[@]}" >"$work/out" 2>&1; rc=$?
check "a wrong secret fails with the identity platform's reason" contains "$(cat "$work/out")" "AADSTS7000215"
check "… and never echoes the secret" bash -c "! grep -q 'Wr0ng-Secret-Value-4711' '$work/out'"

finish "graph target CLI"
