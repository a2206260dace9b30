// The seed file format, as documented in the README and shown in examples/seeds/.
#include <doctest/doctest.h>

#include "tests/emulator/graph_test_tenant.h"

using namespace entragate::emulator;
using namespace entragate::emulator::testing;

TEST_CASE("the example seed creates hosts, identities, people, a directory-role holder and a legacy app with a working secret") {
  GraphTestTenant t("examples/seeds/two-vms.yaml");
  CHECK(t.summary().tenant_id == "7e8c5963-8c6b-472e-b9c9-43118267cdbf");
  Reply mis = t.Get("/servicePrincipals?$filter=servicePrincipalType eq 'ManagedIdentity'&$select=displayName,alternativeNames");
  CHECK(mis.obj().at("value").as_array().size() == 3);
  Reply legacy = t.Get("/applications?$filter=displayName eq 'legacy-client'");
  REQUIRE(legacy.obj().at("value").as_array().size() == 1);
  CHECK(legacy.obj().at("value").at(0).at("passwordCredentials").as_array().size() == 1);
  CHECK(legacy.obj().at("value").at(0).at("passwordCredentials").at(0).at("hint").as_string() == "leg");
  CHECK(t.Get("/users/alice@contoso.onmicrosoft.com").status == 200);
  Reply roles = t.Get("/directoryRoles?$filter=displayName eq 'Cloud Application Administrator'");
  REQUIRE(roles.obj().at("value").as_array().size() == 1);
  Reply holders = t.Get("/directoryRoles/" + std::string(roles.obj().at("value").at(0).at("id").as_string()) + "/members");
  REQUIRE(holders.obj().at("value").as_array().size() == 1);
  CHECK(holders.obj().at("value").at(0).at("displayName") == "Alice");
  // The same seed gives the same ids on every machine.
  GraphTestTenant again("examples/seeds/two-vms.yaml");
  CHECK(again.SpIdByName("centos-1") == t.SpIdByName("centos-1"));
}

TEST_CASE("a seed with a mistake is refused with its location") {
  std::string path = (std::filesystem::temp_directory_path() / "entragate-bad-seed.yaml").string();
  std::ofstream(path) << "tenant: { id: 7e8c5963-8c6b-472e-b9c9-43118267cdbf }\nhosts:\n  - { name: h1, userAssigned: [nobody] }\n";
  auto store = DirectoryStore::Open((std::filesystem::temp_directory_path() / "entragate-bad-seed-state").string());
  REQUIRE(store.ok());
  auto seeded = SeedTenant(*store.value(), path);
  REQUIRE_FALSE(seeded.ok());
  CHECK(seeded.error().message == path + ":3:32: unknown user-assigned identity 'nobody'");
  std::filesystem::remove_all(std::filesystem::temp_directory_path() / "entragate-bad-seed-state");
  std::filesystem::remove(path);
}
