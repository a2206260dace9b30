#pragma once
// Command-line mistakes CLI11 would misread silently or explain badly: a single-dash long option
// (Terraform's `-out=plan.json` reads as `-o` with the value `ut=plan.json`) and a command that does
// not exist. Checked before parsing, so nothing runs with a misread argument.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace entragate::cli {

/// The message to print (without "entragate: "), or nothing when the arguments look right.
std::optional<std::string> CheckArguments(CLI::App& app, int argc, const char* const* argv);

}  // namespace entragate::cli
