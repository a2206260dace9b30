#pragma once
// The managed-identity token endpoints a workload on Azure calls instead of the login endpoints
// (docs/graph-behaviour.md §8, §12): Azure IMDS as a VM sees it, and the App Service / Functions / Container
// Apps "2019-08-01" protocol. Tokens come from TokenService::MintForPrincipal, so assignment
// rules (AADSTS501051) and claims are the same as for app registrations. IMDS relays the identity
// platform's refusal body; App Service, like the real platform, answers any such refusal with a
// generic HTTP 500 that carries no AADSTS text (docs/graph-behaviour.md §13.3).
//
//   IMDS:        GET /metadata/identity/oauth2/token[/]?api-version=…&resource=…
//                    [&client_id=…|&object_id=…|&msi_res_id=…]          header Metadata: true
//   App Service: GET /msi/token?api-version=2019-08-01&resource=…
//                    [&client_id=…|&principal_id=…|&object_id=…|&mi_res_id=…]
//                                                                       header X-IDENTITY-HEADER
//
// "No such identity" is a 400 with an error body, never a 404: the SDKs retry a 404 on these
// paths for about 20 s (§12).

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <boost/json/object.hpp>

#include "emulator/identity/token_directory.h"
#include "emulator/identity/token_service.h"
#include "net/http_message.h"
#include "emulator/identity/room.h"

namespace entragate::emulator {

/// Managed-identity tokens live a day, as Azure's do (the platform caches them); msal refreshes
/// them half-way through.
inline constexpr std::int64_t kManagedIdentityTokenLifetime = 86399;

class ManagedIdentityService {
 public:
  /// `imds_host_name` names the host (a HostInfo of the directory) whose identities IMDS serves.
  /// `now` (unix seconds) dates error bodies; the token service's clock when empty.
  /// `directory` and `tokens` must outlive the service.
  ManagedIdentityService(const TokenDirectory& directory, const TokenService& tokens, std::string imds_host_name, std::function<std::int64_t()> now);

  net::Response HandleImds(const net::Request& request) const;
  net::Response HandleAppService(const net::Request& request) const;

  /// As Azure's infrastructure does, a token issued to a host's identity for a resource is handed
  /// out again until 5 minutes before it expires, so a revoked role or a switched-on assignment
  /// requirement reaches a running workload only when its token runs out. Refusals are never kept.
  /// On by default.
  void SetCacheEnabled(bool on);
  /// Forgets the tokens kept for one host (as a restart of the VM would); returns how many.
  int FlushCache(const std::string& host_name);
  /// Forgets every cached token (the tenant was reset: the identities they were issued to are gone).
  void FlushAll();

  /// Where the cache outlives this process (the local tenant's state): what a kept token is made
  /// of, never the token itself — its claims, which TokenService::SignAgain turns back into it.
  struct KeptToken {
    std::string host, principal_id, resource;
    boost::json::object claims;
    std::int64_t not_before = 0, expires_on = 0;
  };
  struct CacheStore {
    std::function<std::vector<KeptToken>()> load;
    /// Replaces every kept token (the cache is small: hosts × identities × resources).
    std::function<void(const std::vector<KeptToken>&)> save;
  };
  /// The ids (uti) of the tokens it would hand out again now.
  std::set<std::string> CachedTokenIds() const;

  /// Loads what `store` kept and saves every change to it from now on.
  void SetCacheStore(CacheStore store);

 private:
  base::Result<IssuedToken> Mint(const HostInfo& host, const ManagedIdentityInfo& identity, const std::string& resource) const;
  net::Response ImdsToken(const net::Request& request, std::string_view query) const;
  net::Response AppServiceToken(const net::Request& request, std::string_view query) const;

  const TokenDirectory& directory_;
  const TokenService& tokens_;
  std::string imds_host_name_;
  std::function<std::int64_t()> now_;
  mutable std::mutex cache_mutex_;
  bool cache_enabled_ = true;
  mutable std::map<std::tuple<std::string, std::string, std::string>, IssuedToken> cache_;  ///< (host, identity, resource)
  CacheStore cache_store_;
  void SaveCacheLocked() const;
};

/// A cached managed-identity token is handed out until this close to its expiry.
inline constexpr std::int64_t kManagedIdentityCacheMargin = 300;

}  // namespace entragate::emulator
