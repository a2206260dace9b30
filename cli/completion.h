#pragma once
// Shell completion scripts (bash, zsh, fish) from the command-line model.

#include <optional>
#include <string>

#include "cli/cli_model.h"

namespace entragate::cli {

/// nullopt for a shell it does not know.
std::optional<std::string> RenderCompletion(const CommandModel& program, const std::string& shell);

}  // namespace entragate::cli
