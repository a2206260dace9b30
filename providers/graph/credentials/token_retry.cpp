#include "providers/graph/credentials/token_retry.h"

#include <chrono>
#include <thread>

namespace entragate::graph {

namespace {

int64_t SystemMs() { return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace

TokenRetry ImdsRetry() {
  TokenRetry r;
  r.also_transient = {404, 410, 500};
  return r;
}

engine::Result<net::Response> SendTokenRequest(Transport& transport, const net::Request& request, const TokenRetry& retry) {
  auto now = retry.now_ms ? retry.now_ms : SystemMs;
  int64_t started = now();
  for (int number = 1;; ++number) {
    auto answer = transport.Send(request);
    Attempt a;
    a.number = number;
    a.started_ms = started;
    a.now_ms = now();
    a.idempotent = true;
    if (!answer.ok()) {
      a.transport_error = true;
    } else {
      int status = answer->status;
      // Endpoint-specific "try again" answers are presented to the policy as what they mean.
      a.http_status = retry.also_transient.count(status) ? 503 : status;
      if (auto ra = answer->Header("Retry-After")) a.retry_after = *ra;
    }
    Decision d = Decide(a, retry.limits, static_cast<uint64_t>(started) + static_cast<uint64_t>(number));
    if (!d.retry) return answer;
    if (retry.sleep)
      retry.sleep(d.delay_ms);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(d.delay_ms));
  }
}

}  // namespace entragate::graph
