// The local tenant's clock and deleted items over real HTTP: moving tenant time expires tokens,
// ends replication lag and purges deleted items after 30 days; a deleted application keeps its
// uniqueName, comes back with its appId when restored (its service principal does not), and is gone
// for good after a permanent delete.
#include <doctest/doctest.h>

#include "tests/emulator/http_tenant.h"

using namespace entragate;
namespace json = boost::json;
using entragate::testing::Tenant;

namespace {

const net::Headers kUpsert{{"Prefer", "create-if-missing"}};

// An app "orders" (uniqueName) with a service principal; returns {object id, appId, sp id}.
struct Made {
  std::string id, app_id, sp_id;
};
Made MakeApp(Tenant& t, const std::string& key) {
  net::Response app = t.Graph("PATCH", "/applications(uniqueName='" + key + "')", json::object{{"displayName", key}}, kUpsert);
  REQUIRE_MESSAGE(app.status == 201, app.body);
  json::object a = json::parse(app.body).as_object();
  std::string app_id(a.at("appId").as_string());
  net::Response sp = t.Graph("POST", "/servicePrincipals", json::object{{"appId", app_id}});
  REQUIRE_MESSAGE(sp.status == 201, sp.body);
  return {std::string(a.at("id").as_string()), app_id, std::string(json::parse(sp.body).at("id").as_string())};
}

json::array Listed(Tenant& t, const std::string& type) {
  net::Response r = t.Graph("GET", "/directory/deletedItems/microsoft.graph." + type);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return json::parse(r.body).at("value").as_array();
}

std::string ErrorMessage(const net::Response& r) { return std::string(json::parse(r.body).at("error").at("message").as_string()); }

}  // namespace

TEST_CASE("the tenant clock moves forward only, through the admin key, and survives a restart") {
  Tenant t;
  json::object before = t.Admin("GET", "clock");
  CHECK(before.at("offsetSeconds").as_int64() == 0);
  json::object moved = t.Admin("POST", "clock", json::object{{"advanceSeconds", 3600}});
  CHECK(moved.at("offsetSeconds").as_int64() == 3600);
  CHECK(moved.at("now").as_string() > before.at("now").as_string());
  net::Response back = t.Send("POST", t.e().authority + "/_emulator/clock", R"({"advanceSeconds":-5})", {{"X-Emulator-Key", t.e().admin_key}});
  CHECK(back.status == 400);
  net::Response no_key = t.Send("POST", t.e().authority + "/_emulator/clock", R"({"advanceSeconds":5})");
  CHECK(no_key.status == 401);
  std::string dir = t.KeepState();
  t.tenant.reset();
  Tenant again({}, dir);
  CHECK(again.Admin("GET", "clock").at("offsetSeconds").as_int64() == 3600);
}

TEST_CASE("tenant time expires tokens and ends replication lag") {
  Tenant t;
  std::string token = t.OperatorToken();
  CHECK(t.Graph("GET", "/applications").status == 200);
  t.Admin("POST", "clock", json::object{{"advanceSeconds", 2 * 3600}});
  net::Response expired = t.Graph("GET", "/applications");
  CHECK(expired.status == 401);
  t.token.clear();  // a fresh token, issued in tenant time, is accepted
  CHECK(t.Graph("GET", "/applications").status == 200);

  t.Admin("PUT", "faults", json::object{{"spec", "lag=600000"}});
  net::Response made = t.Graph("POST", "/applications", json::object{{"displayName", "lagging"}});
  REQUIRE(made.status == 201);
  std::string id(json::parse(made.body).at("id").as_string());
  CHECK(t.Graph("GET", "/applications/" + id).status == 404);
  t.Admin("POST", "clock", json::object{{"advanceSeconds", 601}});
  CHECK(t.Graph("GET", "/applications/" + id).status == 200);
}

TEST_CASE("a deleted application and its service principal are deleted items, and its uniqueName stays taken") {
  Tenant t;
  Made m = MakeApp(t, "orders");
  REQUIRE(t.Graph("DELETE", "/applications/" + m.id).status == 204);
  CHECK(t.Graph("GET", "/applications/" + m.id).status == 404);
  CHECK(t.Graph("GET", "/servicePrincipals/" + m.sp_id).status == 404);
  json::array apps = Listed(t, "application");
  REQUIRE(apps.size() == 1);
  CHECK(apps[0].at("appId").as_string() == m.app_id);
  CHECK(apps[0].at("uniqueName").as_string() == "orders");
  CHECK(apps[0].at("deletedDateTime").is_string());
  json::array sps = Listed(t, "servicePrincipal");
  REQUIRE(sps.size() == 1);
  CHECK(sps[0].at("id").as_string() == m.sp_id);
  net::Response one = t.Graph("GET", "/directory/deletedItems/" + m.id);
  REQUIRE(one.status == 200);
  CHECK(json::parse(one.body).at("@odata.type").as_string() == "#microsoft.graph.application");

  for (const char* key : {"orders", "ORDERS"}) {
    net::Response refused = t.Graph("PATCH", std::string("/applications(uniqueName='") + key + "')", json::object{{"displayName", "again"}}, kUpsert);
    CHECK(refused.status == 400);
    CHECK(json::parse(refused.body).at("error").at("code").as_string() == "Request_BadRequest");
    CHECK(ErrorMessage(refused) == "Another object with the same value for property uniqueName already exists.");
  }
}

TEST_CASE("restoring brings the application back with its appId, not its service principal") {
  Tenant t;
  Made m = MakeApp(t, "orders");
  REQUIRE(t.Graph("DELETE", "/applications/" + m.id).status == 204);
  net::Response sp_first = t.Graph("POST", "/directory/deletedItems/" + m.sp_id + "/restore");
  CHECK(sp_first.status == 400);  // its application is still deleted
  net::Response restored = t.Graph("POST", "/directory/deletedItems/" + m.id + "/restore");
  REQUIRE_MESSAGE(restored.status == 200, restored.body);
  CHECK(json::parse(restored.body).at("deletedDateTime").is_null());
  net::Response app = t.Graph("GET", "/applications(uniqueName='orders')");
  REQUIRE(app.status == 200);
  CHECK(json::parse(app.body).at("appId").as_string() == m.app_id);
  CHECK(json::parse(app.body).at("id").as_string() == m.id);
  CHECK(t.Graph("GET", "/servicePrincipals(appId='" + m.app_id + "')").status == 404);
  CHECK(Listed(t, "application").empty());
  CHECK(Listed(t, "servicePrincipal").size() == 1);
  CHECK(t.Graph("POST", "/directory/deletedItems/" + m.id + "/restore").status == 404);
  // Now its principal can come back too.
  CHECK(t.Graph("POST", "/directory/deletedItems/" + m.sp_id + "/restore").status == 200);
  CHECK(t.Graph("GET", "/servicePrincipals(appId='" + m.app_id + "')").status == 200);
}

TEST_CASE("a permanent delete frees the uniqueName at once, otherwise 30 days of tenant time do") {
  Tenant t;
  Made m = MakeApp(t, "orders");
  REQUIRE(t.Graph("DELETE", "/applications/" + m.id).status == 204);
  REQUIRE(t.Graph("DELETE", "/directory/deletedItems/" + m.id).status == 204);
  CHECK(t.Graph("GET", "/directory/deletedItems/" + m.id).status == 404);
  CHECK(Listed(t, "servicePrincipal").empty());
  Made again = MakeApp(t, "orders");
  CHECK(again.app_id != m.app_id);

  REQUIRE(t.Graph("DELETE", "/applications/" + again.id).status == 204);
  CHECK(t.Admin("POST", "clock", json::object{{"advanceSeconds", 29 * 86400}}).at("purgedDeletedItems").as_int64() == 0);
  t.token.clear();  // the old token expired in those days
  CHECK(Listed(t, "application").size() == 1);
  t.token.clear();
  CHECK(t.Admin("POST", "clock", json::object{{"advanceSeconds", 2 * 86400}}).at("purgedDeletedItems").as_int64() == 2);
  t.token.clear();
  CHECK(Listed(t, "application").empty());
  CHECK(t.Graph("POST", "/directory/deletedItems/" + again.id + "/restore").status == 404);
  MakeApp(t, "orders");
}
