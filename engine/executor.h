#pragma once
// Runs a plan through a provider in dependency order. Independent steps go to the provider together
// (it batches and parallelises them); a failed step stops only the steps that depend on it.

#include <functional>
#include <string>
#include <vector>

#include "engine/observed.h"
#include "engine/plan.h"
#include "engine/provider.h"

namespace entragate::engine {

enum class StepStatus { kDone, kUnchanged, kFailed, kSkipped };

struct StepOutcome {
  const Change* change = nullptr;
  StepStatus status = StepStatus::kSkipped;
  Error error;                  ///< kFailed
  std::string blocked_by;       ///< kSkipped: the failed or skipped step it waited for
};

struct ExecutionReport {
  std::vector<StepOutcome> steps;  ///< in plan order
  int done = 0, unchanged = 0, failed = 0, skipped = 0;
  bool ok() const { return failed == 0 && skipped == 0; }
};

struct Progress {
  int finished = 0, total = 0;
  std::vector<const Change*> running;
};

ExecutionReport Execute(const Plan& plan, const ObservedState& observed, Provider& provider,
                        const std::function<void(const Progress&)>& on_progress = {});

}  // namespace entragate::engine
