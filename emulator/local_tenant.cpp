#include "emulator/local_tenant.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "emulator/admin_api.h"
#include "emulator/store/directory_store.h"
#include "emulator/faults.h"
#include "emulator/graph_auth.h"
#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_service.h"
#include "emulator/http_server.h"
#include "emulator/identity/managed_identity_service.h"
#include "emulator/seed.h"
#include "emulator/identity/signing_key.h"
#include "emulator/store/state_lock.h"
#include "emulator/graph/store_token_directory.h"
#include "emulator/store/tenant_clock.h"
#include "emulator/identity/token_service.h"

namespace entragate::emulator {

namespace json = boost::json;
namespace fs = std::filesystem;
using base::Error;

namespace {

int64_t NowSeconds() { return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

int64_t NowMs() { return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

base::Result<std::string> MakeStateDir(const std::string& wanted) {
  if (!wanted.empty()) return wanted;
  std::string templ = (fs::temp_directory_path() / "entragate-tenant-XXXXXX").string();
  if (!::mkdtemp(templ.data())) return base::MakeError(Error::Kind::kIo, "cannot create a temporary state directory");
  return templ;
}

Error CryptoFailure(const std::string& what, const base::Error& e) { return base::MakeError(Error::Kind::kInternal, what + ": " + e.message); }

// The CA persists in the state dir, so a client that trusts ca.pem keeps trusting restarts; the
// server certificate is issued anew on each start.
base::Result<ServerTls> MakeTls(const std::string& dir, const std::string& host) {
  std::string ca_path = dir + "/ca.pem", ca_key_path = dir + "/ca-key.pem";
  int64_t now = NowSeconds();
  if (!fs::exists(ca_path) || !fs::exists(ca_key_path)) {
    auto key = crypto::GenerateRsaKey(2048);
    if (!key.ok()) return CryptoFailure("CA key", key.error());
    auto ca = crypto::CreateCaCert(key.value(), {"entragate local tenant CA", now - 3600, now + 10 * 365 * 86400, {}, {}});
    if (!ca.ok()) return CryptoFailure("CA certificate", ca.error());
    if (auto s = crypto::SavePrivateKeyPemFile(key.value(), ca_key_path); !s.ok()) return CryptoFailure("save CA key", s.error());
    if (auto s = crypto::SaveCertificatePemFile(ca.value(), ca_path); !s.ok()) return CryptoFailure("save CA", s.error());
  }
  auto ca_key = crypto::LoadPrivateKeyPemFile(ca_key_path);
  auto ca = crypto::LoadCertificatePemFile(ca_path);
  if (!ca_key.ok() || !ca.ok()) return base::MakeError(Error::Kind::kIo, "cannot read the local tenant CA in " + dir);
  auto key = crypto::GenerateRsaKey(2048);
  if (!key.ok()) return CryptoFailure("server key", key.error());
  std::vector<std::string> ips{"127.0.0.1"};
  if (host != "127.0.0.1" && host != "localhost") ips.push_back(host);
  auto cert = crypto::IssueServerCert(key.value(), {"localhost", now - 3600, now + 30 * 86400, {"localhost"}, ips}, ca.value(), ca_key.value());
  if (!cert.ok()) return CryptoFailure("server certificate", cert.error());
  auto key_pem = crypto::PrivateKeyToPem(key.value());
  if (!key_pem.ok()) return CryptoFailure("server key", key_pem.error());
  return ServerTls{crypto::CertificateToPem(cert.value()), key_pem.value()};
}

// The seed's first host, as the README promises; hosts from before seedOrder was kept (or added
// through the admin API, which have none) come after, by name.
std::string FirstSeededHost(const DirectoryStore& store) {
  return store.Read([](const StoreView& v) {
    std::string first;
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    for (const auto& [name, h] : v.All(Collection::kHosts)) {
      const json::value* order = h.if_contains("seedOrder");
      const std::int64_t rank = order && order->is_int64() ? order->as_int64() : std::numeric_limits<std::int64_t>::max() - 1;
      if (first.empty() || rank < best) first = name, best = rank;
    }
    return first;
  });
}

// The managed-identity token cache outlives the process, as Azure's does a restart of entragate:
// each `entragate token` runs its own local tenant on the same state. Kept as claims, not tokens.
ManagedIdentityService::CacheStore TokenCacheIn(DirectoryStore& store) {
  constexpr const char* kKey = "managedIdentityTokens";
  ManagedIdentityService::CacheStore out;
  out.load = [&store] {
    std::vector<ManagedIdentityService::KeptToken> kept;
    store.Read([&](const StoreView& v) {
      const json::object* saved = v.Get(Collection::kMeta, kKey);
      const json::value* list = saved ? saved->if_contains("tokens") : nullptr;
      if (!list || !list->is_array()) return 0;
      for (const auto& item : list->get_array()) {
        const json::object* o = item.if_object();
        if (!o || !o->contains("claims") || !o->at("claims").is_object()) continue;
        kept.push_back({std::string(o->at("host").as_string()), std::string(o->at("principalId").as_string()),
                        std::string(o->at("resource").as_string()), o->at("claims").as_object(), o->at("notBefore").as_int64(),
                        o->at("expiresOn").as_int64()});
      }
      return 0;
    });
    return kept;
  };
  out.save = [&store](const std::vector<ManagedIdentityService::KeptToken>& kept) {
    json::array list;
    for (const auto& k : kept)
      list.push_back(json::object{{"host", k.host},
                                  {"principalId", k.principal_id},
                                  {"resource", k.resource},
                                  {"claims", k.claims},
                                  {"notBefore", k.not_before},
                                  {"expiresOn", k.expires_on}});
    // A failed write only costs a fresh token later, as a restart would.
    (void)store.Write([&](StoreTxn& txn) -> base::Status {
      txn.Put(Collection::kMeta, kKey, json::object{{"tokens", std::move(list)}});
      return base::Ok{};
    });
  };
  return out;
}

}  // namespace

json::object LocalTenantEndpoints::ToJson() const {
  json::object headers;
  for (const auto& [host, secret] : identity_headers) headers[host] = secret;
  json::object o{{"graph", graph},
                 {"authority", authority},
                 {"tenantId", tenant_id},
                 {"operator", json::object{{"clientId", client_id}, {"clientSecret", client_secret}}},
                 {"imds", imds},
                 {"identityEndpoint", identity_endpoint},
                 {"identityHeaders", headers}};
  if (!ca_file.empty()) o["caFile"] = ca_file;
  o["adminKey"] = admin_key;
  o["stateDir"] = state_dir;
  return o;
}

struct LocalTenant::Impl {
  std::unique_ptr<StateLock> lock;  ///< first member: released last, after everything that writes
  LocalTenantOptions options;
  LocalTenantEndpoints endpoints;
  std::unique_ptr<DirectoryStore> store;
  std::optional<SigningKey> key;
  std::unique_ptr<StoreTokenDirectory> directory;
  std::unique_ptr<TokenService> tokens;
  std::unique_ptr<ManagedIdentityService> identities;
  std::unique_ptr<GraphService> graph;
  std::unique_ptr<FaultInjector> faults;
  std::unique_ptr<AdminContext> admin;
  std::unique_ptr<HttpServer> main_server, identity_server;
  std::atomic<bool> ready{false};  ///< servers listen before the services behind them exist
  TenantClock clock;               ///< what every service reads as "now" (token, cache, purge, lag)

  static HandlerResult NotReady() {
    net::Response r;
    r.status = 503;
    r.headers["Retry-After"] = "1";
    return {r, {}};
  }

  HandlerResult HandleMain(const net::Request& request) {
    if (!ready) return NotReady();
    if (request.target.rfind("/v1.0/", 0) == 0 || request.target == "/v1.0") return HandleGraph(request);
    if (request.target.rfind("/_emulator/", 0) == 0) return {HandleAdmin(request, *admin), {}};
    return {tokens->Handle(request), {}};
  }

  HandlerResult HandleGraph(const net::Request& request) {
    FaultInjector::RequestPlan plan = faults->PlanRequest();
    if (plan.fail)
      return {RenderGraphError(*plan.fail, crypto::NewUuid4().value(), request.Header("client-request-id").value_or(""), IsoNow().substr(0, 19)),
              plan.delay};
    net::Response response = graph->Handle(request);
    if (plan.drop_if_write_commits && request.method != "GET" && response.status < 400) {
      faults->CountDrop();
      return {std::nullopt, plan.delay};
    }
    return {std::move(response), plan.delay};
  }

  HandlerResult HandleIdentity(const net::Request& request) {
    if (!ready) return NotReady();
    if (request.target.rfind("/metadata/identity/oauth2/token", 0) == 0) return {identities->HandleImds(request), {}};
    if (request.target.rfind("/msi/token", 0) == 0) return {identities->HandleAppService(request), {}};
    net::Response r;
    r.status = 404;
    r.headers["Content-Type"] = "application/json";
    r.body = R"({"error":"not_found","error_description":"No managed identity endpoint at this path."})";
    return {r, {}};
  }

  base::Status Reset() {
    if (auto done = store->Reset(); !done.ok()) return done;
    identities->FlushAll();  // before the re-seeded identities can be asked for a token
    auto seeded = SeedTenant(*store, options.seed_file);
    if (!seeded.ok()) return seeded.error();
    endpoints.client_id = seeded->operator_client_id;
    endpoints.client_secret = seeded->operator_client_secret;
    admin->admin_key = seeded->admin_key;
    endpoints.admin_key = seeded->admin_key;
    graph->ResetStats();
    return base::Ok{};
  }
};

LocalTenant::LocalTenant(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalTenant::~LocalTenant() { Stop(); }

const LocalTenantEndpoints& LocalTenant::endpoints() const { return impl_->endpoints; }
DirectoryStore& LocalTenant::store() { return *impl_->store; }
GraphService& LocalTenant::graph() { return *impl_->graph; }
FaultInjector& LocalTenant::faults() { return *impl_->faults; }
ManagedIdentityService& LocalTenant::identities() { return *impl_->identities; }

void LocalTenant::Stop() {
  if (impl_->main_server) impl_->main_server->Stop();
  if (impl_->identity_server) impl_->identity_server->Stop();
}

base::Result<std::unique_ptr<LocalTenant>> LocalTenant::Start(const LocalTenantOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto dir = MakeStateDir(options.state_dir);
  if (!dir.ok()) return dir.error();
  impl->endpoints.state_dir = dir.value();
  std::error_code ec;
  fs::create_directories(dir.value(), ec);
  // A new state directory is private (as DirectoryStore makes it), before the lock file is its first entry.
  if (fs::is_empty(dir.value(), ec) && !ec) fs::permissions(dir.value(), fs::perms::owner_all, fs::perm_options::replace, ec);
  auto lock = StateLock::Acquire(dir.value());
  if (!lock.ok()) return lock.error();
  impl->lock = std::move(lock).value();
  auto store = DirectoryStore::Open(dir.value());
  if (!store.ok()) return store.error();
  impl->store = std::move(store).value();
  auto seeded = SeedTenant(*impl->store, options.seed_file);
  if (!seeded.ok()) return seeded.error();
  auto key = SigningKey::LoadOrCreate(dir.value(), NowSeconds());
  if (!key.ok()) return key.error();
  impl->key.emplace(std::move(key).value());

  auto fault_config = FaultConfig::Parse(options.faults);
  if (!fault_config.ok()) return fault_config.error();
  if (options.latency_ms > 0) fault_config->latency_ms = options.latency_ms;
  impl->faults = std::make_unique<FaultInjector>(options.limits_now_ms ? options.limits_now_ms : std::function<int64_t()>(NowMs));
  impl->faults->Configure(fault_config.value());

  // Listen first: the authority (and so token issuers) must name the real port.
  Impl* self = impl.get();
  ServerOptions main_options;
  main_options.host = options.host;
  main_options.port = options.port;
  main_options.threads = options.threads;
  if (options.tls) {
    auto tls = MakeTls(dir.value(), options.host);
    if (!tls.ok()) return tls.error();
    main_options.tls = tls.value();
    impl->endpoints.ca_file = dir.value() + "/ca.pem";
  }
  auto main_server = HttpServer::Start(main_options, [self](const net::Request& r) { return self->HandleMain(r); });
  if (!main_server.ok()) return main_server.error();
  impl->main_server = std::move(main_server).value();
  ServerOptions id_options;
  id_options.host = options.host;
  id_options.port = options.identity_port;
  id_options.threads = 2;
  auto id_server = HttpServer::Start(id_options, [self](const net::Request& r) { return self->HandleIdentity(r); });
  if (!id_server.ok()) return id_server.error();
  impl->identity_server = std::move(id_server).value();

  std::string scheme = options.tls ? "https" : "http";
  std::string base = fmt::format("{}://{}:{}", scheme, options.host, impl->main_server->port());
  std::string id_base = fmt::format("http://{}:{}", options.host, impl->identity_server->port());
  impl->directory = std::make_unique<StoreTokenDirectory>(*impl->store);
  TokenService::Options token_options;
  token_options.authority = base;
  RestoreClock(*impl->store, impl->clock);
  TenantClock* clock = &impl->clock;
  token_options.now = [clock] { return clock->NowSeconds(); };
  token_options.fetch = options.fetch;
  impl->tokens = std::make_unique<TokenService>(*impl->directory, *impl->key, token_options);
  std::string imds_host = options.imds_host.empty() ? FirstSeededHost(*impl->store) : options.imds_host;
  impl->identities = std::make_unique<ManagedIdentityService>(*impl->directory, *impl->tokens, imds_host, [clock] { return clock->NowSeconds(); });
  impl->identities->SetCacheStore(TokenCacheIn(*impl->store));

  GraphServiceOptions graph_options;
  graph_options.base_url = base;
  graph_options.now_ms = [clock] { return clock->NowMs(); };
  graph_options.now_s = [clock] { return clock->NowSeconds(); };
  std::string tenant_id = seeded->tenant_id;
  const SigningKey* signing = &*impl->key;
  graph_options.authenticate = [signing, tenant_id, clock](std::string_view token, std::string& why) {
    return AuthenticateGraphCaller(token, *signing, tenant_id, clock->NowSeconds(), why);
  };
  FaultInjector* faults = impl->faults.get();
  graph_options.admit = [faults, tenant_id](const net::Request& r, LimitCharge charge) {
    charge.tenant_id = tenant_id;
    return faults->Admit(r, charge);
  };
  impl->graph = std::make_unique<GraphService>(*impl->store, graph_options);
  impl->graph->SetReplicationLagMs(fault_config->lag_ms);
  impl->admin = std::make_unique<AdminContext>(
      AdminContext{seeded->admin_key, *impl->store, *impl->graph, *impl->faults, [self] { return self->Reset(); }, clock, impl->identities.get()});

  LocalTenantEndpoints& e = impl->endpoints;
  e.graph = base + "/v1.0";
  e.authority = base;
  e.tenant_id = tenant_id;
  e.client_id = seeded->operator_client_id;
  e.client_secret = seeded->operator_client_secret;
  e.imds = id_base;
  e.identity_endpoint = id_base + "/msi/token";
  e.admin_key = seeded->admin_key;
  impl->store->Read([&](const StoreView& v) {
    for (const auto& [name, h] : v.All(Collection::kHosts)) e.identity_headers[name] = std::string(h.at("identityHeader").as_string());
    return 0;
  });
  impl->ready = true;
  return std::unique_ptr<LocalTenant>(new LocalTenant(std::move(impl)));
}

}  // namespace entragate::emulator
