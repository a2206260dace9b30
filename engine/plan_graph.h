#pragma once
// The step graph of a plan: every after_steps id names a step of the plan, ids are unique, and no
// steps wait on each other. A plan read from a file is checked before anything runs; the executor
// uses the same cycle search when it finds steps that can never start.

#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/result.h"

namespace entragate::engine {

/// A cycle among `steps`, counting only dependencies between them: the ids in order, the first
/// repeated at the end ("a", "b", "a"). Empty when there is none.
std::vector<std::string> FindStepCycle(const std::vector<const Change*>& steps);

/// "a → b → a" (long cycles shortened)
std::string DescribeCycle(const std::vector<std::string>& cycle);

/// kInvalid naming the steps when an id is empty or repeated, a step waits for an id that is not in
/// the plan (or for itself), or steps wait on each other.
Status ValidateStepGraph(const Plan& plan);

}  // namespace entragate::engine
