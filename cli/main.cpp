// entragate: Microsoft Entra ID application access policy, kept in git.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/argv_checks.h"
#include "cli/commands.h"
#include "cli/guard.h"
#include "cli/version.h"

int main(int argc, char** argv) {
  using namespace entragate::cli;
  CLI::App app{"entragate keeps Microsoft Entra ID application access policy in git: manifests in, plan, apply, drift."};
  app.name("entragate");
  app.set_version_flag("--version", fmt::format("entragate {}", kVersion));
  app.require_subcommand(1);
  app.fallthrough();  // global flags may also follow the command: `entragate plan PATH --stats`
  GlobalOptions globals;
  app.add_flag("--no-color", globals.no_color, "Never colour output (NO_COLOR is honoured too)");
  app.add_flag("-v,--verbose", globals.verbose, "Show more detail");
  app.add_flag("--stats", globals.stats, "Print Graph request statistics (requests, batches, retries, time throttled)");
  int exit_code = kExitOk;
  AddValidateCommand(app, globals, exit_code);
  AddPlanCommand(app, globals, exit_code);
  AddApplyCommand(app, globals, exit_code);
  AddDriftCommand(app, globals, exit_code);
  AddExportCommand(app, globals, exit_code);
  AddTokenCommand(app, globals, exit_code);
  AddAuthCommand(app, globals, exit_code);
  AddAccessCommand(app, globals, exit_code);
  AddShowCommand(app, globals, exit_code);
  AddServeCommand(app, exit_code);
  AddVersionCommand(app, exit_code);
  // Commands run inside parse(), so the guard covers every one of them.
  return RunGuarded([&]() -> int {
    if (auto problem = CheckArguments(app, argc, argv)) {
      fmt::print(stderr, "entragate: {}\n", *problem);
      return kExitError;
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int rc = app.exit(e);
      return rc == 0 ? kExitOk : kExitError;
    }
    return exit_code;
  });
}
