#!/usr/bin/env bash
# The CI recipes in docs/ci run as CI would run them: their plan, apply and drift steps, taken from the
# YAML, against the local tenant (`entragate` on PATH is this build; ENTRAGATE_TARGET=local instead
# of graph). `gh` is replaced by a recorder: posting to GitHub is not what is tested, what it posts is.
# Usage: ci_recipes_cli_test.sh ENTRAGATE (from the repository root).
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
steps=$PWD/tests/cli/ci_recipe_steps.mjs
mkdir -p "$work/bin"
ln -s "$(realpath "$bin")" "$work/bin/entragate"
cat >"$work/bin/gh" <<'SH'
#!/bin/sh
echo "$*" >>"$GH_LOG"
while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" "$GH_LOG.body"; shift; done
SH
chmod +x "$work/bin/gh"

# run_step KIND RECIPE STEP: runs the step's script in the policy repository, as that CI runs it.
run_step() {
  local shell=(sh -e); [ "$1" = azure ] && shell=(bash)
  node "$steps" "$1" "$2" step "$3" >"$work/step.sh" || return 99
  (cd "$repo" && PATH="$work/bin:$PATH" CI=true ENTRAGATE_TARGET=local PR=7 GH_LOG="$work/gh.log" NO_COLOR=1 "${shell[@]}" "$work/step.sh" >/dev/null 2>"$work/step.err")
}

# The README shows the GitHub plan step: it must be the recipe's, word for word.
shown=$(sed -n '/^### In CI/,/^## /p' README.md | sed -n '/^```yaml$/,/^```$/p' | sed '1d;$d')
check "the README's plan step is the GitHub recipe's" bash -c '[ -n "$1" ] && [[ $(cat docs/ci/github-actions.yml) == *"$1"* ]]' _ "$shown"

for kind in github azure; do
  recipe=$PWD/docs/ci/$([ $kind = github ] && echo github-actions.yml || echo azure-pipelines.yml)
  repo=$work/$kind
  mkdir -p "$repo" && cp -r examples/restrict-managed-identities "$repo/policies"
  rm -f "$work/gh.log" "$work/gh.log.body"
  err=$(node "$steps" $kind "$recipe" check 2>&1)
  check "$kind: read-only identity for pull requests and drift, write identity for main only, package built and installed, drift.xml published" test -z "$err"
  [ -n "$err" ] && echo "  $err"

  run_step $kind "$recipe" plan; rc=$?
  check "$kind plan step: exit 0" test $rc -eq 0
  check "… writes the pull-request markdown" contains "$(cat "$repo/plan.md" 2>/dev/null)" "### entragate plan: 2 to create"
  check "… and saves the plan" test -s "$repo/plan.json"
  if [ $kind = github ]; then
    check "… and posts plan.md on the pull request" contains "$(cat "$work/gh.log" 2>/dev/null)" "pr comment 7 --body-file plan.md"
  else
    check "… and attaches plan.md to the run's summary" contains "$(node "$steps" $kind "$recipe" step plan)" 'echo "##vso[task.uploadsummary]$PWD/plan.md"'
  fi

  run_step $kind "$recipe" apply; rc=$?
  check "$kind apply step: exit 0" test $rc -eq 0
  run_step $kind "$recipe" drift; rc=$?
  check "$kind drift step after apply: exit 0" test $rc -eq 0
  check "… drift.xml says testapp is in sync" contains "$(cat "$repo/drift.xml" 2>/dev/null)" '<testcase classname="entragate.app" name="testapp"/>'

  sed -i 's/displayName: TestApp/displayName: TestApp v2/' "$repo/policies/testapp.yaml"
  run_step $kind "$recipe" drift; rc=$?
  check "$kind drift step after a change: exit 2 (the job fails)" test $rc -eq 2
  check "… drift.xml shows before → after" contains "$(cat "$repo/drift.xml" 2>/dev/null)" 'displayName: &quot;TestApp&quot; → &quot;TestApp v2&quot;'

  printf 'version: 1\napps:\n  broken:\n    displayName: Broken\n    access: { App.Use: [ nobody ] }\n' >"$repo/policies/broken.yaml"
  rm -f "$work/gh.log.body"
  run_step $kind "$recipe" plan; rc=$?
  check "$kind plan step with a broken manifest: exit 1 (the check fails)" test $rc -eq 1
  check "… plan.md still lists the problems" contains "$(cat "$repo/plan.md" 2>/dev/null)" "error[E0203]"
  [ $kind = github ] && check "… and is still posted" contains "$(cat "$work/gh.log.body" 2>/dev/null)" "### entragate plan:"
done
finish ci_recipes
