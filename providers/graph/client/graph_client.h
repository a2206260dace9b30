#pragma once
// Microsoft Graph requests as the provider makes them: one retry policy (retry_policy.h), one pacer
// per app + tenant that spends Graph's budget without overrunning it (pacer.h), JSON $batch (docs/graph-behaviour.md §4), paging by @odata.nextLink
// (§3.3), and request accounting for --stats. Below it sits a Transport (one HTTP exchange, no retries of its own beyond a dead keep-alive
// connection); above it the provider builds paths with odata.h.
//
// Economy: every list is paged at whatever $top the caller asks for (pass $top=999 for directory
// collections), first pages and next pages of several collections travel together in $batch
// requests, and a throttled or transient sub-request is retried alone, not with its whole batch.
//
// Secrets: the Authorization header, tokens and request bodies never appear in errors or stats.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "engine/result.h"
#include "net/http_message.h"
#include "providers/graph/client/pacer.h"
#include "providers/graph/client/room.h"
#include "providers/graph/transport/http_transport.h"
#include "providers/graph/transport/retry_policy.h"

namespace entragate::graph {

/// What the caller does with the JSON of the answers. kReadOnce: it reads them on one thread and
/// drops them (e.g. converts assignments to structs), so each HTTP answer is parsed into an arena of
/// its own and freed in one piece. Such values must not be copied or changed on other threads,
/// nor kept: copies of them allocate from that arena, which is not thread-safe.
enum class AnswerUse { kKept, kReadOnce };

struct GraphRequest {
  std::string method;  ///< "GET", "POST", "PATCH", "PUT", "DELETE"
  /// Relative to the version root: "/applications?$select=id", built with odata.h for any data in it.
  std::string path;
  /// Extra headers (Prefer, ConsistencyLevel, If-Match). Authorization, client-request-id,
  /// Content-Type and x-ms-throttle-priority are set by the client.
  net::Headers headers;
  std::optional<boost::json::value> body;  ///< sent as application/json
  /// A write earlier in this run makes a replication failure (404, NoBackingApplicationObject, …)
  /// expected: retry it with backoff for up to RetryLimits::consistency_window_ms.
  bool consistency_expected = false;
  /// Whether sending twice is harmless, so that a request whose outcome is unknown (connection lost,
  /// timeout, 504) may be sent again. Unset: by method — GET, PUT, PATCH and DELETE are, POST is not.
  /// Set true for a POST only when a repeat cannot create a second object; an upsert (PATCH by
  /// alternate key, `Prefer: create-if-missing`) is already idempotent by its key.
  std::optional<bool> idempotent;

  bool IsIdempotent() const;
};

struct GraphResponse {
  int status = 0;
  net::Headers headers;
  boost::json::value body;  ///< parsed JSON; null when empty; a JSON string holding the text otherwise
  std::string request_id;   ///< Graph's request-id (header, else innerError), for Microsoft support
};

struct ClientStats {
  uint64_t http_requests = 0;        ///< HTTP exchanges attempted, $batch envelopes and failed sends included
  uint64_t batches = 0;              ///< $batch envelopes among them
  uint64_t batch_subrequests = 0;    ///< requests sent inside envelopes (a re-sent one counts again)
  uint64_t retries = 0;              ///< re-sends of a request or sub-request the policy decided
  uint64_t throttled_responses = 0;  ///< 429 answers, responses and sub-responses alike
  int64_t throttled_wait_ms = 0;     ///< time spent waiting before sends, summed over senders
  int64_t waited_wall_ms = 0;        ///< wall time during which at least one sender waited
  uint64_t scope_holds = 0;          ///< times a 429 held every sender for its Retry-After
  uint64_t resource_units = 0;       ///< charged by Graph (x-ms-resource-unit; estimated where absent)
  uint64_t writes = 0;               ///< writes Graph accepted (the write quota counts these)
  /// Requests by kind, alone or inside a batch, re-sends included: "GET applications",
  /// "POST servicePrincipals/appRoleAssignedTo", "POST $batch" (ids and keys left out).
  /// The counts add up to http_requests + batch_subrequests.
  std::map<std::string, uint64_t> by_kind;
};

struct GraphClientOptions {
  std::string graph_root;          ///< the version root, e.g. https://graph.microsoft.com/v1.0 (no trailing '/')
  int max_batches_in_flight = 64;  ///< concurrent $batch requests in SendBatch / ListAll (the pacer spends the budget; this hides latency)
  RetryLimits limits;
  /// Graph's budget for this app + tenant (--graph-budget). Unset: the small tier, raised while the
  /// answers show room (x-ms-throttle-limit-percentage absent at our limit).
  std::optional<GraphBudget> budget;
  /// A pacer shared with other clients of the same app + tenant; unset: this client makes its own.
  std::shared_ptr<Pacer> pacer;
  /// Throttling is waited out, however long, until this wall-clock Unix ms; only then is a 429
  /// final. 0: 30 minutes after the client is made. Transient errors keep their attempt limit.
  int64_t deadline_ms = 0;
  /// Wall-clock Unix ms (HTTP-date Retry-After values are absolute). Unset: the system clock.
  std::function<int64_t()> now_ms;
  /// Waits; called from several threads during SendBatch. Unset: std::this_thread::sleep_for.
  std::function<void(int64_t ms)> sleep;
  /// Told why and for how long, just before each wait (for a terminal display), and (kNone, 0)
  /// when it is over — a pacer wait may end sooner than first told, and is slept in slices; optional.
  std::function<void(WaitReason reason, int64_t ms)> on_wait;
  uint64_t jitter_seed = 0;  ///< 0: a random seed, so that separate processes do not retry in step
  /// Called when Graph answers 401 (the token expired or was revoked during a long run): the caller
  /// drops its cached token, and the request is sent once more with a fresh one.
  std::function<void()> on_unauthorized;
};

/// Stats key of a request: the method and the path's named segments, without ids, alternate keys
/// and the query. RequestKind("GET", "/servicePrincipals/{guid}/appRoleAssignedTo?$top=999") ==
/// "GET servicePrincipals/appRoleAssignedTo".
std::string RequestKind(std::string_view method, std::string_view path);

/// A fresh random GUID for the client-request-id header (lower case, canonical form).
std::string NewClientRequestId();

/// Graph's request-id of an answer: the response header, else the error body's innerError.
std::string GraphRequestId(const net::Headers& headers, const boost::json::value& body);

class GraphClient {
 public:
  /// `bearer_token` gives the access token for each HTTP request (the credential caches and
  /// refreshes it); its failure ends the request with that error. Calls to it are serialized.
  GraphClient(Transport& transport, std::function<engine::Result<std::string>()> bearer_token, GraphClientOptions options);
  GraphClient(const GraphClient&) = delete;
  GraphClient& operator=(const GraphClient&) = delete;

  /// The version root requests are sent to (references in request bodies name objects under it).
  const std::string& graph_root() const { return options_.graph_root; }

  /// One request, retried by the policy. A non-2xx final answer is an Error carrying Graph's code,
  /// the status, the request-id and Graph's message. Thread-safe.
  engine::Result<GraphResponse> Send(const GraphRequest& request);

  /// Many independent requests (no dependsOn): packed into $batch requests of at most 20, up to
  /// max_batches_in_flight at once. A sub-request that is throttled or transient is retried on its
  /// own (packed with the other retries) once the largest Retry-After has passed; the rest keep
  /// their answers. A lone request is sent without an envelope. Results are in input order.
  std::vector<engine::Result<GraphResponse>> SendBatch(const std::vector<GraphRequest>& requests, AnswerUse use = AnswerUse::kKept);

  /// Every item of each collection query, following @odata.nextLink to the end. First pages of all
  /// paths travel together in $batch requests, then all second pages, and so on. A path's error
  /// (including a nextLink outside graph_root, which is never followed) fails that path only.
  std::vector<engine::Result<std::vector<boost::json::object>>> ListAll(const std::vector<std::string>& paths, AnswerUse use = AnswerUse::kKept);
  /// ListAll with headers per query (e.g. ConsistencyLevel: eventual), sent again with every page
  /// because Graph does not carry them into next pages. Only GET requests make sense here.
  std::vector<engine::Result<std::vector<boost::json::object>>> ListAllQueries(const std::vector<GraphRequest>& queries,
                                                                               AnswerUse use = AnswerUse::kKept);

  ClientStats stats() const;
  /// True while a LowPriority scope is open: requests go out at low throttle priority.
  bool low_priority() const { return low_priority_scopes_.load() > 0; }
  /// While it lives, every request this client sends is marked `x-ms-throttle-priority: Low` and
  /// keeps the pacer's larger reserve (a drift scan's read). `on` false: a scope that does nothing.
  class LowPriority {
   public:
    LowPriority(GraphClient& client, bool on) : client_(on ? &client : nullptr) {
      if (client_) ++client_->low_priority_scopes_;
    }
    ~LowPriority() {
      if (client_) --client_->low_priority_scopes_;
    }
    LowPriority(const LowPriority&) = delete;
    LowPriority& operator=(const LowPriority&) = delete;

   private:
    GraphClient* client_;
  };
  /// The pacer every request of this client goes through (for progress displays).
  const Pacer& pacer() const { return *pacer_; }

 private:
  /// Where one logical request stands across its attempts.
  struct Progress {
    int attempts = 0;            ///< sends so far
    int64_t started_ms = 0;      ///< first send
    int64_t not_before_ms = 0;   ///< the next send waits until then
    bool token_renewed = false;  ///< a 401 already led to one retry with a fresh token
    int throttled = 0;           ///< 429s among the attempts: they do not count against the limit
    uint64_t epoch = 0;          ///< the pacer's hold generation of the last send
  };

  engine::Result<GraphResponse> SendWithRetry(const GraphRequest& request, Progress& progress, AnswerUse use = AnswerUse::kKept);
  /// One HTTP exchange: adds the headers every request carries (token, client-request-id,
  /// priority) and counts it, with the sub-requests of a $batch envelope.
  engine::Result<net::Response> Exchange(const GraphRequest& request, const std::string& token);
  /// After a failed attempt (non-2xx answer or transport error): asks the policy, and either
  /// schedules the next attempt in `progress` (returning nothing) or returns the final error.
  std::optional<engine::Error> AfterFailure(const GraphRequest& request, const engine::Result<GraphResponse>& answer, Progress& progress);

  /// Sleeps until `not_before_ms`, then until the pacer has room for `cost`.
  Pacer::Ticket WaitTurn(int64_t not_before_ms, const RequestCost& cost);
  void Wait(int64_t ms, WaitReason reason);
  /// Waits out a pacer ticket in slices, ending early when the pacer's budget grew meanwhile.
  void WaitTicket(const Pacer::Ticket& ticket);
  /// Tells the pacer what Graph said about one answered request (or sub-request).
  void Learn(const GraphResponse& answer, const RequestCost& cost, uint64_t epoch);
  engine::Result<std::string> Token();
  uint64_t NextJitterSeed();
  void Count(const std::function<void(ClientStats&)>& update);

  /// SendBatch: one envelope (or one plain request) for the pending inputs `members`.
  void SendGroup(const std::vector<GraphRequest>& requests, const std::vector<size_t>& members, std::vector<Progress>& progress,
                 std::vector<std::optional<engine::Result<GraphResponse>>>& results, AnswerUse use);
  void RunBounded(size_t count, const std::function<void(size_t)>& work) const;
  /// ListAll: the path of the page an @odata.nextLink points to, relative to graph_root.
  engine::Result<std::string> NextPage(const GraphRequest& query, const std::string& link) const;

  Transport& transport_;
  std::function<engine::Result<std::string>()> bearer_token_;
  GraphClientOptions options_;
  std::atomic<int> low_priority_scopes_{0};
  std::mutex token_mutex_;
  mutable std::mutex stats_mutex_;
  ClientStats stats_;
  std::shared_ptr<Pacer> pacer_;
  std::atomic<uint64_t> jitter_counter_{0};
};

}  // namespace entragate::graph
