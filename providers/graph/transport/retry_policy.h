#pragma once
// The one retry policy for Microsoft Graph (house style: transient → backoff, explicit wait → wait,
// terminal → stop). Pure: it reads no clock and never sleeps; the caller passes the times in and
// does the waiting, so every rule is a unit test (docs/graph-behaviour.md §5, §6).
//
// Rules, in the order Decide applies them:
//  1. success (2xx/3xx)                       → stop
//  2. 429                                      → wait Retry-After when present (decimal seconds or
//     HTTP-date), else jittered exponential backoff; throttling is never a reason to give up, so
//     there is no attempt limit: stop only when the wait would pass the run's deadline (without a
//     deadline, a 429 is bounded like rule 5)
//  3. the attempt limit is reached (429s not counted) → stop
//  4. outcome unknown on a non-idempotent request (transport error, 504) → stop: a POST that may
//     have been executed is never sent twice (it could create a second object)
//  5. 503, 504, transport error                → wait Retry-After when present, else backoff; stop
//     when the wait would pass the total budget
//  6. a replication failure (404, NoBackingApplicationObject, the 403 "backing application" refusal,
//     "Permission being assigned was not found") → backoff within the consistency window, but ONLY
//     when a preceding write makes it expected; otherwise it is a real answer
//  7. everything else                          → stop

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/graph/transport/room.h"

namespace entragate::graph {

/// One finished attempt of one request, as the policy needs to see it.
struct Attempt {
  int number = 1;                          ///< 1-based: 1 is the first send
  int throttled_attempts = 0;              ///< how many of the `number` attempts were answered 429
  int64_t deadline_ms = 0;                 ///< the run's deadline, same clock; 0: none
  std::optional<int> http_status;          ///< unset when no response arrived
  bool transport_error = false;            ///< connection failure or timeout: the outcome is unknown
  std::string graph_code;                  ///< error.code of the body ("TooManyRequests", "Request_BadRequest")
  std::vector<std::string> detail_codes;   ///< error.details[].code ("NoBackingApplicationObject")
  std::string message;                     ///< error.message (matched only for the two code-less cases)
  std::optional<std::string> retry_after;  ///< the Retry-After header as received
  int64_t now_ms = 0;                      ///< wall-clock Unix ms when the answer arrived (HTTP-dates are absolute)
  int64_t started_ms = 0;                  ///< when attempt 1 was sent, same clock
  /// A preceding write in this run makes a replication failure expected: 404 /
  /// NoBackingApplicationObject / the 403 backing-application refusal / "Permission being
  /// assigned was not found". Without it those are real answers and are not retried.
  bool consistency_expected = false;
  /// Sending the request twice has the effect of sending it once. GET, PUT, DELETE and PATCH are;
  /// a POST that creates is not. An upsert (PATCH by alternate key with Prefer:
  /// create-if-missing) is idempotent by its key; callers may mark such requests safe.
  bool idempotent = true;
};

struct RetryLimits {
  int max_attempts = 8;                   ///< sends in total, the first included; 429s not counted
  int64_t max_total_wait_ms = 120000;     ///< from the first send until the retry is sent
  int64_t base_delay_ms = 500;            ///< backoff after the first failure
  int64_t max_delay_ms = 30000;           ///< cap of one backoff step
  int64_t consistency_window_ms = 60000;  ///< replication waits stop here (docs/graph-behaviour.md §6: tens of seconds)
};

struct Decision {
  bool retry = false;
  int64_t delay_ms = 0;  ///< wait before the next attempt, from Attempt::now_ms
  std::string reason;    ///< for logs and error messages, e.g. "throttled (429): Retry-After 2.128 s"
};

/// What to do after `attempt`. `jitter_seed` makes the backoff jitter reproducible; give each
/// request's attempts different seeds so that concurrent retries spread out.
Decision Decide(const Attempt& attempt, const RetryLimits& limits, uint64_t jitter_seed);

/// Retry-After as a wait in ms from `now_ms`: decimal seconds ("10", "2.128", rounded up to whole
/// ms) or an IMF-fixdate HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT"; a date in the past is 0).
/// Unset for anything else, which the policy then treats as absent.
std::optional<int64_t> ParseRetryAfterMs(std::string_view value, int64_t now_ms);

/// Whether the answer is one of the replication failures of docs/graph-behaviour.md §6 (rule 5 above).
bool IsConsistencyFailure(const Attempt& attempt);

}  // namespace entragate::graph
