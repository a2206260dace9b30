// The executor with a scripted provider (engine logic only): dependency order, independent steps
// together, a failure stopping only its dependents, ids learnt from creates reaching later steps.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "engine/executor.h"

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
  std::vector<std::vector<std::string>> waves;
  std::map<std::string, std::string> object_id_seen;  ///< step → the app object id it was given

  Result<ObservedState> Read(const DesiredState&, const ReadOptions&) override { return ObservedState{}; }
  std::vector<StepResult> Apply(const std::vector<const Change*>& steps, const ApplyContext& ctx) override {
    std::vector<StepResult> out;
    waves.emplace_back();
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
  p.changes = {Step("app.a", StepKind::kCreateApp),
               Step("app.a.service_principal", StepKind::kCreateServicePrincipal, {"app.a"}),
               Step("app.a.access[R][x]", StepKind::kGrant, {"app.a.service_principal"}),
               Step("app.b", StepKind::kCreateApp, {}, "b"),
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
