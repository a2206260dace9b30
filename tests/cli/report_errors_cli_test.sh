#!/usr/bin/env bash
# Problems in the requested format, and drift past an app that cannot be checked: what a CI job or a
# pull-request comment gets. Usage: report_errors_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
cp -r examples/restrict-managed-identities "$work/m"
st=(--target local --local-state "$work/tenant")
e() { NO_COLOR=1 "$bin" "$@" "${st[@]}"; }
cat >"$work/ghost.yaml" <<'YAML'
version: 1
identities:
  ghost: { managedIdentity: ghost-vm }
apps:
  otherapp:
    displayName: "Other <b>@team</b>"
    appRoles: { Read: { allowedMemberTypes: [ Application ] } }
    assignmentRequired: true
    access: { Read: [ ghost ] }
YAML

out=$(e plan "$work/ghost.yaml" --format markdown 2>"$work/err"); rc=$?
check "plan --format markdown with errors: exit 1" test $rc -eq 1
check "… a markdown error section on stdout" contains "$out" "### entragate plan: 1 error"
check "… naming the place and code" contains "$out" "ghost.yaml:9:23: **error[E0302]**: identity 'ghost' cannot be resolved"
check "… and the usual text on stderr" contains "$(cat "$work/err")" "ghost.yaml:9:23: error[E0302]"
out=$(e plan tests/manifests/invalid/access-unknown-role.yaml --format markdown 2>/dev/null); rc=$?
check "a manifest error: exit 1 and the section" bash -c "[ $rc -eq 1 ] && [[ '$out' == *'error[E0203]'* ]]"
out=$(e plan tests/manifests/invalid/access-unknown-role.yaml --format text 2>/dev/null)
check "--format text prints nothing on stdout" test -z "$out"
out=$("$bin" plan "$work/m" --format json --target local --local-state /dev/null/nowhere 2>/dev/null); rc=$?
check "a target that cannot be opened: exit 1, E0401 on stdout" bash -c "[ $rc -eq 1 ] && [[ '$out' == *'\"code\":\"E0401\"'* ]]"

e apply --auto-approve "$work/m" >/dev/null 2>&1
cp "$work/ghost.yaml" "$work/m/"
sed -i 's/displayName: TestApp/displayName: TestApp v2/' "$work/m/testapp.yaml"
e drift "$work/m" --format junit --output "$work/drift.xml" 2>/dev/null; rc=$?
check "drift with an app that cannot be checked: exit 1" test $rc -eq 1
xml=$(cat "$work/drift.xml")
check "… the JUnit report is still written, with the errored app" contains "$xml" '<testcase classname="entragate.app" name="otherapp">'
check "… as an error case" contains "$xml" 'errors="1"'
check "… and the other app's drift with before → after" contains "$xml" 'displayName: &quot;TestApp&quot; → &quot;TestApp v2&quot;'
check "… the report is well-formed XML" node -e "
  const x = require('fs').readFileSync(process.argv[1], 'utf8');
  if (!/^<\?xml[^>]*\?>\n<testsuites [^>]*>[\s\S]*<\/testsuites>\n$/.test(x) || /&(?!amp;|lt;|gt;|quot;)/.test(x)) process.exit(1)" "$work/drift.xml"
out=$(e drift "$work/m" 2>/dev/null); rc=$?
check "drift text: exit 1" test $rc -eq 1
check "… the other app's drift is shown" contains "$out" 'displayName: "TestApp" → "TestApp v2"'
check "… and the app that could not be checked is named" contains "$out" "otherapp: "
out=$(e drift "$work/m" --format markdown 2>/dev/null)
check "drift markdown lists the app that could not be checked" contains "$out" "#### Apps that could not be checked (1)"
check "… the drift of the other app" contains "$out" "TestApp v2"
out=$(e drift tests/manifests/invalid/access-unknown-role.yaml --format junit 2>/dev/null); rc=$?
check "drift of an invalid manifest: exit 1 and a JUnit error report" bash -c "[ $rc -eq 1 ] && [[ '$out' == *'<error message=\"1 error(s)'* ]]"
finish report_errors
