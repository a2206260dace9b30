// `owners` and `servicePrincipalOwners` end to end: the real Graph client against the local tenant,
// planned, applied through owners/$ref, drifted by an owner added out of band, put back, exported.
#include <doctest/doctest.h>

#include <algorithm>

#include <fmt/format.h>

#include "engine/export.h"
#include "providers/graph/provider/export_reader.h"
#include "tests/e2e/rig.h"

namespace entragate::testing {
namespace {

const char* kManifest = R"(version: 1
identities:
  alice: { user: alice@contoso.onmicrosoft.com }
  centos-2: { managedIdentity: centos-2 }
apps:
  testapp:
    displayName: TestApp
    owners: [ alice, client ]
    servicePrincipalOwners: [ centos-2 ]
  client:
    displayName: Client
)";

std::vector<std::string> OwnerIds(Rig& rig, const std::string& path) {
  std::vector<std::string> out;
  json::value owners = rig.Get(path + "/owners");
  for (const auto& o : owners.at("value").as_array()) out.emplace_back(o.at("id").as_string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string Id(Rig& rig, const std::string& path) { return std::string(rig.Get(path).at("id").as_string()); }

// The report's steps point into a plan Rig::Apply no longer holds: only their errors are read.
void ApplyOk(Rig& rig, const std::string& manifest) {
  engine::ExecutionReport report = rig.Apply(manifest);
  std::string errors;
  for (const auto& s : report.steps)
    if (s.status == engine::StepStatus::kFailed) errors += s.error.message + "\n";
  REQUIRE_MESSAGE(report.ok(), errors);
}

std::vector<std::string> Addresses(const engine::Plan& p) {
  std::vector<std::string> out;
  for (const auto& c : p.changes) out.push_back(c.address);
  return out;
}

}  // namespace

TEST_CASE("owners round-trip: plan, apply, nothing left to do, drift by an owner added out of band, put back, exported") {
  Rig rig;
  auto first = rig.PlanFor(kManifest);
  REQUIRE_FALSE(first.diags.has_errors());
  for (const char* step : {"app.testapp.owners[alice]", "app.testapp.owners[client]", "app.testapp.service_principal.owners[centos-2]"})
    CHECK_MESSAGE(first.plan.Find(step), step);
  ApplyOk(rig, kManifest);

  std::string app = Id(rig, "/applications(uniqueName='testapp')");
  std::string sp = std::string(rig.Get("/servicePrincipals?$filter=displayName%20eq%20'TestApp'").at("value").as_array()[0].at("id").as_string());
  std::string client_sp =
      std::string(rig.Get("/servicePrincipals?$filter=displayName%20eq%20'Client'").at("value").as_array()[0].at("id").as_string());
  std::string alice = Id(rig, "/users/alice@contoso.onmicrosoft.com");
  std::string centos2 =
      std::string(rig.Get("/servicePrincipals?$filter=displayName%20eq%20'centos-2'").at("value").as_array()[0].at("id").as_string());
  std::vector<std::string> want{alice, client_sp};
  std::sort(want.begin(), want.end());
  CHECK(OwnerIds(rig, "/applications/" + app) == want);
  CHECK(OwnerIds(rig, "/servicePrincipals/" + sp) == std::vector<std::string>{centos2});
  CHECK(rig.PlanFor(kManifest).plan.empty());

  // Someone makes centos-2 an owner of the application as well, as Graph documents it.
  std::string root = rig.tenant().endpoints().graph;
  auto added = rig.client().Send({"POST",
                                  "/applications/" + app + "/owners/$ref",
                                  {},
                                  json::value(json::object{{"@odata.id", root + "/directoryObjects/" + centos2}}),
                                  false,
                                  true});
  REQUIRE(added.ok());
  auto drifted = rig.PlanFor(kManifest);
  REQUIRE(drifted.plan.changes.size() == 1);
  const engine::Change& removal = drifted.plan.changes[0];
  CHECK(removal.address == "app.testapp.owners[centos-2]");  // named as the manifest names it
  CHECK(removal.kind == engine::StepKind::kRemoveOwner);
  CHECK(removal.widens_access_drift);
  ApplyOk(rig, kManifest);
  CHECK(OwnerIds(rig, "/applications/" + app) == want);
  CHECK(rig.PlanFor(kManifest).plan.empty());

  // Without `owners`, entragate leaves them alone.
  std::string without = kManifest;
  without.erase(without.find("    owners: [ alice, client ]\n"), std::string("    owners: [ alice, client ]\n").size());
  CHECK(rig.PlanFor(without).plan.empty());

  engine::ExportSelection selection;
  selection.unique_names = {"testapp", "client"};
  auto source = rig.provider().ReadForExport(selection, "");
  REQUIRE_MESSAGE(source.ok(), (source.ok() ? "" : source.error().message));
  source->origin = "the local tenant";
  source->exported_at = "2025-01-02T03:04:05Z";
  engine::ExportOutput out = engine::ExportManifests(*source, engine::ExportLayout::kOneFile);
  REQUIRE(out.files.size() == 1);
  const std::string& text = out.files[0].text;
  CAPTURE(text);
  CHECK(text.find("owners: [alice, client]") != std::string::npos);
  CHECK(text.find("servicePrincipalOwners: [centos-2]") != std::string::npos);
  CHECK(text.find("alice: {user: alice@contoso.onmicrosoft.com}") != std::string::npos);
  auto replanned = rig.PlanFor(text);
  CHECK_MESSAGE(replanned.plan.empty(), fmt::format("{}", fmt::join(Addresses(replanned.plan), ", ")));
}

TEST_CASE("the local tenant refuses a group as an owner, as Graph does, and an owner already there") {
  Rig rig;
  ApplyOk(rig, kManifest);
  std::string app = Id(rig, "/applications(uniqueName='testapp')");
  std::string group = std::string(rig.Get("/groups?$filter=displayName%20eq%20'Support%20Engineers'").at("value").as_array()[0].at("id").as_string());
  std::string alice = Id(rig, "/users/alice@contoso.onmicrosoft.com");
  std::string root = rig.tenant().endpoints().graph;
  auto post = [&](const std::string& id) {
    auto r = rig.client().Send({"POST",
                                "/applications/" + app + "/owners/$ref",
                                {},
                                json::value(json::object{{"@odata.id", root + "/directoryObjects/" + id}}),
                                false,
                                true});
    return r.ok() ? r->status : r.error().http_status;
  };
  CHECK(post(group) == 400);
  CHECK(post(alice) == 400);  // already an owner
  CHECK(OwnerIds(rig, "/applications/" + app).size() == 2);
}

}  // namespace entragate::testing
