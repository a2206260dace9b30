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
