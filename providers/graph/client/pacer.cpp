#include "providers/graph/client/pacer.h"

#include <algorithm>
#include <vector>

namespace entragate::graph {

std::optional<GraphBudget> GraphBudgetPreset(std::string_view name) {
  if (name == "small") return GraphBudget{3500, 10000, 3000, 150000};
  if (name == "medium") return GraphBudget{5000, 10000, 3000, 150000};
  if (name == "large") return GraphBudget{8000, 10000, 3000, 150000};
  return std::nullopt;
}

GraphBudget UnmeteredBudget() { return GraphBudget{1e12, 10000, 1e12, 150000}; }

namespace {

bool HasOption(std::string_view query, std::string_view name) {
  for (std::string_view prefix : {"$", "%24"}) {
    std::string key = std::string(prefix) + std::string(name) + "=";
    auto at = query.find(key);
    if (at != std::string_view::npos && (at == 0 || query[at - 1] == '&')) return true;
  }
  return false;
}

std::optional<int> TopOf(std::string_view query) {
  for (std::string_view key : {"$top=", "%24top="}) {
    auto at = query.find(key);
    if (at == std::string_view::npos || (at != 0 && query[at - 1] != '&')) continue;
    int n = 0;
    bool any = false;
    for (size_t i = at + key.size(); i < query.size() && query[i] >= '0' && query[i] <= '9'; ++i, any = true) n = n * 10 + (query[i] - '0');
    if (any) return n;
  }
  return std::nullopt;
}

}  // namespace

RequestCost EstimateCost(std::string_view method, std::string_view path) {
  auto q = path.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view() : path.substr(q + 1);
  path = path.substr(0, q);
  std::vector<std::string_view> segments;
  bool keyed = false;
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view s = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (s.empty()) continue;
    if (auto paren = s.find('('); paren != std::string_view::npos) {
      if (segments.empty()) keyed = true;
      s = s.substr(0, paren);
    }
    segments.push_back(s);
  }
  RequestCost cost;
  std::string_view last = segments.empty() ? std::string_view() : segments.back();
  if (method == "GET") {
    bool collection = segments.size() == 1 && !keyed;
    if ((collection && (last == "applications" || last == "users" || last == "oauth2PermissionGrants")) ||
        (segments.size() > 1 && (last == "appRoleAssignments" || last == "extensionProperties")))
      cost.resource_units = 2;
    else if (segments.size() > 1 && last == "transitiveMembers")
      cost.resource_units = 5;
    else if (segments.size() > 1 && last == "members")
      cost.resource_units = 3;
  } else if (last == "getByIds" || last == "getObjectsById") {
    cost.resource_units = 5;
  } else {
    cost.writes = 1;
  }
  if (HasOption(query, "select")) cost.resource_units -= 1;
  if (HasOption(query, "expand")) cost.resource_units += 1;
  if (auto top = TopOf(query); top && *top > 0 && *top < 20) cost.resource_units -= 1;
  cost.resource_units = std::max(1, cost.resource_units);
  return cost;
}

std::string_view Describe(WaitReason reason) {
  switch (reason) {
    case WaitReason::kResourceUnits: return "Graph resource units";
    case WaitReason::kWriteQuota: return "Graph write quota";
    case WaitReason::kThrottled: return "Graph throttling (429)";
    case WaitReason::kNone: break;
  }
  return "Graph";
}

Pacer::Pacer(PacerOptions options, std::function<int64_t()> now_ms) : options_(options), now_ms_(std::move(now_ms)) {
  const GraphBudget& b = options_.budget;
  // Unless the user said how big the tenant is, the budget may grow to the largest tier when the
  // answers show room; the write quota is the same for every tenant size.
  double ru_ceiling = options_.budget_given ? b.resource_units : std::max(b.resource_units, GraphBudgetPreset("large")->resource_units);
  // The write quota is documented as the same for every tenant; it is raised only when Graph shows
  // it is not enforcing it (a tenant with a larger quota, or the local tenant with only an RU bucket),
  // up to the application-wide 35,000 per 5 minutes.
  int64_t now = now_ms_();
  units_ = {b.resource_units, b.resource_units, std::max<int64_t>(1, b.ru_window_ms), ru_ceiling, 1.1, now};
  writes_ = {b.writes, b.writes, std::max<int64_t>(1, b.write_window_ms), std::max(b.writes, 35000.0 / 2), 1.5, now};
  units_.answered = units_.capacity;
  writes_.answered = writes_.capacity;
  refilled_at_ = now;
}

// After a hold, the refill we allow ourselves starts at half of Graph's and reaches all of it over
// one window: the requests that queued during the hold go out spread, not at once.
// During the hold Graph refills at its full rate; a reservation made during the hold is paced as
// if sent at its end.
double Pacer::RampFactor(int64_t now) const {
  if (stats_.scope_holds == 0) return 1.0;
  now = std::max(now, hold_until_);
  return std::min(1.0, 0.5 + 0.5 * static_cast<double>(now - hold_until_) / static_cast<double>(units_.window_ms));
}

// The time in [from, to] weighted by the ramp factor: full during a hold and after the ramp, rising
// from half to full over the window after the hold — integrated, so a long gap between refills is
// not credited at the factor of its end.
double Pacer::RampedMs(int64_t from, int64_t to) const {
  double a = static_cast<double>(from), b = static_cast<double>(to);
  if (b <= a) return 0;
  if (stats_.scope_holds == 0) return b - a;
  double h = static_cast<double>(hold_until_), w = static_cast<double>(units_.window_ms);
  double full = std::max(0.0, std::min(b, h) - a) + std::max(0.0, b - std::max(a, h + w));
  double r1 = std::max(a, h), r2 = std::min(b, h + w);
  double ramp = r2 > r1 ? 0.5 * (r2 - r1) + 0.25 * ((r2 - h) * (r2 - h) - (r1 - h) * (r1 - h)) / w : 0;
  return full + ramp;
}

void Pacer::Refill(int64_t now) {
  if (now <= refilled_at_) return;
  double ms = RampedMs(refilled_at_, now), graph_ms = static_cast<double>(now - refilled_at_);
  for (Bucket* b : {&units_, &writes_}) {
    b->refilled_total += ms * b->Rate();
    b->level = std::min(b->capacity, b->level + ms * b->Rate());
    b->answered = std::min(b->capacity, b->answered + graph_ms * b->Rate());
  }
  refilled_at_ = now;
}

// The reserve is a share of the bucket, but never more than that share of 10 s of refill (0.2 s
// for 2 %): a write quota refilled over 150 s would otherwise keep its last 2 % (3 s of writes)
// idle for the whole run.
double Pacer::ReserveOf(const Bucket& b, double share) { return std::min(share * b.capacity, 10000.0 * share * b.Rate()); }

double Pacer::WaitFor(const Bucket& b, double need, double reserve, double rate) {
  double available = b.level - ReserveOf(b, reserve);
  if (available >= need || rate <= 0) return 0;
  return (need - available) / rate;
}

Pacer::Ticket Pacer::Reserve(const RequestCost& cost, bool low_priority) {
  std::lock_guard lock(mutex_);
  int64_t now = now_ms_();
  Refill(now);
  double reserve = low_priority ? options_.low_priority_reserve : options_.reserve, factor = RampFactor(now);
  double ru_wait = WaitFor(units_, cost.resource_units, reserve, units_.Rate() * factor);
  double write_wait = cost.writes > 0 ? WaitFor(writes_, cost.writes, reserve, writes_.Rate() * factor) : 0;
  double hold_wait = static_cast<double>(std::max<int64_t>(0, hold_until_ - now));
  Ticket t;
  t.epoch = epoch_;
  t.cost = cost;
  double wait = std::max({ru_wait, write_wait, hold_wait});
  t.wait_ms = static_cast<int64_t>(wait + 0.999);
  if (t.wait_ms > 0) t.reason = hold_wait > 0 ? hold_reason_ : write_wait >= ru_wait ? WaitReason::kWriteQuota : WaitReason::kResourceUnits;
  units_.level -= cost.resource_units;
  writes_.level -= cost.writes;
  t.reserved_at = now;
  t.reserve = reserve;
  t.units_after = units_.level;
  t.writes_after = writes_.level;
  t.units_raised = units_.raised_total;
  t.writes_raised = writes_.raised_total;
  t.units_refilled = units_.refilled_total;
  t.writes_refilled = writes_.refilled_total;
  return t;
}

// The level a reservation left, plus what was raised and refilled since (each at the rate of its
// time), against the reserve: the sum WaitFor made at reservation, with what has happened since.
double Pacer::StillToWait(const Bucket& b, double level_after, double raised_then, double refilled_then, double reserve, double rate) {
  if (rate <= 0) return 0;
  double level = level_after + (b.raised_total - raised_then) + (b.refilled_total - refilled_then);
  return std::max(0.0, (ReserveOf(b, reserve) - level) / rate);
}

int64_t Pacer::Remaining(const Ticket& t) {
  std::lock_guard lock(mutex_);
  int64_t now = now_ms_();
  Refill(now);
  if (t.epoch != epoch_) return std::max<int64_t>(0, hold_until_ - now);  // Confirm will say to reserve again
  if (t.reason == WaitReason::kNone) return 0;
  double told = static_cast<double>(std::max<int64_t>(0, t.reserved_at + t.wait_ms - now));
  double factor = RampFactor(now);
  double ru = StillToWait(units_, t.units_after, t.units_raised, t.units_refilled, t.reserve, units_.Rate() * factor);
  double wr = t.cost.writes > 0 ? StillToWait(writes_, t.writes_after, t.writes_raised, t.writes_refilled, t.reserve, writes_.Rate() * factor) : 0;
  double hold = static_cast<double>(std::max<int64_t>(0, hold_until_ - now));
  return static_cast<int64_t>(std::min(told, std::max({ru, wr, hold})) + 0.999);
}

bool Pacer::Confirm(const Ticket& ticket) {
  std::lock_guard lock(mutex_);
  return ticket.epoch == epoch_ && now_ms_() >= hold_until_;
}

void Pacer::OnAnswer(const RequestCost& estimated, std::optional<int> charged, std::optional<double> limit_percentage) {
  std::lock_guard lock(mutex_);
  int64_t now = now_ms_();
  Refill(now);
  int units = charged && *charged >= 0 ? *charged : estimated.resource_units;
  units_.level -= units - estimated.resource_units;  // Graph's own figure replaces the estimate
  units_.answered -= units;
  writes_.answered -= estimated.writes;
  stats_.resource_units += static_cast<uint64_t>(units);
  stats_.writes += static_cast<uint64_t>(estimated.writes);
  // We are at our limit, yet Graph says it is below 80 %: its budget is bigger than assumed.
  if (!limit_percentage) {
    MaybeRaise(units_, now);
    if (estimated.writes > 0) MaybeRaise(writes_, now);
    return;
  }
  // Graph's percentage is that of its most used limit, so no limit of Graph's is fuller than it:
  // a bucket our model has fuller than that (beyond rounding) is bigger at Graph than assumed. This
  // is how a write quota Graph does not enforce is found while the resource units run near their
  // limit (and so keep the percentage header on every answer).
  constexpr double kSlack = 0.02;
  if (units_.AnsweredUsage() > *limit_percentage + kSlack) Raise(units_, now);
  if (estimated.writes > 0 && writes_.AnsweredUsage() > *limit_percentage + kSlack) Raise(writes_, now);
}

void Pacer::MaybeRaise(Bucket& b, int64_t now) {
  if (b.level < 0.1 * b.capacity) Raise(b, now);
}

void Pacer::Raise(Bucket& b, int64_t now) {
  if (b.capacity >= b.ceiling || now - b.raised_at < 1000) return;
  double more = std::min(b.ceiling, b.capacity * b.growth) - b.capacity;
  b.capacity += more;
  b.level += more;  // the room Graph showed is there now, not after a refill
  b.answered += more;
  b.raised_total += more;
  b.raised_at = now;
}

void Pacer::OnThrottled(uint64_t epoch, int64_t retry_after_ms, bool scoped, bool write_limit) {
  std::lock_guard lock(mutex_);
  ++stats_.throttled;
  if (!scoped) return;  // load shedding: only the refused request waits
  int64_t now = now_ms_();
  Refill(now);
  retry_after_ms = std::max<int64_t>(0, retry_after_ms);
  if (epoch != epoch_) {
    // Sent before the current hold began: the same shortage, already answered by the hold.
    hold_until_ = std::max(hold_until_, now + retry_after_ms);
    return;
  }
  ++epoch_;
  ++stats_.scope_holds;
  hold_until_ = now + retry_after_ms;
  hold_reason_ = write_limit ? WaitReason::kWriteQuota : WaitReason::kThrottled;
  // The model let this request through, so Graph's budget is smaller than believed (or shared):
  // a fifth less, down to a floor that still makes progress. At the end of the hold the bucket is
  // at its reserve, as Graph's is just enough for the refused request.
  Bucket& b = write_limit ? writes_ : units_;
  b.capacity = std::max(b.capacity * 0.8, write_limit ? 20.0 : 50.0);
  b.level = ReserveOf(b, options_.reserve) - static_cast<double>(retry_after_ms) * b.Rate();
  b.answered = std::min(b.answered, 0.0);  // Graph just said this limit is reached
  b.raised_at = now;
}

void Pacer::BeginWait(WaitReason reason, int64_t until_ms) {
  std::lock_guard lock(mutex_);
  if (waiters_++ == 0) {
    waiting_since_ = now_ms_();
    waiting_until_ = 0;
  }
  if (until_ms >= waiting_until_) {
    waiting_until_ = until_ms;
    waiting_reason_ = reason;
  }
}

void Pacer::EndWait() {
  std::lock_guard lock(mutex_);
  if (waiters_ > 0 && --waiters_ == 0) stats_.waited_wall_ms += std::max<int64_t>(0, now_ms_() - waiting_since_);
}

Pacer::Waiting Pacer::waiting() const {
  std::lock_guard lock(mutex_);
  if (waiters_ == 0) return {};
  return {waiting_reason_, waiting_until_, waiters_};
}

PacerStats Pacer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

GraphBudget Pacer::learnt() const {
  std::lock_guard lock(mutex_);
  return {units_.capacity, units_.window_ms, writes_.capacity, writes_.window_ms};
}

}  // namespace entragate::graph
