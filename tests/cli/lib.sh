# Shared by the CLI test scripts: TAP-like "ok"/"FAIL" lines, a failure count, a scratch directory
# removed on exit, and a closing line ctest can read. Source it after setting `bin`.
failures=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@"; then echo "ok - $name"; else echo "FAIL - $name"; failures=$((failures + 1)); fi
}
contains() { [[ $1 == *"$2"* ]]; }

finish() {  # finish SUITE
  if [ "$failures" -eq 0 ]; then echo "$1: all checks passed"; else echo "$1: $failures checks failed"; fi
  exit $(( failures > 0 ))
}
