#pragma once
// A transport for tests that passes every request on and keeps a copy, so a test can check what
// was sent (a $batch envelope's body names its sub-requests). Thread-safe.

#include <mutex>
#include <utility>
#include <vector>

#include "providers/graph/transport/http_transport.h"

namespace entragate::testing {

class RecordingTransport : public graph::Transport {
 public:
  explicit RecordingTransport(graph::Transport& next) : next_(next) {}
  engine::Result<net::Response> Send(const net::Request& request) override {
    {
      std::lock_guard lock(mutex_);
      sent_.push_back(request);
    }
    return next_.Send(request);
  }
  /// What was sent since the last Take, in order.
  std::vector<net::Request> Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(sent_, {});
  }

 private:
  graph::Transport& next_;
  std::mutex mutex_;
  std::vector<net::Request> sent_;
};

}  // namespace entragate::testing
