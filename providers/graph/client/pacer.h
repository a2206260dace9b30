#pragma once
// Pacing to Microsoft Graph's budget (docs/graph-behaviour.md §5.3): one Pacer per Graph scope (app + tenant),
// shared by every thread that sends. It mirrors Graph's two buckets — resource units and the write
// quota — spends them a little below the limit so that 429s are the exception, learns the real
// budget from the answers (x-ms-resource-unit, x-ms-throttle-limit-percentage, 429s), and on a 429
// that names the scope holds the scope once for the Retry-After, then ramps back up.
//
// Pure: it reads the clock it is given and never sleeps. Senders ask Reserve how long to wait,
// wait, then Confirm; a 429 meanwhile voids the reservation and they reserve again, so a burst of
// 429s cannot turn into a burst of resends.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "providers/graph/client/room.h"

namespace entragate::graph {

/// Graph's identity-service limits for one app + tenant pair.
struct GraphBudget {
  double resource_units = 3500;
  int64_t ru_window_ms = 10000;
  double writes = 3000;
  int64_t write_window_ms = 150000;
};

/// --graph-budget: small (<50 users, 3,500 RU / 10 s), medium (5,000), large (8,000); the write
/// quota is 3,000 / 150 s in all three. Unset for anything else.
std::optional<GraphBudget> GraphBudgetPreset(std::string_view name);

/// The budget of a tenant that enforces no limits (the local tenant unless it was given some):
/// buckets too large to empty, so nothing waits but for a 429.
GraphBudget UnmeteredBudget();

/// What one request costs, as Graph charges it (docs/graph-behaviour.md §5.3).
struct RequestCost {
  int resource_units = 1;
  int writes = 0;  ///< a $batch envelope carries several
};

/// The cost of `method path` by Graph's table: base costs, $select −1, $expand +1, $top < 20 −1,
/// never below 1; every POST/PATCH/PUT/DELETE but the read-only actions is a write.
RequestCost EstimateCost(std::string_view method, std::string_view path);

enum class WaitReason { kNone, kResourceUnits, kWriteQuota, kThrottled };

/// For the terminal: "Graph write quota", "Graph resource units", "Graph throttling (429)".
std::string_view Describe(WaitReason reason);

struct PacerStats {
  int64_t waited_wall_ms = 0;   ///< time at least one sender was waiting (not summed over senders)
  uint64_t throttled = 0;       ///< 429s received
  uint64_t scope_holds = 0;     ///< times the scope was held for a Retry-After
  uint64_t resource_units = 0;  ///< charged, as Graph reported it (estimated when it did not)
  uint64_t writes = 0;          ///< writes Graph took (not refused)
};

struct PacerOptions {
  GraphBudget budget;
  /// The budget came from the user (--graph-budget): it is not raised when the answers suggest more.
  bool budget_given = false;
  /// Spend down to this share of each bucket (at most that share of 10 s of refill) and no further,
  /// so that the request that would hit the limit waits instead. Low-priority work keeps a larger
  /// reserve (capped the same way) and so waits first. Small, because Graph's own x-ms-resource-unit
  /// corrects each estimate: on a run of a few seconds the reserve is most of the time lost to it.
  double reserve = 0.02;
  double low_priority_reserve = 0.25;
};

class Pacer {
 public:
  Pacer(PacerOptions options, std::function<int64_t()> now_ms);

  struct Ticket {
    int64_t wait_ms = 0;  ///< wait this long, then Confirm
    uint64_t epoch = 0;   ///< the hold generation it was reserved in
    RequestCost cost;
    WaitReason reason = WaitReason::kNone;
    int64_t reserved_at = 0;
    double reserve = 0;                              ///< the share of each bucket it leaves alone
    double units_after = 0, writes_after = 0;        ///< the bucket levels this reservation left
    double units_raised = 0, writes_raised = 0;      ///< how much the budgets had been raised by then
    double units_refilled = 0, writes_refilled = 0;  ///< and refilled
  };
  /// Takes `cost` from the buckets (they may go into debt: later senders queue behind).
  Ticket Reserve(const RequestCost& cost, bool low_priority);
  /// How much longer `ticket` must wait now: less than it was told when the budget was raised
  /// meanwhile (Graph showed more room), so that queued senders need not sleep out a wait
  /// computed for a smaller budget. Never more than at reservation, except behind a hold.
  int64_t Remaining(const Ticket& ticket);
  /// True: send now. False: a 429 held the scope after the reservation; reserve again.
  bool Confirm(const Ticket& ticket);

  /// A non-429 answer to a request reserved with `estimated`, with what Graph said it charged and
  /// how close to the limit it is (x-ms-throttle-limit-percentage; unset below 80 %).
  void OnAnswer(const RequestCost& estimated, std::optional<int> charged, std::optional<double> limit_percentage);
  /// A 429. `scoped`: it names this app + tenant's limit (x-ms-throttle-scope), so every sender
  /// must wait; otherwise it is load shedding and only that request waits. `write_limit`: the
  /// write quota, not the resource units, ran out. `epoch`: of the ticket the request was sent on.
  void OnThrottled(uint64_t epoch, int64_t retry_after_ms, bool scoped, bool write_limit);

  /// Brackets a sender's wait, for PacerStats::waited_wall_ms.
  void BeginWait(WaitReason reason, int64_t until_ms);
  void EndWait();

  struct Waiting {
    WaitReason reason = WaitReason::kNone;
    int64_t until_ms = 0;  ///< the latest any sender waits until
    int senders = 0;
  };
  Waiting waiting() const;
  PacerStats stats() const;
  GraphBudget learnt() const;  ///< the budget as the pacer now believes it

 private:
  struct Bucket {
    double capacity = 0, level = 0;  ///< level < 0: reserved ahead of the refill
    int64_t window_ms = 1;
    double ceiling = 0;         ///< the most the capacity may be raised to
    double growth = 1.1;        ///< by this factor at a time
    int64_t raised_at = 0;      ///< once a second at most
    double raised_total = 0;    ///< every raise so far, for tickets reserved before one
    double refilled_total = 0;  ///< every refill so far (at the rate of its time), likewise
    /// The bucket as Graph sees it by our model: only what it answered is charged, and it refills at
    /// Graph's full rate (no ramp). Set against Graph's x-ms-throttle-limit-percentage.
    double answered = 0;
    double AnsweredUsage() const { return capacity > 0 ? 1.0 - answered / capacity : 0; }
    double Rate() const { return capacity / static_cast<double>(window_ms); }
  };
  void Refill(int64_t now);
  double RampFactor(int64_t now) const;
  double RampedMs(int64_t from, int64_t to) const;
  static double WaitFor(const Bucket& b, double need, double reserve, double rate);
  static void MaybeRaise(Bucket& b, int64_t now);
  static void Raise(Bucket& b, int64_t now);
  static double ReserveOf(const Bucket& b, double share);
  static double StillToWait(const Bucket& b, double level_after, double raised_then, double refilled_then, double reserve, double rate);

  mutable std::mutex mutex_;
  PacerOptions options_;
  std::function<int64_t()> now_ms_;
  Bucket units_, writes_;
  int64_t refilled_at_ = 0;
  uint64_t epoch_ = 0;
  int64_t hold_until_ = 0;
  WaitReason hold_reason_ = WaitReason::kNone;
  int waiters_ = 0;
  int64_t waiting_since_ = 0, waiting_until_ = 0;
  WaitReason waiting_reason_ = WaitReason::kNone;
  PacerStats stats_;
};

}  // namespace entragate::graph
