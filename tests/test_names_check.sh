#!/usr/bin/env bash
# ctest learns each doctest case by name and cuts names at ';' (a CMake list separator); the cut name
# then matches no case and the test passes without running. So no case name may contain ';'.
set -euo pipefail
cd "$(dirname "$0")"
if grep -rnE '(TEST_CASE|SCENARIO)\("[^"]*;' --include='*.cpp' .; then
  echo "test case names above contain ';': ctest would run none of them" >&2
  exit 1
fi
