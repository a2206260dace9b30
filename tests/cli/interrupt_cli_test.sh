#!/usr/bin/env bash
# Ctrl-C during apply: the first SIGINT/SIGTERM starts no new steps, lets the requests in flight
# finish, prints the summary (done / failed / not started) and exits 130; a second signal exits at
# once with 130; a rerun converges. 200 apps against `entragate serve --latency` (every Graph
# request takes a while, so the apply is still running when the signal comes).
# Usage: interrupt_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"

serve_tenant --latency 400

mkdir -p "$work/m"
printf 'version: 1\nidentities:\n  centos-1: { managedIdentity: centos-1 }\n' >"$work/m/_identities.yaml"
for i in $(seq -w 1 200); do
  printf 'version: 1\napps:\n  app-%s:\n    displayName: App %s\n    appRoles:\n      App.Use: { allowedMemberTypes: [ Application ] }\n    assignmentRequired: true\n    access:\n      App.Use: [ centos-1 ]\n' \
    "$i" "$i" >"$work/m/app-$i.yaml"
done

# start_apply: apply in the background (stdout to $work/out, stderr to $work/err), its pid in $apply.
start_apply() {
  : >"$work/err"
  # Two calls in flight at most, so an interrupt leaves most of the 600 steps not started.
  "$bin" apply --auto-approve --parallelism 2 "$work/m" "${g[@]}" >"$work/out" 2>"$work/err" &
  apply=$!
}
# wait_for PATTERN: until stderr shows PATTERN (progress, not a fixed sleep); fails if apply ends first.
wait_for() {
  for _ in $(seq 1200); do
    grep -Eq -- "$1" "$work/err" && return 0
    kill -0 "$apply" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

start_apply
# Progress counts finished steps, which a call of the pipelined executor moves by up to 20 at a time.
past_40='^\[([4-9][0-9]|[1-9][0-9][0-9]+)/[0-9]*\] applying'
check "apply got past its first provider call" wait_for "$past_40"
kill -INT "$apply"
wait "$apply"; rc=$?
out=$(cat "$work/out")
check "the first SIGINT: exit 130" test $rc -eq 130
check "… says it lets the requests in flight finish" contains "$(cat "$work/err")" "Interrupt received: letting the requests in flight finish and starting no new steps"
check "… the steps that ran are listed as done" contains "$out" "  done      app.app-001"
check "… the rest as not started" contains "$out" "  not started app.app-200.access[App.Use][centos-1]"
check "… and the summary counts them, with nothing failed" \
  grep -Eq '^Apply interrupted: [1-9][0-9]* done, 0 already in effect, 0 failed, 0 skipped, [1-9][0-9]* not started\.$' "$work/out"

start_apply
check "the second apply got past its first provider call" wait_for "$past_40"
kill -TERM "$apply"; kill -INT "$apply"  # two different signals: both are delivered, neither is merged
wait "$apply"; rc=$?
check "a second signal: exit 130" test $rc -eq 130
check "… at once, without waiting to print the summary" bash -c "! grep -q 'Apply interrupted' '$work/out'"

curl -sf --cacert "$(field e.caFile)" -X PUT -H "X-Emulator-Key: $(field e.adminKey)" -d '{"latency":0}' "$authority/_emulator/faults" >/dev/null
out=$("$bin" apply --auto-approve "$work/m" "${g[@]}" 2>/dev/null); rc=$?
check "a rerun converges (exit 0)" test $rc -eq 0
check "… with nothing failed" contains "$out" "0 failed, 0 skipped."
"$bin" plan --detailed-exitcode "$work/m" "${g[@]}" >/dev/null 2>&1; rc=$?
check "… and the next plan is empty" test $rc -eq 0

finish "interrupt CLI"
