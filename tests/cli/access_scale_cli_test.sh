#!/usr/bin/env bash
# The access review at the size the page must stay usable at: 300 apps × 500 managed identities (plus
# users through groups), applied to a local tenant. Every format agrees with the tenant (the JSON
# holds exactly the entries the manifest grants, and a plan finds the tenant equal to the manifest;
# CSV, table and markdown have the same entries), a changed manifest is marked, and the HTML page
# renders in headless Chromium with every app and identity in the DOM (screenshot kept in ARTIFACTS).
# Usage: access_scale_cli_test.sh ENTRAGATE ARTIFACTS (from the repository root).
set -uo pipefail
bin=$1
artifacts=${2:-}
source "$(dirname "$0")/lib.sh"
node tests/cli/access_workload.mjs "$work" 300 500
st=(--target local --seed "$work/seed.yaml" --local-state "$work/tenant")
e() { "$bin" "$@" "${st[@]}"; }
js() { node -e "const j=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')); $2" "$1"; }
# One line per entry, as the generator writes them: app|identity (UPN for users)|role|how.
entries='const got=[]; for (const a of j.apps) for (const x of a.access) got.push(`${a.key}|${x.principal.type==="User"?x.principal.userPrincipalName:x.principal.displayName}|${x.role}|${x.how}`);'

e apply --auto-approve "$work/m" >"$work/apply.out" 2>&1; rc=$?
check "300 apps × 10 grants apply in one run" bash -c '[[ $1 == 0 && "$2" == *"0 failed"* ]]' _ $rc "$(tail -1 "$work/apply.out")"
e plan --detailed-exitcode "$work/m" >/dev/null 2>&1; rc=$?
check "the tenant then equals the manifest (plan exits 0)" test $rc -eq 0

e access --all --format json -o "$work/all.json" 2>/dev/null; rc=$?
check "json: exits 0 and validates" bash -c '[ $0 -eq 0 ] && node tests/js/check-json-schema.mjs schemas/access.v1.schema.json "$1"' $rc "$work/all.json"
check "json: 300 apps, the 500 managed identities and 20 users and 5 groups" test "$(js "$work/all.json" 'console.log(j.apps.length, j.identities.length)')" = "300 525"
check "json: exactly the entries the manifest grants (so: what the tenant holds)" \
  test "$(js "$work/all.json" "$entries console.log(JSON.stringify(got.sort()) === require('fs').readFileSync('$work/expected.json','utf8'))")" = true
total=$(js "$work/all.json" 'console.log(j.apps.reduce((n,a)=>n+a.access.length,0))')

e access --all --format csv -o "$work/all.csv" 2>/dev/null
check "csv: one row per entry" test "$(($(wc -l <"$work/all.csv") - 1))" -eq "$total"
check "csv: the same entries" test "$(node -e '
  const rows=require("fs").readFileSync(process.argv[1],"utf8").trim().split("\n").slice(1).map(r=>r.split(","));
  const got=rows.map(c=>`${c[0]}|${c[6]==="User"?c[7]:c[4]}|${c[8]}|${c[9]}`).sort();
  console.log(JSON.stringify(got)===require("fs").readFileSync(process.argv[2],"utf8"))' "$work/all.csv" "$work/expected.json")" = true
e access --all >"$work/all.txt" 2>/dev/null
check "table: a line per entry" test "$(grep -cE ' (direct|through group [^ ]+ [0-9]+) +[0-9]{4}-' "$work/all.txt")" -eq "$total"
e access --all --format markdown >"$work/all.md" 2>/dev/null
check "markdown: a section per app and a row per entry" \
  bash -c '[ "$(grep -c "^### app-" "$1")" -eq 300 ] && [ "$(grep -cE "^\|  \| .* \| (direct|through group .*) \| " "$1")" -eq "$2" ]' _ "$work/all.md" "$total"

# The manifest changes app-0: mi-0 leaves, mi-499 joins; app-1 stops requiring assignment.
sed -i -e '/^  app-0:/,/^  app-1:/s/App.Use: \[ mi-0, /App.Use: [ mi-499, /' \
       -e '/^  app-1:/,/^  app-2:/s/assignmentRequired: true/assignmentRequired: false/' "$work/m/apps.yaml"
e access --all "$work/m" --format json -o "$work/plan.json" 2>/dev/null
check "with PATH: 1 gained, 1 lost, 1 assignment switched" test "$(js "$work/plan.json" 'console.log(j.plan.gained, j.plan.lost, j.plan.assignmentSwitched)')" = "1 1 1"
check "… on the apps the manifest changes" test "$(js "$work/plan.json" 'const a=j.apps.find(a=>a.key==="app-0"); console.log(a.access.filter(x=>x.change!=="none").map(x=>x.principal.displayName+":"+x.change).sort().join())')" = "mi-0:lost,mi-499:gained"

e access --all "$work/m" --format html -o "$work/access.html" 2>/dev/null
check "html: no network references" bash -c '! grep -Eq "(src|href)=\"(https?:)?//" "$1"' _ "$work/access.html"
if command -v chromium >/dev/null; then
  chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$work/access.html" >"$work/dom.html" 2>/dev/null
  check "chromium DOM: all 300 apps" test "$(grep -o 'data-app="[^"]*"' "$work/dom.html" | sort -u | wc -l)" -eq 300
  grep -o 'data-identity="[^"]*"' "$work/dom.html" | sed 's/data-identity="//; s/"$//' | sort -u >"$work/dom-ids"
  js "$work/plan.json" 'console.log(j.identities.map(p=>p.id.toLowerCase()).join("\n"))' | sort -u >"$work/json-ids"
  check "chromium DOM: every identity of the review" bash -c '[ -z "$(comm -23 "$1" "$2")" ]' _ "$work/json-ids" "$work/dom-ids"
  check "chromium DOM: the gained and lost cells are marked" bash -c 'grep -q "data-change=\"gained\"" "$1" && grep -q "data-change=\"lost\"" "$1"' _ "$work/dom.html"
  check "chromium DOM: the script ran (filter box and matrix intact)" bash -c 'grep -q "id=\"filter\"" "$1" && grep -q "id=\"matrix\"" "$1"' _ "$work/dom.html"
  if [ -n "$artifacts" ]; then
    mkdir -p "$artifacts"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,900 --screenshot="$artifacts/access-review-300x500.png" "file://$work/access.html" >/dev/null 2>&1
    check "screenshot saved as a test artifact ($artifacts/access-review-300x500.png)" test -s "$artifacts/access-review-300x500.png"
  fi
else
  check "chromium is installed (scripts/bootstrap installs it)" false
fi

finish "access review at 300 apps × 500 identities"
