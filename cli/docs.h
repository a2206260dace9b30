#pragma once
#include <CLI/CLI.hpp>

namespace entragate::cli {

/// Adds the hidden `__man` and `__completion SHELL` (walk `app` when they run, so register any time).
void AddDocsCommands(CLI::App& app, int& exit_code);

}  // namespace entragate::cli
