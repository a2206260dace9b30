#pragma once
// The local tenant as a running thing: the store, Graph, the token service and the managed-identity
// endpoints behind HTTP(S) servers on loopback, with fault injection and the admin API. Used by
// `entragate serve` and, in-process, by `--target local` and the tests. No Beast in this header.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "base/result.h"
#include "net/http_message.h"

namespace entragate::emulator {

class ManagedIdentityService;

class DirectoryStore;
class GraphService;
class FaultInjector;

struct LocalTenantOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;           ///< Graph + login (+ admin); 0: any free port
  uint16_t identity_port = 0;  ///< managed-identity endpoints (plain http, as in Azure)
  std::string state_dir;       ///< empty: a new temporary directory
  std::string seed_file;       ///< empty: the built-in seed (used only when the state is empty)
  bool tls = false;            ///< HTTPS for Graph and login, with a CA generated in the state dir
  std::string imds_host;       ///< which host IMDS answers as; empty: the seed's first host
  std::string faults;          ///< fault spec (faults.h)
  int64_t latency_ms = 0;      ///< shorthand for the latency fault
  /// Threads serving requests. A write's thread waits for the journal's fsync, which group commit
  /// shares among the writes that wait at the same time: more threads, more writes per fsync.
  int threads = 8;
  /// The clock of Graph's limits and fault injection (wall-clock Unix ms); unset: the system clock.
  /// Tests pass a virtual clock shared with the client, so that waiting out limits takes no time.
  std::function<int64_t()> limits_now_ms;
  /// HTTPS GET of external issuers' OIDC discovery and JWKS, for federated credentials. The emulator
  /// has no HTTP client of its own: `serve` and tests pass the Graph provider's transport.
  std::function<base::Result<net::Response>(const net::Request&)> fetch;
};

/// What the serve line prints (a contract: tests and scripts read it; README "The local tenant").
struct LocalTenantEndpoints {
  std::string graph;      ///< ".../v1.0"
  std::string authority;  ///< login authority root
  std::string tenant_id;
  std::string client_id, client_secret;                 ///< the operator application
  std::string imds;                                     ///< root for AZURE_POD_IDENTITY_AUTHORITY_HOST
  std::string identity_endpoint;                        ///< full URL for IDENTITY_ENDPOINT
  std::map<std::string, std::string> identity_headers;  ///< host name → X-IDENTITY-HEADER secret
  std::string ca_file;                                  ///< with --tls
  std::string admin_key;
  std::string state_dir;

  boost::json::object ToJson() const;
};

/// Where a managed identity's workload runs: the host whose endpoints hand out its tokens.
struct ManagedIdentityWorkload {
  std::string host;
  std::string client_id;  ///< set for a user-assigned identity (the selector the workload sends)
  std::string kind;       ///< "system-assigned" / "user-assigned"
};

class LocalTenant {
 public:
  static base::Result<std::unique_ptr<LocalTenant>> Start(const LocalTenantOptions& options);
  ~LocalTenant();

  const LocalTenantEndpoints& endpoints() const;
  DirectoryStore& store();
  GraphService& graph();
  FaultInjector& faults();
  ManagedIdentityService& identities();
  void Stop();

  // What `entragate token` asks of the local tenant (local_tenant_lookups.cpp), so that the CLI
  // needs none of the store's layout.
  /// The workload of the managed identity with this display name; kNotFound says why not.
  base::Result<ManagedIdentityWorkload> FindWorkload(const std::string& managed_identity_name);
  /// The application whose uniqueName is `unique_name`: its first App ID URI, else its appId.
  std::optional<std::string> ResourceOfApp(const std::string& unique_name);
  /// The tenant's clock (it may run ahead of the system's: `serve` can advance it), in seconds.
  int64_t TenantNowSeconds();

 private:
  struct Impl;
  explicit LocalTenant(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace entragate::emulator
