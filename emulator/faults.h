#pragma once
// Fault injection for the local tenant, deterministic under a seed: latency, throttling (by rate, and
// by Graph's limits: a resource-unit bucket and a write quota per app + tenant, graph_limits.h),
// 503/504, failing the Nth request, dropping the connection after a write committed, and
// replication lag (applied by the Graph service).
//
// Spec (the --faults flag; the admin API takes the same keys as a JSON object):
//   latency=MS  jitter=MS  throttle=RATE  retry-after=SECONDS  limits=small|medium|large|off
//   ru-bucket=UNITS[/SECONDS]  write-quota=REQUESTS[/SECONDS]
//   unavailable=RATE  gateway-timeout=RATE  fail-request=N[+N...]  fail-status=CODE
//   drop-after-commit=RATE  drop-request=N[+N...]  lag=MS  seed=N
// e.g. "latency=20,jitter=10,throttle=0.05,retry-after=1.5,lag=2000,seed=7". RATE is 0..1.

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>

#include <boost/json/object.hpp>

#include "emulator/graph/graph_errors.h"
#include "emulator/graph/graph_limits.h"
#include "base/result.h"
#include "net/http_message.h"

namespace entragate::emulator {

struct FaultConfig {
  int64_t latency_ms = 0;
  int64_t jitter_ms = 0;
  double throttle_rate = 0;
  std::string retry_after = "1";  ///< decimal seconds, as Graph sends it
  std::string limits = "off";     ///< Graph's limits for a tenant of this size (LimitPreset)
  int64_t ru_bucket = 0;          ///< overrides the preset's bucket; 0: the preset's
  int64_t ru_window_s = 10;
  int64_t write_quota = 0;  ///< overrides the preset's write quota; 0: the preset's
  int64_t write_window_s = 150;
  double unavailable_rate = 0;
  double gateway_timeout_rate = 0;
  std::set<uint64_t> fail_requests;  ///< 1-based numbers of Graph requests to fail
  int fail_status = 500;
  double drop_after_commit_rate = 0;
  std::set<uint64_t> drop_requests;  ///< 1-based numbers of Graph requests to drop after commit
  int64_t lag_ms = 0;
  uint64_t seed = 1;

  /// What the limits add up to: the preset, then ru-bucket / write-quota over it.
  LimitBudget Budget() const;

  static base::Result<FaultConfig> Parse(const std::string& spec);
  static base::Result<FaultConfig> FromJson(const boost::json::object& o);
  boost::json::object ToJson() const;
};

struct FaultCounters {
  uint64_t throttled = 0, unavailable = 0, failed = 0, dropped = 0, delayed = 0;
  LimitCounters limits;  ///< RU and writes charged, 429s the limits sent (counted in `throttled` too)
};

class FaultInjector {
 public:
  explicit FaultInjector(std::function<int64_t()> now_ms);

  void Configure(const FaultConfig& config);
  FaultConfig config() const;
  FaultCounters counters() const;

  /// Per HTTP request to Graph: its number, and whether to fail it outright (fail-request).
  struct RequestPlan {
    uint64_t number = 0;
    std::chrono::milliseconds delay{0};
    std::optional<GraphError> fail;
    bool drop_if_write_commits = false;
  };
  RequestPlan PlanRequest();

  /// Per Graph request or $batch sub-request: Graph's limits, throttling and unavailability. The
  /// headers go on the answer whether or not it is refused.
  Admission Admit(const net::Request& request, const LimitCharge& charge);

  void CountDrop();

 private:
  bool Roll(double rate);

  mutable std::mutex mutex_;
  std::function<int64_t()> now_ms_;
  FaultConfig config_;
  FaultCounters counters_;
  std::mt19937_64 rng_;
  uint64_t requests_ = 0;
  GraphLimits limits_;
};

}  // namespace entragate::emulator
