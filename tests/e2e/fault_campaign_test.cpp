// Fault campaign: a full apply with Graph request N failing (for every N), with the answer to a
// committed write lost, with replication lag, and under a 429 storm. Whatever happened, a second
// apply converges, the next plan is empty, and the tenant holds no duplicate or orphaned object.
// ENTRAGATE_FAULT_SWEEP=full also sweeps the dropped answer over every request (slower).
#include <doctest/doctest.h>

#include <cstdlib>

#include "tests/e2e/rig.h"

using namespace entragate;
using entragate::testing::Rig;
namespace json = boost::json;

namespace {

const char* kManifest = R"(version: 1
identities:
  centos-1: { managedIdentity: centos-1 }
  centos-2: { managedIdentity: centos-2 }
apps:
  api:
    displayName: Api
    identifierUris: [ "api://{appId}" ]
    appRoles:
      App.Use: { allowedMemberTypes: [ Application ] }
      App.Admin: { allowedMemberTypes: [ Application ] }
    assignmentRequired: true
    access:
      App.Use: [ centos-1, centos-2, client ]
      App.Admin: [ centos-1 ]
  client:
    displayName: Client
    assignmentRequired: false
)";

void SetFaults(Rig& rig, const json::object& faults) {
  auto config = emulator::FaultConfig::FromJson(faults);
  REQUIRE(config.ok());
  rig.tenant().faults().Configure(config.value());
  rig.tenant().graph().SetReplicationLagMs(config->lag_ms);
}

// The tenant holds exactly what the manifest asks for, once.
void CheckConverged(Rig& rig) {
  auto second = rig.Apply(kManifest);
  CHECK_MESSAGE(second.ok(), "the second apply failed");
  CHECK(rig.PlanFor(kManifest).plan.empty());
  CHECK(rig.Count("/applications?$filter=displayName%20eq%20'Api'") == 1);
  CHECK(rig.Count("/applications?$filter=displayName%20eq%20'Client'") == 1);
  std::string app_id(rig.Get("/applications(uniqueName='api')?$select=appId").at("appId").as_string());
  CHECK(rig.Count("/servicePrincipals?$filter=appId%20eq%20'" + app_id + "'") == 1);
  std::string sp(rig.Get("/servicePrincipals(appId='" + app_id + "')?$select=id").at("id").as_string());
  CHECK(rig.Count("/servicePrincipals/" + sp + "/appRoleAssignedTo") == 4);
}

int RequestsOfFullApply() {
  Rig rig;
  uint64_t before = rig.tenant().graph().Stats().requests;
  REQUIRE(rig.Apply(kManifest).ok());
  return static_cast<int>(rig.tenant().graph().Stats().requests - before);
}

}  // namespace

TEST_CASE("fail Graph request N of a full apply, for every N: the next apply converges") {
  int total = RequestsOfFullApply();
  REQUIRE(total >= 4);  // reads and writes, batched
  for (int n = 1; n <= total; ++n) {
    CAPTURE(n);
    Rig rig;
    SetFaults(rig, {{"fail-request", std::to_string(n)}});
    (void)rig.TryApply(kManifest);  // may stop part-way
    SetFaults(rig, {});
    CheckConverged(rig);
  }
}

TEST_CASE("the answer to a committed write is lost: the next apply converges without duplicates") {
  int total = RequestsOfFullApply();
  bool full = std::getenv("ENTRAGATE_FAULT_SWEEP") && std::string(std::getenv("ENTRAGATE_FAULT_SWEEP")) == "full";
  for (int n = 1; n <= total; n += full ? 1 : 2) {
    CAPTURE(n);
    Rig rig;
    SetFaults(rig, {{"drop-request", std::to_string(n)}});
    (void)rig.TryApply(kManifest);
    SetFaults(rig, {});
    CheckConverged(rig);
  }
}

TEST_CASE("replication lag after creates is ridden out by the consistency retries") {
  Rig rig({}, true);
  SetFaults(rig, {{"lag", 1200}});
  auto report = rig.Apply(kManifest);
  CHECK(report.ok());
  SetFaults(rig, {});
  CheckConverged(rig);
  CHECK(rig.client().stats().retries > 0);
}

TEST_CASE("replication lag after a new role: the grant that uses it waits for it") {
  Rig rig({}, true);
  REQUIRE(rig.Apply(kManifest).ok());
  std::string more = kManifest;
  more.replace(more.find("      App.Admin: { allowedMemberTypes: [ Application ] }\n"), 0,
               "      App.New: { allowedMemberTypes: [ Application ] }\n");
  more.replace(more.find("      App.Admin: [ centos-1 ]\n"), 0, "      App.New: [ centos-2 ]\n");
  SetFaults(rig, {{"lag", 1200}});
  auto report = rig.Apply(more);
  CHECK(report.ok());
  CHECK(rig.client().stats().retries > 0);
  SetFaults(rig, {});
  auto after = rig.PlanFor(more);
  for (const auto& c : after.plan.changes) MESSAGE(c.id);
  CHECK(after.plan.empty());
}

TEST_CASE("replication lag after creating the service principal of an app that already existed: grants wait for it") {
  Rig rig({}, true);
  REQUIRE(rig.Apply(kManifest).ok());
  std::string app_id(rig.Get("/applications(uniqueName='api')?$select=appId").at("appId").as_string());
  std::string sp(rig.Get("/servicePrincipals(appId='" + app_id + "')?$select=id").at("id").as_string());
  REQUIRE(rig.client().Send({"DELETE", "/servicePrincipals/" + sp, {}, std::nullopt, true, true}).ok());
  SetFaults(rig, {{"lag", 1200}});
  auto report = rig.Apply(kManifest);  // one run: the SP is created closed, then granted
  CHECK(report.ok());
  CHECK(rig.client().stats().retries > 0);
  SetFaults(rig, {});
  CheckConverged(rig);
  std::string new_sp(rig.Get("/servicePrincipals(appId='" + app_id + "')?$select=id,appRoleAssignmentRequired").at("id").as_string());
  CHECK(new_sp != sp);
}

TEST_CASE("a 429 storm: every throttled request is retried after its Retry-After, and the retries match the faults") {
  Rig rig;
  SetFaults(rig, {{"throttle", 0.3}, {"retry-after", "0.01"}, {"seed", 11}});
  auto report = rig.Apply(kManifest);
  CHECK(report.ok());
  auto injected = rig.tenant().faults().counters().throttled;
  CHECK(injected > 0);
  CHECK(rig.client().stats().throttled_responses == injected);
  SetFaults(rig, {});
  CheckConverged(rig);
}
