#pragma once
// The last line of defence around a command: whatever escapes it is a bug, but it must end as an
// error the operator can read and a failing exit status, never as terminate() with a half-written
// report.

#include <cstdio>
#include <functional>

namespace entragate::cli {

/// Runs `command` and returns its exit status; an exception escaping it is reported on `err` as
/// "entragate: internal error: WHAT" and turns into exit status 1. Exceptions `command` handles
/// itself (CLI11's parse errors in main) never get here.
int RunGuarded(const std::function<int()>& command, std::FILE* err = stderr);

}  // namespace entragate::cli
