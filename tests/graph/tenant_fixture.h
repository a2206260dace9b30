#pragma once
// An in-process local tenant (plain http on loopback) with the operator's token, a real transport,
// and the admin API (faults, stats), plus Graph clients on it — for the Graph client tests that
// need a real Graph to talk to.

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include <boost/json.hpp>

#include "providers/graph/client/graph_client.h"
#include "tests/emulator/http_tenant.h"

namespace entragate::testing {

/// The emulator tests' tenant (tests/emulator/http_tenant.h) with the operator's token fetched up front.
struct TenantFixture : Tenant {
  TenantFixture() { token = OperatorToken(); }

  /// A client with the given options; graph_root and the token are filled in.
  std::unique_ptr<graph::GraphClient> Client(graph::GraphClientOptions options = {}) {
    options.graph_root = e().graph;
    if (options.jitter_seed == 0) options.jitter_seed = 11;
    std::string bearer = token;
    return std::make_unique<graph::GraphClient>(
        *http, [bearer]() -> engine::Result<std::string> { return bearer; }, options);
  }

  struct Counts {
    uint64_t requests = 0, subrequests = 0, throttled = 0, unavailable = 0;
  };
  Counts Stats() {
    boost::json::object s = Admin("GET", "stats");
    const auto& f = s.at("faults");
    return {s.at("requests").to_number<uint64_t>(), s.at("batchSubrequests").to_number<uint64_t>(), f.at("throttled").to_number<uint64_t>(),
            f.at("unavailable").to_number<uint64_t>()};
  }
};

}  // namespace entragate::testing
