#include "providers/graph/transport/retry_policy.h"

#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>

namespace entragate::graph {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "2.128" → 2128; "10" → 10000; fractions beyond ms round up, so we never retry early.
std::optional<int64_t> ParseDecimalSecondsMs(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  int64_t whole = 0, frac_ms = 0;
  size_t i = 0;
  for (; i < text.size() && IsDigit(text[i]); ++i) whole = whole * 10 + (text[i] - '0');
  if (i == 0) return std::nullopt;
  if (i < text.size()) {
    if (text[i] != '.' || i + 1 == text.size()) return std::nullopt;
    int64_t scale = 100;
    bool beyond_ms = false;
    for (++i; i < text.size(); ++i) {
      if (!IsDigit(text[i])) return std::nullopt;
      if (scale > 0)
        frac_ms += (text[i] - '0') * scale;
      else if (text[i] != '0')
        beyond_ms = true;
      scale /= 10;
    }
    if (beyond_ms) ++frac_ms;
  }
  return whole * 1000 + frac_ms;
}

std::optional<int> Number(std::string_view text) {
  int v = 0;
  for (char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// IMF-fixdate, the only HTTP-date form senders may generate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::optional<int64_t> ParseHttpDateMs(std::string_view t) {
  static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (t.size() != 29 || t.substr(3, 2) != ", " || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' || t[19] != ':' || t[22] != ':' ||
      t.substr(25) != " GMT")
    return std::nullopt;
  auto month = std::find(kMonths.begin(), kMonths.end(), t.substr(8, 3));
  auto day = Number(t.substr(5, 2)), year = Number(t.substr(12, 4));
  auto h = Number(t.substr(17, 2)), m = Number(t.substr(20, 2)), s = Number(t.substr(23, 2));
  if (month == kMonths.end() || !day || !year || !h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  using namespace std::chrono;
  year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(month - kMonths.begin() + 1)),
                      std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  auto at = sys_days(date) + hours(*h) + minutes(*m) + seconds(*s);
  return duration_cast<milliseconds>(at.time_since_epoch()).count();
}

// SplitMix64: a few arithmetic steps give well-spread jitter from (seed, attempt) with no state.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Exponential backoff with "equal jitter": between half and all of base·2^(n-1), capped. The floor
// keeps retries from hammering; the spread keeps concurrent clients from retrying in lockstep.
int64_t BackoffMs(int failed_attempt, const RetryLimits& limits, uint64_t seed) {
  int64_t nominal = limits.base_delay_ms;
  for (int i = 1; i < failed_attempt && nominal < limits.max_delay_ms; ++i) nominal *= 2;
  nominal = std::min(nominal, limits.max_delay_ms);
  int64_t half = nominal / 2;
  uint64_t r = Mix(seed ^ Mix(static_cast<uint64_t>(failed_attempt)));
  return nominal - half + static_cast<int64_t>(r % static_cast<uint64_t>(half + 1));
}

bool Contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

bool IsRetryableStatus(int status) { return status == 429 || status == 503 || status == 504; }

Decision Stop(std::string reason) { return {false, 0, std::move(reason)}; }

std::string Describe(const Attempt& a) {
  if (a.transport_error) return "transport error";
  if (a.http_status == 429) return "throttled (429)";
  return fmt::format("HTTP {}", a.http_status.value_or(0));
}

std::string Seconds(int64_t ms) { return fmt::format("{:.3f} s", static_cast<double>(ms) / 1000.0); }

// Rule 5: an explicit wait is honoured exactly; otherwise back off.
Decision RetryTransient(const Attempt& a, const RetryLimits& limits, uint64_t seed) {
  std::optional<int64_t> told = a.retry_after ? ParseRetryAfterMs(*a.retry_after, a.now_ms) : std::nullopt;
  int64_t delay = told ? *told : BackoffMs(a.number, limits, seed);
  std::string why =
      told ? fmt::format("{}: Retry-After {}", Describe(a), *a.retry_after) : fmt::format("{}: backoff {}", Describe(a), Seconds(delay));
  if (a.now_ms - a.started_ms + delay > limits.max_total_wait_ms)
    return Stop(fmt::format("{}; waiting {} would pass the {} budget", Describe(a), Seconds(delay), Seconds(limits.max_total_wait_ms)));
  return {true, delay, why};
}

// Rule 2: Graph throttles a client that sends faster than its budget; waiting it out always works,
// so the only limit is the time the run has.
Decision RetryThrottled(const Attempt& a, const RetryLimits& limits, uint64_t seed) {
  std::optional<int64_t> told = a.retry_after ? ParseRetryAfterMs(*a.retry_after, a.now_ms) : std::nullopt;
  int64_t delay = told ? *told : BackoffMs(std::max(1, a.throttled_attempts), limits, seed);
  if (a.deadline_ms > 0 && a.now_ms + delay > a.deadline_ms)
    return Stop(fmt::format("{}; waiting {} would pass the run's deadline", Describe(a), Seconds(delay)));
  std::string why =
      told ? fmt::format("{}: Retry-After {}", Describe(a), *a.retry_after) : fmt::format("{}: backoff {}", Describe(a), Seconds(delay));
  return {true, delay, why};
}

// Rule 6: replication catches up in seconds, rarely tens of seconds; past the window the object
// really is missing.
Decision RetryConsistency(const Attempt& a, const RetryLimits& limits, uint64_t seed) {
  int64_t delay = BackoffMs(a.number, limits, seed);
  int64_t window = std::min(limits.consistency_window_ms, limits.max_total_wait_ms);
  if (a.now_ms - a.started_ms + delay > window) return Stop(fmt::format("{}: replication did not catch up within {}", Describe(a), Seconds(window)));
  return {true, delay, fmt::format("{} after a write (replication): backoff {}", Describe(a), Seconds(delay))};
}

}  // namespace

std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_ms) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (auto ms = ParseDecimalSecondsMs(value)) return ms;
  if (auto at = ParseHttpDateMs(value)) return std::max<int64_t>(0, *at - now_ms);
  return std::nullopt;
}

bool IsConsistencyFailure(const Attempt& a) {
  if (!a.http_status) return false;
  int status = *a.http_status;
  if (status == 404) return true;
  bool no_backing_app = std::find(a.detail_codes.begin(), a.detail_codes.end(), "NoBackingApplicationObject") != a.detail_codes.end();
  // "Not a valid reference update.": an assignment naming a principal that has not replicated yet.
  if (status == 400 &&
      (no_backing_app || Contains(a.message, "Permission being assigned was not found") || Contains(a.message, "Not a valid reference update.")))
    return true;
  // Application.ReadWrite.OwnedBy callers get a code-less 403 while the new app replicates (sic).
  return status == 403 && Contains(a.message, "backing application of the service principal being created");
}

Decision Decide(const Attempt& a, const RetryLimits& limits, uint64_t jitter_seed) {
  if (a.http_status && *a.http_status >= 200 && *a.http_status < 300 && !a.transport_error) return Stop("success");
  // Without a deadline (callers other than the Graph client, e.g. token requests) a 429 is
  // bounded like any transient answer.
  if (a.http_status == 429 && !a.transport_error && a.deadline_ms > 0) return RetryThrottled(a, limits, jitter_seed);
  if (int counted = a.number - a.throttled_attempts; counted >= limits.max_attempts)
    return Stop(fmt::format("{}; gave up after {} attempt{}", Describe(a), counted, counted == 1 ? "" : "s"));
  bool outcome_unknown = a.transport_error || a.http_status == 504;
  if (outcome_unknown && !a.idempotent)
    return Stop(fmt::format("{} on a request that is not idempotent: it may have been executed, so it is not sent again", Describe(a)));
  if (a.transport_error || IsRetryableStatus(a.http_status.value_or(0))) return RetryTransient(a, limits, jitter_seed);
  if (IsConsistencyFailure(a)) {
    if (!a.consistency_expected) return Stop(fmt::format("{}: terminal", Describe(a)));
    return RetryConsistency(a, limits, jitter_seed);
  }
  return Stop(fmt::format("{}: terminal", Describe(a)));
}

}  // namespace entragate::graph
