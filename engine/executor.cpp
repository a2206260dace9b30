#include "engine/executor.h"

#include <algorithm>
#include <map>

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

}  // namespace

ExecutionReport Execute(const Plan& plan, const ObservedState& observed, Provider& provider,
                        const std::function<void(const Progress&)>& on_progress) {
  ExecutionReport report;
  std::map<std::string, size_t> index;
  for (const auto& c : plan.changes) {
    index[c.id] = report.steps.size();
    report.steps.push_back({&c, StepStatus::kSkipped, {}, {}});
  }
  std::vector<bool> settled(report.steps.size(), false);
  ApplyContext ctx = InitialContext(observed);
  int finished = 0;
  for (;;) {
    std::vector<size_t> ready;
    for (size_t i = 0; i < report.steps.size(); ++i) {
      if (settled[i]) continue;
      bool waiting = false;
      for (const auto& dep : report.steps[i].change->after_steps) {
        auto it = index.find(dep);
        if (it == index.end()) continue;
        const StepOutcome& d = report.steps[it->second];
        if (!settled[it->second]) waiting = true;
        else if (d.status == StepStatus::kFailed || d.status == StepStatus::kSkipped) {
          report.steps[i].blocked_by = dep;
          settled[i] = true;
          ++finished;
          break;
        }
      }
      if (!settled[i] && !waiting) ready.push_back(i);
    }
    if (ready.empty()) {
      bool any_left = std::find(settled.begin(), settled.end(), false) != settled.end();
      if (!any_left) break;
      continue;  // steps were just skipped; look again for what they released
    }
    std::vector<const Change*> wave;
    for (size_t i : ready) wave.push_back(report.steps[i].change);
    if (on_progress) on_progress({finished, static_cast<int>(report.steps.size()), wave});
    std::vector<StepResult> results = provider.Apply(wave, ctx);
    for (size_t k = 0; k < ready.size(); ++k) {
      StepOutcome& out = report.steps[ready[k]];
      const StepResult& r = k < results.size() ? results[k] : StepResult{false, false, MakeError(Error::Kind::kInternal, "no result"), {}};
      out.status = !r.ok ? StepStatus::kFailed : r.unchanged ? StepStatus::kUnchanged : StepStatus::kDone;
      out.error = r.error;
      if (r.ok && r.learnt) Learn(ctx, *out.change, *r.learnt);
      settled[ready[k]] = true;
      ++finished;
    }
  }
  for (const auto& s : report.steps) {
    switch (s.status) {
      case StepStatus::kDone: ++report.done; break;
      case StepStatus::kUnchanged: ++report.unchanged; break;
      case StepStatus::kFailed: ++report.failed; break;
      case StepStatus::kSkipped: ++report.skipped; break;
    }
  }
  if (on_progress) on_progress({finished, static_cast<int>(report.steps.size()), {}});
  return report;
}

}  // namespace entragate::engine
