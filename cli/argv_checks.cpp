#include "cli/argv_checks.h"

#include <algorithm>
#include <regex>
#include <vector>

#include <fmt/format.h>

#include "engine/diag.h"

namespace entragate::cli {

namespace {

// Every command, hidden ones included (they are accepted); only visible ones are listed to people.
std::vector<std::string> CommandNames(CLI::App& app, bool visible_only = false) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (!visible_only || !sub->get_group().empty()) names.push_back(sub->get_name());
  return names;
}

// Global flags that may come before the command.
bool IsGlobalFlag(const std::string& arg) {
  return arg == "--no-color" || arg == "-v" || arg == "--verbose" || arg == "--stats" || arg == "--version" || arg == "-h" || arg == "--help";
}

}  // namespace

std::optional<std::string> CheckArguments(CLI::App& app, int argc, const char* const* argv) {
  static const std::regex kSingleDashLong("-([A-Za-z][A-Za-z-]{2,})(=.*)?");
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    std::smatch m;
    if (std::regex_match(arg, m, kSingleDashLong))
      return fmt::format("'{}' is not an option: long options take two dashes here. Did you mean '-{}'?", arg, arg);
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (IsGlobalFlag(arg)) continue;
    if (!arg.empty() && arg[0] == '-') return std::nullopt;  // CLI11 explains unknown options itself
    std::vector<std::string> names = CommandNames(app);
    if (std::find(names.begin(), names.end(), arg) != names.end()) return std::nullopt;
    std::vector<std::string> listed = CommandNames(app, true);
    std::string hint = engine::Closest(arg, listed);
    return fmt::format("unknown command '{}'.{} The commands are: {}. See entragate --help.", arg,
                       hint.empty() ? "" : fmt::format(" Did you mean '{}'?", hint), fmt::join(listed, ", "));
  }
  return std::nullopt;
}

}  // namespace entragate::cli
