#!/usr/bin/env bash
# Operator safety as a person meets it: no silent default target where Azure (or CI) was meant,
# the tenant named in the plan and at the confirmation, --auth, one process per local tenant, and
# no crash on bad local state. Usage: safety_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
m=examples/restrict-managed-identities
# Run with a clean environment: none of the caller's Azure or CI variables leak in.
clean() { env -u CI -u ENTRAGATE_TARGET -u ENTRAGATE_AUTH -u ENTRAGATE_ACCESS_TOKEN -u IDENTITY_ENDPOINT -u IDENTITY_HEADER \
  -u ACTIONS_ID_TOKEN_REQUEST_URL -u ACTIONS_ID_TOKEN_REQUEST_TOKEN -u AZURE_CLIENT_ID -u AZURE_TENANT_ID -u AZURE_CLIENT_SECRET \
  -u AZURE_CLIENT_CERTIFICATE_PATH -u AZURE_FEDERATED_TOKEN_FILE -u AZURE_POD_IDENTITY_AUTHORITY_HOST "$@"; }

# --- the target must be explicit where Azure or CI is in the environment --------------------------
refused() {  # refused NAME VAR=VALUE COMMAND...: the command is refused, names both choices, writes nothing
  local name=$1 var=$2; shift 2
  local state="$work/never-$RANDOM"
  out=$(clean "$var" "$bin" "$@" --local-state "$state" 2>&1); rc=$?
  check "$name: refused (exit 1)" test $rc -eq 1
  check "$name: names --target local and --target graph" bash -c '[[ "$1" == *"--target local"* && "$1" == *"--target graph"* && "$1" == *ENTRAGATE_TARGET* ]]' _ "$out"
  check "$name: no local tenant was made" test ! -e "$state"
}
refused "CI=true plan" CI=true plan "$m"
refused "CI=true apply" CI=true apply --auto-approve "$m"
refused "CI=true drift" CI=true drift "$m"
refused "CI=true export" CI=true export --all
refused "CI=true access" CI=true access testapp
refused "CI=true token" CI=true token --identity centos-1 --resource testapp
refused "CI=true auth status" CI=true auth status
refused "AZURE_CLIENT_ID apply" AZURE_CLIENT_ID=11111111-2222-3333-4444-555555555555 apply --auto-approve "$m"
refused "AZURE_FEDERATED_TOKEN_FILE plan" AZURE_FEDERATED_TOKEN_FILE=/var/run/token plan "$m"
refused "ACTIONS_ID_TOKEN_REQUEST_URL plan" ACTIONS_ID_TOKEN_REQUEST_URL=https://example.invalid plan "$m"
refused "IDENTITY_ENDPOINT plan" IDENTITY_ENDPOINT=http://127.0.0.1:1/msi/token plan "$m"
out=$(clean AZURE_CLIENT_SECRET=S3cret-Value-0815 "$bin" plan "$m" 2>&1)
check "the refusal names the variable it saw" contains "$out" "AZURE_CLIENT_SECRET"
check "… never its value" test "${out/S3cret-Value-0815/}" = "$out"

out=$(clean ENTRAGATE_TARGET=grpah AZURE_CLIENT_ID=x "$bin" apply --auto-approve "$m" --local-state "$work/typo" 2>&1); rc=$?
check "a mistyped ENTRAGATE_TARGET is refused (exit 1)" test $rc -eq 1
check "… naming the variable and the choices" contains "$out" "ENTRAGATE_TARGET is 'grpah': use local or graph"
check "… and nothing is written" test ! -e "$work/typo"

clean CI=true "$bin" validate "$m" >/dev/null; rc=$?
check "validate (no tenant involved) runs in CI" test $rc -eq 0
clean CI=true ENTRAGATE_TARGET=local "$bin" plan "$m" --local-state "$work/t0" >/dev/null; rc=$?
check "CI=true with ENTRAGATE_TARGET=local plans" test $rc -eq 0
clean CI=true "$bin" plan --target local "$m" --local-state "$work/t0" >/dev/null; rc=$?
check "CI=true with --target local plans" test $rc -eq 0
clean CI=false "$bin" plan "$m" --local-state "$work/t0" >/dev/null; rc=$?
check "without Azure or CI in the environment the local tenant is still the default" test $rc -eq 0

# --- --auth --------------------------------------------------------------------------------------
out=$(clean "$bin" plan "$m" --target local --auth secret --local-state "$work/t0" 2>&1); rc=$?
check "--auth on the local tenant is refused" test $rc -eq 1
check "… saying why" contains "$out" "--auth chooses how to sign in to Microsoft Graph"
out=$(clean PATH=/nonexistent "$bin" auth status --target graph --auth token 2>&1); rc=$?
check "--auth token without ENTRAGATE_ACCESS_TOKEN: exit 1" test $rc -eq 1
check "… saying what to set" contains "$out" "--auth token: access token: set ENTRAGATE_ACCESS_TOKEN"
out=$(clean ENTRAGATE_AUTH=kerberos "$bin" auth status --target graph 2>&1); rc=$?
check "an unknown ENTRAGATE_AUTH is refused" test $rc -eq 1
check "… listing the sources" contains "$out" "unknown credential source 'kerberos': use one of secret, certificate"
"$bin" auth status --target graph --auth kerberos >/dev/null 2>&1; rc=$?
check "an unknown --auth is refused" test $rc -eq 1
out=$(clean AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:1 PATH=/nonexistent "$bin" auth status --target graph 2>&1); rc=$?
check "the chain with nothing configured: exit 1" test $rc -eq 1
check "… listing every source it checked" contains "$out" "7. access token: set ENTRAGATE_ACCESS_TOKEN"

# The chain on a machine outside Azure whose link-local address answers like a web server, with an
# `az` that is not signed in: both are skipped, and ENTRAGATE_ACCESS_TOKEN is used.
node -e "require('http').createServer((q, r) => { r.writeHead(403, {'content-type': 'text/html'}); r.end('<html>403</html>'); })
  .listen(0, '127.0.0.1', function () { console.log(this.address().port); })" >"$work/responder.port" &
responder=$!
for _ in $(seq 100); do [ -s "$work/responder.port" ] && break; sleep 0.1; done
mkdir "$work/bin" && printf '#!/bin/sh\necho "ERROR: Please run '"'"'az login'"'"' to setup account." >&2\nexit 1\n' >"$work/bin/az" && chmod +x "$work/bin/az"
jwt=$(node -e "const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  console.log(b({alg: 'RS256', typ: 'JWT'}) + '.' + b({tid: '7e8c5963-8c6b-472e-b9c9-43118267cdbf', appid: 'c0ffee00-0000-4000-8000-000000000001',
  roles: ['Application.Read.All'], exp: Math.floor(Date.now() / 1000) + 3600}) + '.c2ln')")
imds=(AZURE_POD_IDENTITY_AUTHORITY_HOST="http://127.0.0.1:$(cat "$work/responder.port")" PATH="$work/bin")
out=$(clean "${imds[@]}" ENTRAGATE_ACCESS_TOKEN="$jwt" "$bin" auth status --target graph 2>&1); rc=$?
check "the chain skips an IMDS answering 403 HTML and az not signed in (exit 0)" test $rc -eq 0
check "… and uses ENTRAGATE_ACCESS_TOKEN" contains "$out" "Credential: access token (ENTRAGATE_ACCESS_TOKEN)"
out=$(clean "${imds[@]}" "$bin" auth status --target graph 2>&1); rc=$?
check "with nothing left, the chain fails (exit 1)" test $rc -eq 1
check "… saying the IMDS address is no IMDS" contains "$out" "it answered HTTP 403 without a token endpoint's JSON, so it is not an Azure IMDS"
check "… and that az is not signed in" contains "$out" "Please run 'az login'"
out=$(clean "${imds[@]}" ENTRAGATE_ACCESS_TOKEN="$jwt" "$bin" auth status --target graph --auth azure-cli 2>&1); rc=$?
check "--auth azure-cli uses az alone: not signed in is the answer (exit 1)" test $rc -eq 1
check "… without falling back to the token" bash -c '[[ "$1" == *"az login"* && "$1" != *"Credential: access token"* ]]' _ "$out"
kill $responder; wait $responder 2>/dev/null

# --- the plan header and the confirmation name the tenant ----------------------------------------
cp -r "$m" "$work/m"
st=(--target local --local-state "$work/tenant")
out=$(clean "$bin" plan "$work/m" "${st[@]}"); rc=$?
check "the plan header names target, tenant id and primary domain" \
  contains "$out" "target: local tenant 7e8c5963-8c6b-472e-b9c9-43118267cdbf (contoso.onmicrosoft.com) at http://127.0.0.1:"
clean "$bin" plan "$work/m" "${st[@]}" -o "$work/plan.json" >/dev/null
check "the saved plan records the domain" grep -q '"domain":"contoso.onmicrosoft.com"' "$work/plan.json"

if command -v script >/dev/null && command -v mkfifo >/dev/null; then
  # An apply waiting at its confirmation on a terminal holds the tenant: a second apply is refused.
  mkfifo "$work/answer"
  (clean script -qec "$bin apply $work/m ${st[*]}" /dev/null <"$work/answer" >"$work/first.out" 2>&1; echo $? >"$work/first.rc") &
  exec 7>"$work/answer"
  for _ in $(seq 300); do grep -q "Enter a value" "$work/first.out" 2>/dev/null && break; sleep 0.1; done
  check "the confirmation names the target and tenant" \
    contains "$(cat "$work/first.out")" "Do you want to perform these actions on the local tenant 7e8c5963-8c6b-472e-b9c9-43118267cdbf (contoso.onmicrosoft.com)"
  out=$(clean "$bin" apply --auto-approve "$work/m" "${st[@]}" 2>&1); rc=$?
  check "a second apply on the same local tenant is refused (exit 1)" test $rc -eq 1
  check "… saying which process holds it" bash -c '[[ "$1" =~ "the local tenant at $2 is in use by process "[0-9]+ ]]' _ "$out" "$work/tenant"
  echo no >&7
  exec 7>&-
  wait
  check "… and the first one, cancelled, exits 1" test "$(cat "$work/first.rc")" = 1
  clean "$bin" plan --detailed-exitcode "$work/m" "${st[@]}" >/dev/null; rc=$?
  check "… leaving the tenant untouched" test $rc -eq 2
fi

# serve holds its state directory for as long as it runs.
"$bin" serve --state "$work/tenant" >"$work/serve.json" 2>"$work/serve.log" &
serve=$!
for _ in $(seq 100); do [ -s "$work/serve.json" ] && break; sleep 0.1; done
out=$(clean "$bin" apply --auto-approve "$work/m" "${st[@]}" 2>&1); rc=$?
check "apply on a tenant that serve is running is refused (exit 1)" test $rc -eq 1
check "… naming the serve process" contains "$out" "the local tenant at $work/tenant is in use by process $serve"
"$bin" serve --state "$work/tenant" >/dev/null 2>"$work/serve2.log"; rc=$?
check "a second serve on the same state is refused (exit 1)" test $rc -eq 1
check "… saying so" contains "$(cat "$work/serve2.log")" "is in use by process $serve"
kill -TERM $serve; wait $serve
clean "$bin" apply --auto-approve "$work/m" "${st[@]}" >/dev/null 2>&1; rc=$?
check "once serve has stopped, apply runs" test $rc -eq 0

# --- nothing escapes as a crash --------------------------------------------------------------------
mkdir "$work/broken" && echo '[["not a collection number"]]' >"$work/broken/journal.jsonl"
out=$(clean "$bin" plan "$m" --target local --local-state "$work/broken" 2>&1); rc=$?
check "a corrupt local journal ends in an error, not a crash (exit 1)" test $rc -eq 1
check "… reported as entragate's error" contains "$out" "entragate: "

finish "safety CLI"
