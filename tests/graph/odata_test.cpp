// OData literals and URL encoding: the spelling, and then proof against the local tenant that hostile
// display names and keys cannot change what a query means.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "providers/graph/client/odata.h"
#include "tests/graph/tenant_fixture.h"

using namespace entragate;
namespace json = boost::json;
using graph::FilterUrlComponent;
using graph::GraphRequest;
using graph::KeySegment;
using graph::ODataString;

TEST_CASE("ODataString quotes the value and doubles every single quote") {
  CHECK(ODataString("") == "''");
  CHECK(ODataString("plain") == "'plain'");
  CHECK(ODataString("O'Neil") == "'O''Neil'");
  CHECK(ODataString("''") == "''''''");
  CHECK(ODataString("x' or 'a' eq 'a") == "'x'' or ''a'' eq ''a'");
}

TEST_CASE("FilterUrlComponent percent-encodes everything but unreserved characters, UTF-8 included") {
  CHECK(FilterUrlComponent("displayName eq 'a&b'") == "displayName%20eq%20%27a%26b%27");
  CHECK(FilterUrlComponent("A-z0-9._~") == "A-z0-9._~");
  CHECK(FilterUrlComponent("#%+/?=$()") == "%23%25%2B%2F%3F%3D%24%28%29");
  CHECK(FilterUrlComponent("é") == "%C3%A9");
}

TEST_CASE("KeySegment keeps the literal's quotes and encodes its content") {
  CHECK(KeySegment("uniqueName", "payroll") == "(uniqueName='payroll')");
  CHECK(KeySegment("uniqueName", "it's") == "(uniqueName='it%27%27s')");
  CHECK(KeySegment("appId", "a)/b?c#d") == "(appId='a%29%2Fb%3Fc%23d')");
}

namespace {

// Names that would break a query built by concatenation: quote games, OData operators, URL syntax,
// percent signs, non-ASCII. "victim" is what the injection attempts try to reach.
const std::vector<std::string> kHostile{
    "victim",
    "O'Neil",
    "'",
    "''",
    "' or displayName eq 'victim",
    "x') or (displayName eq 'victim",
    "victim' or startswith(displayName,'",
    "a) or (1 eq 1",
    "100% sure",
    "%27",
    "%2527 or ",
    "a&$top=1",
    "b#fragment",
    "c?$filter=displayName eq 'victim'",
    "plus+sign",
    "semi;colon,comma=equals",
    "slash/and\\back",
    "naïve 日本語 🚀",
};

std::string ByName(const std::string& name) {
  return "/applications?$select=id,displayName&$filter=" + FilterUrlComponent("displayName eq " + ODataString(name));
}

}  // namespace

TEST_CASE("hostile display names cannot change a query's meaning: each finds exactly its own app") {
  testing::TenantFixture t;
  auto client = t.Client();
  std::vector<GraphRequest> creates, queries;
  for (const auto& name : kHostile) {
    creates.push_back(GraphRequest{"POST", "/applications", {}, json::value(json::object{{"displayName", name}}), false, std::nullopt});
    queries.push_back(GraphRequest{"GET", ByName(name), {}, std::nullopt, false, std::nullopt});
  }
  auto created = client->SendBatch(creates);
  std::vector<std::string> ids;
  for (auto& c : created) {
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
    ids.emplace_back(c->body.at("id").as_string());
  }
  auto check = [&](size_t i, const engine::Result<graph::GraphResponse>& found) {
    CAPTURE(kHostile[i]);
    REQUIRE_MESSAGE(found.ok(), (found.ok() ? "" : found.error().message));
    const json::array& value = found->body.at("value").as_array();
    REQUIRE(value.size() == 1);
    CHECK(value[0].at("id").as_string() == ids[i]);
    CHECK(value[0].at("displayName").as_string() == kHostile[i]);
  };
  for (size_t i = 0; i < kHostile.size(); ++i) check(i, client->Send(queries[i]));  // in the URL of a request
  auto batched = client->SendBatch(queries);                                        // in the url of a sub-request
  for (size_t i = 0; i < kHostile.size(); ++i) check(i, batched[i]);
}

TEST_CASE("hostile alternate keys address exactly their own app") {
  testing::TenantFixture t;
  auto client = t.Client();
  const std::vector<std::string> keys{"it's", "a)/b", "x') or ('1", "100%", "q?$select=id#f", "ключ"};
  for (const auto& key : keys) {
    CAPTURE(key);
    GraphRequest upsert{"PATCH",
                        "/applications" + KeySegment("uniqueName", key),
                        {{"Prefer", "create-if-missing"}},
                        json::value(json::object{{"displayName", "keyed " + key}}),
                        false,
                        std::nullopt};
    auto made = client->Send(upsert);
    REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message));
    CHECK(made->status == 201);
  }
  for (const auto& key : keys) {
    CAPTURE(key);
    auto got = client->Send(GraphRequest{
        "GET", "/applications" + KeySegment("uniqueName", key) + "?$select=uniqueName,displayName", {}, std::nullopt, false, std::nullopt});
    REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error().message));
    CHECK(got->body.at("uniqueName").as_string() == key);
    CHECK(got->body.at("displayName").as_string() == "keyed " + key);
  }
}
