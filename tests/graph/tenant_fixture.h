#pragma once
// An in-process local tenant (plain http on loopback) with the operator's token, a real transport,
// and the admin API (faults, stats) — for the Graph client tests that need a real Graph to talk to.

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include <boost/json.hpp>

#include "emulator/local_tenant.h"
#include "providers/graph/graph_client.h"
#include "providers/graph/http_transport.h"

namespace entragate::testing {

struct TenantFixture {
  std::string dir;
  std::unique_ptr<emulator::LocalTenant> tenant;
  std::unique_ptr<graph::Transport> http;
  std::string token;

  TenantFixture() {
    static int n = 0;
    dir = (std::filesystem::temp_directory_path() / ("entragate-gc-" + std::to_string(::getpid()) + "-" + std::to_string(n++))).string();
    std::filesystem::remove_all(dir);
    emulator::LocalTenantOptions options;
    options.state_dir = dir;
    auto started = emulator::LocalTenant::Start(options);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    tenant = std::move(started).value();
    http = graph::MakeHttpTransport({});
    token = FetchToken();
  }
  ~TenantFixture() {
    tenant->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  const emulator::LocalTenantEndpoints& e() const { return tenant->endpoints(); }

  std::string FetchToken() {
    net::Request r{"POST", e().authority + "/" + e().tenant_id + "/oauth2/v2.0/token",
                   {{"Content-Type", "application/x-www-form-urlencoded"}},
                   net::EncodeForm({{"client_id", e().client_id}, {"client_secret", e().client_secret},
                                    {"scope", "https://graph.microsoft.com/.default"}, {"grant_type", "client_credentials"}}),
                   ""};
    auto sent = http->Send(r);
    REQUIRE(sent.ok());
    REQUIRE_MESSAGE(sent->status == 200, sent->body);
    return std::string(boost::json::parse(sent->body).at("access_token").as_string());
  }

  /// A client with the given options; graph_root and the token are filled in.
  std::unique_ptr<graph::GraphClient> Client(graph::GraphClientOptions options = {}) {
    options.graph_root = e().graph;
    if (options.jitter_seed == 0) options.jitter_seed = 11;
    std::string bearer = token;
    return std::make_unique<graph::GraphClient>(*http, [bearer]() -> engine::Result<std::string> { return bearer; }, options);
  }

  boost::json::object Admin(const std::string& method, const std::string& path, const boost::json::value& body = nullptr) {
    net::Request r{method, e().authority + "/_emulator/" + path, {{"X-Emulator-Key", e().admin_key}},
                   body.is_null() ? "" : boost::json::serialize(body), ""};
    if (!r.body.empty()) r.headers["Content-Type"] = "application/json";
    auto sent = http->Send(r);
    REQUIRE(sent.ok());
    REQUIRE_MESSAGE(sent->status < 300, sent->body);
    return boost::json::parse(sent->body).as_object();
  }

  struct Counts {
    uint64_t requests = 0, subrequests = 0, throttled = 0, unavailable = 0;
  };
  Counts Stats() {
    boost::json::object s = Admin("GET", "stats");
    const auto& f = s.at("faults");
    return {s.at("requests").to_number<uint64_t>(), s.at("batchSubrequests").to_number<uint64_t>(),
            f.at("throttled").to_number<uint64_t>(), f.at("unavailable").to_number<uint64_t>()};
  }
};

}  // namespace entragate::testing
