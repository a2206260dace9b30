// A saved plan's step graph checked on load (unknown, duplicate and self references, cycles), and a
// saved plan compared with a fresh one: the first difference named, in words an operator can act on.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "engine/plan.h"
#include "engine/plan_compare.h"
#include "engine/plan_graph.h"

using namespace entragate::engine;
namespace json = boost::json;

namespace {

Change Step(const std::string& id, StepKind kind, Action action, std::vector<std::string> after = {}) {
  Change c;
  c.id = c.address = id;
  c.kind = kind;
  c.action = action;
  c.app = "testapp";
  c.after_steps = std::move(after);
  return c;
}

Plan Sample() {
  Plan p;
  p.target = {"local", "t", "http://x/v1.0", ""};
  p.manifest_files = {"/m/testapp.yaml"};
  p.manifest_digest = "d";
  Change app = Step("app.testapp", StepKind::kCreateApp, Action::kCreate);
  app.payload = json::object{{"displayName", "TestApp"}, {"tags", json::array{"entragate:managed"}}};
  app.after = app.payload;
  Change sp = Step("app.testapp.service_principal", StepKind::kCreateServicePrincipal, Action::kCreate, {"app.testapp"});
  Change grant = Step("app.testapp.access[App.Use][centos-1]", StepKind::kGrant, Action::kGrant, {"app.testapp.service_principal", "app.testapp"});
  grant.payload = json::object{{"principal", "centos-1"}, {"principalId", "p-1"}, {"appRoleId", "r-1"}};
  grant.after = json::object{{"principal", "centos-1"}, {"role", "App.Use"}};
  p.changes = {app, sp, grant};
  return p;
}

std::string Difference(const Plan& saved) {
  auto d = FirstPlanDifference(saved, Sample());
  return d ? *d : "(none)";
}

std::string GraphError(const Plan& p) {
  auto s = ValidateStepGraph(p);
  return s.ok() ? "(valid)" : s.error().message;
}

}  // namespace

TEST_CASE("a plan is the same plan as itself, also through its JSON form") {
  CHECK(Difference(Sample()) == "(none)");
  auto back = PlanFromJson(PlanToJson(Sample()));
  REQUIRE(back.ok());
  CHECK(Difference(back.value()) == "(none)");
}

TEST_CASE("the first difference between a saved and a fresh plan is named") {
  Plan extra = Sample();
  Change evil = extra.changes[2];
  evil.id = evil.address = "app.testapp.access[App.Use][evil]";
  extra.changes.push_back(evil);
  CHECK(Difference(extra) == "step app.testapp.access[App.Use][evil]: in the saved plan but not in a fresh plan");

  Plan missing = Sample();
  missing.changes.pop_back();
  CHECK(Difference(missing) == "step app.testapp.access[App.Use][centos-1]: in a fresh plan but not in the saved plan");

  Plan swapped = Sample();
  swapped.changes[2].payload["principalId"] = "p-2";
  CHECK(Difference(swapped) ==
        "payload of step app.testapp.access[App.Use][centos-1] differs at principalId: the saved plan has \"p-2\", a fresh plan has \"p-1\"");

  Plan added = Sample();
  added.changes[0].payload["web"] = json::object{{"redirectUris", json::array{"https://evil.example"}}};
  CHECK(Difference(added) ==
        "payload of step app.testapp differs at web: the saved plan has {\"redirectUris\":[\"https://evil.example\"]}, a fresh plan has nothing");

  Plan nested = Sample();
  nested.changes[0].payload["tags"].as_array().push_back("other");
  CHECK(Difference(nested) == "payload of step app.testapp differs at tags[1]: the saved plan has \"other\", a fresh plan has nothing");

  Plan shown = Sample();
  shown.changes[2].after["role"] = "App.Admin";
  CHECK(Difference(shown) ==
        "after of step app.testapp.access[App.Use][centos-1] differs at role: the saved plan has \"App.Admin\", a fresh plan has \"App.Use\"");

  Plan kind = Sample();
  kind.changes[1].kind = StepKind::kUpdateServicePrincipal;
  CHECK(Difference(kind) ==
        "kind of step app.testapp.service_principal differs: the saved plan has 'update_service_principal', a fresh plan has "
        "'create_service_principal'");

  Plan app = Sample();
  app.changes[2].app = "payroll";
  CHECK(Difference(app) == "app of step app.testapp.access[App.Use][centos-1] differs: the saved plan has 'payroll', a fresh plan has 'testapp'");

  Plan order = Sample();
  order.changes[2].after_steps = {"app.testapp"};
  CHECK(Difference(order) ==
        "order constraints of step app.testapp.access[App.Use][centos-1] differ: in the saved plan it waits for app.testapp, "
        "in a fresh plan for app.testapp, app.testapp.service_principal");

  Plan moved = Sample();
  std::swap(moved.changes[1], moved.changes[2]);
  CHECK(
      Difference(moved) ==
      "the steps are in another order: step 2 is app.testapp.access[App.Use][centos-1] in the saved plan, app.testapp.service_principal in a fresh plan");
}

TEST_CASE("numbers compare by value, whatever JSON type they were read as") {
  Plan a = Sample(), b = Sample();
  a.changes[0].payload["requestedAccessTokenVersion"] = int64_t{2};
  b.changes[0].payload["requestedAccessTokenVersion"] = uint64_t{2};
  CHECK_FALSE(FirstPlanDifference(a, b).has_value());
  b.changes[0].payload["requestedAccessTokenVersion"] = 1.0;
  CHECK(FirstPlanDifference(a, b).has_value());
}

TEST_CASE("the step graph of a loaded plan is checked") {
  CHECK(GraphError(Sample()) == "(valid)");

  Plan unknown = Sample();
  unknown.changes[1].after_steps.push_back("app.ghost");
  CHECK(GraphError(unknown) == "step app.testapp.service_principal waits for step 'app.ghost', which is not in the plan");

  Plan twice = Sample();
  twice.changes.push_back(twice.changes[1]);
  CHECK(GraphError(twice) == "two steps have the id 'app.testapp.service_principal'");

  Plan self = Sample();
  self.changes[0].after_steps = {"app.testapp"};
  CHECK(GraphError(self) == "step app.testapp waits for itself");

  Plan cycle = Sample();
  cycle.changes[0].after_steps = {"app.testapp.access[App.Use][centos-1]"};
  CHECK(GraphError(cycle) ==
        "steps wait on each other, so none of them could ever run: app.testapp → app.testapp.access[App.Use][centos-1] → "
        "app.testapp.service_principal → app.testapp");

  auto loaded = PlanFromJson(PlanToJson(cycle));
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().message.find("invalid plan: steps wait on each other") == 0);
}

TEST_CASE("a long chain is searched without deep recursion") {
  Plan p;
  for (int i = 0; i < 20000; ++i)
    p.changes.push_back(Step("s" + std::to_string(i), StepKind::kGrant, Action::kGrant,
                             i ? std::vector<std::string>{"s" + std::to_string(i - 1)} : std::vector<std::string>{}));
  CHECK(GraphError(p) == "(valid)");
  p.changes[0].after_steps = {"s19999"};
  CHECK(GraphError(p).find("steps wait on each other") == 0);
}

TEST_CASE("allow_delete survives the JSON round trip") {
  Plan p = Sample();
  p.allow_delete = true;
  auto back = PlanFromJson(PlanToJson(p));
  REQUIRE(back.ok());
  CHECK(back->allow_delete);
  CHECK_FALSE(PlanFromJson(PlanToJson(Sample()))->allow_delete);
}
