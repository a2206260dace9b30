// Fault injection decisions: the spec, determinism under a seed, jittered latency, fail/drop by
// request number. (Their effect over HTTP is in local_tenant_test.cpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>

#include "emulator/faults.h"

using namespace entragate::emulator;

namespace {

std::vector<int64_t> Delays(const std::string& spec, int n) {
  FaultInjector f([] { return int64_t{0}; });
  auto config = FaultConfig::Parse(spec);
  REQUIRE(config.ok());
  f.Configure(config.value());
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(f.PlanRequest().delay.count());
  return out;
}

}  // namespace

TEST_CASE("jittered latency stays within latency..latency+jitter and is the same under the same seed") {
  auto a = Delays("latency=20,jitter=10,seed=7", 50);
  auto b = Delays("latency=20,jitter=10,seed=7", 50);
  CHECK(a == b);
  for (auto d : a) CHECK((d >= 20 && d <= 30));
  CHECK(std::adjacent_find(a.begin(), a.end(), std::not_equal_to<>()) != a.end());  // it does vary
  CHECK(Delays("latency=20,jitter=10,seed=8", 50) != a);
}

TEST_CASE("fail-request and drop-request pick requests by number") {
  FaultInjector f([] { return int64_t{0}; });
  f.Configure(FaultConfig::Parse("fail-request=2+4,fail-status=503,drop-request=3").value());
  std::vector<bool> failed, dropped;
  for (int i = 0; i < 5; ++i) {
    auto plan = f.PlanRequest();
    failed.push_back(plan.fail.has_value());
    dropped.push_back(plan.drop_if_write_commits);
    if (plan.fail) CHECK(plan.fail->status == 503);
  }
  CHECK(failed == std::vector<bool>{false, true, false, true, false});
  CHECK(dropped == std::vector<bool>{false, false, true, false, false});
  CHECK(f.counters().failed == 2);
}

TEST_CASE("a bad fault spec is refused with the reason") {
  CHECK(FaultConfig::Parse("throttle=2").error().message == "invalid fault spec: 'throttle' is a rate between 0 and 1");
  CHECK(FaultConfig::Parse("bogus=1").error().message == "invalid fault spec: unknown key 'bogus'");
  CHECK(FaultConfig::Parse("latency").error().message == "invalid fault spec: 'latency' is not KEY=VALUE");
}

// --- Graph's limits ------------------------------------------------------------------------------

namespace {

LimitCharge Read(int units, const std::string& app = "app-1") { return LimitCharge{app, "tenant-1", units, false}; }
LimitCharge Write(const std::string& app = "app-1") { return LimitCharge{app, "tenant-1", 1, true}; }

}  // namespace

TEST_CASE("limits: presets are Graph's per app + tenant budgets, ru-bucket and write-quota refine them") {
  CHECK(LimitPreset("small")->resource_units == 3500);
  CHECK(LimitPreset("medium")->resource_units == 5000);
  CHECK(LimitPreset("large")->resource_units == 8000);
  CHECK(LimitPreset("large")->writes == 3000);
  CHECK(LimitPreset("large")->write_window_ms == 150000);
  CHECK_FALSE(LimitPreset("off")->any());
  CHECK_FALSE(LimitPreset("huge"));
  auto c = FaultConfig::Parse("limits=small,ru-bucket=700/10").value().Budget();
  CHECK(c.resource_units == 700);
  CHECK(c.writes == 3000);
  CHECK(FaultConfig::Parse("ru-bucket=700/10").value().Budget().writes == 0);  // an RU bucket alone, as before
  CHECK(FaultConfig::Parse("write-quota=50/5").value().Budget().write_window_ms == 5000);
  CHECK_FALSE(FaultConfig::Parse("limits=tiny").ok());
}

TEST_CASE("limits: a refused request's Retry-After is the whole seconds until it would fit, with scope and reason") {
  GraphLimits l;
  l.Configure(LimitBudget{100, 10000, 0, 150000});  // 10 RU per second
  int64_t now = 5000;
  for (int i = 0; i < 50; ++i) REQUIRE_FALSE(l.Admit(Read(2), now).refused);
  Admission refused = l.Admit(Read(25), now);
  REQUIRE(refused.refused);
  CHECK(refused.refused->status == 429);
  CHECK(refused.refused->retry_after == "3");  // 25 RU at 10 per second: 2.5 s, told as 3
  CHECK(refused.headers.at("x-ms-throttle-scope") == "Tenant_Application/ReadWrite/app-1/tenant-1");
  CHECK(refused.headers.at("x-ms-throttle-information") == "ResourceUnitLimitExceeded");
  CHECK(refused.headers.at("x-ms-resource-unit") == "25");
  // Waiting what it said is enough; another app + tenant pair has its own bucket meanwhile.
  CHECK_FALSE(l.Admit(Read(25, "app-2"), now).refused);
  CHECK_FALSE(l.Admit(Read(25), now + 3000).refused);
  CHECK(l.counters().throttled == 1);
  CHECK(l.counters().resource_units == 150);
}

TEST_CASE("limits: x-ms-throttle-limit-percentage appears once usage passes 80 %") {
  GraphLimits l;
  l.Configure(LimitBudget{100, 10000, 0, 150000});
  CHECK_FALSE(l.Admit(Read(80), 0).headers.count("x-ms-throttle-limit-percentage"));
  CHECK(l.Admit(Read(5), 0).headers.at("x-ms-throttle-limit-percentage") == "0.85");
}

TEST_CASE("limits: the write quota refuses writes, not reads, and says so") {
  GraphLimits l;
  l.Configure(LimitBudget{0, 10000, 10, 5000});  // 10 writes per 5 s
  for (int i = 0; i < 10; ++i) REQUIRE_FALSE(l.Admit(Write(), 0).refused);
  Admission refused = l.Admit(Write(), 0);
  REQUIRE(refused.refused);
  CHECK(refused.refused->retry_after == "1");  // one write back after 0.5 s
  CHECK(refused.headers.at("x-ms-throttle-information") == "WriteLimitExceeded");
  CHECK(refused.headers.at("x-ms-throttle-scope").find("Tenant_Application/Write/") == 0);
  CHECK_FALSE(l.Admit(Read(1), 0).refused);
  CHECK(l.counters().writes == 10);
}

TEST_CASE("limits: the fault injector applies them, load shedding comes first and is not charged") {
  int64_t now = 0;
  FaultInjector f([&] { return now; });
  f.Configure(FaultConfig::Parse("ru-bucket=10/10").value());
  entragate::net::Request r;
  for (int i = 0; i < 10; ++i) REQUIRE_FALSE(f.Admit(r, Read(1)).refused);
  CHECK(f.Admit(r, Read(1)).refused->retry_after == "1");
  CHECK(f.counters().throttled == 1);
  CHECK(f.counters().limits.resource_units == 10);
  f.Configure(FaultConfig::Parse("limits=small,throttle=1").value());
  Admission shed = f.Admit(r, Read(1));
  REQUIRE(shed.refused);
  CHECK_FALSE(shed.headers.count("x-ms-throttle-scope"));
  CHECK(f.counters().limits.resource_units == 0);
}
