#pragma once
// Microsoft Graph's identity-service limits as the local tenant applies them (docs/graph-behaviour.md §5.3):
// a resource-unit token bucket and a write quota per app + tenant pair, each request (and each
// $batch sub-request) charged on its own, and the headers Graph answers with. Pure: the caller
// passes the time in, so every rule is a unit test.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/graph/graph_errors.h"
#include "net/http_message.h"
#include "emulator/graph/room.h"

namespace entragate::emulator {

/// Capacities and refill windows; 0 switches a limit off.
struct LimitBudget {
  int64_t resource_units = 0;
  int64_t ru_window_ms = 10000;
  int64_t writes = 0;
  int64_t write_window_ms = 150000;
  bool any() const { return resource_units > 0 || writes > 0; }
};

/// small (<50 users) 3,500 RU / 10 s, medium 5,000, large 8,000; all with 3,000 writes / 150 s.
/// "off" is the empty budget; anything else is unset.
std::optional<LimitBudget> LimitPreset(std::string_view name);

/// One request (or $batch sub-request) to charge.
struct LimitCharge {
  std::string app_id, tenant_id;
  int resource_units = 1;
  bool write = false;
};

/// Graph's verdict: refused requests carry a 429 with Retry-After (whole seconds until the request
/// would fit), x-ms-throttle-scope and x-ms-throttle-information; every answer carries
/// x-ms-resource-unit, and x-ms-throttle-limit-percentage once usage passes 80 %.
struct Admission {
  std::optional<GraphError> refused;
  net::Headers headers;
};

struct LimitCounters {
  uint64_t resource_units = 0;  ///< charged to admitted requests
  uint64_t writes = 0;
  uint64_t throttled = 0;  ///< 429s sent by the limits
};

class GraphLimits {
 public:
  void Configure(const LimitBudget& budget);
  const LimitBudget& budget() const { return budget_; }
  Admission Admit(const LimitCharge& charge, int64_t now_ms);
  const LimitCounters& counters() const { return counters_; }

 private:
  struct Buckets {
    double units = 0, writes = 0;  ///< what is left
    int64_t at_ms = 0;             ///< refilled up to here
  };
  Buckets& Refilled(const std::string& scope, int64_t now_ms);

  LimitBudget budget_;
  std::map<std::string, Buckets> by_scope_;  ///< app + tenant pair → its buckets
  LimitCounters counters_;
};

}  // namespace entragate::emulator
