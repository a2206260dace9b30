#pragma once
// Reading a plan saved with `plan -o`, for `apply FILE` and `show FILE`.

#include <string>

#include "engine/plan.h"
#include "engine/result.h"

namespace entragate::cli {

/// The plan in `path`, or an error naming the file (unreadable, not a saved entragate plan, or a
/// plan whose JSON does not hold together).
engine::Result<engine::Plan> ReadSavedPlan(const std::string& path);

}  // namespace entragate::cli
