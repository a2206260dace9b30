// The provider's readers against malformed Graph answers: the local tenant serves objects whose
// members have the wrong JSON type (written into its store behind Graph's back), and every reader
// answers with an Error naming the member — never an exception, never a silently wrong model.
#include <doctest/doctest.h>

#include <functional>

#include <boost/json.hpp>

#include "emulator/store/directory_store.h"
#include "emulator/http_server.h"
#include "engine/model.h"
#include "providers/graph/provider/access_reader.h"
#include "providers/graph/provider/export_reader.h"
#include "providers/graph/provider/graph_provider.h"
#include "tests/graph/tenant_fixture.h"

using namespace entragate;
namespace json = boost::json;
using emulator::Collection;
using graph::GraphRequest;
using testing::TenantFixture;

namespace {

const std::string kRole = "5e0b1d8a-0f3c-4c53-9d5b-1b2c3d4e5f60";

struct Managed {
  std::string object_id, app_id, sp_id;
};

// A marker-tagged app with one role, its service principal, and one assignment to centos-1.
Managed MakeManagedApp(graph::GraphClient& client) {
  json::object role{
      {"id", kRole},      {"value", "App.Use"}, {"displayName", "Use"}, {"description", "Use"}, {"allowedMemberTypes", json::array{"Application"}},
      {"isEnabled", true}};
  json::object body{{"displayName", "Malformed"}, {"tags", json::array{engine::kMarkerTag}}, {"appRoles", json::array{role}}};
  auto app = client.SendBatch({GraphRequest{"POST", "/applications", {}, json::value(body), false, std::nullopt}})[0];
  REQUIRE(app.ok());
  Managed m{std::string(app->body.at("id").as_string()), std::string(app->body.at("appId").as_string()), ""};
  auto sp = client.SendBatch({GraphRequest{"POST",
                                           "/servicePrincipals",
                                           {},
                                           json::value(json::object{{"appId", m.app_id}, {"tags", json::array{engine::kMarkerTag}}}),
                                           false,
                                           std::nullopt}})[0];
  REQUIRE(sp.ok());
  m.sp_id = std::string(sp->body.at("id").as_string());
  auto mi = client.ListAll({"/servicePrincipals?$filter=displayName%20eq%20'centos-1'"})[0];
  REQUIRE(mi.ok());
  REQUIRE(mi->size() == 1);
  json::object assignment{{"principalId", mi->front().at("id")}, {"resourceId", m.sp_id}, {"appRoleId", kRole}};
  auto granted = client.SendBatch(
      {GraphRequest{"POST", "/servicePrincipals/" + m.sp_id + "/appRoleAssignedTo", {}, json::value(assignment), false, std::nullopt}})[0];
  REQUIRE(granted.ok());
  return m;
}

// Replaces member `name` of every stored object of `c` that `pick` selects.
void Corrupt(TenantFixture& t, Collection c, const std::function<bool(const json::object&)>& pick, const std::string& name, const json::value& v) {
  auto done = t.tenant->store().Write([&](emulator::StoreTxn& txn) -> engine::Status {
    std::vector<std::pair<std::string, json::object>> changed;
    for (const auto& [id, o] : txn.All(c))
      if (pick(o)) {
        json::object copy = o;
        copy[name] = v;
        changed.emplace_back(id, std::move(copy));
      }
    REQUIRE(!changed.empty());
    for (auto& [id, o] : changed) txn.Put(c, id, std::move(o));
    return engine::Ok{};
  });
  REQUIRE(done.ok());
}

std::function<bool(const json::object&)> WithId(const std::string& id) {
  return [id](const json::object& o) {
    const json::value* v = o.if_contains("id");
    return v && v->is_string() && v->get_string() == id;
  };
}

struct Case {
  Collection collection;
  std::string member;
  json::value value;
  std::string named;  ///< what the error must name
};

}  // namespace

TEST_CASE("a malformed member in Graph's answer is an Error naming it, for plan, export and access reads") {
  const std::vector<Case> cases = {
      {Collection::kApplications, "appRoles", 7, "\"appRoles\""},
      {Collection::kApplications, "appRoles", json::array{7}, "\"appRoles\" of another type (it must be a list of objects)"},
      {Collection::kApplications, "appRoles", json::array{json::object{{"id", 5}, {"value", "App.Use"}}}, "\"appRoles[0].id\""},
      {Collection::kApplications, "appId", 12, "\"appId\""},
      {Collection::kApplications, "identifierUris", "api://x", "\"identifierUris\""},
      {Collection::kApplications, "api", json::object{{"requestedAccessTokenVersion", "2"}}, "\"api.requestedAccessTokenVersion\""},
      {Collection::kApplications, "optionalClaims", json::object{{"accessToken", json::array{json::object{{"name", 1}}}}}, "\"accessToken[0].name\""},
      {Collection::kServicePrincipals, "appRoleAssignmentRequired", "yes", "\"appRoleAssignmentRequired\""},
      {Collection::kServicePrincipals, "id", 42, "\"id\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.member);
    CAPTURE(json::serialize(c.value));
    TenantFixture t;
    auto client = t.Client();
    Managed m = MakeManagedApp(*client);
    Corrupt(t, c.collection, WithId(c.collection == Collection::kApplications ? m.object_id : m.sp_id), c.member, c.value);

    graph::GraphProvider provider(*client);
    auto observed = provider.Read(engine::DesiredState{}, {});
    REQUIRE_FALSE(observed.ok());
    CHECK_MESSAGE(observed.error().message.find(c.named) != std::string::npos, observed.error().message);
    CHECK(observed.error().code == "MalformedResponse");

    engine::ExportSelection all;
    all.all = true;
    auto exported = graph::ReadForExport(*client, all, t.e().tenant_id);
    REQUIRE_FALSE(exported.ok());
    CHECK(exported.error().message.find(c.named) != std::string::npos);
  }
}

TEST_CASE("access reads refuse a malformed service principal or assignment, naming the member") {
  TenantFixture t;
  auto client = t.Client();
  Managed m = MakeManagedApp(*client);
  engine::AccessReadOptions one;
  one.only_apps = {m.app_id};
  auto before = graph::ReadAccessSnapshot(*client, one);
  REQUIRE_MESSAGE(before.ok(), (before.ok() ? "" : before.error().message));
  REQUIRE(before->apps.size() == 1);
  CHECK(before->apps[0].grants.size() == 1);
  Corrupt(
      t, Collection::kAppRoleAssignments, [&](const json::object& a) { return a.at("resourceId").as_string() == m.sp_id; }, "appRoleId", 9);
  auto access = graph::ReadAccessSnapshot(*client, one);
  REQUIRE_FALSE(access.ok());
  CHECK(access.error().message.find("\"appRoleId\"") != std::string::npos);

  Corrupt(
      t, Collection::kAppRoleAssignments, [&](const json::object& a) { return a.at("resourceId").as_string() == m.sp_id; }, "appRoleId",
      json::value(kRole));
  Corrupt(t, Collection::kServicePrincipals, WithId(m.sp_id), "appRoles", "none");
  access = graph::ReadAccessSnapshot(*client, one);
  REQUIRE_FALSE(access.ok());
  CHECK(access.error().message.find("\"appRoles\"") != std::string::npos);
}

TEST_CASE("a collection page without a value list, or with items that are not objects, is an Error") {
  // A stand-in Graph on loopback: the local tenant never serves such pages.
  std::string page;
  auto server = emulator::HttpServer::Start({}, [&page](const net::Request&) -> emulator::HandlerResult {
    net::Response r;
    r.status = 200;
    r.headers["Content-Type"] = "application/json";
    r.body = page;
    return {r, {}};
  });
  REQUIRE(server.ok());
  auto http = graph::MakeHttpTransport({});
  graph::GraphClientOptions options;
  options.graph_root = "http://127.0.0.1:" + std::to_string(server.value()->port()) + "/v1.0";
  graph::GraphClient client(
      *http, []() -> engine::Result<std::string> { return std::string("token"); }, options);
  for (const auto& [body, why] :
       std::vector<std::pair<std::string, std::string>>{{R"({"no":"value"})", "no \"value\" array"},
                                                        {R"({"value":{"id":"x"}})", "no \"value\" array"},
                                                        {R"({"value":[7]})", "a collection item is not an object"},
                                                        {R"([1,2])", "no \"value\" array"},
                                                        {R"({"value":[],"@odata.nextLink":7})", "@odata.nextLink is not a URL"}}) {
    page = body;
    auto r = client.ListAll({"/applications"})[0];
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().message.find(why) != std::string::npos, body, " -> ", r.error().message);
  }
  server.value()->Stop();
}
