// The pacer's rules on an injected clock: nothing sleeps, the test moves time.
#include <doctest/doctest.h>

#include "providers/graph/client/pacer.h"

using namespace entragate::graph;

namespace {

struct Clock {
  int64_t now = 1000000;
  std::function<int64_t()> Fn() {
    return [this] { return now; };
  }
};

PacerOptions Budget(double units, int64_t window_ms, double writes = 3000, int64_t write_window_ms = 150000, bool given = true) {
  PacerOptions o;
  o.budget = {units, window_ms, writes, write_window_ms};
  o.budget_given = given;
  o.reserve = 0.05;  // the figures below are worked out for a 5 % reserve, whatever the default
  return o;
}

const RequestCost kRead{1, 0};
const RequestCost kWrite{1, 1};

// Sends `n` requests of `cost` back to back as a sender would (reserve, wait, confirm), moving
// the clock by each wait; returns the total time taken.
int64_t SendAll(Pacer& p, Clock& c, int n, RequestCost cost) {
  int64_t start = c.now;
  for (int i = 0; i < n; ++i) {
    for (;;) {
      auto t = p.Reserve(cost, false);
      c.now += t.wait_ms;
      if (p.Confirm(t)) break;
    }
    p.OnAnswer(cost, cost.resource_units, std::nullopt);
  }
  return c.now - start;
}

}  // namespace

TEST_CASE("costs follow Graph's table: base costs, $select, $expand, small $top, writes") {
  CHECK(EstimateCost("GET", "/applications?$top=999").resource_units == 2);
  CHECK(EstimateCost("GET", "/applications?$select=id,appId&$top=999").resource_units == 1);
  CHECK(EstimateCost("GET", "/applications(appId='x')").resource_units == 1);
  CHECK(EstimateCost("GET", "/servicePrincipals/abc/appRoleAssignments?$top=999").resource_units == 2);
  CHECK(EstimateCost("GET", "/servicePrincipals/abc/appRoleAssignedTo").resource_units == 1);
  CHECK(EstimateCost("GET", "/groups/g/transitiveMembers?$expand=x").resource_units == 6);
  CHECK(EstimateCost("GET", "/users?$top=5&$select=id").resource_units == 1);  // never below 1
  CHECK(EstimateCost("GET", "/applications").writes == 0);
  CHECK(EstimateCost("POST", "/servicePrincipals/x/appRoleAssignedTo").writes == 1);
  CHECK(EstimateCost("PATCH", "/applications(uniqueName='a')").writes == 1);
  CHECK(EstimateCost("POST", "/directoryObjects/getByIds").writes == 0);
  CHECK(EstimateCost("POST", "/directoryObjects/getByIds").resource_units == 5);
  CHECK(GraphBudgetPreset("medium")->resource_units == 5000);
  CHECK(GraphBudgetPreset("large")->writes == 3000);
  CHECK_FALSE(GraphBudgetPreset("huge"));
}

TEST_CASE("a full bucket sends at once, down to the reserve, then at the refill rate") {
  Clock c;
  Pacer p(Budget(100, 10000), c.Fn());   // 100 RU / 10 s: 10 RU per second
  CHECK(SendAll(p, c, 95, kRead) == 0);  // 5 % stays in reserve
  CHECK(p.Reserve(kRead, false).wait_ms == 100);
  int64_t took = SendAll(p, c, 50, kRead);
  CHECK(took >= 5000);
  CHECK(took <= 5200);
  CHECK(p.stats().throttled == 0);
}

TEST_CASE("reservations queue: concurrent senders get increasing waits, not the same moment") {
  Clock c;
  Pacer p(Budget(100, 10000), c.Fn());
  SendAll(p, c, 95, kRead);
  auto a = p.Reserve(RequestCost{20, 0}, false);
  auto b = p.Reserve(RequestCost{20, 0}, false);
  auto d = p.Reserve(RequestCost{20, 0}, false);
  CHECK(a.wait_ms == 2000);
  CHECK(b.wait_ms == 4000);
  CHECK(d.wait_ms == 6000);
  CHECK(a.reason == WaitReason::kResourceUnits);
}

TEST_CASE("the write quota paces writes but not reads") {
  Clock c;
  Pacer p(Budget(100000, 10000, 100, 5000), c.Fn());  // 100 writes / 5 s: 20 per second
  SendAll(p, c, 95, kWrite);
  auto w = p.Reserve(kWrite, false);
  CHECK(w.wait_ms == 50);
  CHECK(w.reason == WaitReason::kWriteQuota);
  CHECK(p.Reserve(kRead, false).wait_ms == 0);
}

TEST_CASE("low priority keeps a larger reserve and waits first") {
  Clock c;
  Pacer p(Budget(100, 10000), c.Fn());
  SendAll(p, c, 80, kRead);
  CHECK(p.Reserve(kRead, true).wait_ms > 0);
  CHECK(p.Reserve(kRead, false).wait_ms == 0);
}

TEST_CASE("a 429 naming the scope holds every sender once for the Retry-After, earlier reservations are void") {
  Clock c;
  Pacer p(Budget(100, 10000), c.Fn());
  auto sent = p.Reserve(kRead, false);
  auto queued = p.Reserve(kRead, false);
  p.OnThrottled(sent.epoch, 3000, true, false);
  CHECK_FALSE(p.Confirm(queued));  // reserved before the hold: reserve again
  // A second 429 from the same moment does not hold again nor cut the budget again.
  double learnt = p.learnt().resource_units;
  p.OnThrottled(sent.epoch, 3000, true, false);
  CHECK(p.learnt().resource_units == learnt);
  CHECK(p.stats().scope_holds == 1);
  CHECK(p.stats().throttled == 2);
  auto again = p.Reserve(kRead, false);
  CHECK(again.wait_ms >= 3000);
  CHECK(again.reason == WaitReason::kThrottled);
  c.now += again.wait_ms;
  CHECK(p.Confirm(again));
}

TEST_CASE("after a hold the pacer ramps up: the queued senders go out spread, slower than the refill at first") {
  Clock c;
  Pacer p(Budget(100, 10000), c.Fn());
  auto t = p.Reserve(kRead, false);
  p.OnThrottled(t.epoch, 2000, true, false);
  c.now += 2000;
  std::vector<int64_t> waits;
  for (int i = 0; i < 5; ++i) waits.push_back(p.Reserve(RequestCost{8, 0}, false).wait_ms);
  for (size_t i = 1; i < waits.size(); ++i) CHECK(waits[i] > waits[i - 1]);
  // The learnt budget is 80 RU / 10 s (8 per second); at half of that, 8 RU take about 2 s.
  CHECK(waits[0] >= 1500);
}

TEST_CASE("a 429 that names no scope (load shedding) holds nobody") {
  Clock c;
  Pacer p(Budget(100, 10000), c.Fn());
  auto t = p.Reserve(kRead, false);
  auto other = p.Reserve(kRead, false);
  p.OnThrottled(t.epoch, 5000, false, false);
  CHECK(p.Confirm(other));
  CHECK(p.Reserve(kRead, false).wait_ms == 0);
  CHECK(p.stats().throttled == 1);
  CHECK(p.stats().scope_holds == 0);
}

TEST_CASE("a write-limit 429 cuts the write budget, not the resource units") {
  Clock c;
  Pacer p(Budget(100, 10000, 100, 5000), c.Fn());
  auto t = p.Reserve(kWrite, false);
  p.OnThrottled(t.epoch, 1000, true, true);
  CHECK(p.learnt().writes == doctest::Approx(80));
  CHECK(p.learnt().resource_units == doctest::Approx(100));
  CHECK(p.Reserve(kWrite, false).reason == WaitReason::kWriteQuota);
}

TEST_CASE("Graph's x-ms-resource-unit replaces the estimate") {
  Clock c;
  Pacer p(Budget(100, 10000), c.Fn());
  auto t = p.Reserve(kRead, false);
  p.OnAnswer(t.cost, 40, std::nullopt);  // it cost 40, not 1
  CHECK(p.stats().resource_units == 40);
  CHECK(SendAll(p, c, 55, kRead) == 0);
  CHECK(p.Reserve(kRead, false).wait_ms > 0);
}

TEST_CASE("without a given budget it grows while Graph reports room at our limit, a given budget stays") {
  for (bool given : {false, true}) {
    CAPTURE(given);
    Clock c;
    Pacer p(Budget(100, 10000, 3000, 150000, given), c.Fn());
    SendAll(p, c, 600, kRead);  // about 45 s at the limit, Graph never saying it is above 80 %
    if (given)
      CHECK(p.learnt().resource_units == doctest::Approx(100));
    else
      CHECK(p.learnt().resource_units > 120);
  }
}

TEST_CASE("wall time waiting counts overlapping waits once") {
  Clock c;
  Pacer p(Budget(100, 10000), c.Fn());
  p.BeginWait(WaitReason::kWriteQuota, c.now + 1000);
  p.BeginWait(WaitReason::kResourceUnits, c.now + 500);
  CHECK(p.waiting().reason == WaitReason::kWriteQuota);
  CHECK(p.waiting().senders == 2);
  c.now += 500;
  p.EndWait();
  c.now += 500;
  p.EndWait();
  CHECK(p.stats().waited_wall_ms == 1000);
  CHECK(p.waiting().senders == 0);
  CHECK(Describe(WaitReason::kWriteQuota) == "Graph write quota");
}

TEST_CASE("a sender queued behind a budget that is then raised waits less than it was told") {
  Clock c;
  Pacer p(Budget(100000, 10000, 100, 150000, false), c.Fn());
  Pacer::Ticket last;
  for (int i = 0; i < 120; ++i) last = p.Reserve(kWrite, false);
  REQUIRE(last.reason == WaitReason::kWriteQuota);
  CHECK(last.wait_ms > 20000);  // 20 writes over a refill of 100 per 150 s
  c.now += 1000;
  CHECK(p.Remaining(last) == doctest::Approx(last.wait_ms - 1000).epsilon(0.01));  // nothing changed: the rest of its wait
  p.OnAnswer(kWrite, 1, std::nullopt);                                             // at our limit, and Graph says it is below 80 %
  CHECK(p.learnt().writes > 100);
  CHECK(p.Remaining(last) == 0);
  CHECK(p.Confirm(last));
}

TEST_CASE("a raise helps the queue in order: the back of it still waits") {
  Clock c;
  Pacer p(Budget(100000, 10000, 100, 150000, false), c.Fn());
  std::vector<Pacer::Ticket> queue;
  for (int i = 0; i < 300; ++i) queue.push_back(p.Reserve(kWrite, false));
  c.now += 1000;
  p.OnAnswer(kWrite, 1, std::nullopt);
  double raised = p.learnt().writes - 100;
  REQUIRE(raised > 0);
  CHECK(p.Remaining(queue[130]) == 0);   // within what the raise added
  CHECK(p.Remaining(queue.back()) > 0);  // beyond it
  CHECK(p.Remaining(queue.back()) < queue.back().wait_ms - 1000);
}

TEST_CASE("a bucket Graph's limit percentage shows emptier than our model is raised, though the header is there") {
  Clock c;
  Pacer p(Budget(100000, 10000, 100, 150000, false), c.Fn());
  SendAll(p, c, 80, kWrite);  // our write model: 80 % used
  c.now += 1000;
  // Graph's most used limit is at 85 % (the resource units, say): its writes are at 85 % at most,
  // while our model has them fuller after ten more.
  for (int i = 0; i < 10; ++i) {
    auto t = p.Reserve(kWrite, false);
    c.now += t.wait_ms;
    REQUIRE(p.Confirm(t));
    p.OnAnswer(kWrite, 1, 0.85);
  }
  CHECK(p.learnt().writes > 100);
  CHECK(p.learnt().resource_units == doctest::Approx(100000));  // that bucket is at 0.1 %: no news about it
}

TEST_CASE("a limit percentage that matches our model raises nothing") {
  Clock c;
  Pacer p(Budget(100000, 10000, 100, 150000, false), c.Fn());
  for (int i = 0; i < 95; ++i) {
    auto t = p.Reserve(kWrite, false);
    c.now += t.wait_ms;
    REQUIRE(p.Confirm(t));
    // Graph counts the same writes as we do: 1 % of its quota per write, refilled meanwhile.
    p.OnAnswer(kWrite, 1, i >= 80 ? std::optional<double>((i + 1) / 100.0) : std::nullopt);
  }
  CHECK(p.learnt().writes == doctest::Approx(100));
}

TEST_CASE("an unmetered budget (a local tenant without limits) never makes a sender wait, yet a 429 still holds the scope") {
  Clock c;
  PacerOptions o;
  o.budget = UnmeteredBudget();
  o.budget_given = true;
  Pacer p(o, c.Fn());
  // Far beyond every tier: a 100,000-write apply and as many reads, all at one instant.
  CHECK(SendAll(p, c, 100000, RequestCost{2, 20}) == 0);
  CHECK(SendAll(p, c, 100000, kRead) == 0);
  auto before = p.Reserve(kRead, false);
  p.OnThrottled(before.epoch, 5000, true, false);
  CHECK(p.Reserve(kRead, false).wait_ms >= 5000);
}
