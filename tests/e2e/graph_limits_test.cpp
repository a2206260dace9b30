// Applies and reads at Microsoft Graph's limits: the local tenant applies them (presets, ru-bucket,
// a small write quota), the real client paces itself, and nothing gives up. Client and tenant share
// a virtual clock that sleeping moves forward, so waiting out the limits takes no real time; the
// tests assert outcomes (0 failed, an empty next plan, the limits really bit), never durations.
#include <atomic>
#include <chrono>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "tests/e2e/rig.h"

using namespace entragate;
using entragate::testing::Rig;
namespace json = boost::json;

namespace {

// Starts at the real time (HTTP-dates stay meaningful); moves only when someone sleeps.
struct VirtualClock {
  std::atomic<int64_t> now{std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count()};
  void Sleep(int64_t ms) {
    int64_t target = now.load() + ms, seen = now.load();
    while (seen < target && !now.compare_exchange_weak(seen, target)) {
    }
  }
};

struct LimitedRig {
  std::shared_ptr<VirtualClock> clock = std::make_shared<VirtualClock>();
  Rig rig;
  explicit LimitedRig(const std::string& faults)
      : rig(Options(faults, clock), false, [c = clock](graph::GraphClientOptions& o) {
          o.now_ms = [c] { return c->now.load(); };
          o.sleep = [c](int64_t ms) { c->Sleep(ms); };
          o.deadline_ms = 0;  // 30 minutes of virtual time
        }) {}
  static emulator::LocalTenantOptions Options(const std::string& faults, const std::shared_ptr<VirtualClock>& c) {
    emulator::LocalTenantOptions o;
    o.faults = faults;
    o.limits_now_ms = [c] { return c->now.load(); };
    return o;
  }
};

std::string Workload(int apps, int grants, int identities) {
  std::string m = "version: 1\nidentities:\n";
  for (int i = 0; i < identities; ++i) m += fmt::format("  mi-{0}: {{ managedIdentity: mi-{0} }}\n", i);
  m += "apps:\n";
  for (int n = 0; n < apps; ++n) {
    m += fmt::format("  app-{0}:\n    displayName: App {0}\n    appRoles:\n      App.Use: {{ allowedMemberTypes: [ Application ] }}\n", n);
    m += "    assignmentRequired: true\n    access:\n      App.Use: [ ";
    for (int k = 0; k < grants; ++k) m += fmt::format("{}mi-{}", k ? ", " : "", (n * 3 + k) % identities);
    m += " ]\n";
  }
  return m;
}

void AddIdentities(Rig& rig, int n) {
  const auto& e = rig.tenant().endpoints();
  for (int i = 0; i < n; ++i) {
    net::Request r{
        "POST",
        e.authority + "/_emulator/identities",
        {{"X-Emulator-Key", e.admin_key}, {"Content-Type", "application/json"}},
        json::serialize(json::object{
            {"name", fmt::format("mi-{}", i)},
            {"resourceId", fmt::format("/subscriptions/0/resourceGroups/t/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-{}", i)}}),
        ""};
    auto sent = rig.transport().Send(r);
    REQUIRE(sent.ok());
    REQUIRE(sent->status == 201);
  }
}

}  // namespace

TEST_CASE("applies of a few hundred steps finish with 0 failed and an empty next plan under every limit") {
  // 40 apps x 6 grants: about 330 steps and 320 writes.
  const std::string manifest = Workload(40, 6, 15);
  struct Case {
    const char* faults;
    bool must_throttle;  ///< the limit is below what the run needs, so the tenant must have refused some
  };
  for (Case c : {Case{"limits=small", false}, Case{"limits=medium", false}, Case{"limits=large", false}, Case{"ru-bucket=300/10", true},
                 Case{"limits=small,write-quota=60/10", true}, Case{"ru-bucket=200/10,write-quota=50/5,throttle=0.05,retry-after=2,seed=3", true}}) {
    std::string spec = c.faults;
    CAPTURE(spec);
    LimitedRig lr(c.faults);
    AddIdentities(lr.rig, 15);
    engine::ExecutionReport report = lr.rig.Apply(manifest);
    CHECK(report.failed == 0);
    CHECK(report.skipped == 0);
    CHECK(report.done > 300);
    Rig::Planned again = lr.rig.PlanFor(manifest);
    CHECK(again.plan.empty());
    emulator::FaultCounters f = lr.rig.tenant().faults().counters();
    CHECK(f.limits.writes >= 300);
    if (c.must_throttle) CHECK(f.throttled > 0);
    graph::ClientStats s = lr.rig.client().stats();
    CHECK(s.throttled_responses == f.throttled);  // every 429 sent was received and waited out
    CHECK(s.writes == f.limits.writes);
  }
}

TEST_CASE("a read-only plan that costs more than the whole bucket completes") {
  const std::string manifest = Workload(60, 4, 10);
  LimitedRig lr("");
  AddIdentities(lr.rig, 10);
  REQUIRE(lr.rig.Apply(manifest).ok());
  lr.rig.tenant().faults().Configure(emulator::FaultConfig::Parse("ru-bucket=40/10").value());
  Rig::Planned plan = lr.rig.PlanFor(manifest);
  CHECK(plan.plan.empty());
  emulator::FaultCounters f = lr.rig.tenant().faults().counters();
  CHECK(f.limits.resource_units > 40);  // more than the bucket holds: it had to wait for refills
  CHECK(f.limits.writes == 0);
}
