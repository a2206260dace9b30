#include "engine/executor.h"

#include <algorithm>
#include <exception>
#include <map>

#include <fmt/format.h>

#include "engine/plan_graph.h"

namespace entragate::engine {

namespace {

ApplyContext InitialContext(const ObservedState& observed) {
  ApplyContext ctx;
  ctx.tenant_id = observed.tenant_id;
  for (const auto& [key, app] : observed.apps) {
    AppIds ids{app.object_id, app.app_id, app.service_principal ? app.service_principal->object_id : ""};
    ctx.apps[key] = ids;
  }
  return ctx;
}

void Learn(ApplyContext& ctx, const Change& c, const AppIds& learnt) {
  AppIds& ids = ctx.apps[c.app];
  if (!learnt.object_id.empty()) ids.object_id = learnt.object_id;
  if (!learnt.app_id.empty()) ids.app_id = learnt.app_id;
  if (!learnt.sp_id.empty()) ids.sp_id = learnt.sp_id;
}

StepResult Threw(const Change& c, const char* what) {
  return StepResult{false, false, MakeError(Error::Kind::kInternal, fmt::format("unexpected error while applying {}: {}", c.address, what)), {}};
}

class Run {
 public:
  Run(const Plan& plan, const ObservedState& observed, Provider& provider, const ExecuteOptions& options)
      : provider_(provider), options_(options), ctx_(InitialContext(observed)) {
    for (const auto& c : plan.changes) {
      index_[c.id] = report_.steps.size();
      report_.steps.push_back({&c, StepStatus::kSkipped, {}, {}});
    }
    settled_.assign(report_.steps.size(), false);
  }

  ExecutionReport Go() {
    for (;;) {
      std::vector<size_t> ready = Ready();
      if (ready.empty()) {
        if (std::find(settled_.begin(), settled_.end(), false) == settled_.end()) break;
        FailCycle();
        continue;
      }
      if (options_.should_stop && options_.should_stop()) {
        StopHere();
        break;
      }
      if (options_.max_steps_per_call > 0 && ready.size() > options_.max_steps_per_call) ready.resize(options_.max_steps_per_call);
      RunCall(ready);
    }
    Count();
    Report({});
    return std::move(report_);
  }

 private:
  // Steps whose dependencies all succeeded. A step waiting for a failed or skipped one is settled
  // as skipped, which may release others; so scan again until nothing more is skipped.
  std::vector<size_t> Ready() {
    for (;;) {
      std::vector<size_t> ready;
      bool skipped_any = false;
      for (size_t i = 0; i < report_.steps.size(); ++i) {
        if (settled_[i]) continue;
        bool waiting = false;
        for (const auto& dep : report_.steps[i].change->after_steps) {
          auto it = index_.find(dep);
          if (it == index_.end()) continue;
          const StepOutcome& d = report_.steps[it->second];
          if (!settled_[it->second]) {
            waiting = true;
          } else if (d.status == StepStatus::kFailed || d.status == StepStatus::kSkipped) {
            report_.steps[i].blocked_by = dep;
            Settle(i);
            skipped_any = true;
            break;
          }
        }
        if (!settled_[i] && !waiting) ready.push_back(i);
      }
      if (!ready.empty() || !skipped_any) return ready;
    }
  }

  // Nothing can start, yet steps remain: they wait on each other. The cycle fails; what waits for
  // it is then skipped as usual.
  void FailCycle() {
    std::vector<const Change*> left;
    for (size_t i = 0; i < report_.steps.size(); ++i)
      if (!settled_[i]) left.push_back(report_.steps[i].change);
    std::vector<std::string> cycle = FindStepCycle(left);
    if (cycle.empty())  // cannot happen with dependencies read from the plan; never loop on it
      for (const Change* c : left) cycle.push_back(c->id);
    std::string message = fmt::format("steps wait on each other, so none of them can run: {}", DescribeCycle(cycle));
    for (const auto& id : cycle) {
      size_t i = index_.at(id);
      if (settled_[i]) continue;
      report_.steps[i].status = StepStatus::kFailed;
      report_.steps[i].error = MakeError(Error::Kind::kInternal, message);
      Settle(i);
    }
  }

  void StopHere() {
    report_.stopped = true;
    for (size_t i = 0; i < report_.steps.size(); ++i)
      if (!settled_[i]) {
        report_.steps[i].status = StepStatus::kNotStarted;
        Settle(i);
      }
  }

  void RunCall(const std::vector<size_t>& ready) {
    std::vector<const Change*> wave;
    for (size_t i : ready) wave.push_back(report_.steps[i].change);
    Report(wave);
    std::vector<StepResult> results = Call(wave);
    for (size_t k = 0; k < ready.size(); ++k) {
      StepOutcome& out = report_.steps[ready[k]];
      const StepResult& r = k < results.size() ? results[k] : StepResult{false, false, MakeError(Error::Kind::kInternal, "no result"), {}};
      out.status = !r.ok ? StepStatus::kFailed : r.unchanged ? StepStatus::kUnchanged : StepStatus::kDone;
      out.error = r.error;
      if (r.ok && r.learnt) Learn(ctx_, *out.change, *r.learnt);
      Settle(ready[k]);
    }
  }

  // The one place the provider is called. When one of several steps raises, each is sent again on
  // its own (steps are idempotent) so that only the one that raised fails.
  std::vector<StepResult> Call(const std::vector<const Change*>& steps) {
    try {
      return provider_.Apply(steps, ctx_);
    } catch (const std::exception& e) {
      if (steps.size() == 1) return {Threw(*steps[0], e.what())};
    } catch (...) {
      if (steps.size() == 1) return {Threw(*steps[0], "an exception that is not a std::exception")};
    }
    std::vector<StepResult> out;
    for (const Change* c : steps) {
      std::vector<StepResult> one = Call({c});
      out.push_back(one.empty() ? StepResult{false, false, MakeError(Error::Kind::kInternal, "no result"), {}} : one.front());
    }
    return out;
  }

  void Settle(size_t i) {
    settled_[i] = true;
    ++finished_;
  }

  void Report(const std::vector<const Change*>& running) {
    if (options_.on_progress) options_.on_progress({finished_, static_cast<int>(report_.steps.size()), running});
  }

  void Count() {
    for (const auto& s : report_.steps) {
      switch (s.status) {
        case StepStatus::kDone: ++report_.done; break;
        case StepStatus::kUnchanged: ++report_.unchanged; break;
        case StepStatus::kFailed: ++report_.failed; break;
        case StepStatus::kSkipped: ++report_.skipped; break;
        case StepStatus::kNotStarted: ++report_.not_started; break;
      }
    }
  }

  Provider& provider_;
  const ExecuteOptions& options_;
  ExecutionReport report_;
  std::map<std::string, size_t> index_;
  std::vector<bool> settled_;
  ApplyContext ctx_;
  int finished_ = 0;
};

}  // namespace

ExecutionReport Execute(const Plan& plan, const ObservedState& observed, Provider& provider, const ExecuteOptions& options) {
  return Run(plan, observed, provider, options).Go();
}

ExecutionReport Execute(const Plan& plan, const ObservedState& observed, Provider& provider, const std::function<void(const Progress&)>& on_progress) {
  ExecuteOptions options;
  options.on_progress = on_progress;
  return Execute(plan, observed, provider, options);
}

}  // namespace entragate::engine
