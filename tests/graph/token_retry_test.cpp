// Token requests ride out throttling and transient failures through the shared retry policy
// (a scripted transport gives the exact answers; no sleeping, no clock).
#include <doctest/doctest.h>

#include <deque>

#include "providers/graph/credentials/token_retry.h"

using namespace entragate;
using namespace entragate::graph;

namespace {

class Scripted : public Transport {
 public:
  std::deque<engine::Result<net::Response>> answers;
  int sends = 0;
  engine::Result<net::Response> Send(const net::Request&) override {
    ++sends;
    auto next = answers.front();
    answers.pop_front();
    return next;
  }
};

net::Response Status(int status, std::string retry_after = "") {
  net::Response r;
  r.status = status;
  if (!retry_after.empty()) r.headers["Retry-After"] = retry_after;
  return r;
}

TokenRetry NoWaiting(std::vector<int64_t>& waits, TokenRetry base = {}) {
  base.sleep = [&waits](int64_t ms) { waits.push_back(ms); };
  base.now_ms = [] { return int64_t{1'000'000}; };
  return base;
}

}  // namespace

TEST_CASE("token requests: a 429 is retried after its Retry-After, then the token arrives") {
  Scripted t;
  t.answers = {Status(429, "1.5"), Status(200)};
  std::vector<int64_t> waits;
  auto r = SendTokenRequest(t, {}, NoWaiting(waits));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(t.sends == 2);
  CHECK(waits == std::vector<int64_t>{1500});
}

TEST_CASE("token requests: connection failures and 503 are retried, a 400 or 401 is an answer") {
  Scripted t;
  t.answers = {engine::MakeError(engine::Error::Kind::kTransient, "connection reset"), Status(503), Status(401)};
  std::vector<int64_t> waits;
  auto r = SendTokenRequest(t, {}, NoWaiting(waits));
  REQUIRE(r.ok());
  CHECK(r->status == 401);  // the refusal is returned as it is, for the credential to explain
  CHECK(t.sends == 3);
  CHECK(waits.size() == 2);
}

TEST_CASE("IMDS: 404 and 410 while it updates are transient there, not elsewhere") {
  Scripted imds;
  imds.answers = {Status(410), Status(404), Status(200)};
  std::vector<int64_t> waits;
  auto r = SendTokenRequest(imds, {}, NoWaiting(waits, ImdsRetry()));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(imds.sends == 3);
  Scripted login;
  login.answers = {Status(404)};
  auto plain = SendTokenRequest(login, {}, NoWaiting(waits));
  CHECK(plain->status == 404);
  CHECK(login.sends == 1);
}

TEST_CASE("token requests give up after the policy's attempts and return the last answer") {
  Scripted t;
  for (int i = 0; i < 5; ++i) t.answers.push_back(Status(503));
  std::vector<int64_t> waits;
  auto r = SendTokenRequest(t, {}, NoWaiting(waits));
  REQUIRE(r.ok());
  CHECK(r->status == 503);
  CHECK(t.sends == 5);
}
