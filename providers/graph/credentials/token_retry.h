#pragma once
// Token requests (the identity platform, managed-identity endpoints, GitHub's ID-token endpoint)
// retried by the one retry policy (retry_policy.h): throttling, 5xx gateway answers and connection
// failures are transient. A client-credentials token request can be sent again safely.

#include <cstdint>
#include <functional>
#include <set>

#include "engine/result.h"
#include "net/http_message.h"
#include "providers/graph/credentials/room.h"
#include "providers/graph/transport/http_transport.h"
#include "providers/graph/transport/retry_policy.h"

namespace entragate::graph {

struct TokenRetry {
  /// Statuses this endpoint uses for "try again shortly" beyond 429/503/504 (IMDS: 404 and 410
  /// while it updates, 500; docs/graph-behaviour.md §8.1).
  std::set<int> also_transient;
  RetryLimits limits{5, 60000, 500, 10000, 0};
  std::function<void(int64_t ms)> sleep;  ///< unset: the thread sleeps
  std::function<int64_t()> now_ms;        ///< unset: the system clock
};

/// Sends `request`, retrying transient failures as the policy decides; returns the last answer (any
/// status) or the last transport error.
engine::Result<net::Response> SendTokenRequest(Transport& transport, const net::Request& request, const TokenRetry& retry = {});

/// The managed-identity flavour: IMDS's documented transient statuses included.
TokenRetry ImdsRetry();

}  // namespace entragate::graph
