#include "emulator/faults.h"

#include <algorithm>
#include <cmath>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace entragate::emulator {

namespace json = boost::json;
using base::Error;

namespace {

Error Bad(const std::string& message) { return base::MakeError(Error::Kind::kInvalid, "invalid fault spec: " + message); }

std::optional<double> Number(const std::string& text) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v) && v >= 0) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

base::Status SetNumbers(std::set<uint64_t>& out, const std::string& value) {
  size_t start = 0;
  while (start <= value.size()) {
    auto plus = value.find('+', start);
    auto n = Number(value.substr(start, plus == std::string::npos ? std::string::npos : plus - start));
    if (!n || *n < 1) return Bad("request numbers are 1-based integers joined by '+'");
    out.insert(static_cast<uint64_t>(*n));
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return base::Ok{};
}

base::Status Set(FaultConfig& c, const std::string& key, const std::string& value) {
  if (key == "fail-request") return SetNumbers(c.fail_requests, value);
  if (key == "drop-request") return SetNumbers(c.drop_requests, value);
  if (key == "retry-after") {
    if (!Number(value)) return Bad("retry-after takes decimal seconds");
    c.retry_after = value;
    return base::Ok{};
  }
  if (key == "limits") {
    if (!LimitPreset(value)) return Bad("limits takes small, medium, large or off");
    c.limits = value;
    return base::Ok{};
  }
  if (key == "ru-bucket" || key == "write-quota") {
    bool ru = key == "ru-bucket";
    auto slash = value.find('/');
    auto units = Number(value.substr(0, slash));
    auto window = slash == std::string::npos ? std::optional<double>(ru ? 10 : 150) : Number(value.substr(slash + 1));
    if (!units || !window || *window <= 0) return Bad(fmt::format("{} takes UNITS or UNITS/SECONDS", key));
    (ru ? c.ru_bucket : c.write_quota) = static_cast<int64_t>(*units);
    (ru ? c.ru_window_s : c.write_window_s) = static_cast<int64_t>(*window);
    return base::Ok{};
  }
  auto n = Number(value);
  if (!n) return Bad(fmt::format("'{}' needs a non-negative number, not '{}'", key, value));
  auto rate = [&](double& field) -> base::Status {
    if (*n > 1) return Bad(fmt::format("'{}' is a rate between 0 and 1", key));
    field = *n;
    return base::Ok{};
  };
  if (key == "latency")
    c.latency_ms = static_cast<int64_t>(*n);
  else if (key == "jitter")
    c.jitter_ms = static_cast<int64_t>(*n);
  else if (key == "throttle")
    return rate(c.throttle_rate);
  else if (key == "unavailable")
    return rate(c.unavailable_rate);
  else if (key == "gateway-timeout")
    return rate(c.gateway_timeout_rate);
  else if (key == "drop-after-commit")
    return rate(c.drop_after_commit_rate);
  else if (key == "fail-status")
    c.fail_status = static_cast<int>(*n);
  else if (key == "lag")
    c.lag_ms = static_cast<int64_t>(*n);
  else if (key == "seed")
    c.seed = static_cast<uint64_t>(*n);
  else
    return Bad(fmt::format("unknown key '{}'", key));
  return base::Ok{};
}

}  // namespace

base::Result<FaultConfig> FaultConfig::Parse(const std::string& spec) {
  FaultConfig c;
  size_t start = 0;
  while (start < spec.size()) {
    auto comma = spec.find(',', start);
    std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? spec.size() : comma + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos) return Bad(fmt::format("'{}' is not KEY=VALUE", item));
    if (auto set = Set(c, item.substr(0, eq), item.substr(eq + 1)); !set.ok()) return set.error();
  }
  return c;
}

base::Result<FaultConfig> FaultConfig::FromJson(const json::object& o) {
  FaultConfig c;
  for (const auto& [key, value] : o) {
    std::string text = value.is_string() ? std::string(value.as_string()) : json::serialize(value);
    if (auto set = Set(c, std::string(key), text); !set.ok()) return set.error();
  }
  return c;
}

LimitBudget FaultConfig::Budget() const {
  LimitBudget b = LimitPreset(limits).value_or(LimitBudget{});
  if (ru_bucket > 0) b = LimitBudget{ru_bucket, ru_window_s * 1000, b.writes, b.write_window_ms};
  if (write_quota > 0) b = LimitBudget{b.resource_units, b.ru_window_ms, write_quota, write_window_s * 1000};
  return b;
}

json::object FaultConfig::ToJson() const {
  auto numbers = [](const std::set<uint64_t>& s) {
    std::string out;
    for (auto n : s) out += (out.empty() ? "" : "+") + std::to_string(n);
    return out;
  };
  return json::object{{"latency", latency_ms},
                      {"jitter", jitter_ms},
                      {"throttle", throttle_rate},
                      {"retry-after", retry_after},
                      {"limits", limits},
                      {"ru-bucket", fmt::format("{}/{}", ru_bucket, ru_window_s)},
                      {"write-quota", fmt::format("{}/{}", write_quota, write_window_s)},
                      {"unavailable", unavailable_rate},
                      {"gateway-timeout", gateway_timeout_rate},
                      {"fail-request", numbers(fail_requests)},
                      {"fail-status", fail_status},
                      {"drop-after-commit", drop_after_commit_rate},
                      {"drop-request", numbers(drop_requests)},
                      {"lag", lag_ms},
                      {"seed", seed}};
}

FaultInjector::FaultInjector(std::function<int64_t()> now_ms) : now_ms_(std::move(now_ms)), rng_(1) {}

void FaultInjector::Configure(const FaultConfig& config) {
  std::lock_guard lock(mutex_);
  config_ = config;
  rng_.seed(config.seed);
  requests_ = 0;
  limits_.Configure(config.Budget());
}

FaultConfig FaultInjector::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

FaultCounters FaultInjector::counters() const {
  std::lock_guard lock(mutex_);
  FaultCounters out = counters_;
  out.limits = limits_.counters();
  return out;
}

bool FaultInjector::Roll(double rate) {
  if (rate <= 0) return false;
  return std::uniform_real_distribution<double>(0, 1)(rng_) < rate;
}

FaultInjector::RequestPlan FaultInjector::PlanRequest() {
  std::lock_guard lock(mutex_);
  RequestPlan plan;
  plan.number = ++requests_;
  int64_t delay = config_.latency_ms;
  if (config_.jitter_ms > 0) delay += std::uniform_int_distribution<int64_t>(0, config_.jitter_ms)(rng_);
  plan.delay = std::chrono::milliseconds(delay);
  if (delay > 0) ++counters_.delayed;
  if (config_.fail_requests.count(plan.number)) {
    ++counters_.failed;
    GraphError e{config_.fail_status,
                 config_.fail_status == 503 ? "ServiceUnavailable" : "generalException",
                 fmt::format("Injected failure of request {}.", plan.number),
                 {},
                 {}};
    plan.fail = e;
  }
  plan.drop_if_write_commits = config_.drop_requests.count(plan.number) > 0 || Roll(config_.drop_after_commit_rate);
  return plan;
}

Admission FaultInjector::Admit(const net::Request&, const LimitCharge& charge) {
  std::lock_guard lock(mutex_);
  // Load shedding and outages come first: a request they refuse is not charged to the limits.
  Admission out;
  out.headers["x-ms-resource-unit"] = std::to_string(charge.resource_units);
  if (Roll(config_.throttle_rate)) {
    ++counters_.throttled;
    out.refused = GraphError::Throttled(config_.retry_after);
  } else if (Roll(config_.unavailable_rate)) {
    ++counters_.unavailable;
    out.refused = GraphError::Unavailable(503);
  } else if (Roll(config_.gateway_timeout_rate)) {
    ++counters_.unavailable;
    out.refused = GraphError::Unavailable(504);
  } else {
    out = limits_.Admit(charge, now_ms_());
    if (out.refused) ++counters_.throttled;
  }
  return out;
}

void FaultInjector::CountDrop() {
  std::lock_guard lock(mutex_);
  ++counters_.dropped;
}

}  // namespace entragate::emulator
