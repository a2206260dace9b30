#!/usr/bin/env bash
# The validate command as a user meets it: exit codes, text and JSON output, colour rules, --version.
# Usage: validate_cli_test.sh ENTRAGATE (run from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"

out=$("$bin" validate examples/restrict-managed-identities 2>&1); rc=$?
check "a valid manifest exits 0" test $rc -eq 0
check "a valid manifest is summarised" contains "$out" "examples/restrict-managed-identities: valid (1 file, 1 app, 1 identity)"

err=$("$bin" validate tests/manifests/invalid/access-unknown-role.yaml 2>&1 >/dev/null); rc=$?
check "an invalid manifest exits 1" test $rc -eq 1
check "diagnostics carry file:line:col and code" contains "$err" "tests/manifests/invalid/access-unknown-role.yaml:14:7: error[E0203]: unknown app role 'App.Uze' in access of app 'testapp'"
check "diagnostics show a caret and the hint" contains "$err" "^^^^^^^ did you mean 'App.Use'?"
check "a summary line counts errors" contains "$err" "1 error found"
check "no colour when not a terminal" test "${err//$'\e'/}" = "$err"

json=$("$bin" validate --format json tests/manifests/invalid/access-unknown-role.yaml examples/multi-team); rc=$?
check "json: exit 1 when any set is invalid" test $rc -eq 1
check "json: machine-readable diagnostics" contains "$json" '"code":"E0203","message":"unknown app role '"'"'App.Uze'"'"' in access of app '"'"'testapp'"'"'","file":"tests/manifests/invalid/access-unknown-role.yaml","line":14,"column":7,"end_column":14,"hint":"did you mean '"'"'App.Use'"'"'?"'
check "json: counts" contains "$json" '"valid":false,"error_count":1,"warning_count":0'

json=$("$bin" validate --format json examples/multi-team); rc=$?
check "json: valid set exits 0" test $rc -eq 0
check "json: valid set has no diagnostics" test "$json" = '{"format_version":"1","valid":true,"error_count":0,"warning_count":0,"diagnostics":[]}'

out=$("$bin" validate tests/manifests/invalid 2>&1); rc=$?
check "a directory of broken files reports all of them" test "$(grep -c 'error\[E' <<<"$out")" -ge 30

out=$("$bin" --version); rc=$?
check "--version" contains "$out" "entragate 0."
# libfyaml parses every manifest: the version says which one is loaded.
check "--version names the YAML parser" contains "$out" "libfyaml 0."
out=$("$bin" validate --help); rc=$?
check "validate --help documents exit status" contains "$out" "Exit status: 0 when the set is valid, 1 otherwise."
"$bin" validate >/dev/null 2>&1; rc=$?
check "missing PATH is a usage error (exit 1)" test $rc -eq 1
"$bin" validate --format xml examples/multi-team >/dev/null 2>&1; rc=$?
check "unknown format is a usage error" test $rc -eq 1

# Strict input: a broken quote is an error, control characters are never echoed raw, and a FIFO is
# refused instead of waited on (timeout only guards against the old behaviour hanging the suite).
err=$("$bin" validate tests/manifests/invalid/unterminated-double-quote.yaml 2>&1); rc=$?
check "an unterminated quote exits 1" test $rc -eq 1
check "… located at the opening quote" contains "$err" "unterminated-double-quote.yaml:6:18: error[E0004]: invalid YAML:"
err=$("$bin" validate tests/manifests/invalid/control-character.yaml 2>&1); rc=$?
check "a control character exits 1" test $rc -eq 1
check "… shown escaped" contains "$err" 'displayName: \x1b]0;pwned\x07TestApp'
check "… never raw" test "${err//[$'\e'$'\a']/}" = "$err"
json=$("$bin" validate --format json tests/manifests/invalid/nul-escape-in-key.yaml)
check "a NUL in a key is escaped in JSON, not mangled" contains "$json" "invalid app key 'test\\\\0app\\\\x1b[2J'"
mkfifo "$work/pipe.yaml"
err=$(timeout 10 "$bin" validate "$work/pipe.yaml" 2>&1); rc=$?
check "a FIFO is refused at once (exit 1, not a hang)" test $rc -eq 1
check "… saying what it is" contains "$err" "error[E0009]: '$work/pipe.yaml' is a FIFO (named pipe)"

if command -v script >/dev/null; then
  tty_out=$(script -qec "$bin validate tests/manifests/invalid/access-unknown-role.yaml" /dev/null 2>&1)
  check "colour on a terminal" contains "$tty_out" $'\e['
  tty_out=$(NO_COLOR=1 script -qec "$bin validate tests/manifests/invalid/access-unknown-role.yaml" /dev/null 2>&1)
  check "NO_COLOR turns colour off on a terminal" test "${tty_out//$'\e'/}" = "$tty_out"
  tty_out=$(script -qec "$bin --no-color validate tests/manifests/invalid/access-unknown-role.yaml" /dev/null 2>&1)
  check "--no-color turns colour off on a terminal" test "${tty_out//$'\e'/}" = "$tty_out"
fi

finish "validate CLI"
