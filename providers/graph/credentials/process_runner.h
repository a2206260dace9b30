#pragma once
// Running a helper program (the Azure CLI) without a shell: fork/exec with pipes, so no argument
// is ever re-parsed, quoted or expanded, and nothing the program prints reaches our logs unless
// the caller chooses to show it.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "providers/graph/credentials/room.h"

namespace entragate::graph {

struct ProcessOptions {
  /// The program is killed (SIGKILL) when it runs longer: `az` can hang on a network problem.
  std::chrono::milliseconds timeout{60000};
  /// Standard output or error beyond this kills the program and fails the run.
  std::size_t max_output_bytes = 4 << 20;
};

struct ProcessOutput {
  int exit_code = 0;  ///< 128 + signal number when killed by a signal
  std::string out;    ///< standard output
  std::string err;    ///< standard error
};

/// Runs argv[0] as given (a path: no PATH search, no shell) with standard input from /dev/null
/// (so it cannot wait for a prompt) and the parent's environment. Errors only when the program
/// could not be started, timed out or printed too much; any exit status is a successful run.
/// Messages name the program (argv[0]), never other arguments or output.
engine::Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// The first regular, executable file called `name` in the ':'-separated `path_list` (the PATH
/// variable's value). Empty and relative entries are skipped: they would mean the current
/// directory, which is how a planted `az` gets run.
std::optional<std::string> FindOnPath(std::string_view name, std::string_view path_list);

}  // namespace entragate::graph
