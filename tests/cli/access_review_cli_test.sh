#!/usr/bin/env bash
# entragate access --all / --identity: the tenant-wide access review in every format, agreeing with
# the tenant and with each other; the JSON against schemas/access.v1.schema.json; the HTML page in
# headless Chromium (every app and identity in the DOM, the plan's changes marked; a screenshot is
# kept in ARTIFACTS). Usage: access_review_cli_test.sh ENTRAGATE ARTIFACTS (from the repository root).
set -uo pipefail
bin=$1
artifacts=${2:-}
source "$(dirname "$0")/lib.sh"
local_tenant
js() { node -e "const j=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')); $2" "$1"; }

mkdir -p "$work/m"
cat >"$work/m/access.yaml" <<'YAML'
version: 1
identities:
  centos-1: { managedIdentity: centos-1 }
  support: { group: Support Engineers }
apps:
  testapp:
    displayName: TestApp
    appRoles:
      App.Use: { allowedMemberTypes: [ Application ] }
    assignmentRequired: true
    access:
      App.Use: [ centos-1 ]
  reports:
    displayName: Reports
    appRoles:
      Reports.Read: { allowedMemberTypes: [ User ] }
    assignmentRequired: true
    access:
      Reports.Read: [ support ]
  open-api:
    displayName: Open API
    assignmentRequired: false
YAML
e apply --auto-approve "$work/m" >/dev/null 2>&1

e access --all --format json -o "$work/all.json" 2>"$work/err"; rc=$?
check "access --all --format json -o FILE exits 0" test $rc -eq 0
check "… and says where it wrote" contains "$(cat "$work/err")" "Wrote the access review to $work/all.json"
check "the JSON validates against schemas/access.v1.schema.json" node tests/js/check-json-schema.mjs schemas/access.v1.schema.json "$work/all.json"
check "format_version 1, every managed app" test "$(js "$work/all.json" 'console.log(j.format_version, j.apps.map(a=>a.key).sort().join(","))')" = "1 open-api,reports,testapp"
check "testapp: centos-1 holds App.Use directly" test "$(js "$work/all.json" 'const a=j.apps.find(a=>a.key==="testapp"); console.log(a.access.map(x=>x.principal.displayName+":"+x.role+":"+x.how).join())')" = "centos-1:App.Use:direct"
check "reports: Alice through group Support Engineers" contains "$(js "$work/all.json" 'const a=j.apps.find(a=>a.key==="reports"); console.log(a.access.map(x=>x.principal.displayName+":"+x.role+":"+x.how+":"+(x.group?x.group.displayName:"")).join())')" "Alice:Reports.Read:group:Support Engineers"
check "open-api: any identity in the tenant" test "$(js "$work/all.json" 'console.log(j.apps.find(a=>a.key==="open-api").anyIdentityCanGetToken)')" = true
check "who can change access lists the operator app for every app" test "$(js "$work/all.json" 'console.log(j.apps.every(a=>a.whoCanChangeAccess.some(c=>c.principal.displayName==="entragate-operator" && c.why.includes("Application.ReadWrite.All"))))')" = true
check "who can change access lists the seed's Cloud Application Administrator (Alice) for every app" test "$(js "$work/all.json" 'console.log(j.apps.every(a=>a.whoCanChangeAccess.some(c=>c.principal.userPrincipalName==="alice@contoso.onmicrosoft.com" && c.principal.type==="User" && c.why==="Cloud Application Administrator")))')" = true
check "directory roles were read: no note says otherwise" test "$(js "$work/all.json" 'console.log(j.notes.some(n=>n.includes("were not read")))')" = false

# Every format says the same: one CSV row per holder (plus one for an app open to everyone).
e access --all --format csv -o "$work/all.csv" 2>/dev/null
check "csv: a header and one row per entry of the JSON" test "$(($(wc -l <"$work/all.csv") - 1))" -eq "$(js "$work/all.json" 'console.log(j.apps.reduce((n,a)=>n+a.access.length+(a.anyIdentityCanGetToken?1:0),0))')"
check "csv: Alice's row names the group" grep -q '^reports,.*,Alice,.*,Reports.Read,group,Support Engineers,' "$work/all.csv"
out=$(e access --all); rc=$?
check "table: exits 0 and shows each app with its holders" bash -c '[[ "$1" =~ centos-1\ +ServicePrincipal\ +App\.Use\ +direct ]]' _ "$out"
check "table: who can change access" contains "$out" "entragate-operator (ServicePrincipal): holds Application.ReadWrite.All on Microsoft Graph"
check "table: the directory-role holder among them" contains "$out" "Alice <alice@contoso.onmicrosoft.com> (User): Cloud Application Administrator"
out=$(e access --all --format markdown)
check "markdown: a section per app" bash -c 'for k in testapp reports open-api; do [[ "$1" == *"### $k"* ]] || exit 1; done' _ "$out"
check "markdown: the directory-role holder among who can change access" contains "$out" "Alice &lt;alice&#64;contoso.onmicrosoft.com&gt; (Cloud Application Administrator)"

# Drift that widened access: ci-runner is granted by a manifest the next one does not know.
cp -r "$work/m" "$work/w"
sed -i -e 's/^  support:/  ci-runner: { managedIdentity: ci-runner }\n  support:/' -e 's/App.Use: \[ centos-1 \]/App.Use: [ centos-1, ci-runner ]/' "$work/w/access.yaml"
e apply --auto-approve "$work/w" >/dev/null 2>&1
sed -i -e 's/^  support:/  centos-2: { managedIdentity: centos-2 }\n  support:/' -e 's/App.Use: \[ centos-1 \]/App.Use: [ centos-2 ]/' \
       -e 's/assignmentRequired: false/assignmentRequired: true/' "$work/m/access.yaml"
e access --all "$work/m" --format json -o "$work/plan.json" 2>/dev/null; rc=$?
check "with PATH: exits 0, output validates" bash -c '[ $0 -eq 0 ] && node tests/js/check-json-schema.mjs schemas/access.v1.schema.json "$1"' $rc "$work/plan.json"
check "with PATH: centos-2 gained, centos-1 lost, ci-runner lost as widening drift" test "$(js "$work/plan.json" 'const a=j.apps.find(a=>a.key==="testapp"); console.log(a.access.map(x=>x.principal.displayName+":"+x.change+":"+x.wideningDrift).join())')" = "centos-1:lost:false,centos-2:gained:false,ci-runner:lost:true"
check "with PATH: assignment switched on for open-api" test "$(js "$work/plan.json" 'console.log(j.apps.find(a=>a.key==="open-api").plan.assignmentChange, j.plan.assignmentSwitched)')" = "on 1"
check "with PATH: the cached-token caveat, with the latest time" bash -c '[[ "$1" =~ up\ to\ 24\ h.*[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{5}\ UTC\ at\ the\ latest ]]' _ "$(js "$work/plan.json" 'console.log(j.plan.tokenNote)')"
out=$(e access --all "$work/m")
check "table with PATH: marks gained (+) and widening drift (!)" bash -c '[[ "$1" =~ \+\ centos-2 && "$1" =~ \!\ ci-runner && "$1" =~ -\ +centos-1 ]]' _ "$out"
out=$(e access testapp "$work/m")
check "access APP PATH: the cached-token caveat" contains "$out" "Tokens already issued stay valid until they expire"
check "access APP PATH: the widening grant removed, in words" contains "$out" "! ci-runner loses App.Use (granted outside the manifest: drift that widened access)"
e access --app open-api "$work/m" --format json -o "$work/one.json" 2>/dev/null; rc=$?
check "--app with PATH: exits 0, output validates" bash -c '[ $0 -eq 0 ] && node tests/js/check-json-schema.mjs schemas/access.v1.schema.json "$1"' $rc "$work/one.json"
out=$(e access --identity centos-2 --app testapp "$work/m"); rc=$?
check "--identity with --app: only that app of three (testapp gained, not open-api)" bash -c '[[ $1 == 0 && "$2" =~ \+\ testapp\ +App\.Use && "$2" != *open-api* ]]' _ $rc "$out"
check "… only that app, its counts alone" test "$(js "$work/one.json" 'console.log(j.apps.map(a=>a.key).join(), j.plan.gained, j.plan.lost, j.plan.assignmentSwitched)')" = "open-api 0 0 1"
out=$(e access --app open-apj "$work/m" 2>&1); rc=$?
check "--app with PATH: a key not in the set is E0227" bash -c '[[ $1 == 1 && "$2" == *E0227* ]]' _ $rc "$out"

# --identity by UPN, group name, manifest identity name, object id.
out=$(e access --identity alice@contoso.onmicrosoft.com); rc=$?
check "--identity UPN: reaches reports through the group" bash -c '[[ "$1" =~ reports\ +Reports\.Read\ +member\ of\ group\ Support\ Engineers ]]' _ "$out"
out=$(e access --identity "Support Engineers")
check "--identity group name" bash -c '[[ "$1" =~ reports\ +Reports\.Read\ +assigned\ Reports\.Read\ directly ]]' _ "$out"
out=$(e access --identity support "$work/m")
check "--identity manifest identity name (with PATH)" contains "$out" "Support Engineers (Group)"
id=$(js "$work/all.json" 'console.log(j.apps.find(a=>a.key==="testapp").access[0].principal.id)')
out=$(e access --identity "$id" --format json)
check "--identity object id, json" contains "$out" '"app":"testapp","appId"'
out=$(e access --identity centos-2 "$work/m")
check "--identity with PATH: what it gains" bash -c '[[ "$1" =~ \+\ testapp\ +App\.Use ]]' _ "$out"
out=$(e access --identity nobody-here 2>&1); rc=$?
check "--identity unknown: error naming it" bash -c '[ $0 -eq 1 ] && [[ "$1" == *"nobody-here"* ]]' $rc "$out"
out=$(e access --all --identity x 2>&1); rc=$?
check "--all with --identity is refused" test $rc -eq 1

# The page, in headless Chromium.
e access --all "$work/m" --format html -o "$work/access.html" 2>/dev/null
check "html: no network references" bash -c '! grep -Eq "(src|href)=\"(https?:)?//" "$1"' _ "$work/access.html"
if command -v chromium >/dev/null; then
  dom=$(chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$work/access.html" 2>/dev/null)
  ok=1
  for k in $(js "$work/plan.json" 'console.log(j.apps.map(a=>a.key).join(" "))'); do [[ "$dom" == *"data-app=\"$k\""* ]] || ok=0; done
  for i in $(js "$work/plan.json" 'console.log(j.identities.map(p=>p.id.toLowerCase()).join(" "))'); do [[ "$dom" == *"data-identity=\"$i\""* ]] || ok=0; done
  check "chromium DOM: every app and every identity" test $ok -eq 1
  check "chromium DOM: the gained, lost and widening cells are marked" bash -c '[[ "$1" == *"data-change=\"gained\""* && "$1" == *"data-change=\"lost\""* && "$1" == *"data-widening=\"1\""* ]]' _ "$dom"
  check "chromium DOM: the directory-role holder is among who can change access" contains "$dom" '<li>Alice <span class="t">(User)</span>: Cloud Application Administrator</li>'
  check "chromium DOM: the page's script ran and wired every column" bash -c '[[ "$1" == *"data-ready=\"$2\""* ]]' _ "$dom" "$(js "$work/plan.json" 'console.log(j.apps.length)')"
  if [ -n "$artifacts" ]; then
    mkdir -p "$artifacts"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,900 --screenshot="$artifacts/access-review.png" "file://$work/access.html" >/dev/null 2>&1
    cp "$work/access.html" "$artifacts/access-review.html"
    check "screenshot saved as a test artifact ($artifacts/access-review.png)" test -s "$artifacts/access-review.png"
  fi
else
  check "chromium is installed (scripts/bootstrap installs it)" false
fi

finish "access review CLI"
