#include "emulator/graph/graph_limits.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace entragate::emulator {

std::optional<LimitBudget> LimitPreset(std::string_view name) {
  auto with_writes = [](int64_t units) { return LimitBudget{units, 10000, 3000, 150000}; };
  if (name == "small") return with_writes(3500);
  if (name == "medium") return with_writes(5000);
  if (name == "large") return with_writes(8000);
  if (name == "off") return LimitBudget{};
  return std::nullopt;
}

void GraphLimits::Configure(const LimitBudget& budget) {
  budget_ = budget;
  by_scope_.clear();
  counters_ = {};
}

// Buckets start full, as a fresh app + tenant pair has its whole budget.
GraphLimits::Buckets& GraphLimits::Refilled(const std::string& scope, int64_t now_ms) {
  auto [it, fresh] = by_scope_.try_emplace(scope);
  Buckets& b = it->second;
  if (fresh) {
    b = {static_cast<double>(budget_.resource_units), static_cast<double>(budget_.writes), now_ms};
    return b;
  }
  double elapsed = static_cast<double>(std::max<int64_t>(0, now_ms - b.at_ms));
  if (budget_.resource_units > 0)
    b.units = std::min<double>(static_cast<double>(budget_.resource_units),
                               b.units + elapsed * static_cast<double>(budget_.resource_units) / static_cast<double>(budget_.ru_window_ms));
  if (budget_.writes > 0)
    b.writes = std::min<double>(static_cast<double>(budget_.writes),
                                b.writes + elapsed * static_cast<double>(budget_.writes) / static_cast<double>(budget_.write_window_ms));
  b.at_ms = std::max(b.at_ms, now_ms);
  return b;
}

namespace {

// Time until `need` is back in a bucket holding `left` that refills `capacity` per `window_ms`.
double WaitMs(double need, double left, int64_t capacity, int64_t window_ms) {
  if (left >= need) return 0;
  return (need - left) * static_cast<double>(window_ms) / static_cast<double>(capacity);
}

double Usage(double left, int64_t capacity) { return capacity > 0 ? 1.0 - left / static_cast<double>(capacity) : 0; }

}  // namespace

Admission GraphLimits::Admit(const LimitCharge& c, int64_t now_ms) {
  Admission out;
  out.headers["x-ms-resource-unit"] = std::to_string(c.resource_units);
  if (!budget_.any()) {
    counters_.resource_units += static_cast<uint64_t>(c.resource_units);
    counters_.writes += c.write ? 1 : 0;
    return out;
  }
  Buckets& b = Refilled(c.app_id + "/" + c.tenant_id, now_ms);
  double units = static_cast<double>(c.resource_units);
  double ru_wait = budget_.resource_units > 0 ? WaitMs(units, b.units, budget_.resource_units, budget_.ru_window_ms) : 0;
  double write_wait = budget_.writes > 0 && c.write ? WaitMs(1, b.writes, budget_.writes, budget_.write_window_ms) : 0;
  if (ru_wait > 0 || write_wait > 0) {
    ++counters_.throttled;
    bool by_writes = write_wait >= ru_wait;
    // Graph tells whole seconds, rounded up: a client that waits them out always fits.
    int64_t seconds = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(std::max(ru_wait, write_wait) / 1000.0)));
    out.refused = GraphError::Throttled(std::to_string(seconds));
    out.headers["x-ms-throttle-scope"] = fmt::format("Tenant_Application/{}/{}/{}", by_writes ? "Write" : "ReadWrite", c.app_id, c.tenant_id);
    out.headers["x-ms-throttle-information"] = by_writes ? "WriteLimitExceeded" : "ResourceUnitLimitExceeded";
    double over = std::max(Usage(b.units - units, budget_.resource_units), c.write ? Usage(b.writes - 1, budget_.writes) : 0.0);
    out.headers["x-ms-throttle-limit-percentage"] = fmt::format("{:.2f}", std::clamp(over, 1.0, 1.8));
    return out;
  }
  if (budget_.resource_units > 0) b.units -= units;
  if (budget_.writes > 0 && c.write) b.writes -= 1;
  counters_.resource_units += static_cast<uint64_t>(c.resource_units);
  counters_.writes += c.write ? 1 : 0;
  double usage = std::max(Usage(b.units, budget_.resource_units), Usage(b.writes, budget_.writes));
  if (usage > 0.8) out.headers["x-ms-throttle-limit-percentage"] = fmt::format("{:.2f}", usage);
  return out;
}

}  // namespace entragate::emulator
