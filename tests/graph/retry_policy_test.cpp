// The retry policy, one rule per case. Pure: times are numbers, nothing sleeps.
#include <doctest/doctest.h>

#include <set>

#include "providers/graph/transport/retry_policy.h"

using entragate::graph::Attempt;
using entragate::graph::Decide;
using entragate::graph::Decision;
using entragate::graph::IsConsistencyFailure;
using entragate::graph::ParseRetryAfterMs;
using entragate::graph::RetryLimits;

namespace {

// 2023-11-14T22:13:20Z, so that HTTP-dates in the tests are easy to write.
constexpr int64_t kNow = 1700000000000;

Attempt Status(int status, int number = 1) {
  Attempt a;
  a.number = number;
  a.http_status = status;
  a.now_ms = kNow;
  a.started_ms = kNow;
  return a;
}

Attempt Throttled(const char* retry_after, int number = 1) {
  Attempt a = Status(429, number);
  a.graph_code = "TooManyRequests";
  a.retry_after = retry_after;
  return a;
}

Attempt TransportError(bool idempotent) {
  Attempt a;
  a.transport_error = true;
  a.idempotent = idempotent;
  a.now_ms = kNow;
  a.started_ms = kNow;
  return a;
}

Attempt NoBackingApp(bool expected) {
  Attempt a = Status(400);
  a.graph_code = "Request_BadRequest";
  a.detail_codes = {"NoBackingApplicationObject"};
  a.message = "The appId 'x' of the service principal does not reference a valid application object.";
  a.consistency_expected = expected;
  return a;
}

const RetryLimits kLimits;

}  // namespace

// --- success and terminal answers --------------------------------------------------------------

TEST_CASE("a 2xx answer is never retried") {
  Decision d = Decide(Status(200), kLimits, 1);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "success");
  CHECK_FALSE(Decide(Status(204), kLimits, 1).retry);
}

TEST_CASE("a 400 is terminal") { CHECK_FALSE(Decide(Status(400), kLimits, 1).retry); }
TEST_CASE("a 401 is terminal") { CHECK_FALSE(Decide(Status(401), kLimits, 1).retry); }
TEST_CASE("a 409 is terminal") { CHECK_FALSE(Decide(Status(409), kLimits, 1).retry); }
TEST_CASE("a 500 is terminal: only 429, 503 and 504 say 'try again'") { CHECK_FALSE(Decide(Status(500), kLimits, 1).retry); }
TEST_CASE("a 502 is terminal") { CHECK_FALSE(Decide(Status(502), kLimits, 1).retry); }

TEST_CASE("a 403 Authorization_RequestDenied is terminal even after a write") {
  Attempt a = Status(403);
  a.graph_code = "Authorization_RequestDenied";
  a.message = "Insufficient privileges to complete the operation.";
  a.consistency_expected = true;
  CHECK_FALSE(Decide(a, kLimits, 1).retry);
}

// --- explicit waits ------------------------------------------------------------------------------

TEST_CASE("429 with Retry-After in whole seconds waits exactly that") {
  Decision d = Decide(Throttled("10"), kLimits, 1);
  CHECK(d.retry);
  CHECK(d.delay_ms == 10000);
  CHECK(d.reason == "throttled (429): Retry-After 10");
}

TEST_CASE("429 with Retry-After in decimal seconds waits to the millisecond") {
  Decision d = Decide(Throttled("2.128"), kLimits, 1);
  CHECK(d.retry);
  CHECK(d.delay_ms == 2128);
}

TEST_CASE("429 with Retry-After as an HTTP-date waits until that date") {
  Decision d = Decide(Throttled("Tue, 14 Nov 2023 22:13:25 GMT"), kLimits, 1);
  CHECK(d.retry);
  CHECK(d.delay_ms == 5000);
}

TEST_CASE("429 with an HTTP-date already past retries at once") {
  Decision d = Decide(Throttled("Tue, 14 Nov 2023 22:13:00 GMT"), kLimits, 1);
  CHECK(d.retry);
  CHECK(d.delay_ms == 0);
}

TEST_CASE("the wait is the server's, not the backoff's, whatever the attempt number") {
  CHECK(Decide(Throttled("0.5", 6), kLimits, 1).delay_ms == 500);
}

TEST_CASE("503 with Retry-After waits that long") {
  Attempt a = Status(503);
  a.retry_after = "1";
  Decision d = Decide(a, kLimits, 1);
  CHECK(d.retry);
  CHECK(d.delay_ms == 1000);
}

TEST_CASE("a throttled POST is retried: 429 means the request was refused, not executed") {
  Attempt a = Throttled("1");
  a.idempotent = false;
  CHECK(Decide(a, kLimits, 1).retry);
}

TEST_CASE("a 503 POST is retried: the service did not take it") {
  Attempt a = Status(503);
  a.idempotent = false;
  CHECK(Decide(a, kLimits, 1).retry);
}

// --- backoff -------------------------------------------------------------------------------------

TEST_CASE("429 without Retry-After backs off: between half and all of 500 ms on the first failure") {
  for (uint64_t seed = 1; seed < 50; ++seed) {
    Attempt a = Status(429);
    Decision d = Decide(a, kLimits, seed);
    CHECK(d.retry);
    CHECK(d.delay_ms >= 250);
    CHECK(d.delay_ms <= 500);
  }
}

TEST_CASE("backoff doubles with each failure") {
  int64_t nominal = 500;
  for (int n = 1; n <= 6; ++n, nominal *= 2) {
    Decision d = Decide(Status(503, n), kLimits, 42);
    CAPTURE(n);
    CHECK(d.delay_ms >= nominal / 2);
    CHECK(d.delay_ms <= nominal);
  }
}

TEST_CASE("backoff is capped at 30 s") {
  RetryLimits many = kLimits;
  many.max_attempts = 30;
  many.max_total_wait_ms = 3600000;
  for (int n = 7; n < 20; ++n) {
    Decision d = Decide(Status(503, n), many, 9);
    CAPTURE(n);
    CHECK(d.delay_ms >= 15000);
    CHECK(d.delay_ms <= 30000);
  }
}

TEST_CASE("a Retry-After that is neither seconds nor an HTTP-date falls back to backoff") {
  Decision d = Decide(Throttled("soon"), kLimits, 3);
  CHECK(d.retry);
  CHECK(d.delay_ms >= 250);
  CHECK(d.delay_ms <= 500);
}

TEST_CASE("jitter is reproducible from the seed and differs between seeds") {
  CHECK(Decide(Status(503, 3), kLimits, 77).delay_ms == Decide(Status(503, 3), kLimits, 77).delay_ms);
  std::set<int64_t> delays;
  for (uint64_t seed = 0; seed < 20; ++seed) delays.insert(Decide(Status(503, 3), kLimits, seed).delay_ms);
  CHECK(delays.size() > 10);
}

TEST_CASE("504 on an idempotent request backs off") {
  Decision d = Decide(Status(504), kLimits, 1);
  CHECK(d.retry);
  CHECK(d.delay_ms >= 250);
}

// --- unknown outcomes and idempotency ------------------------------------------------------------

TEST_CASE("a transport error on an idempotent request backs off") {
  Decision d = Decide(TransportError(true), kLimits, 1);
  CHECK(d.retry);
  CHECK(d.delay_ms >= 250);
  CHECK(d.delay_ms <= 500);
}

TEST_CASE("a transport error on a non-idempotent request stops: it may have been executed") {
  Decision d = Decide(TransportError(false), kLimits, 1);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "transport error on a request that is not idempotent: it may have been executed, so it is not sent again");
}

TEST_CASE("a 504 on a non-idempotent request stops: the gateway gave up, the service may not have") {
  Attempt a = Status(504);
  a.idempotent = false;
  CHECK_FALSE(Decide(a, kLimits, 1).retry);
}

// --- limits --------------------------------------------------------------------------------------

TEST_CASE("the last allowed attempt is not retried") {
  Decision d = Decide(Throttled("1", 8), kLimits, 1);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "throttled (429); gave up after 8 attempts");
}

TEST_CASE("the attempt before the last is retried") { CHECK(Decide(Throttled("1", 7), kLimits, 1).retry); }

TEST_CASE("the attempt limit is configurable") {
  RetryLimits once = kLimits;
  once.max_attempts = 1;
  CHECK_FALSE(Decide(Throttled("1"), once, 1).retry);
}

TEST_CASE("a wait that would pass the total budget stops") {
  Attempt a = Throttled("30", 3);
  a.started_ms = kNow - 100000;  // 100 s spent; 30 more would pass 120 s
  Decision d = Decide(a, kLimits, 1);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "throttled (429); waiting 30.000 s would pass the 120.000 s budget");
}

TEST_CASE("a Retry-After longer than the whole budget stops at once") { CHECK_FALSE(Decide(Throttled("600"), kLimits, 1).retry); }

TEST_CASE("a wait that just fits the budget is taken") {
  Attempt a = Throttled("20", 3);
  a.started_ms = kNow - 100000;
  CHECK(Decide(a, kLimits, 1).retry);
}

// --- eventual consistency ------------------------------------------------------------------------

TEST_CASE("404 is a real answer when no write preceded it") {
  Attempt a = Status(404);
  a.graph_code = "Request_ResourceNotFound";
  CHECK_FALSE(Decide(a, kLimits, 1).retry);
}

TEST_CASE("404 after a write backs off: the object may not have replicated yet") {
  Attempt a = Status(404);
  a.graph_code = "Request_ResourceNotFound";
  a.consistency_expected = true;
  Decision d = Decide(a, kLimits, 1);
  CHECK(d.retry);
  CHECK(d.delay_ms >= 250);
  CHECK(d.delay_ms <= 500);
}

TEST_CASE("NoBackingApplicationObject is a real answer without a preceding write") { CHECK_FALSE(Decide(NoBackingApp(false), kLimits, 1).retry); }

TEST_CASE("NoBackingApplicationObject after creating the app backs off") { CHECK(Decide(NoBackingApp(true), kLimits, 1).retry); }

TEST_CASE("the 403 backing-application refusal after creating the app backs off") {
  Attempt a = Status(403);
  a.message = "When using this permission, the backing application of the service principal being created must in the local tenant";
  CHECK_FALSE(Decide(a, kLimits, 1).retry);
  a.consistency_expected = true;
  CHECK(Decide(a, kLimits, 1).retry);
}

TEST_CASE("'Permission being assigned was not found' after changing roles backs off") {
  Attempt a = Status(400);
  a.graph_code = "Request_BadRequest";
  a.message = "Permission being assigned was not found on application 'x'.";
  CHECK_FALSE(Decide(a, kLimits, 1).retry);
  a.consistency_expected = true;
  CHECK(Decide(a, kLimits, 1).retry);
}

TEST_CASE("'Permission being assigned already exists' is not a replication failure") {
  Attempt a = Status(400);
  a.message = "Permission being assigned already exists on the object";
  a.consistency_expected = true;
  CHECK_FALSE(IsConsistencyFailure(a));
  CHECK_FALSE(Decide(a, kLimits, 1).retry);
}

TEST_CASE("replication waits stop at the consistency window, well before the throttle budget") {
  Attempt a = NoBackingApp(true);
  a.number = 5;                 // backoff of 4 to 8 s
  a.started_ms = kNow - 57000;  // 57 s spent
  Decision d = Decide(a, kLimits, 1);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "HTTP 400: replication did not catch up within 60.000 s");
}

TEST_CASE("the replication window never exceeds the total wait budget") {
  RetryLimits tight = kLimits;
  tight.max_total_wait_ms = 10000;
  Attempt a = NoBackingApp(true);
  a.number = 3;                // backoff of 1 to 2 s
  a.started_ms = kNow - 9000;  // 9 s spent of a 10 s budget
  Decision d = Decide(a, tight, 1);
  CHECK_FALSE(d.retry);
  CHECK(d.reason == "HTTP 400: replication did not catch up within 10.000 s");
}

TEST_CASE("a consistency failure on a POST is retried: the refusal means nothing was created") {
  Attempt a = NoBackingApp(true);
  a.idempotent = false;
  CHECK(Decide(a, kLimits, 1).retry);
}

TEST_CASE("replication retries are also bounded by the attempt limit") {
  Attempt a = NoBackingApp(true);
  a.number = 8;
  CHECK_FALSE(Decide(a, kLimits, 1).retry);
}

// --- Retry-After parsing -------------------------------------------------------------------------

TEST_CASE("Retry-After: decimal seconds") {
  CHECK(ParseRetryAfterMs("0", kNow) == 0);
  CHECK(ParseRetryAfterMs("1", kNow) == 1000);
  CHECK(ParseRetryAfterMs("1.5", kNow) == 1500);
  CHECK(ParseRetryAfterMs("2.128", kNow) == 2128);
  CHECK(ParseRetryAfterMs(" 3 ", kNow) == 3000);
}

TEST_CASE("Retry-After: fractions below a millisecond round up, never retrying early") {
  CHECK(ParseRetryAfterMs("0.0001", kNow) == 1);
  CHECK(ParseRetryAfterMs("1.0000", kNow) == 1000);
}

TEST_CASE("Retry-After: HTTP-date (IMF-fixdate)") {
  CHECK(ParseRetryAfterMs("Tue, 14 Nov 2023 22:13:21 GMT", kNow) == 1000);
  CHECK(ParseRetryAfterMs("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000 - 2000) == 2000);
}

TEST_CASE("Retry-After: anything else is not a wait") {
  for (const char* bad : {"", "-1", "1e3", "1.", ".5", "abc", "1,5", "Tue, 14 Nov 2023 22:13:21 UTC", "Tue, 31 Feb 2023 00:00:00 GMT",
                          "Tue, 14 Foo 2023 22:13:21 GMT"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseRetryAfterMs(bad, kNow).has_value());
  }
}
