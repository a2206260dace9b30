#pragma once
// A local tenant started in-process on a fresh state directory and reached over real HTTP(S) with
// the provider's transport: the operator's Graph token, Graph calls and the admin API. The one
// tenant fixture of the emulator and Graph client tests (tests/graph/tenant_fixture.h adds clients).
// The state directory is removed with the fixture unless KeepState() hands it to a restart.

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include <boost/json.hpp>

#include "crypto/jwt.h"
#include "emulator/local_tenant.h"
#include "providers/graph/transport/http_transport.h"

namespace entragate::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

struct Tenant {
  std::string dir;
  std::unique_ptr<emulator::LocalTenant> tenant;
  std::unique_ptr<graph::Transport> http;
  std::string token;

  explicit Tenant(emulator::LocalTenantOptions options = {}, std::string state = "") {
    static int n = 0;  // one process runs many tenants
    dir = state.empty() ? (fs::temp_directory_path() / ("entragate-lt-" + std::to_string(::getpid()) + "-" + std::to_string(n++))).string() : state;
    if (state.empty()) fs::remove_all(dir);
    options.state_dir = dir;
    auto started = emulator::LocalTenant::Start(options);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    tenant = std::move(started).value();
    graph::TransportOptions t;
    if (!e().ca_file.empty()) t.ca_file = e().ca_file;
    http = graph::MakeHttpTransport(t);
  }
  Tenant(const Tenant&) = delete;
  Tenant& operator=(const Tenant&) = delete;
  ~Tenant() {
    if (tenant) tenant->Stop();
    tenant.reset();
    std::error_code ec;
    if (!keep_) fs::remove_all(dir, ec);
  }
  /// The state directory, left in place for a Tenant({}, dir) that restarts on it (and then owns it).
  std::string KeepState() {
    keep_ = true;
    return dir;
  }
  const emulator::LocalTenantEndpoints& e() const { return tenant->endpoints(); }

  net::Response Send(const std::string& method, const std::string& url, const std::string& body = "", net::Headers headers = {}) {
    net::Request r{method, url, std::move(headers), body, ""};
    if (!body.empty() && !r.headers.count("Content-Type")) r.headers["Content-Type"] = "application/json";
    auto sent = http->Send(r);
    REQUIRE_MESSAGE(sent.ok(), (sent.ok() ? "" : sent.error().message));
    return sent.value();
  }
  net::Response TokenRequest(const std::string& client_id, const std::string& secret, const std::string& scope) {
    return Send("POST", e().authority + "/" + e().tenant_id + "/oauth2/v2.0/token",
                net::EncodeForm({{"client_id", client_id}, {"client_secret", secret}, {"scope", scope}, {"grant_type", "client_credentials"}}),
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  }
  std::string OperatorToken() {
    if (token.empty()) {
      net::Response r = TokenRequest(e().client_id, e().client_secret, "https://graph.microsoft.com/.default");
      REQUIRE_MESSAGE(r.status == 200, r.body);
      token = std::string(json::parse(r.body).at("access_token").as_string());
    }
    return token;
  }
  net::Response Graph(const std::string& method, const std::string& path, const json::value& body = nullptr, net::Headers headers = {}) {
    headers["Authorization"] = "Bearer " + OperatorToken();
    return Send(method, e().graph + path, body.is_null() ? "" : json::serialize(body), std::move(headers));
  }
  json::object Admin(const std::string& method, const std::string& path, const json::value& body = nullptr) {
    net::Response r =
        Send(method, e().authority + "/_emulator/" + path, body.is_null() ? "" : json::serialize(body), {{"X-Emulator-Key", e().admin_key}});
    REQUIRE_MESSAGE(r.status < 300, r.body);
    return json::parse(r.body).as_object();
  }

 private:
  bool keep_ = false;
};

inline json::object Claims(const std::string& jwt) { return crypto::DecodeJwt(jwt).value().payload; }

}  // namespace entragate::testing
