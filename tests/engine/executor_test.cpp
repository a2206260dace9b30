// The executor with a scripted provider (engine logic only): dependency order, independent steps
// together, a failure stopping only its dependents, ids learnt from creates reaching later steps,
// steps that wait on each other, a provider that throws, and a request to stop.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <map>
#include <set>
#include <stdexcept>

#include "engine/executor.h"
#include "engine/render.h"

using namespace entragate::engine;

namespace {

Change Step(const std::string& id, StepKind kind, std::vector<std::string> after = {}, std::string app = "a") {
  Change c;
  c.id = c.address = id;
  c.kind = kind;
  c.app = std::move(app);
  c.after_steps = std::move(after);
  return c;
}

class ScriptedProvider : public Provider {
 public:
  std::set<std::string> fail;
  std::set<std::string> throw_on;  ///< a call holding one of these steps throws
  std::function<void()> after_call;
  std::vector<std::vector<std::string>> waves;
  std::map<std::string, std::string> object_id_seen;  ///< step → the app object id it was given

  Result<ObservedState> Read(const DesiredState&, const ReadOptions&) override { return ObservedState{}; }
  std::vector<StepResult> Apply(const std::vector<const Change*>& steps, const ApplyContext& ctx) override {
    std::vector<StepResult> out;
    waves.emplace_back();
    if (after_call) after_call();
    for (const Change* c : steps)
      if (throw_on.count(c->id)) {
        waves.back().push_back(c->id);
        throw std::runtime_error("malformed answer for " + c->id);
      }
    for (const Change* c : steps) {
      waves.back().push_back(c->id);
      auto it = ctx.apps.find(c->app);
      object_id_seen[c->id] = it == ctx.apps.end() ? "" : it->second.object_id;
      if (fail.count(c->id)) {
        Error e = MakeError(Error::Kind::kInvalid, "refused");
        e.code = "Request_BadRequest";
        e.request_id = "req-1";
        out.push_back({false, false, e, {}});
      } else if (c->kind == StepKind::kCreateApp) {
        out.push_back({true, false, {}, AppIds{"obj-" + c->app, "appid-" + c->app, ""}});
      } else {
        out.push_back({true, false, {}, {}});
      }
    }
    return out;
  }
};

Plan ThreeApps() {
  Plan p;
  p.changes = {Step("app.a", StepKind::kCreateApp), Step("app.a.service_principal", StepKind::kCreateServicePrincipal, {"app.a"}),
               Step("app.a.access[R][x]", StepKind::kGrant, {"app.a.service_principal"}), Step("app.b", StepKind::kCreateApp, {}, "b"),
               Step("app.b.service_principal", StepKind::kCreateServicePrincipal, {"app.b"}, "b")};
  return p;
}

}  // namespace

TEST_CASE("independent steps run together, dependents after, with ids learnt from creates") {
  ScriptedProvider provider;
  Plan p = ThreeApps();
  ExecutionReport r = Execute(p, ObservedState{}, provider);
  CHECK(r.ok());
  CHECK(r.done == 5);
  REQUIRE(provider.waves.size() == 3);
  CHECK(provider.waves[0] == std::vector<std::string>{"app.a", "app.b"});
  CHECK(provider.waves[1] == std::vector<std::string>{"app.a.service_principal", "app.b.service_principal"});
  CHECK(provider.object_id_seen["app.a.service_principal"] == "obj-a");
}

TEST_CASE("a failed step stops only the steps that depend on it") {
  ScriptedProvider provider;
  provider.fail = {"app.a"};
  Plan p = ThreeApps();
  ExecutionReport r = Execute(p, ObservedState{}, provider);
  CHECK_FALSE(r.ok());
  CHECK(r.failed == 1);
  CHECK(r.skipped == 2);
  CHECK(r.done == 2);  // app b went ahead
  CHECK(r.steps[0].error.request_id == "req-1");
  CHECK(r.steps[1].status == StepStatus::kSkipped);
  CHECK(r.steps[1].blocked_by == "app.a");
  CHECK(r.steps[2].blocked_by == "app.a.service_principal");
  CHECK(r.steps[4].status == StepStatus::kDone);
}

TEST_CASE("progress is reported per wave") {
  ScriptedProvider provider;
  int calls = 0, last_finished = -1;
  Execute(ThreeApps(), ObservedState{}, provider, [&](const Progress& p) {
    ++calls;
    last_finished = p.finished;
    CHECK(p.total == 5);
  });
  CHECK(calls == 4);  // three waves and the end
  CHECK(last_finished == 5);
}

TEST_CASE("steps that wait on each other fail with the cycle named, what waits for them is skipped, the rest runs") {
  ScriptedProvider provider;
  Plan p;
  p.changes = {Step("app.a.roles", StepKind::kUpdateRoles, {"app.a.access[R][x]"}),
               Step("app.a.access[R][x]", StepKind::kRevoke, {"app.a.access[S][x]"}), Step("app.a.access[S][x]", StepKind::kGrant, {"app.a.roles"}),
               Step("app.a.service_principal#required", StepKind::kUpdateServicePrincipal, {"app.a.access[S][x]"}),
               Step("app.b", StepKind::kCreateApp, {}, "b")};
  ExecutionReport r = Execute(p, ObservedState{}, provider);  // returns: it no longer spins
  CHECK_FALSE(r.ok());
  CHECK(r.failed == 3);
  CHECK(r.skipped == 1);
  CHECK(r.done == 1);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(r.steps[i].status == StepStatus::kFailed);
    CHECK(r.steps[i].error.message.find("steps wait on each other") != std::string::npos);
    CHECK(r.steps[i].error.message.find("app.a.roles → app.a.access[R][x] → app.a.access[S][x] → app.a.roles") != std::string::npos);
  }
  CHECK(r.steps[3].status == StepStatus::kSkipped);
  CHECK(r.steps[3].blocked_by == "app.a.access[S][x]");
  CHECK(r.steps[4].status == StepStatus::kDone);
  for (const auto& wave : provider.waves)
    for (const auto& id : wave) CHECK(id == "app.b");  // no step of the cycle reached the provider
}

TEST_CASE("a step that waits for itself is a cycle too") {
  ScriptedProvider provider;
  Plan p;
  p.changes = {Step("app.a", StepKind::kCreateApp, {"app.a"})};
  ExecutionReport r = Execute(p, ObservedState{}, provider);
  REQUIRE(r.steps[0].status == StepStatus::kFailed);
  CHECK(r.steps[0].error.message.find("app.a → app.a") != std::string::npos);
  CHECK(provider.waves.empty());
}

TEST_CASE("an exception from the provider fails the step that raised it, with its address, and nothing else") {
  ScriptedProvider provider;
  provider.throw_on = {"app.a.service_principal"};
  ExecutionReport r = Execute(ThreeApps(), ObservedState{}, provider);
  CHECK(r.failed == 1);
  CHECK(r.skipped == 1);
  CHECK(r.done == 3);
  const StepOutcome& sp = r.steps[1];
  REQUIRE(sp.status == StepStatus::kFailed);
  CHECK(sp.error.message == "unexpected error while applying app.a.service_principal: malformed answer for app.a.service_principal");
  CHECK(r.steps[4].status == StepStatus::kDone);  // app.b's service principal shared the call, and is done
  CHECK(r.steps[2].blocked_by == "app.a.service_principal");
}

TEST_CASE("asked to stop, the executor starts nothing new and reports what it did not start") {
  ScriptedProvider provider;
  bool stop = false;
  provider.after_call = [&] { stop = true; };  // the signal arrives while the first call runs
  ExecuteOptions options;
  options.should_stop = [&] { return stop; };
  ExecutionReport r = Execute(ThreeApps(), ObservedState{}, provider, options);
  CHECK(provider.waves.size() == 1);
  CHECK(r.stopped);
  CHECK_FALSE(r.ok());
  CHECK(r.done == 2);  // the call in flight finished
  CHECK(r.not_started == 3);
  CHECK(r.failed == 0);
  CHECK(r.steps[1].status == StepStatus::kNotStarted);
}

TEST_CASE("max_steps_per_call splits a wave, and a stop request is honoured between the parts") {
  ScriptedProvider provider;
  Plan p;
  for (int i = 0; i < 5; ++i) p.changes.push_back(Step("app.x" + std::to_string(i), StepKind::kCreateApp, {}, "x" + std::to_string(i)));
  ExecuteOptions options;
  options.max_steps_per_call = 2;
  CHECK(Execute(p, ObservedState{}, provider, options).done == 5);
  REQUIRE(provider.waves.size() == 3);
  CHECK(provider.waves[2] == std::vector<std::string>{"app.x4"});

  ScriptedProvider stopped;
  int calls = 0;
  stopped.after_call = [&] { ++calls; };
  options.should_stop = [&] { return calls == 2; };
  ExecutionReport r = Execute(p, ObservedState{}, stopped, options);
  CHECK(r.done == 4);
  CHECK(r.not_started == 1);
  CHECK(r.steps[4].status == StepStatus::kNotStarted);
}

TEST_CASE("the summary of an interrupted run lists each step not started and counts them") {
  ScriptedProvider provider;
  ExecuteOptions options;
  options.should_stop = [&] { return !provider.waves.empty(); };
  std::string text = RenderExecution(Execute(ThreeApps(), ObservedState{}, provider, options), false);
  CHECK(text.find("  done      app.a\n") != std::string::npos);
  CHECK(text.find("  not started app.a.access[R][x]\n") != std::string::npos);
  CHECK(text.find("Apply interrupted: 2 done, 0 already in effect, 0 failed, 0 skipped, 3 not started.") != std::string::npos);
  CHECK(RenderExecution(Execute(ThreeApps(), ObservedState{}, provider), false)
            .find("Apply complete: 5 done, 0 already in effect, 0 failed, 0 skipped.\n") != std::string::npos);
}

namespace {

// Thread-safe: app a's create is held until app b's service principal has been asked for, which
// only a pipelined run does (a wave would wait for app a first). A generous guard keeps a wrong
// executor from hanging the suite; it is not a timing check.
class HoldingProvider : public Provider {
 public:
  std::mutex m;
  std::condition_variable cv;
  bool b_sp_seen = false, held_a_released_by_b = false;
  int in_flight = 0, most_in_flight = 0;
  std::set<std::string> fail;
  std::map<std::string, std::string> object_id_seen;

  Result<ObservedState> Read(const DesiredState&, const ReadOptions&) override { return ObservedState{}; }
  std::vector<StepResult> Apply(const std::vector<const Change*>& steps, const ApplyContext& ctx) override {
    std::unique_lock lock(m);
    most_in_flight = std::max(most_in_flight, ++in_flight);
    std::vector<StepResult> out;
    for (const Change* c : steps) {
      auto it = ctx.apps.find(c->app);
      object_id_seen[c->id] = it == ctx.apps.end() ? "" : it->second.object_id;
      if (c->id == "app.b.service_principal") {
        b_sp_seen = true;
        cv.notify_all();
      }
      if (c->id == "app.a") held_a_released_by_b = cv.wait_for(lock, std::chrono::seconds(30), [&] { return b_sp_seen; });
      if (fail.count(c->id))
        out.push_back({false, false, MakeError(Error::Kind::kInvalid, "refused"), {}});
      else if (c->kind == StepKind::kCreateApp)
        out.push_back({true, false, {}, AppIds{"obj-" + c->app, "appid-" + c->app, ""}});
      else
        out.push_back({true, false, {}, {}});
    }
    --in_flight;
    return out;
  }
};

}  // namespace

TEST_CASE("pipelined: an app's next step starts while another app's call still runs, ids learnt still reach it") {
  HoldingProvider provider;
  ExecuteOptions options;
  options.max_steps_per_call = 1;
  options.parallelism = 3;
  ExecutionReport r = Execute(ThreeApps(), ObservedState{}, provider, options);
  CHECK(r.ok());
  CHECK(r.done == 5);
  CHECK(provider.held_a_released_by_b);
  CHECK(provider.most_in_flight <= 3);
  CHECK(provider.object_id_seen["app.b.service_principal"] == "obj-b");
  CHECK(provider.object_id_seen["app.a.access[R][x]"] == "obj-a");
}

TEST_CASE("pipelined: a failure skips only its dependents, with the step they waited for named") {
  HoldingProvider provider;
  provider.b_sp_seen = true;  // nothing held
  provider.fail = {"app.a.service_principal"};
  ExecuteOptions options;
  options.max_steps_per_call = 2;
  options.parallelism = 4;
  ExecutionReport r = Execute(ThreeApps(), ObservedState{}, provider, options);
  CHECK(r.failed == 1);
  CHECK(r.skipped == 1);
  CHECK(r.done == 3);
  CHECK(r.steps[2].status == StepStatus::kSkipped);
  CHECK(r.steps[2].blocked_by == "app.a.service_principal");
  CHECK(r.steps[4].status == StepStatus::kDone);
}

TEST_CASE("pipelined: many apps, every step runs once, after what it waits for, in calls no larger than asked") {
  class Recording : public Provider {
   public:
    std::mutex m;
    std::map<std::string, int> runs;
    std::vector<size_t> call_sizes;
    bool order_ok = true;
    const Plan* plan = nullptr;
    Result<ObservedState> Read(const DesiredState&, const ReadOptions&) override { return ObservedState{}; }
    std::vector<StepResult> Apply(const std::vector<const Change*>& steps, const ApplyContext&) override {
      std::lock_guard lock(m);
      call_sizes.push_back(steps.size());
      for (const Change* c : steps) {
        for (const auto& dep : c->after_steps) order_ok = order_ok && runs.count(dep) == 1;
        ++runs[c->id];
      }
      return std::vector<StepResult>(steps.size(), StepResult{true, false, {}, {}});
    }
  } provider;
  Plan p;
  for (int i = 0; i < 60; ++i) {
    std::string app = "a" + std::to_string(i), id = "app." + app;
    p.changes.push_back(Step(id, StepKind::kCreateApp, {}, app));
    p.changes.push_back(Step(id + ".service_principal", StepKind::kCreateServicePrincipal, {id}, app));
    for (int k = 0; k < 3; ++k)
      p.changes.push_back(Step(id + ".access[R][" + std::to_string(k) + "]", StepKind::kGrant, {id + ".service_principal"}, app));
  }
  ExecuteOptions options;
  options.max_steps_per_call = 20;
  options.parallelism = 8;
  ExecutionReport r = Execute(p, ObservedState{}, provider, options);
  CHECK(r.done == 300);
  CHECK(provider.order_ok);
  CHECK(provider.runs.size() == 300);
  for (const auto& [id, n] : provider.runs) CHECK(n == 1);
  for (size_t size : provider.call_sizes) CHECK(size <= 20);
}
