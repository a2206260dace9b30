#pragma once
// Is a saved plan the plan the manifest and tenant give now? Compared: the steps (ids, addresses,
// actions, kinds, app keys), what each sends and shows (payload, after, before), what each waits
// for, and their order. Notes and manifest locations are display only: the fresh plan's are shown.

#include <optional>
#include <string>

#include "engine/plan.h"

namespace entragate::engine {

/// The first difference in words ("step app.x: in the saved plan but not in a fresh plan",
/// "payload of step app.x differs at web.redirectUris: …"), or nothing when the plans are the same.
std::optional<std::string> FirstPlanDifference(const Plan& saved, const Plan& fresh);

}  // namespace entragate::engine
