#pragma once
// entragate(1), in roff, from the command-line model.

#include <string>

#include "cli/cli_model.h"

namespace entragate::cli {

std::string RenderManPage(const CommandModel& program, const std::string& version);

}  // namespace entragate::cli
