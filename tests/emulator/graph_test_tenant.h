#pragma once
// A seeded store and a GraphService with a stand-in authenticator, served over real HTTP on a
// loopback port and called through the provider's transport. Tokens are names: "operator" holds every Graph permission the operator app has,
// "reader" only Application.Read.All, "noroles" none; anything else is refused.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <doctest/doctest.h>

#include "emulator/graph/graph_service.h"
#include "emulator/http_server.h"
#include "providers/graph/transport/http_transport.h"
#include "emulator/seed.h"

namespace entragate::emulator::testing {

namespace json = boost::json;

struct Reply {
  int status = 0;
  json::value body;
  net::Headers headers;
  std::string text;
  const json::object& obj() const { return body.as_object(); }
  std::string error_code() const { return std::string(body.at("error").at("code").as_string()); }
  std::string error_message() const { return std::string(body.at("error").at("message").as_string()); }
};

/// Tests write queries as a person reads them ($filter=displayName eq 'x'); on the wire, the
/// characters a URL cannot carry are percent-encoded, as any client does.
inline std::string EncodeForUrl(const std::string& target) {
  static const std::string kUnsafe = " \"<>{}|\\^`#";
  std::string out;
  for (unsigned char c : target) {
    if (c >= 0x80 || c < 0x20 || kUnsafe.find(static_cast<char>(c)) != std::string::npos)
      out += fmt::format("%{:02X}", static_cast<unsigned>(c));
    else
      out += static_cast<char>(c);
  }
  return out;
}

class GraphTestTenant {
 public:
  /// `tweak` may change the service's options (e.g. a fault hook) before it starts.
  explicit GraphTestTenant(const std::string& seed_file = "", const std::function<void(GraphServiceOptions&)>& tweak = {}) {
    dir_ = std::filesystem::temp_directory_path() / ("entragate-graph-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(dir_);
    auto opened = DirectoryStore::Open(dir_.string());
    REQUIRE(opened.ok());
    store_ = std::move(opened).value();
    auto seeded = SeedTenant(*store_, seed_file);
    REQUIRE_MESSAGE(seeded.ok(), (seeded.ok() ? "" : seeded.error().message));
    summary_ = seeded.value();
    GraphServiceOptions options;
    options.base_url = "https://graph.test";
    options.now_ms = [this] { return now_ms_.load(); };
    options.authenticate = [](std::string_view token, std::string& why) -> std::optional<GraphCaller> {
      if (token == "operator")
        return GraphCaller{
            "op", "op", {"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "Directory.Read.All", "User.Read.All", "Group.Read.All"}};
      if (token == "reader") return GraphCaller{"rd", "rd", {"Application.Read.All"}};
      if (token == "noroles") return GraphCaller{"nr", "nr", {}};
      why = "Access token validation failure. Invalid audience.";
      return std::nullopt;
    };
    if (tweak) tweak(options);
    service_ = std::make_unique<GraphService>(*store_, options);
    GraphService* service = service_.get();
    auto server = HttpServer::Start({}, [service](const net::Request& r) { return HandlerResult{service->Handle(r), {}}; });
    REQUIRE(server.ok());
    server_ = std::move(server).value();
    transport_ = graph::MakeHttpTransport({});
  }
  explicit GraphTestTenant(const std::function<void(GraphServiceOptions&)>& tweak) : GraphTestTenant("", tweak) {}
  ~GraphTestTenant() {
    server_->Stop();
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "", const std::string& token = "operator",
             net::Headers extra = {}) {
    net::Request r;
    r.method = method;
    r.target = target.rfind("/v1.0", 0) == 0 ? target : "/v1.0" + target;
    r.body = body;
    r.headers = std::move(extra);
    if (!token.empty()) r.headers["Authorization"] = "Bearer " + token;
    if (!body.empty()) r.headers["Content-Type"] = "application/json";
    r.target = "http://127.0.0.1:" + std::to_string(server_->port()) + EncodeForUrl(r.target);
    auto sent = transport_->Send(r);
    REQUIRE_MESSAGE(sent.ok(), (sent.ok() ? "" : sent.error().message));
    net::Response resp = sent.value();
    Reply out{resp.status, nullptr, resp.headers, resp.body};
    if (!resp.body.empty()) {
      boost::system::error_code ec;
      out.body = json::parse(resp.body, ec);
      if (ec) out.body = nullptr;
    }
    return out;
  }
  Reply Get(const std::string& t, const std::string& token = "operator") { return Call("GET", t, "", token); }
  Reply Post(const std::string& t, const json::object& b) { return Call("POST", t, json::serialize(b)); }
  Reply Patch(const std::string& t, const json::object& b, net::Headers h = {}) {
    return Call("PATCH", t, json::serialize(b), "operator", std::move(h));
  }
  Reply Delete(const std::string& t) { return Call("DELETE", t); }

  /// Creates an app through Graph and returns it.
  json::object CreateApp(const std::string& name, json::object extra = {}) {
    extra["displayName"] = name;
    Reply r = Post("/applications", extra);
    REQUIRE_MESSAGE(r.status == 201, r.text);
    return r.obj();
  }
  json::object CreateSp(const std::string& app_id) {
    Reply r = Post("/servicePrincipals", json::object{{"appId", app_id}});
    REQUIRE_MESSAGE(r.status == 201, r.text);
    return r.obj();
  }
  std::string SpIdByName(const std::string& name) {
    Reply r = Get("/servicePrincipals?$filter=displayName eq '" + name + "'&$select=id");
    REQUIRE(r.status == 200);
    REQUIRE(r.obj().at("value").as_array().size() == 1);
    return std::string(r.obj().at("value").as_array()[0].at("id").as_string());
  }

  void AdvanceMs(int64_t ms) { now_ms_ += ms; }
  GraphService& service() { return *service_; }
  DirectoryStore& store() { return *store_; }
  const SeedSummary& summary() const { return summary_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<DirectoryStore> store_;
  std::unique_ptr<GraphService> service_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<graph::Transport> transport_;
  SeedSummary summary_;
  std::atomic<int64_t> now_ms_{1'000'000};
};

inline json::object Role(const std::string& id, const std::string& value, bool enabled = true, json::array types = json::array{"Application"}) {
  return json::object{
      {"id", id}, {"value", value}, {"displayName", value}, {"description", value}, {"allowedMemberTypes", std::move(types)}, {"isEnabled", enabled}};
}

}  // namespace entragate::emulator::testing
