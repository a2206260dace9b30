#include "emulator/identity/managed_identity_service.h"

#include <map>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json.hpp>

#include "crypto/jwt.h"
#include "base/ascii.h"
#include "emulator/identity/sts_errors.h"

namespace entragate::emulator {

namespace {

// The first value of each query parameter (the protocols define no repeated parameters).
std::map<std::string, std::string> QueryParameters(std::string_view query) {
  std::map<std::string, std::string> out;
  for (auto& [name, value] : net::ParseForm(query)) out.emplace(std::move(name), std::move(value));
  return out;
}

std::optional<std::string> Get(const std::map<std::string, std::string>& query, const std::string& name) {
  auto it = query.find(name);
  if (it == query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// Splits a target into path and query, and reports whether the path is `expected` (a trailing
// '/' allowed: msal asks IMDS for ".../token/").
bool PathIs(std::string_view target, std::string_view expected, std::string_view* query) {
  const auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  *query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return base::EqualsIgnoreAsciiCase(path, expected);
}

// ---- Which identity
// ------------------------------------------------------------------------------

enum class SelectorKind { kNone, kClientId, kObjectId, kResourceId };

struct Selector {
  SelectorKind kind = SelectorKind::kNone;
  std::string value;
};

struct SelectorName {
  const char* parameter;
  SelectorKind kind;
};

// nullopt when more than one selector was given: the protocols allow at most one.
std::optional<Selector> ReadSelector(const std::map<std::string, std::string>& query, std::initializer_list<SelectorName> names) {
  Selector selector;
  for (const auto& name : names) {
    auto value = Get(query, name.parameter);
    if (!value) continue;
    if (selector.kind != SelectorKind::kNone) return std::nullopt;
    selector = Selector{name.kind, std::move(*value)};
  }
  return selector;
}

// GUIDs and ARM resource ids both compare case-insensitively in Azure.
bool Matches(const ManagedIdentityInfo& identity, const Selector& selector) {
  switch (selector.kind) {
    case SelectorKind::kClientId: return base::EqualsIgnoreAsciiCase(identity.client_id, selector.value);
    case SelectorKind::kObjectId: return base::EqualsIgnoreAsciiCase(identity.principal_id, selector.value);
    case SelectorKind::kResourceId: return base::EqualsIgnoreAsciiCase(identity.resource_id, selector.value);
    case SelectorKind::kNone: return false;
  }
  return false;
}

std::optional<ManagedIdentityInfo> FindSelected(const HostInfo& host, const Selector& selector) {
  if (host.system_assigned && Matches(*host.system_assigned, selector)) return host.system_assigned;
  for (const auto& identity : host.user_assigned) {
    if (Matches(identity, selector)) return identity;
  }
  return std::nullopt;
}

constexpr std::string_view kImdsNotFound = "Identity not found";
constexpr std::string_view kImdsAmbiguous =
    "Multiple user assigned identities exist, please specify the clientId / resourceId of the "
    "identity in the token request";
constexpr std::string_view kAppServiceNotFound = "Unable to load the proper Managed Identity.";
// What the App Service platform answers, with HTTP 500, whenever the identity platform refuses its
// token request: the AADSTS reason stays inside the platform (docs/graph-behaviour.md §13.3).
// Microsoft's spelling.
constexpr std::string_view kAppServiceTokenFailed = "An unexpected error occured while fetching the AAD Token.";

// IMDS (§8.1): a selector picks any attached identity; without one, the system-assigned identity,
// else the only user-assigned one; several user-assigned and no selector is ambiguous.
std::variant<ManagedIdentityInfo, std::string_view> SelectForImds(const std::optional<HostInfo>& host, const Selector& selector) {
  if (!host) return kImdsNotFound;
  if (selector.kind != SelectorKind::kNone) {
    if (auto found = FindSelected(*host, selector)) return *found;
    return kImdsNotFound;
  }
  if (host->system_assigned) return *host->system_assigned;
  if (host->user_assigned.size() == 1) return host->user_assigned.front();
  if (host->user_assigned.size() > 1) return kImdsAmbiguous;
  return kImdsNotFound;
}

// App Service (§8.2): without a selector only the system-assigned identity is used.
std::optional<ManagedIdentityInfo> SelectForAppService(const HostInfo& host, const Selector& selector) {
  if (selector.kind != SelectorKind::kNone) return FindSelected(host, selector);
  return host.system_assigned;
}

// A user-assigned identity's token on a VM also names the VM (xms_az_rid, docs/graph-behaviour.md
// §13.3); a system-assigned identity's xms_mirid already is the VM.
TokenRequester RequesterFor(const HostInfo& host, const ManagedIdentityInfo& identity) {
  TokenRequester requester{identity.client_id, identity.display_name, identity.principal_id, identity.resource_id, {}};
  const bool system = host.system_assigned && host.system_assigned->principal_id == identity.principal_id;
  if (!system && base::LowerAscii(host.resource_id).find("/providers/microsoft.compute/") != std::string::npos)
    requester.compute_resource_id = host.resource_id;
  return requester;
}

// ---- Responses
// -----------------------------------------------------------------------------------

net::Response Json(int status, const boost::json::object& body) {
  net::Response response;
  response.status = status;
  response.headers["Content-Type"] = "application/json; charset=utf-8";
  response.body = boost::json::serialize(body);
  return response;
}

net::Response ImdsError(int status, std::string_view error, std::string_view description) {
  return Json(status, boost::json::object{{"error", error}, {"error_description", description}});
}

net::Response AppServiceError(int status, std::string_view message, const std::string& correlation_id) {
  net::Response response = Json(status, boost::json::object{{"statusCode", status}, {"message", message}, {"correlationId", correlation_id}});
  response.headers["X-CORRELATION-ID"] = correlation_id;
  return response;
}

net::Response MethodNotAllowed() {
  net::Response response = ImdsError(405, "invalid_request", "Method not allowed");
  response.headers["Allow"] = "GET";
  return response;
}

net::Response NotFound() { return ImdsError(404, "not_found", "Not found"); }

}  // namespace

ManagedIdentityService::ManagedIdentityService(const TokenDirectory& directory, const TokenService& tokens, std::string imds_host_name,
                                               std::function<std::int64_t()> now)
    : directory_(directory), tokens_(tokens), imds_host_name_(std::move(imds_host_name)), now_(std::move(now)) {
  if (!now_) now_ = [&tokens] { return tokens.Now(); };
}

void ManagedIdentityService::SetCacheEnabled(bool on) {
  std::lock_guard lock(cache_mutex_);
  cache_enabled_ = on;
  if (!on) cache_.clear(), SaveCacheLocked();
}

int ManagedIdentityService::FlushCache(const std::string& host_name) {
  std::lock_guard lock(cache_mutex_);
  int n = 0;
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (std::get<0>(it->first) == host_name)
      it = cache_.erase(it), ++n;
    else
      ++it;
  }
  if (n > 0) SaveCacheLocked();
  return n;
}

void ManagedIdentityService::FlushAll() {
  std::lock_guard lock(cache_mutex_);
  cache_.clear();
  SaveCacheLocked();
}

void ManagedIdentityService::SetCacheStore(CacheStore store) {
  std::lock_guard lock(cache_mutex_);
  cache_store_ = std::move(store);
  if (!cache_store_.load) return;
  for (auto& kept : cache_store_.load()) {
    auto token = tokens_.SignAgain(kept.claims);
    if (!token) continue;  // e.g. a signing key replaced since: that token is gone, as after a restart
    cache_[std::make_tuple(kept.host, kept.principal_id, kept.resource)] =
        IssuedToken{std::move(*token), kept.resource, kept.not_before, kept.expires_on, kept.expires_on - kept.not_before};
  }
}

std::set<std::string> ManagedIdentityService::CachedTokenIds() const {
  std::lock_guard lock(cache_mutex_);
  std::set<std::string> ids;
  const std::int64_t now = now_();
  for (const auto& [key, token] : cache_) {
    if (!cache_enabled_ || token.expires_on - now <= kManagedIdentityCacheMargin) continue;
    auto jwt = crypto::DecodeJwt(token.access_token);
    if (const boost::json::value* uti = jwt ? jwt->payload.if_contains("uti") : nullptr; uti && uti->is_string()) ids.emplace(uti->get_string());
  }
  return ids;
}

// Tokens past the cache's margin are dropped on the way: they would never be handed out again.
void ManagedIdentityService::SaveCacheLocked() const {
  if (!cache_store_.save) return;
  const std::int64_t now = now_();
  std::vector<KeptToken> kept;
  for (const auto& [key, token] : cache_) {
    if (token.expires_on - now <= kManagedIdentityCacheMargin) continue;
    auto jwt = crypto::DecodeJwt(token.access_token);
    if (!jwt) continue;
    kept.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::move(jwt->payload), token.not_before, token.expires_on});
  }
  cache_store_.save(kept);
}

base::Result<IssuedToken> ManagedIdentityService::Mint(const HostInfo& host, const ManagedIdentityInfo& identity, const std::string& resource) const {
  std::lock_guard lock(cache_mutex_);
  auto key = std::make_tuple(host.name, identity.principal_id, resource);
  const std::int64_t now = now_();
  if (cache_enabled_) {
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.expires_on - now > kManagedIdentityCacheMargin) {
      IssuedToken kept = it->second;
      kept.expires_in = kept.expires_on - now;
      return kept;
    }
  }
  auto token = tokens_.MintForPrincipal(RequesterFor(host, identity), resource, ClientAuthMethod::kManagedIdentity, kManagedIdentityTokenLifetime);
  if (token && cache_enabled_) cache_[key] = *token, SaveCacheLocked();
  return token;
}

net::Response ManagedIdentityService::HandleImds(const net::Request& request) const {
  std::string_view query;
  if (!PathIs(request.target, "/metadata/identity/oauth2/token", &query)) return NotFound();
  if (request.method != "GET") return MethodNotAllowed();
  // The header is IMDS's defence against server-side request forgery; it is checked before
  // anything else, so a bare probe (DefaultAzureCredential) gets this answer.
  if (request.Header("Metadata") != std::optional<std::string>("true")) {
    return ImdsError(400, "bad_request_102", "Required metadata header not specified");
  }
  return ImdsToken(request, query);
}

net::Response ManagedIdentityService::ImdsToken(const net::Request& request, std::string_view query) const {
  const auto params = QueryParameters(query);
  // guess: IMDS's exact wording for a missing api-version or several selectors is not confirmed.
  if (!Get(params, "api-version")) {
    return ImdsError(400, "invalid_request", "Required query variable 'api-version' is missing");
  }
  const auto resource = Get(params, "resource");
  if (!resource) {
    return ImdsError(400, "invalid_request", "Required audience parameter not specified");
  }
  const auto selector = ReadSelector(
      params, {{"client_id", SelectorKind::kClientId}, {"object_id", SelectorKind::kObjectId}, {"msi_res_id", SelectorKind::kResourceId}});
  if (!selector) {
    return ImdsError(400, "invalid_request", "Only one of client_id, object_id or msi_res_id may be specified");
  }
  const auto host = directory_.FindHost(imds_host_name_);
  const auto selected = SelectForImds(host, *selector);
  if (const auto* problem = std::get_if<std::string_view>(&selected)) {
    return ImdsError(400, "invalid_request", *problem);
  }
  const auto& identity = std::get<ManagedIdentityInfo>(selected);
  auto token = Mint(*host, identity, *resource);
  if (!token) {  // IMDS relays the identity platform's error body
    const sts::RequestIds ids = sts::NewRequestIds(request);
    return Json(token.error().http_status, sts::ErrorBody(token.error(), ids, tokens_.Authority(), now_()));
  }
  const std::string lifetime = std::to_string(token->expires_in);
  return Json(200, boost::json::object{{"access_token", token->access_token},
                                       {"client_id", identity.client_id},
                                       {"expires_in", lifetime},
                                       {"expires_on", std::to_string(token->expires_on)},
                                       {"ext_expires_in", lifetime},
                                       {"not_before", std::to_string(token->not_before)},
                                       {"resource", token->resource},
                                       {"token_type", "Bearer"}});
}

net::Response ManagedIdentityService::HandleAppService(const net::Request& request) const {
  std::string_view query;
  if (!PathIs(request.target, "/msi/token", &query)) return NotFound();
  if (request.method != "GET") return MethodNotAllowed();
  return AppServiceToken(request, query);
}

// guess: the platform's texts for a missing or wrong X-IDENTITY-HEADER, a wrong api-version and a
// missing resource are not confirmed; "Unable to load the proper Managed Identity." is.
net::Response ManagedIdentityService::AppServiceToken(const net::Request& request, std::string_view query) const {
  const std::string correlation_id = sts::NewRequestIds(request).correlation_id;
  const auto secret = request.Header("X-IDENTITY-HEADER");
  if (!secret || secret->empty()) {
    return AppServiceError(400, "The X-IDENTITY-HEADER header is required.", correlation_id);
  }
  const auto host = directory_.FindHostByIdentityHeader(*secret);
  if (!host) {
    return AppServiceError(401, "The X-IDENTITY-HEADER header value is not valid.", correlation_id);
  }
  const auto params = QueryParameters(query);
  const auto version = Get(params, "api-version");
  if (version != std::optional<std::string>("2019-08-01")) {
    return AppServiceError(400, "The api-version parameter must be 2019-08-01.", correlation_id);
  }
  const auto resource = Get(params, "resource");
  if (!resource) return AppServiceError(400, "The resource parameter is required.", correlation_id);
  const auto selector = ReadSelector(params, {{"client_id", SelectorKind::kClientId},
                                              {"principal_id", SelectorKind::kObjectId},
                                              {"object_id", SelectorKind::kObjectId},
                                              {"mi_res_id", SelectorKind::kResourceId}});
  if (!selector) {
    return AppServiceError(400, "Only one of client_id, principal_id, object_id or mi_res_id may be specified.", correlation_id);
  }
  const auto identity = SelectForAppService(*host, *selector);
  if (!identity) return AppServiceError(400, kAppServiceNotFound, correlation_id);
  auto token = Mint(*host, *identity, *resource);
  if (!token) return AppServiceError(500, kAppServiceTokenFailed, correlation_id);
  return Json(200, boost::json::object{{"access_token", token->access_token},
                                       {"expires_on", std::to_string(token->expires_on)},
                                       {"resource", token->resource},
                                       {"token_type", "Bearer"},
                                       {"client_id", identity->client_id}});
}

}  // namespace entragate::emulator
