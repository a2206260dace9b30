#pragma once
// Microsoft Graph v1.0 for the resources entragate manages, over the directory store: routing,
// authorization by the caller's app roles, query options, $batch, Graph's rules and errors, and
// request accounting. Pure request → response: the HTTP server and fault injection sit outside.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <boost/json/object.hpp>

#include "emulator/store/directory_store.h"
#include "emulator/graph/graph_errors.h"
#include "emulator/graph/graph_limits.h"
#include "emulator/identity/token_directory.h"
#include "net/http_message.h"
#include "emulator/graph/room.h"

namespace entragate::emulator {

/// Who is calling, from a verified access token for Microsoft Graph.
struct GraphCaller {
  std::string app_id;
  std::string object_id;
  std::set<std::string> roles;  ///< Graph application permissions, e.g. Application.ReadWrite.All
};

struct GraphServiceOptions {
  std::string base_url;  ///< scheme://host:port; Graph lives under base_url + "/v1.0"
  /// Verifies a bearer token for Graph; on failure returns nullopt and sets `why` to Graph's message.
  std::function<std::optional<GraphCaller>(std::string_view token, std::string& why)> authenticate;
  std::function<int64_t()> now_ms;  ///< monotonic enough for replication-lag windows
  std::function<int64_t()> now_s;   ///< the tenant's unix seconds (deletedDateTime, the 30-day purge); the machine's when empty
  /// Graph's limits and fault injection: may refuse a request (or a $batch sub-request) with
  /// 429/503/504 before it runs; its headers go on the answer either way. The charge names the
  /// caller's app; the tenant is the admitter's to add.
  std::function<Admission(const net::Request&, const LimitCharge&)> admit;
};

struct GraphStats {
  uint64_t requests = 0;  ///< HTTP requests; a $batch counts once
  uint64_t batch_subrequests = 0;
  uint64_t writes = 0;                       ///< successful POST/PATCH/DELETE, inside batches too
  uint64_t resource_units = 0;               ///< docs/graph-behaviour.md §5.3 costs
  std::map<std::string, uint64_t> by_route;  ///< "GET /applications" → count
};

class GraphService {
 public:
  GraphService(DirectoryStore& store, GraphServiceOptions options);

  /// Handles one request whose target starts with /v1.0.
  net::Response Handle(const net::Request& request);

  GraphStats Stats() const;
  void ResetStats();
  /// For this long after a write, reads may miss the written object (docs/graph-behaviour.md §6).
  void SetReplicationLagMs(int64_t ms) { lag_ms_ = ms; }
  int64_t replication_lag_ms() const { return lag_ms_; }

  /// The resource-unit cost of a request (docs/graph-behaviour.md §5.3), for throttling budgets.
  static int ResourceUnits(std::string_view method, std::string_view route, bool has_select, bool has_expand, int top);

 private:
  struct Ids {
    std::string request_id, client_request_id;
  };
  net::Response Dispatch(const net::Request& request, const GraphCaller& caller, bool in_batch, const Ids& ids);
  net::Response HandleBatch(const net::Request& request, const GraphCaller& caller, const Ids& ids);
  void Count(const std::string& route, std::string_view method, bool ok, int units, bool in_batch);

  DirectoryStore& store_;
  GraphServiceOptions options_;
  std::atomic<int64_t> lag_ms_{0};
  mutable std::mutex stats_mutex_;
  GraphStats stats_;
};

}  // namespace entragate::emulator
