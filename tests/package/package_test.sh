#!/usr/bin/env bash
# The Debian package as a user gets it: scripts/package on the existing build, unpacked into a scratch
# root (the machine is left as it was), and the installed binary, man pages and completions used.
# Also: `cmake --install` lays out the same files.   package_test.sh BUILD_DIR   (run from the source tree)
set -uo pipefail
build=$(cd "$1" && pwd)
bin=unused
source tests/cli/lib.sh

version=$(sed -n 's/^project(entragate VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

deb=$(scripts/package "$build" 2>"$work/package.log")
check "scripts/package makes entragate_${version}_<arch>.deb" test -f "$deb" -a "$(basename "$deb")" = "entragate_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || { cat "$work/package.log"; finish package; }

# ---- the package's metadata
field() { dpkg-deb -f "$deb" "$1"; }
check "version is the project's" test "$(field Version)" = "$version"
depends=$(field Depends)
for lib in libc6 libstdc++6 libssl3 libyaml-cpp libfmt libboost-json1.81.0 libboost-url1.81.0 libjemalloc2; do
  check "Depends (from dpkg-shlibdeps) names $lib" contains "$depends" "$lib"
done
# Every dependency resolves on this machine (what apt would check), at the version asked for.
satisfied() {
  local dep name op want have
  IFS=',' read -ra deps <<<"$depends"
  for dep in "${deps[@]}"; do
    read -r name op want <<<"$(sed 's/[()]//g' <<<"$dep")"
    have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null) || { echo "  $name: not installed"; return 1; }
    if [ -n "${op:-}" ]; then
      dpkg --compare-versions "$have" "$op" "$want" || { echo "  $name $have is not $op $want"; return 1; }
    fi
  done
}
check "every dependency is satisfied here" satisfied

root="$work/root"
dpkg-deb -x "$deb" "$root"
installed="$root/usr/bin/entragate"
share="$root/usr/share"

# ---- the binary
check "the binary is stripped" contains "$(file -b "$installed")" "stripped"
check "the binary is not 'not stripped'" bash -c '! [[ $(file -b "$1") == *"not stripped"* ]]' _ "$installed"
size=$(stat -c %s "$installed")
echo "# installed binary: $size bytes"
check "the binary is under 15 MB" test "$size" -lt $((15 * 1024 * 1024))
check "every shared library it needs is found" bash -c '! ldd "$1" | grep -q "not found"' _ "$installed"

out=$("$installed" --version)
check "--version names the version" contains "$out" "entragate $version"
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
check "--version names the commit" contains "$out" "commit:     $commit"

json=$("$installed" version --format json)
node_check() {  # node_check NAME JS: JS sees the version document as `v` and returns true or false
  check "$1" node -e "const v = JSON.parse(process.argv[1]); process.exit(($2) ? 0 : 1)" "$json"
}
upstream() { dpkg-query -W -f='${Version}' "$1" | sed -e 's/^[0-9]*://' -e 's/[+~-].*//'; }
node_check "version --format json: version" "v.version === '$version'"
node_check "version --format json: commit" "v.commit === '$commit'"
node_check "version --format json: build type" "v.build_type === '$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")'"
node_check "version --format json: Boost is the one installed" "v.libraries.boost === '$(upstream libboost1.81-dev)'"
node_check "version --format json: yaml-cpp is the one installed" "v.libraries['yaml-cpp'] === '$(upstream libyaml-cpp-dev)'"
node_check "version --format json: fmt is the one installed" "v.libraries.fmt === '$(upstream libfmt-dev)'"
node_check "version --format json: OpenSSL is the one installed" "v.libraries.openssl === '$(upstream libssl-dev)'"
node_check "version --format json: CLI11 is the one installed" "v.libraries.cli11 === '$(upstream libcli11-dev)'"
node_check "version --format json: the OpenSSL loaded at run time" "v.runtime.openssl === '$(upstream libssl3)'"

# ---- the installed examples and schemas, and the demo on the local tenant
sets=(); for d in "$share"/doc/entragate/examples/*/; do [[ $d == */seeds/ ]] || sets+=("${d%/}"); done
check "four example sets are installed" test "${#sets[@]}" -eq 4
# Several PATHs are one set, so each example is validated on its own.
for set in "${sets[@]}"; do check "validate accepts the installed example ${set##*/}" "$installed" validate "$set"; done
check "the schemas are installed" test -s "$share/entragate/schemas/manifest.v1.schema.json" -a -s "$share/entragate/schemas/plan.v1.schema.json"
check "the changelog is installed" bash -c 'zcat "$1" | head -1 | grep -q "^entragate ($2)"' _ "$share/doc/entragate/changelog.Debian.gz" "$version"

cp -r "$share/doc/entragate/examples/restrict-managed-identities" "$work/manifest"
local_tenant=(--target local --local-state "$work/tenant")
plan=$(cd "$work" && "$installed" plan manifest "${local_tenant[@]}" --no-color 2>&1)
check "plan on the local tenant creates TestApp" contains "$plan" "testapp"
check "plan on the local tenant grants App.Use to centos-1" contains "$plan" "centos-1"
check "apply on the local tenant succeeds" bash -c 'cd "$1" && "$2" apply --auto-approve manifest "${@:3}" >/dev/null 2>&1' _ "$work" "$installed" "${local_tenant[@]}"
(cd "$work" && "$installed" plan --detailed-exitcode manifest "${local_tenant[@]}" >/dev/null 2>&1); rc=$?
check "a second plan has nothing to do (exit 0)" test "$rc" -eq 0

# ---- man pages: they render without warnings, and entragate(1) lists everything --help does
for page in man1/entragate.1 man5/entragate-manifest.5; do
  rendered=$(MANWIDTH=100 man --warnings -l "$share/man/$page" 2>"$work/man.err")
  check "man -l renders $page" contains "$rendered" "NAME"
  check "man -l renders $page without warnings" test ! -s "$work/man.err"
done
manpage=$(MANWIDTH=200 man -l "$share/man/man1/entragate.1" 2>/dev/null)
check "entragate(1) has EXIT STATUS and ENVIRONMENT" bash -c '[[ $1 == *"EXIT STATUS"* && $1 == *ENVIRONMENT* ]]' _ "$manpage"
subcommands() {  # the subcommands `--help` lists
  "$installed" "$@" --help | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'
}
for sub in $(subcommands); do
  check "entragate(1) documents '$sub'" contains "$manpage" "entragate $sub"
  for opt in $("$installed" "$sub" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+$'); do
    contains "$manpage" "$opt" || { echo "FAIL - entragate(1) lacks $sub $opt"; failures=$((failures + 1)); }
  done
done
check "entragate(1) documents 'auth status'" contains "$manpage" "entragate auth status"
check "the hidden generators are not documented" bash -c '! [[ $1 == *__man* || $1 == *__completion* ]]' _ "$manpage"
# Every environment variable the sources read is in ENVIRONMENT.
for var in $(grep -rhoE '"(AZURE|ACTIONS|ENTRAGATE|IDENTITY|SSL|NO|HTTPS)_[A-Z_]+"' cli providers net engine | tr -d '"' | sort -u); do
  contains "$manpage" "$var" || { echo "FAIL - entragate(1) ENVIRONMENT lacks $var"; failures=$((failures + 1)); }
done

# ---- completions, loaded the way each shell finds them under the installed prefix
complete_bash() {  # complete_bash WORDS...: what bash offers for the last word
  XDG_DATA_DIRS="$share" bash -c '
    source /usr/share/bash-completion/bash_completion
    _completion_loader entragate
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    $(complete -p entragate | sed -n "s/.*-F \([^ ]*\) .*/\1/p") entragate "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
check "bash-completion loads the installed completion" bash -c 'XDG_DATA_DIRS="$1" bash -c "source /usr/share/bash-completion/bash_completion; _completion_loader entragate; complete -p entragate" | grep -q "_entragate entragate"' _ "$share"
offered=$(complete_bash entragate "")
for sub in $(subcommands); do check "bash completes the command '$sub'" grep -qx "$sub" <<<"$offered"; done
check "bash does not offer hidden commands" bash -c '! grep -q "^__" <<<"$1"' _ "$offered"
check "bash completes 'pl' to plan" test "$(complete_bash entragate pl)" = "plan"
check "bash completes auth's subcommand" test "$(complete_bash entragate auth '')" = "status"
check "bash completes --format values of plan" test "$(complete_bash entragate plan --format '' | tr '\n' ' ')" = "text json markdown "
check "bash completes --target values" test "$(complete_bash entragate drift x --target '' | tr '\n' ' ')" = "local graph "
check "bash completes flags of apply" grep -qx -- "--auto-approve" <<<"$(complete_bash entragate apply --)"
check "bash completes global flags after a command" grep -qx -- "--no-color" <<<"$(complete_bash entragate plan --no)"
check "bash completes manifest paths" grep -qx "manifest" <<<"$(cd "$work" && complete_bash entragate plan man)"

check "zsh reads the completion" zsh -n "$share/zsh/vendor-completions/_entragate"
check "zsh's compinit registers it" test "$(zsh -fc 'fpath=("$1" $fpath); autoload -U compinit; compinit -u -D; print -r -- ${_comps[entragate]}' _ "$share/zsh/vendor-completions")" = "_entragate"

# fish autoloads a completion only for a command on PATH; HOME keeps the user's own config out.
fish_complete() {
  PATH="$root/usr/bin:$PATH" HOME="$work/home" XDG_CONFIG_HOME="$work/home" XDG_DATA_DIRS="$share" fish -c "complete -C '$1'" | cut -f1
}
check "fish completes 'pl' to plan" grep -qx "plan" <<<"$(fish_complete 'entragate pl')"
check "fish completes --format values of drift" test "$(fish_complete 'entragate drift m --format ' | sort | tr '\n' ' ')" = "json junit markdown text "
check "fish completes auth's subcommand" grep -qx "status" <<<"$(fish_complete 'entragate auth ')"

# ---- `cmake --install` lays out the same files as the package
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" --strip >/dev/null
(cd "$prefix" && find . -type f | sort) >"$work/installed.txt"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./usr/|./|' | sort >"$work/packaged.txt"
check "cmake --install lays out the package's files" diff "$work/installed.txt" "$work/packaged.txt"
check "cmake --install strips the binary the same" cmp -s "$prefix/bin/entragate" "$installed"

finish package
