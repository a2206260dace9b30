#include "engine/executor.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

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

// The ids a call needs: its steps' apps, and the apps a grant names as principal. A call running
// on another thread gets its own copy, so ids learnt meanwhile never race with its reads.
ApplyContext ContextFor(const ApplyContext& all, const std::vector<const Change*>& steps) {
  ApplyContext ctx;
  ctx.tenant_id = all.tenant_id;
  auto copy = [&](const std::string& key) {
    if (auto it = all.apps.find(key); it != all.apps.end()) ctx.apps.insert(*it);
  };
  for (const Change* c : steps) {
    copy(c->app);
    if (const auto* principal = c->payload.if_contains("principal"); principal && principal->is_string()) copy(std::string(principal->get_string()));
  }
  return ctx;
}

// Provider calls on a few threads; finished calls are handed back to the one thread that owns the
// run's state.
class Workers {
 public:
  explicit Workers(size_t count) {
    for (size_t i = 0; i < count; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~Workers() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void Post(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return closing_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

// How many calls may be in flight: half the cap at first (at least four, what a wave kept in
// flight before calls were pipelined), one more each time a call comes back about as fast as the
// fastest did (the wait is the network's, so more in flight hide it), and a quarter fewer when
// calls take much longer (the server queues them, or the pacer holds them for Graph's budget),
// never below where it started. Never above the cap.
class Window {
 public:
  explicit Window(size_t cap)
      : cap_(std::max<size_t>(1, cap)), floor_(std::min(cap_, std::max<size_t>(4, cap_ / 2))), size_(static_cast<double>(floor_)) {}
  size_t size() const { return static_cast<size_t>(size_); }
  void Learn(double seconds) {
    fastest_ = std::min(fastest_, seconds);
    if (seconds <= 1.5 * fastest_ + 0.005)
      size_ = std::min(static_cast<double>(cap_), size_ + 1);
    else if (seconds > 3 * fastest_ + 0.010)
      size_ = std::max(static_cast<double>(floor_), size_ * 0.75);
  }

 private:
  size_t cap_, floor_;
  double size_;
  double fastest_ = 1e9;
};

class Run {
 public:
  Run(const Plan& plan, const ObservedState& observed, Provider& provider, const ExecuteOptions& options)
      : provider_(provider), options_(options), ctx_(InitialContext(observed)), window_(options.parallelism) {
    for (const auto& c : plan.changes) {
      index_[c.id] = report_.steps.size();
      report_.steps.push_back({&c, StepStatus::kSkipped, {}, {}});
    }
    size_t n = report_.steps.size();
    settled_.assign(n, false);
    running_.assign(n, false);
    waiting_on_.assign(n, 0);
    dependents_.resize(n);
    for (size_t i = 0; i < n; ++i)
      for (const auto& dep : report_.steps[i].change->after_steps)
        if (auto it = index_.find(dep); it != index_.end()) {
          ++waiting_on_[i];
          dependents_[it->second].push_back(i);
        }
    for (size_t i = 0; i < n; ++i)
      if (waiting_on_[i] == 0) ready_.insert(i);
  }

  ExecutionReport Go() {
    std::unique_ptr<Workers> workers;
    if (options_.parallelism > 1) workers = std::make_unique<Workers>(options_.parallelism);
    workers_ = workers.get();
    for (;;) {
      TakeFinished(false);
      if (ready_.empty()) {
        if (in_flight_ > 0) {
          TakeFinished(true);
          continue;
        }
        if (finished_ == static_cast<int>(report_.steps.size())) break;
        FailCycle();
        continue;
      }
      if (options_.should_stop && options_.should_stop()) {
        StopHere();
        while (in_flight_ > 0) TakeFinished(true);
        break;
      }
      size_t chunk = options_.max_steps_per_call > 0 ? options_.max_steps_per_call : ready_.size();
      // A part-filled call waits while others run: what they finish may fill it.
      if (in_flight_ > 0 && (in_flight_ >= window_.size() || ready_.size() < chunk)) {
        TakeFinished(true);
        continue;
      }
      std::vector<size_t> call;
      for (auto it = ready_.begin(); it != ready_.end() && call.size() < chunk;) {
        call.push_back(*it);
        it = ready_.erase(it);
      }
      Start(call);
    }
    workers.reset();
    Count();
    Report();
    return std::move(report_);
  }

 private:
  struct Finished {
    std::vector<size_t> steps;
    std::vector<StepResult> results;
    double seconds = 0;
  };

  void Start(const std::vector<size_t>& call) {
    std::vector<const Change*> wave;
    for (size_t i : call) {
      wave.push_back(report_.steps[i].change);
      running_[i] = true;
    }
    ++in_flight_;
    Report();
    if (!workers_) {  // one call at a time: on this thread, with the run's own context
      Finished f{call, Call(wave, ctx_), 0};
      Settle(f);
      return;
    }
    workers_->Post([this, call, wave, ctx = ContextFor(ctx_, wave)] {
      auto start = std::chrono::steady_clock::now();
      Finished f{call, Call(wave, ctx), 0};
      f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      {
        std::lock_guard lock(finished_mutex_);
        finished_calls_.push_back(std::move(f));
      }
      finished_cv_.notify_one();
    });
  }

  // Settles the calls that came back; with `wait`, first waits for one.
  void TakeFinished(bool wait) {
    std::deque<Finished> done;
    {
      std::unique_lock lock(finished_mutex_);
      if (wait) finished_cv_.wait(lock, [&] { return !finished_calls_.empty(); });
      done.swap(finished_calls_);
    }
    for (auto& f : done) {
      window_.Learn(f.seconds);
      Settle(f);
    }
  }

  void Settle(const Finished& f) {
    --in_flight_;
    std::vector<size_t> failed;
    for (size_t k = 0; k < f.steps.size(); ++k) {
      size_t i = f.steps[k];
      StepOutcome& out = report_.steps[i];
      const StepResult& r = k < f.results.size() ? f.results[k] : StepResult{false, false, MakeError(Error::Kind::kInternal, "no result"), {}};
      out.status = !r.ok ? StepStatus::kFailed : r.unchanged ? StepStatus::kUnchanged : StepStatus::kDone;
      out.error = r.error;
      if (r.ok && r.learnt) Learn(ctx_, *out.change, *r.learnt);
      if (r.ok && r.wrote_app) ctx_.apps[out.change->app].written = true;
      running_[i] = false;
      MarkSettled(i);
      if (!r.ok) failed.push_back(i);
    }
    for (size_t i : f.steps)
      if (report_.steps[i].status != StepStatus::kFailed) Release(i);
    SkipAfter(failed);
  }

  // A step that succeeded: its dependents wait for one step fewer.
  void Release(size_t i) {
    for (size_t d : dependents_[i])
      if (!settled_[d] && --waiting_on_[d] == 0) ready_.insert(d);
  }

  // What waits for a failed or skipped step is skipped, naming the first such step it waited for.
  void SkipAfter(std::vector<size_t> stopped) {
    while (!stopped.empty()) {
      std::vector<size_t> next;
      for (size_t s : stopped)
        for (size_t d : dependents_[s]) {
          if (settled_[d] || running_[d]) continue;
          for (const auto& dep : report_.steps[d].change->after_steps) {
            auto it = index_.find(dep);
            if (it == index_.end() || !settled_[it->second]) continue;
            StepStatus st = report_.steps[it->second].status;
            if (st == StepStatus::kFailed || st == StepStatus::kSkipped) {
              report_.steps[d].blocked_by = dep;
              break;
            }
          }
          report_.steps[d].status = StepStatus::kSkipped;
          ready_.erase(d);
          MarkSettled(d);
          next.push_back(d);
        }
      stopped = std::move(next);
    }
  }

  // Nothing can start and nothing runs, yet steps remain: they wait on each other. The cycle
  // fails; what waits for it is then skipped as usual.
  void FailCycle() {
    std::vector<const Change*> left;
    for (size_t i = 0; i < report_.steps.size(); ++i)
      if (!settled_[i]) left.push_back(report_.steps[i].change);
    std::vector<std::string> cycle = FindStepCycle(left);
    if (cycle.empty())  // cannot happen with dependencies read from the plan; never loop on it
      for (const Change* c : left) cycle.push_back(c->id);
    std::string message = fmt::format("steps wait on each other, so none of them can run: {}", DescribeCycle(cycle));
    std::vector<size_t> failed;
    for (const auto& id : cycle) {
      size_t i = index_.at(id);
      if (settled_[i]) continue;
      report_.steps[i].status = StepStatus::kFailed;
      report_.steps[i].error = MakeError(Error::Kind::kInternal, message);
      MarkSettled(i);
      failed.push_back(i);
    }
    SkipAfter(failed);
  }

  void StopHere() {
    report_.stopped = true;
    ready_.clear();
    for (size_t i = 0; i < report_.steps.size(); ++i)
      if (!settled_[i] && !running_[i]) {
        report_.steps[i].status = StepStatus::kNotStarted;
        MarkSettled(i);
      }
  }

  // The one place the provider is called. When one of several steps raises, each is sent again on
  // its own (steps are idempotent) so that only the one that raised fails.
  std::vector<StepResult> Call(const std::vector<const Change*>& steps, const ApplyContext& ctx) {
    try {
      return provider_.Apply(steps, ctx);
    } catch (const std::exception& e) {
      if (steps.size() == 1) return {Threw(*steps[0], e.what())};
    } catch (...) {
      if (steps.size() == 1) return {Threw(*steps[0], "an exception that is not a std::exception")};
    }
    std::vector<StepResult> out;
    for (const Change* c : steps) {
      std::vector<StepResult> one = Call({c}, ctx);
      out.push_back(one.empty() ? StepResult{false, false, MakeError(Error::Kind::kInternal, "no result"), {}} : one.front());
    }
    return out;
  }

  void MarkSettled(size_t i) {
    settled_[i] = true;
    ++finished_;
  }

  void Report() {
    if (!options_.on_progress) return;
    std::vector<const Change*> running;
    for (size_t i = 0; i < running_.size(); ++i)
      if (running_[i]) running.push_back(report_.steps[i].change);
    options_.on_progress({finished_, static_cast<int>(report_.steps.size()), running});
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
  std::vector<bool> settled_, running_;
  std::vector<size_t> waiting_on_;  ///< dependencies not yet succeeded
  std::vector<std::vector<size_t>> dependents_;
  std::set<size_t> ready_;  ///< in plan order
  ApplyContext ctx_;
  int finished_ = 0;
  size_t in_flight_ = 0;
  Window window_;
  Workers* workers_ = nullptr;
  std::mutex finished_mutex_;
  std::condition_variable finished_cv_;
  std::deque<Finished> finished_calls_;
};

}  // namespace

ExecutionReport Execute(const Plan& plan, const ObservedState& observed, Provider& provider, const ExecuteOptions& options) {
  return Run(plan, observed, provider, options).Go();
}

ExecutionReport Execute(const Plan& plan, const ObservedState& observed, Provider& provider,
                        const std::function<void(const Progress&)>& on_progress) {
  ExecuteOptions options;
  options.on_progress = on_progress;
  return Execute(plan, observed, provider, options);
}

}  // namespace entragate::engine
