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

# local_tenant: `st` holds the flags that point a command at a local tenant kept in $work/tenant, and
# `e ARGS...` runs the binary with them (the prologue most CLI tests share).
local_tenant() { st=(--target local --local-state "$work/tenant"); }
e() { "$bin" "$@" "${st[@]}"; }

# serve_tenant ARGS...: `entragate serve --tls --state $work/tenant ARGS` in the background until the
# script exits; then `field JS` reads its endpoints line (e.g. field e.authority), AZURE_* name its
# operator application and `g` holds the flags that point a command at it as Microsoft Graph.
serve_tenant() {
  "$bin" serve --tls --state "$work/tenant" "$@" >"$work/serve.json" 2>"$work/serve.log" &
  serve=$!
  trap 'kill $serve 2>/dev/null; wait $serve 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 100); do [ -s "$work/serve.json" ] && break; sleep 0.1; done
  export AZURE_CLIENT_ID=$(field e.operator.clientId) AZURE_TENANT_ID=$(field e.tenantId) AZURE_CLIENT_SECRET=$(field e.operator.clientSecret)
  authority=$(field e.authority)
  g=(--target graph --graph-url "$authority" --login-url "$authority" --ca-file "$(field e.caFile)")
}
field() { node -e "const e=JSON.parse(require('fs').readFileSync('$work/serve.json','utf8').split('\\n')[0]); console.log($1)"; }

finish() {  # finish SUITE
  if [ "$failures" -eq 0 ]; then echo "$1: all checks passed"; else echo "$1: $failures checks failed"; fi
  exit $(( failures > 0 ))
}
