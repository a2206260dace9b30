// GraphClient against the in-process local tenant: paging past 999, several collections in one
// request, and reads that complete under injected throttling, 503s, latency and replication lag —
// with the emulator's own counters as the witness of how many requests and faults there were.
#include <doctest/doctest.h>

#include <mutex>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "providers/graph/client/odata.h"
#include "tests/graph/tenant_fixture.h"

using namespace entragate;
namespace json = boost::json;
using engine::Error;
using graph::GraphRequest;
using testing::TenantFixture;

namespace {

GraphRequest Get(const std::string& path) { return GraphRequest{"GET", path, {}, std::nullopt, false, std::nullopt}; }

GraphRequest CreateApp(const std::string& name) {
  return GraphRequest{"POST", "/applications", {}, json::value(json::object{{"displayName", name}}), false, std::nullopt};
}

std::vector<std::string> CreateApps(graph::GraphClient& client, const std::vector<std::string>& names) {
  std::vector<GraphRequest> creates;
  for (const auto& n : names) creates.push_back(CreateApp(n));
  std::vector<std::string> ids;
  for (auto& r : client.SendBatch(creates)) {
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    REQUIRE(r->status == 201);
    ids.emplace_back(r->body.at("id").as_string());
  }
  return ids;
}

std::set<std::string> Field(const std::vector<json::object>& items, const char* name) {
  std::set<std::string> out;
  for (const auto& o : items) out.emplace(o.at(name).as_string());
  return out;
}

/// Time that passes only when the client sleeps, so fault tests never wait for real.
struct FakeClock {
  std::mutex mutex;
  int64_t now = 1700000000000;
  std::multiset<int64_t> waits;
  void Install(graph::GraphClientOptions& o) {
    o.now_ms = [this] {
      std::lock_guard lock(mutex);
      return now;
    };
    o.sleep = [this](int64_t ms) {
      std::lock_guard lock(mutex);
      waits.insert(ms);
      now += ms;
    };
  }
};

}  // namespace

TEST_CASE("1,050 apps are created in 53 $batch requests, and ListAll pages past 999 in 2") {
  TenantFixture t;
  auto client = t.Client();
  t.Admin("POST", "stats/reset");
  std::vector<std::string> names;
  for (int i = 0; i < 1050; ++i) names.push_back(fmt::format("bulk-{:04}", i));
  std::vector<std::string> ids = CreateApps(*client, names);
  CHECK(client->stats().http_requests == 53);
  CHECK(client->stats().batches == 53);
  auto created = t.Stats();
  CHECK(created.requests == 53);
  CHECK(created.subrequests == 1050);

  t.Admin("POST", "stats/reset");
  auto lists = client->ListAll({"/applications?$top=999&$select=id,displayName&$filter=" +
                                graph::FilterUrlComponent("startswith(displayName," + graph::ODataString("bulk-") + ")")});
  REQUIRE_MESSAGE(lists[0].ok(), (lists[0].ok() ? "" : lists[0].error().message));
  CHECK(lists[0]->size() == 1050);
  CHECK(Field(lists[0].value(), "id") == std::set<std::string>(ids.begin(), ids.end()));
  CHECK(Field(lists[0].value(), "displayName") == std::set<std::string>(names.begin(), names.end()));
  CHECK(t.Stats().requests == 2);
}

TEST_CASE("ListAll reads several collections in one HTTP request") {
  TenantFixture t;
  auto client = t.Client();
  t.Admin("POST", "stats/reset");
  auto lists = client->ListAll({"/applications?$top=999", "/servicePrincipals?$top=999", "/users?$top=999", "/groups?$top=999"});
  for (const auto& l : lists) REQUIRE_MESSAGE(l.ok(), (l.ok() ? "" : l.error().message));
  CHECK(Field(lists[1].value(), "appId").count("00000003-0000-0000-c000-000000000000") == 1);  // Microsoft Graph's SP
  CHECK(Field(lists[0].value(), "appId").count(t.e().client_id) == 1);                         // the operator app
  auto stats = t.Stats();
  CHECK(stats.requests == 1);
  CHECK(stats.subrequests == 4);
  CHECK(client->stats().http_requests == 1);
  CHECK(client->stats().by_kind.at("GET servicePrincipals") == 1);
}

TEST_CASE("under throttling, 503s and latency, reads complete and each injected fault costs exactly one retry") {
  TenantFixture t;
  std::vector<std::string> names;
  for (int i = 0; i < 60; ++i) names.push_back(fmt::format("f-{:02}", i));
  std::vector<std::string> ids = CreateApps(*t.Client(), names);
  std::vector<std::string> paths{"/applications?$top=7&$select=id,displayName&$filter=" + graph::FilterUrlComponent("startswith(displayName,'f-')"),
                                 "/servicePrincipals?$top=2&$select=id", "/users?$select=id", "/groups?$select=id"};
  std::vector<GraphRequest> gets;
  for (size_t i = 0; i < 45; ++i) gets.push_back(Get("/applications/" + ids[i] + "?$select=id,displayName"));

  auto read = [&](graph::GraphClient& client) {
    std::vector<std::set<std::string>> seen;
    for (auto& l : client.ListAll(paths)) {
      REQUIRE_MESSAGE(l.ok(), (l.ok() ? "" : l.error().message));
      seen.push_back(Field(l.value(), "id"));
    }
    std::set<std::string> names_read;
    for (auto& r : client.SendBatch(gets)) {
      REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
      names_read.emplace(r->body.at("displayName").as_string());
    }
    seen.push_back(names_read);
    return seen;
  };
  auto expected = read(*t.Client());
  CHECK(expected[0].size() == 60);

  t.Admin("PUT", "faults", json::object{{"throttle", 0.3}, {"retry-after", "0.05"}, {"unavailable", 0.1}, {"latency", 5}, {"seed", 3}});
  FakeClock clock;
  graph::GraphClientOptions o;
  clock.Install(o);
  o.max_batches_in_flight = 2;
  o.limits.max_attempts = 12;            // so that no read runs out of attempts at these fault rates
  o.limits.max_total_wait_ms = 3600000;  // fake time: waits are recorded, not slept
  auto client = t.Client(o);
  auto before = t.Stats();
  CHECK(read(*client) == expected);
  auto after = t.Stats();
  uint64_t throttled = after.throttled - before.throttled, unavailable = after.unavailable - before.unavailable;
  CHECK(throttled > 0);
  CHECK(unavailable > 0);
  CHECK(client->stats().retries == throttled + unavailable);
  CHECK(client->stats().throttled_responses == throttled);
  CHECK(clock.waits.count(50) > 0);    // Retry-After: 0.05 on the 429s
  CHECK(clock.waits.count(1000) > 0);  // Retry-After: 1 on the emulator's 503s
}

TEST_CASE("replication lag after a create is waited out where a write makes it expected, and only there") {
  TenantFixture t;
  t.Admin("PUT", "faults", json::object{{"lag", 1000}});
  auto client = t.Client();  // the real clock: the emulator's lag is real time
  auto created = client->SendBatch({CreateApp("Lagging A"), CreateApp("Lagging B")});
  REQUIRE(created[0].ok());
  REQUIRE(created[1].ok());
  std::string a_id(created[0]->body.at("id").as_string()), a_app_id(created[0]->body.at("appId").as_string());
  std::string b_id(created[1]->body.at("id").as_string());

  auto plain = client->Send(Get("/applications/" + a_id));
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.error().kind == Error::Kind::kNotFound);
  CHECK(plain.error().code == "Request_ResourceNotFound");
  CHECK_FALSE(plain.error().request_id.empty());
  CHECK(client->stats().retries == 0);

  GraphRequest sp{"POST", "/servicePrincipals", {}, json::value(json::object{{"appId", a_app_id}}), true, std::nullopt};
  GraphRequest read_b = Get("/applications/" + b_id + "?$select=id,displayName");
  read_b.consistency_expected = true;
  auto after_write = client->SendBatch({sp, read_b});
  REQUIRE_MESSAGE(after_write[0].ok(), (after_write[0].ok() ? "" : after_write[0].error().message));
  CHECK(after_write[0]->status == 201);
  REQUIRE_MESSAGE(after_write[1].ok(), (after_write[1].ok() ? "" : after_write[1].error().message));
  CHECK(after_write[1]->body.at("displayName").as_string() == "Lagging B");
  CHECK(client->stats().retries >= 2);  // the NoBackingApplicationObject and the 404, at least once each
}

TEST_CASE("a wait for the budget is slept in slices, and the display is told when it starts and when it is over") {
  TenantFixture t;
  FakeClock clock;
  std::vector<std::pair<graph::WaitReason, int64_t>> told;
  auto client = t.Client([&] {
    graph::GraphClientOptions o;
    clock.Install(o);
    o.budget = graph::GraphBudget{5, 10000, 3000, 150000};  // 5 RU / 10 s: the sixth read waits about 2 s
    o.on_wait = [&](graph::WaitReason reason, int64_t ms) { told.emplace_back(reason, ms); };
    return o;
  }());
  for (int i = 0; i < 8; ++i) REQUIRE(client->SendBatch({Get("/applications?$top=1")})[0].ok());
  REQUIRE_FALSE(told.empty());
  int long_waits = 0;
  for (size_t i = 0; i < told.size(); i += 2) {
    CAPTURE(i);
    CHECK(told[i].second > 0);
    REQUIRE(i + 1 < told.size());
    CHECK(told[i + 1] == std::make_pair(graph::WaitReason::kNone, int64_t{0}));  // each wait is closed before the next
    if (told[i].first == graph::WaitReason::kResourceUnits && told[i].second > 1000) ++long_waits;
  }
  CHECK(long_waits > 0);
  CHECK(*clock.waits.rbegin() <= 250);  // slept in slices, so a raise of the budget can end it early
}
