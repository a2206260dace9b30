#pragma once
// Runs a plan through a provider in dependency order. Independent steps go to the provider together
// (it batches them), several calls at once if asked (a pipeline, not waves); a failed step stops
// only the steps that depend on it. Asked
// to stop, it starts nothing new and reports what it did not start; steps that wait on each other
// fail with the cycle named; an exception from the provider fails the step that raised it.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "engine/observed.h"
#include "engine/plan.h"
#include "engine/provider.h"

namespace entragate::engine {

enum class StepStatus { kDone, kUnchanged, kFailed, kSkipped, kNotStarted };

struct StepOutcome {
  const Change* change = nullptr;
  StepStatus status = StepStatus::kSkipped;
  Error error;             ///< kFailed
  std::string blocked_by;  ///< kSkipped: the failed or skipped step it waited for
};

struct ExecutionReport {
  std::vector<StepOutcome> steps;  ///< in plan order
  int done = 0, unchanged = 0, failed = 0, skipped = 0, not_started = 0;
  bool stopped = false;  ///< asked to stop before every step had run
  bool ok() const { return failed == 0 && skipped == 0 && not_started == 0; }
};

struct Progress {
  int finished = 0, total = 0;
  std::vector<const Change*> running;
};

struct ExecuteOptions {
  std::function<void(const Progress&)> on_progress;
  /// Asked before each call to the provider; true: start no more steps (those running finish).
  std::function<bool()> should_stop;
  /// At most this many steps per provider call (0: all that are ready), so a stop request waits
  /// for one call at most rather than a whole wave of a large plan.
  size_t max_steps_per_call = 0;
  /// At most this many provider calls at once, on as many threads (1: one call at a time, on the
  /// caller's thread). Above 1 the provider must be thread-safe, and steps start as soon as what
  /// they wait for is done, not when a whole wave is: a call waits for more ready steps only while
  /// others run, so calls stay full. How many are in flight adapts, up to this cap, to how long
  /// calls take: it grows while they come back as fast as the fastest did and shrinks when they
  /// slow down (a queueing server, or the provider's own pacing).
  size_t parallelism = 1;
};

ExecutionReport Execute(const Plan& plan, const ObservedState& observed, Provider& provider, const ExecuteOptions& options);
ExecutionReport Execute(const Plan& plan, const ObservedState& observed, Provider& provider,
                        const std::function<void(const Progress&)>& on_progress = {});

}  // namespace entragate::engine
