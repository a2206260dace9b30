#pragma once
// Shared fixtures for the credential tests: an in-process local tenant over HTTPS, a stand-in
// external identity provider (OIDC discovery, JWKS and a GitHub Actions ID-token endpoint) over
// HTTPS with its own CA, a transport that counts requests, and an environment built from a map so
// no test touches the real process environment.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/json.hpp>

#include "crypto/hash.h"
#include "crypto/jwt.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "emulator/http_server.h"
#include "emulator/local_tenant.h"
#include "providers/graph/credentials/credential.h"
#include "providers/graph/transport/http_transport.h"

namespace entragate::graph::testing {

namespace json = boost::json;
namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() / ("entragate-cred-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  std::string Write(const std::string& name, const std::string& content) const {
    const fs::path file = path_ / name;
    std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
    return file.string();
  }

 private:
  fs::path path_;
};

inline std::int64_t Now() { return SystemNow(); }

inline crypto::CertSpec SpecFor(const std::string& cn, std::vector<std::string> ips = {}) {
  crypto::CertSpec spec;
  spec.common_name = cn;
  spec.not_before = Now() - 3600;
  spec.not_after = Now() + 86400;
  spec.ip_addresses = std::move(ips);
  return spec;
}

/// Counts what passes through, so tests can tell whether a token was served from a cache.
class CountingTransport : public Transport {
 public:
  explicit CountingTransport(Transport& inner) : inner_(inner) {}
  engine::Result<net::Response> Send(const net::Request& request) override {
    ++count_;
    return inner_.Send(request);
  }
  int count() const { return count_; }

 private:
  Transport& inner_;
  std::atomic<int> count_{0};
};

/// Answers every request with a fixed response; records the last request.
class CannedTransport : public Transport {
 public:
  explicit CannedTransport(net::Response response) : response_(std::move(response)) {}
  engine::Result<net::Response> Send(const net::Request& request) override {
    std::lock_guard lock(mutex_);
    last_ = request;
    return response_;
  }
  net::Request last() const {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  net::Response response_;
  mutable std::mutex mutex_;
  net::Request last_;
};

/// An external OpenID Connect issuer (a Kubernetes cluster, GitHub Actions) over HTTPS:
///   GET /.well-known/openid-configuration, GET /jwks, and the GitHub Actions ID-token endpoint
///   GET /idtoken?api-version=2.0&audience=… (Authorization: bearer {kRequestToken}).
class StandInIssuer {
 public:
  static constexpr const char* kRequestToken = "gh-request-token-5f1e9c";
  static constexpr const char* kGitHubSubject = "repo:contoso/payroll:ref:refs/heads/main";
  static constexpr const char* kKid = "stand-in-key-1";

  StandInIssuer() {
    key_ = crypto::GenerateRsaKey().value();
    crypto::PKey ca_key = crypto::GenerateRsaKey().value();
    crypto::Certificate ca = crypto::CreateCaCert(ca_key, SpecFor("stand-in issuer CA")).value();
    ca_pem_ = crypto::CertificateToPem(ca);
    crypto::PKey server_key = crypto::GenerateRsaKey().value();
    crypto::Certificate server = crypto::IssueServerCert(server_key, SpecFor("127.0.0.1", {"127.0.0.1"}), ca, ca_key).value();
    emulator::ServerOptions options;
    options.tls = emulator::ServerTls{crypto::CertificateToPem(server), crypto::PrivateKeyToPem(server_key).value()};
    auto started = emulator::HttpServer::Start(options, [this](const net::Request& request) { return emulator::HandlerResult{Handle(request)}; });
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    server_ = std::move(started).value();
    url_ = "https://127.0.0.1:" + std::to_string(server_->port());
    ca_file_ = dir_.Write("issuer-ca.pem", ca_pem_);
    TransportOptions trust;
    trust.ca_file = ca_file_;
    transport_ = MakeHttpTransport(trust);
  }

  const std::string& url() const { return url_; }
  const std::string& ca_pem() const { return ca_pem_; }
  std::string id_token_request_url() const { return url_ + "/idtoken?api-version=2.0"; }
  int id_token_requests() const { return id_token_requests_; }
  std::string last_audience() const {
    std::lock_guard lock(mutex_);
    return last_audience_;
  }

  /// For LocalTenantOptions::fetch: the emulator fetches discovery and JWKS through this.
  std::function<engine::Result<net::Response>(const net::Request&)> Fetch() {
    return [t = transport_.get()](const net::Request& r) { return t->Send(r); };
  }

  /// A token from this issuer, as a service-account projection or GitHub would write it.
  std::string Mint(const std::string& subject, const std::string& audience = "api://AzureADTokenExchange") const {
    json::object claims{{"iss", url_}, {"sub", subject}, {"aud", audience}, {"iat", Now()}, {"nbf", Now() - 5}, {"exp", Now() + 600}};
    return crypto::SignJwt(json::object{{"kid", kKid}}, claims, crypto::JwtAlg::kRs256, key_).value();
  }

 private:
  net::Response Json(int status, const json::value& body) const {
    net::Response response;
    response.status = status;
    response.headers["Content-Type"] = "application/json";
    response.body = json::serialize(body);
    return response;
  }

  net::Response Handle(const net::Request& request) {
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (path == "/.well-known/openid-configuration") {
      return Json(200, json::object{{"issuer", url_}, {"jwks_uri", url_ + "/jwks"}});
    }
    if (path == "/jwks") {
      json::object jwk = crypto::PublicKeyToJwk(key_, kKid).value();
      return Json(200, json::object{{"keys", json::array{jwk}}});
    }
    if (path == "/idtoken") return IdToken(request);
    return Json(404, json::object{{"message", "not found"}});
  }

  net::Response IdToken(const net::Request& request) {
    ++id_token_requests_;
    if (request.Header("Authorization") != std::optional<std::string>(std::string("bearer ") + kRequestToken)) {
      return Json(401, json::object{{"message", "bad request token"}});
    }
    std::string audience;
    for (auto& [name, value] : net::ParseForm(request.target.substr(request.target.find('?') + 1))) {
      if (name == "audience") audience = value;
    }
    {
      std::lock_guard lock(mutex_);
      last_audience_ = audience;
    }
    return Json(200, json::object{{"count", 1}, {"value", Mint(kGitHubSubject, audience)}});
  }

  TempDir dir_;
  crypto::PKey key_;
  std::string ca_pem_, ca_file_, url_;
  std::unique_ptr<emulator::HttpServer> server_;
  std::unique_ptr<Transport> transport_;
  std::atomic<int> id_token_requests_{0};
  mutable std::mutex mutex_;
  std::string last_audience_;
};

/// The local tenant over HTTPS, with a transport that trusts both its CA and the stand-in
/// issuer's (one bundle file), counted.
class TestTenant {
 public:
  explicit TestTenant(StandInIssuer* issuer = nullptr) {
    emulator::LocalTenantOptions options;
    options.tls = true;
    options.state_dir = state_.path() + "/state";
    if (issuer) options.fetch = issuer->Fetch();
    auto started = emulator::LocalTenant::Start(options);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    tenant_ = std::move(started).value();
    std::ifstream in(e().ca_file);
    std::string bundle((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (issuer) bundle += "\n" + issuer->ca_pem();
    TransportOptions trust;
    trust.ca_file = state_.Write("trust.pem", bundle);
    http_ = MakeHttpTransport(trust);
    counting_ = std::make_unique<CountingTransport>(*http_);
  }

  const emulator::LocalTenantEndpoints& e() const { return tenant_->endpoints(); }
  /// Counts every request sent through it.
  CountingTransport& transport() { return *counting_; }
  const TempDir& dir() const { return state_; }

  net::Response Send(net::Request request) {
    auto sent = http_->Send(request);
    REQUIRE_MESSAGE(sent.ok(), (sent.ok() ? "" : sent.error().message));
    return sent.value();
  }

  std::string OperatorToken() {
    if (!operator_token_.empty()) return operator_token_;
    net::Request request{"POST",
                         e().authority + "/" + e().tenant_id + "/oauth2/v2.0/token",
                         {{"Content-Type", "application/x-www-form-urlencoded"}},
                         net::EncodeForm({{"client_id", e().client_id},
                                          {"client_secret", e().client_secret},
                                          {"scope", "https://graph.microsoft.com/.default"},
                                          {"grant_type", "client_credentials"}}),
                         ""};
    net::Response response = Send(request);
    REQUIRE_MESSAGE(response.status == 200, response.body);
    operator_token_ = std::string(json::parse(response.body).at("access_token").as_string());
    return operator_token_;
  }

  net::Response Graph(const std::string& method, const std::string& path, const json::value& body = nullptr) {
    net::Request request{method, e().graph + path, {{"Authorization", "Bearer " + OperatorToken()}}, body.is_null() ? "" : json::serialize(body), ""};
    if (!body.is_null()) request.headers["Content-Type"] = "application/json";
    return Send(request);
  }

  std::string OperatorAppObjectId() {
    net::Response r = Graph("GET", "/applications?$filter=appId%20eq%20'" + e().client_id + "'&$select=id");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    return std::string(json::parse(r.body).at("value").at(0).at("id").as_string());
  }

  /// The service principal named `name`: {id, appId}.
  std::pair<std::string, std::string> ServicePrincipal(const std::string& name) {
    net::Response r = Graph("GET", "/servicePrincipals?$filter=displayName%20eq%20'" + name + "'&$select=id,appId");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    const json::value parsed = json::parse(r.body);
    const json::value& sp = parsed.at("value").at(0);
    return {std::string(sp.at("id").as_string()), std::string(sp.at("appId").as_string())};
  }

  /// Adds `cert` to the operator application's keyCredentials.
  void RegisterCertificate(const crypto::Certificate& cert) {
    json::object key{{"type", "AsymmetricX509Cert"},
                     {"usage", "Verify"},
                     {"key", crypto::Base64Encode(cert.Der())},
                     {"keyId", crypto::NewUuid4().value()},
                     {"displayName", "CN=entragate credential test"}};
    net::Response r = Graph("PATCH", "/applications/" + OperatorAppObjectId(), json::object{{"keyCredentials", json::array{key}}});
    REQUIRE_MESSAGE(r.status == 204, r.body);
  }

  /// Trusts tokens from `issuer` about `subject` for the operator application.
  void RegisterFederated(const std::string& issuer, const std::string& subject) {
    static std::atomic<int> n{0};
    json::object credential{
        {"name", "test-" + std::to_string(n++)}, {"issuer", issuer}, {"subject", subject}, {"audiences", json::array{"api://AzureADTokenExchange"}}};
    net::Response r = Graph("POST", "/applications/" + OperatorAppObjectId() + "/federatedIdentityCredentials", credential);
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }

 private:
  TempDir state_;
  std::unique_ptr<emulator::LocalTenant> tenant_;
  std::unique_ptr<Transport> http_;
  std::unique_ptr<CountingTransport> counting_;
  std::string operator_token_;
};

/// A CredentialEnv over `vars` (nothing else is set), the tenant's counted transport and
/// authority, the system clock and the real process runner.
inline CredentialEnv EnvFor(TestTenant& tenant, std::map<std::string, std::string> vars) {
  CredentialEnv env = CredentialEnv::FromProcess(tenant.transport(), *Cloud::Named("public"));
  env.getenv = [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  env.authority = tenant.e().authority;
  return env;
}

inline const std::string kGraphScope = "https://graph.microsoft.com/.default";

inline json::object Claims(const std::string& jwt) { return crypto::DecodeJwt(jwt).value().payload; }

}  // namespace entragate::graph::testing
