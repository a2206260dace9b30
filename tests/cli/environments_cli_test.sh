#!/usr/bin/env bash
# One manifest set for several tenants (environments, ${var.NAME}, identity bindings), several
# paths as one set, and --app. Usage: environments_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
ex=examples/environments
dev=(--target local --seed examples/seeds/environments-dev.yaml --local-state "$work/dev")
prod=(--target local --seed examples/seeds/environments-prod.yaml --local-state "$work/prod")
unset ENTRAGATE_ENV

out=$("$bin" plan $ex "${dev[@]}" 2>&1); rc=$?
check "a set with environments needs --env" test $rc -eq 1
check "… and says which and how" contains "$out" "declares environments (dev, prod); choose one with --env NAME or ENTRAGATE_ENV"
out=$("$bin" plan $ex --env stage "${dev[@]}" 2>&1); rc=$?
check "an unknown environment is an error naming the known ones" bash -c '[[ $1 == 1 && $2 == *"unknown environment '"'stage'"'; this manifest set declares dev, prod"* ]]' _ $rc "$out"

out=$("$bin" plan $ex --env dev "${dev[@]}"); rc=$?
check "plan --env dev exits 0" test $rc -eq 0
check "the plan header names the environment" contains "$out" "entragate plan (environment dev) — target: local tenant"
check "\${var.suffix} is the dev value" contains "$out" '"TestApp (dev)"'
check "caller is dev's centos-1" contains "$out" "access[App.Use][caller]"
"$bin" apply $ex --env dev --auto-approve "${dev[@]}" >"$work/out" 2>&1; rc=$?
check "apply --env dev succeeds" test $rc -eq 0
"$bin" plan --detailed-exitcode $ex --env dev "${dev[@]}" >/dev/null 2>&1; rc=$?
check "dev then matches" test $rc -eq 0
out=$("$bin" access testapp "${dev[@]}")
check "in dev, centos-1 holds App.Use" bash -c '[[ "$1" =~ centos-1\ +ServicePrincipal\ +App\.Use ]]' _ "$out"

out=$(ENTRAGATE_ENV=prod "$bin" plan $ex "${prod[@]}" --format json); rc=$?
check "ENTRAGATE_ENV=prod plans prod" test $rc -eq 0
check "… the JSON plan records the environment" contains "$out" '"environment":"prod"'
check "… with prod's display name" contains "$out" '"displayName":"TestApp"'
ENTRAGATE_ENV=prod "$bin" plan $ex "${prod[@]}" -o "$work/prod-plan.json" >/dev/null 2>&1
out=$("$bin" apply "$work/prod-plan.json" --env dev "${prod[@]}" 2>&1); rc=$?
check "a saved prod plan refuses --env dev" bash -c '[[ $1 == 1 && $2 == *"saved plan is for environment '"'prod'"'"* ]]' _ $rc "$out"
out=$("$bin" apply "$work/prod-plan.json" --auto-approve "${prod[@]}" 2>&1); rc=$?
check "the saved prod plan applies (it records its environment)" test $rc -eq 0
out=$("$bin" access testapp "${prod[@]}")
check "in prod, centos-2 holds App.Use" bash -c '[[ "$1" =~ centos-2\ +ServicePrincipal\ +App\.Use ]]' _ "$out"
"$bin" drift $ex --env prod "${prod[@]}" >/dev/null 2>&1; rc=$?
check "drift --env prod: prod matches" test $rc -eq 0

out=$("$bin" plan $ex --env prod "${dev[@]}" 2>&1); rc=$?
check "prod's tenant guard refuses the dev tenant" bash -c '[[ $1 == 1 && $2 == *E0301* && $2 == *contoso.onmicrosoft.com* ]]' _ $rc "$out"

out=$("$bin" validate $ex); rc=$?
check "validate checks every environment" bash -c '[[ $1 == 0 && $2 == *"[environment dev]: valid"* && $2 == *"[environment prod]: valid"* ]]' _ $rc "$out"

# Located errors: a variable, an environment and a binding that do not exist.
mkdir "$work/bad"
sed -e 's/TestApp\${var.suffix}/TestApp${var.sufix}/' -e 's/environments: \[ dev, prod \]/environments: [ dev, prd ]/' $ex/testapp.yaml >"$work/bad/testapp.yaml"
out=$("$bin" validate "$work/bad" 2>&1); rc=$?
check "validate fails on them" test $rc -eq 1
check "an unknown variable is located" contains "$out" "$work/bad/testapp.yaml:20:18: error[E0224]: unknown variable 'sufix' in environment 'dev'"
check "… with a suggestion" contains "$out" "did you mean 'suffix'"
check "an unknown environment is located" contains "$out" "$work/bad/testapp.yaml:21:26: error[E0226]: unknown environment 'prd'"
check "the same problem in two environments is reported once" test "$(grep -c "E0226" <<<"$out")" -eq 1
sed -e '/^    identities:$/{N;/centos-2/d}' $ex/testapp.yaml >"$work/bad/testapp.yaml"
out=$("$bin" validate "$work/bad" 2>&1); rc=$?
check "a binding missing in prod is a located error" contains "$out" "testapp.yaml:28:18: error[E0205]: identity 'caller' in access['App.Use'] of app 'testapp' is not bound in environment 'prod' (only in dev)"
check "… dev is still valid" contains "$out" "[environment dev]: valid"
out=$("$bin" validate examples/restrict-managed-identities --env dev 2>&1); rc=$?
check "--env on a set without environments is an error" bash -c '[[ $1 == 1 && $2 == *"declares no environments"* ]]' _ $rc "$out"

# Several paths are one set; --app plans only some of its apps and never prunes.
mkdir -p "$work/set/a" "$work/set/b"
cat >"$work/set/a/shared.yaml" <<'YAML'
version: 1
identities:
  centos-1: { managedIdentity: centos-1 }
settings: { owner: team-x, prune: { apps: true } }
YAML
for k in one two; do cat >"$work/set/b/$k.yaml" <<YAML
version: 1
apps:
  $k:
    displayName: App $k
    appRoles: { App.Use: { allowedMemberTypes: [ Application ] } }
    assignmentRequired: true
    access: { App.Use: [ centos-1 ] }
YAML
done
local=(--target local --local-state "$work/local")
out=$("$bin" apply --auto-approve "$work/set/a" "$work/set/b/one.yaml" "$work/set/b/two.yaml" "$work/set/b/one.yaml" "${local[@]}" 2>&1); rc=$?
check "several paths are one set (a file named twice is read once)" bash -c '[[ $1 == 0 && $2 == *"app.one"* && $2 == *"app.two"* ]]' _ $rc "$out"
sed -i 's/App one/App one v2/' "$work/set/b/one.yaml"
rm "$work/set/b/two.yaml"
out=$("$bin" plan "$work/set/a" "$work/set/b" "${local[@]}"); rc=$?
check "without --app the removed app is pruned" contains "$out" "- app.two"
out=$("$bin" plan "$work/set/a" "$work/set/b" --app one "${local[@]}"); rc=$?
check "--app one: only its change" bash -c '[[ $1 == 0 && $2 == *"App one v2"* && $2 != *"app.two"* ]]' _ $rc "$out"
check "… and the plan says prune does not run" contains "$out" "Only app one (--app): other apps are left as they are, and prune does not run."
out=$("$bin" plan --app one "$work/set/a" "$work/set/b" "${local[@]}" 2>&1); rc=$?
check "--app before the paths takes one value (the paths stay paths)" bash -c '[[ $1 == 0 && $2 == *"App one v2"* && $2 != *"app.two"* ]]' _ $rc "$out"
out=$("$bin" plan "$work/set/a" "$work/set/b" --app onw "${local[@]}" 2>&1); rc=$?
check "an unknown --app is an error naming the apps" bash -c '[[ $1 == 1 && $2 == *"--app onw: no such app in the manifest set; its apps are: one"* ]]' _ $rc "$out"
check "… with a did-you-mean" contains "$out" "did you mean 'one'"
out=$("$bin" plan "$work/set/a" "$work/set/b" --app onw --format json "${local[@]}" 2>/dev/null); rc=$?
check "… reported in the requested format on stdout (E0227 in the JSON problems)" bash -c '[[ $1 == 1 && $2 == *"\"E0227\""* && $2 == *"--app onw"* ]]' _ $rc "$out"
out=$("$bin" plan "$work/set/a" "$work/set/b" --app onw --format markdown "${local[@]}" 2>/dev/null)
check "… and in the markdown problems" contains "$out" "E0227"
"$bin" plan "$work/set/a" "$work/set/b" --app one -o "$work/one.json" "${local[@]}" >/dev/null 2>&1
out=$("$bin" apply "$work/one.json" --auto-approve "${local[@]}" 2>&1); rc=$?
check "a saved --app plan applies just that app" bash -c '[[ $1 == 0 && $2 != *"app.two"* ]]' _ $rc "$out"
out=$("$bin" drift "$work/set/a" "$work/set/b" --app one "${local[@]}" 2>&1); rc=$?
check "drift --app one: that app matches" test $rc -eq 0

finish "environments CLI"
