#pragma once
// The command line as data: what the man page and the shell completions are generated from, read
// off the same CLI11 definitions that print --help, so the three cannot disagree.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace entragate::cli {

struct OptionModel {
  std::vector<std::string> short_names;  ///< without the dash: "o"
  std::vector<std::string> long_names;   ///< without the dashes: "out"
  std::string name;                      ///< positionals: "path"; options: the first long name
  std::string description;
  std::vector<std::string> choices;  ///< from an IsMember check: {"text", "json"}
  std::string default_value;
  bool takes_value = false;
  bool repeats = false;  ///< a vector: may be given several times / takes several words
  bool required = false;
};

struct CommandModel {
  std::vector<std::string> path;  ///< {} for the program itself, {"auth", "status"} for `auth status`
  std::string description;
  std::string footer;
  std::vector<OptionModel> options;  ///< its own options (--help included)
  std::vector<OptionModel> positionals;
  std::vector<CommandModel> subcommands;  ///< hidden ones (an empty group) left out
  bool inherits_options = false;          ///< fallthrough: the parent's options may follow this command too
};

/// Walks `app` and its visible subcommands.
CommandModel DescribeCommandLine(CLI::App& app);

/// "entragate auth status"
std::string CommandLineName(const CommandModel& command);

}  // namespace entragate::cli
