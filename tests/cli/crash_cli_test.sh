#!/usr/bin/env bash
# kill -9 in the middle of a real `entragate apply` of 100 apps (the local tenant runs inside the
# process, so the kill stops both): afterwards no identity the manifest does not name can get a token
# for any of them, the identities it names hold no role it does not give, and the next apply
# converges. Usage: crash_cli_test.sh ENTRAGATE (from the repository root). Points: 5, or 30 with
# ENTRAGATE_FAULT_SWEEP=full.
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
points=5
[ "${ENTRAGATE_FAULT_SWEEP:-}" = full ] && points=30

m="$work/m.yaml"
{
  echo "version: 1"
  echo "identities:"
  echo "  centos-1: { managedIdentity: centos-1 }"
  echo "  centos-2: { managedIdentity: centos-2 }"
  echo "apps:"
  for i in $(seq 0 99); do
    echo "  crash-$i:"
    echo "    displayName: Crash $i"
    echo "    appRoles: { App.Use: { allowedMemberTypes: [ Application ] } }"
    echo "    assignmentRequired: true"
    if [ $((i % 2)) -eq 0 ]; then echo "    access: { App.Use: [ centos-1 ] }"; else echo "    access: { App.Use: [ centos-2 ] }"; fi
  done
} >"$m"

killed=0
for n in $(seq 1 "$points"); do
  st=(--target local --local-state "$work/tenant-$n")
  "$bin" apply --auto-approve "$m" "${st[@]}" >"$work/apply-$n.log" 2>&1 &
  pid=$!
  # A random moment in the first 0.3 s (the whole apply takes about that long on the local tenant);
  # an apply that finished first is simply not a crash.
  sleep "$(printf '0.%03d' $(( RANDOM % 295 + 5 )))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  grep -q "Apply complete" "$work/apply-$n.log" || killed=$((killed + 1))

  # ci-runner is a managed identity no manifest names: it must reach nothing.
  out=$("$bin" access --identity ci-runner "${st[@]}" 2>&1); rc=$?
  check "point $n: access reads the tenant the killed apply left" test $rc -eq 0
  check "point $n: an identity the manifest does not name reaches nothing" contains "$out" "(none)"
  out=$("$bin" access --identity centos-2 --format json "${st[@]}" 2>&1)
  check "point $n: centos-2 holds no role on an app the manifest gives to centos-1" \
    bash -c '! grep -Eq "\"crash-[0-9]*[02468]\"" <<<"$1"' _ "$out"
  out=$("$bin" apply --auto-approve "$m" "${st[@]}" 2>&1); rc=$?
  check "point $n: the next apply converges" test $rc -eq 0
  "$bin" plan --detailed-exitcode "$m" "${st[@]}" >/dev/null 2>&1; rc=$?
  check "point $n: … and the plan after it is empty" test $rc -eq 0
done
out=$("$bin" token --identity ci-runner --resource crash-0 --target local --local-state "$work/tenant-1" 2>&1); rc=$?
check "a real token request as ci-runner is refused" test $rc -ne 0
check "… with AADSTS501051" contains "$out" "AADSTS501051"
echo "# killed part-way: $killed of $points"
check "at least one apply was really killed part-way" test "$killed" -ge 1

finish "crash CLI"
