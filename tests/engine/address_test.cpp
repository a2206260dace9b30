// Step addresses and ids, and the builder every planner step is made with.
#include <doctest/doctest.h>

#include "engine/plan.h"

using namespace entragate::engine;

TEST_CASE("an address renders as app.KEY, app.KEY.PART and app.KEY.PART[k][k], a variant after #") {
  CHECK(AppAt("orders").Render() == "app.orders");
  CHECK(PartOf("orders", "service_principal.owners").Render() == "app.orders.service_principal.owners");
  CHECK(AccessAt("orders", "Orders.Read", "support").Render() == "app.orders.access[Orders.Read][support]");
  CHECK(PartOf("orders", "roles").Variant("disable") == "app.orders.roles#disable");
}

TEST_CASE("MakeStep takes id and address from one Address, or a given id at that address") {
  Change grant = MakeStep(AccessAt("orders", "Orders.Read", "support"), Action::kGrant, StepKind::kGrant);
  CHECK(grant.id == grant.address);
  CHECK(grant.address == "app.orders.access[Orders.Read][support]");
  CHECK(grant.app == "orders");
  CHECK(grant.kind == StepKind::kGrant);
  CHECK_FALSE(grant.widens_access_drift);
  Change restore = MakeStep(AppAt("orders"), Action::kRestore, StepKind::kRestoreApp, AppAt("orders").Variant("restore"));
  CHECK(restore.address == "app.orders");
  CHECK(restore.id == "app.orders#restore");
  CHECK(restore.action == Action::kRestore);
}
