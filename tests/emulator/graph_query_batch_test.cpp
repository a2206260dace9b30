// Paging, $select, $count, $filter and $batch on the emulator.
#include <doctest/doctest.h>

#include "tests/emulator/graph_test_tenant.h"

using namespace entragate::emulator;
using namespace entragate::emulator::testing;

TEST_CASE("paging: $top pages with whole nextLinks until the last page, $top over 999 is refused") {
  GraphTestTenant t;
  for (int i = 0; i < 25; ++i) t.CreateApp("App " + std::to_string(i));
  std::set<std::string> seen;
  std::string next = "/applications?$top=10&$select=id,displayName";
  int pages = 0;
  while (!next.empty()) {
    Reply page = t.Get(next);
    REQUIRE(page.status == 200);
    ++pages;
    for (const auto& v : page.obj().at("value").as_array()) {
      CHECK(v.as_object().size() == 2);
      seen.insert(std::string(v.at("id").as_string()));
    }
    const json::value* link = page.obj().if_contains("@odata.nextLink");
    next = link ? std::string(link->as_string()).substr(std::string("https://graph.test").size()) : "";
    if (link) CHECK(std::string(link->as_string()).find("$select=id,displayName") != std::string::npos);
  }
  CHECK(pages == 3);
  CHECK(seen.size() == 26);  // 25 + the seeded operator app
  Reply big = t.Get("/applications?$top=1000");
  CHECK(big.status == 400);
  CHECK(big.error_message() == "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.");
}

TEST_CASE("$count needs ConsistencyLevel: eventual") {
  GraphTestTenant t;
  Reply refused = t.Get("/applications/$count");
  CHECK(refused.status == 400);
  CHECK(refused.error_message() == "$count is not currently supported.");
  Reply counted = t.Call("GET", "/applications/$count", "", "operator", {{"ConsistencyLevel", "eventual"}});
  CHECK(counted.status == 200);
  CHECK(counted.text == "1");
  Reply inline_count = t.Call("GET", "/applications?$count=true", "", "operator", {{"ConsistencyLevel", "eventual"}});
  CHECK(inline_count.obj().at("@odata.count").as_int64() == 1);
  CHECK_FALSE(t.Get("/applications?$count=true").obj().contains("@odata.count"));  // silently ignored
}

TEST_CASE("filters: managed identities by type, hostile display names cannot change a query") {
  GraphTestTenant t;
  Reply mis = t.Get("/servicePrincipals?$filter=servicePrincipalType eq 'ManagedIdentity'&$select=displayName");
  CHECK(mis.obj().at("value").as_array().size() == 3);  // centos-1, centos-2, ci-runner
  t.CreateApp("a' or '1' eq '1");
  Reply hostile = t.Get("/applications?$filter=displayName eq 'a'' or ''1'' eq ''1'");
  REQUIRE(hostile.status == 200);
  CHECK(hostile.obj().at("value").as_array().size() == 1);
}

TEST_CASE("$batch: ids, relative urls, dependsOn with 424, per-request results") {
  GraphTestTenant t;
  json::array requests{
      json::object{{"id", "1"},
                   {"method", "POST"},
                   {"url", "/applications"},
                   {"headers", json::object{{"Content-Type", "application/json"}}},
                   {"body", json::object{{"displayName", "Batched"}}}},
      json::object{{"id", "2"}, {"method", "GET"}, {"url", "/applications/does-not-exist"}},
      json::object{{"id", "3"}, {"method", "GET"}, {"url", "/applications?$select=id"}, {"dependsOn", json::array{"2"}}},
      json::object{{"id", "4"}, {"method", "GET"}, {"url", "applications?$top=1"}, {"dependsOn", json::array{"1"}}},
  };
  Reply r = t.Post("/$batch", {{"requests", requests}});
  REQUIRE(r.status == 200);
  std::map<std::string, int64_t> status;
  for (const auto& x : r.obj().at("responses").as_array()) status[std::string(x.at("id").as_string())] = x.at("status").as_int64();
  CHECK(status["1"] == 201);
  CHECK(status["2"] == 404);
  CHECK(status["3"] == 424);
  CHECK(status["4"] == 200);
  auto stats = t.service().Stats();
  CHECK(stats.requests == 1);
  CHECK(stats.batch_subrequests == 3);  // the 424 never ran
}

TEST_CASE("$batch: each body is what the request alone is answered with, a count as a number, a 204 without one") {
  GraphTestTenant t;
  std::string id(t.CreateApp("Batched").at("id").as_string());
  json::array requests{
      json::object{{"id", "list"}, {"method", "GET"}, {"url", "/applications?$select=id,displayName"}},
      json::object{{"id", "missing"}, {"method", "GET"}, {"url", "/applications/does-not-exist"}},
      json::object{{"id", "count"}, {"method", "GET"}, {"url", "/applications/$count"}, {"headers", json::object{{"ConsistencyLevel", "eventual"}}}},
      json::object{{"id", "patch"},
                   {"method", "PATCH"},
                   {"url", "/applications/" + id},
                   {"headers", json::object{{"Content-Type", "application/json"}}},
                   {"body", json::object{{"notes", "batched"}}}},
  };
  Reply r = t.Post("/$batch", {{"requests", requests}});
  REQUIRE(r.status == 200);
  std::map<std::string, json::object> by_id;
  for (const auto& x : r.obj().at("responses").as_array()) by_id[std::string(x.at("id").as_string())] = x.as_object();
  REQUIRE(by_id.size() == 4);
  CHECK(by_id["list"].at("body") == t.Get("/applications?$select=id,displayName").body);
  CHECK(by_id["missing"].at("status").as_int64() == 404);
  CHECK(by_id["missing"].at("body").at("error").at("code").as_string() == "Request_ResourceNotFound");
  Reply counted = t.Call("GET", "/applications/$count", "", "operator", {{"ConsistencyLevel", "eventual"}});
  CHECK(by_id["count"].at("body") == json::value(std::stoll(counted.text)));
  CHECK(by_id["count"].at("body").as_int64() >= 1);
  CHECK(by_id["patch"].at("status").as_int64() == 204);
  CHECK_FALSE(by_id["patch"].contains("body"));
  CHECK(by_id["patch"].at("headers").is_object());
}

TEST_CASE("$batch: malformed batches are refused whole with 400") {
  GraphTestTenant t;
  json::array dup{json::object{{"id", "1"}, {"method", "GET"}, {"url", "/applications"}},
                  json::object{{"id", "1"}, {"method", "GET"}, {"url", "/applications"}}};
  CHECK(t.Post("/$batch", {{"requests", dup}}).status == 400);
  json::array many;
  for (int i = 0; i < 21; ++i) many.push_back(json::object{{"id", std::to_string(i)}, {"method", "GET"}, {"url", "/applications"}});
  CHECK(t.Post("/$batch", {{"requests", many}}).status == 400);
  json::array no_type{json::object{{"id", "1"}, {"method", "POST"}, {"url", "/applications"}, {"body", json::object{{"displayName", "x"}}}}};
  CHECK(t.Post("/$batch", {{"requests", no_type}}).status == 400);
  json::array absolute{json::object{{"id", "1"}, {"method", "GET"}, {"url", "https://graph.microsoft.com/v1.0/applications"}}};
  CHECK(t.Post("/$batch", {{"requests", absolute}}).status == 400);
  CHECK(t.Call("POST", "/$batch", "not json").status == 400);
}

TEST_CASE("accounting: requests, writes, resource units and routes") {
  GraphTestTenant t;
  t.service().ResetStats();
  t.CreateApp("Counted");
  t.Get("/applications");
  t.Get("/applications?$select=id");
  auto s = t.service().Stats();
  CHECK(s.requests == 3);
  CHECK(s.writes == 1);
  CHECK(s.resource_units == 1 + 2 + 1);  // POST 1; GET applications 2; with $select 2-1
  CHECK(s.by_route["GET /applications"] == 2);
  CHECK(s.by_route["POST /applications"] == 1);
}
