#pragma once
// The command table: each command registers its flags on the CLI11 app and returns the exit code
// through the function it installs. Exit codes follow Terraform: 0 success/no changes, 1 error,
// 2 changes present (plan --detailed-exitcode, drift), 130 apply interrupted.

#include <CLI/CLI.hpp>

namespace entragate::cli {

struct GlobalOptions {
  bool no_color = false;
  bool verbose = false;
  bool stats = false;  ///< print Graph request statistics after plan/apply/drift
};

enum ExitCode : int { kExitOk = 0, kExitError = 1, kExitChanges = 2, kExitInterrupted = 130 };

/// Adds `validate` to `app`; `exit_code` receives its result when it runs.
void AddValidateCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void AddServeCommand(CLI::App& app, int& exit_code);
void AddPlanCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void AddApplyCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void AddDriftCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void AddExportCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void AddTokenCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void AddAuthCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void AddAccessCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void AddShowCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);

}  // namespace entragate::cli
