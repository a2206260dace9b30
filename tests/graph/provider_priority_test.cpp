// A provider read asked for at low priority (drift's scan) marks every request it sends, and only
// those: the client's other requests keep normal priority.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "engine/manifest.h"
#include "providers/graph/provider/graph_provider.h"
#include "tests/graph/recording_transport.h"
#include "tests/graph/tenant_fixture.h"

using namespace entragate;
using namespace entragate::testing;

namespace {

const char* kManifest = R"(version: 1
identities:
  support: { group: Support Engineers }
apps:
  orders:
    displayName: Orders
    appRoles:
      Orders.Read: { allowedMemberTypes: [ User ] }
    assignmentRequired: true
    access:
      Orders.Read: [ support ]
  billing:
    displayName: Billing
)";

// Every request of `sent` and every sub-request of its $batch envelopes: low priority or not.
std::vector<bool> Priorities(const std::vector<net::Request>& sent) {
  std::vector<bool> low;
  for (const auto& r : sent) {
    low.push_back(r.Header("x-ms-throttle-priority") == "Low");
    if (r.target.find("/$batch") == std::string::npos) continue;
    boost::json::value batch = boost::json::parse(r.body);  // kept: the loop reads into it
    for (const auto& sub : batch.at("requests").as_array()) low.push_back(sub.at("headers").as_object().contains("x-ms-throttle-priority"));
  }
  return low;
}

}  // namespace

TEST_CASE("ReadOptions.low_priority marks every request of that read, and no other") {
  TenantFixture t;
  RecordingTransport recorder(*t.http);
  graph::GraphClientOptions options;
  options.graph_root = t.e().graph;
  std::string bearer = t.token;
  graph::GraphClient client(
      recorder, [bearer]() -> engine::Result<std::string> { return bearer; }, options);
  graph::GraphProvider provider(client);
  engine::Diagnostics diags;
  auto desired = engine::LoadManifestTexts({{"m.yaml", kManifest}}, diags);
  REQUIRE_FALSE(diags.has_errors());

  REQUIRE(provider.Read(desired, {true}).ok());
  auto low = Priorities(recorder.Take());
  REQUIRE(low.size() > 1);
  CHECK(std::count(low.begin(), low.end(), true) == static_cast<long>(low.size()));

  REQUIRE(provider.Read(desired, {false}).ok());
  auto normal = Priorities(recorder.Take());
  REQUIRE(normal.size() > 1);
  CHECK(std::count(normal.begin(), normal.end(), true) == 0);
  CHECK_FALSE(client.low_priority());
}
