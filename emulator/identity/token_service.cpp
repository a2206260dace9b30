#include "emulator/identity/token_service.h"

#include <chrono>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "base/ascii.h"
#include "emulator/identity/discovery.h"
#include "emulator/identity/sts_errors.h"

namespace entragate::emulator {

namespace {

constexpr std::string_view kClientCredentials = "client_credentials";
constexpr std::string_view kDefaultScopeSuffix = "/.default";

std::int64_t SystemNow() { return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

std::string WithoutTrailingSlash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

// ---- Request parsing
// -----------------------------------------------------------------------------

std::vector<std::string> PathSegments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (!segment.empty()) out.push_back(net::PercentDecode(segment));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return out;
}

// Form fields with RFC 6749 §3.2's rule that a parameter appears at most once. An empty value
// counts as absent, as it does for Entra.
class Form {
 public:
  static base::Result<Form> Parse(std::string_view text) {
    Form form;
    for (auto& [name, value] : net::ParseForm(text)) {
      if (!form.fields_.emplace(name, value).second) return sts::DuplicateParameter(name);
    }
    return form;
  }
  std::optional<std::string> Get(const std::string& name) const {
    auto it = fields_.find(name);
    if (it == fields_.end() || it->second.empty()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> fields_;
};

// Only a form body is read; any other content type leaves every parameter missing, which is how
// Entra answers a JSON body (AADSTS900144 for grant_type).
std::string_view FormBody(const net::Request& request) {
  auto type = request.Header("Content-Type");
  if (!type) return request.body;
  const std::string media = base::LowerAscii(type->substr(0, type->find(';')));
  const auto first = media.find_first_not_of(" \t");
  const auto last = media.find_last_not_of(" \t");
  if (first == std::string::npos || media.substr(first, last - first + 1) != "application/x-www-form-urlencoded") {
    return {};
  }
  return request.body;
}

// RFC 6749 §2.3.1: the Basic credentials are form-encoded before base64, so '+' is a space.
std::string FormDecode(std::string_view text) {
  std::string plus_as_space(text);
  for (char& c : plus_as_space) {
    if (c == '+') c = ' ';
  }
  return net::PercentDecode(plus_as_space);
}

struct BasicCredentials {
  std::string client_id;
  std::string secret;
};

std::optional<BasicCredentials> ParseBasic(const net::Request& request) {
  auto header = request.Header("Authorization");
  constexpr std::string_view kScheme = "basic ";
  if (!header || header->size() <= kScheme.size() || !base::EqualsIgnoreAsciiCase(std::string_view(*header).substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  auto decoded = crypto::Base64Decode(std::string_view(*header).substr(kScheme.size()));
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{FormDecode(decoded->substr(0, colon)), FormDecode(decoded->substr(colon + 1))};
}

struct ClientRequest {
  std::string client_id;
  PresentedCredential credential;
};

// Merges HTTP Basic with the body. Basic plus a body secret, or a different body client_id, is
// the same parameter sent twice.
base::Result<ClientRequest> ClientFrom(const net::Request& request, const Form& form) {
  ClientRequest out;
  out.credential.assertion_type = form.Get("client_assertion_type");
  out.credential.assertion = form.Get("client_assertion");
  const auto body_id = form.Get("client_id");
  if (auto basic = ParseBasic(request)) {
    if (form.Get("client_secret")) return sts::DuplicateParameter("client_secret");
    if (body_id && !base::EqualsIgnoreAsciiCase(*body_id, basic->client_id)) {
      return sts::DuplicateParameter("client_id");
    }
    out.client_id = std::move(basic->client_id);
    out.credential.secret = std::move(basic->secret);
  } else {
    out.client_id = body_id.value_or("");
    out.credential.secret = form.Get("client_secret");
  }
  if (out.client_id.empty()) return sts::MissingParameter("client_id");
  return out;
}

std::vector<std::string> SplitOnSpaces(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto space = text.find(' ');
    if (space != 0) out.emplace_back(text.substr(0, space));
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  }
  return out;
}

bool IsOpenIdScope(std::string_view scope) { return scope == "openid" || scope == "profile" || scope == "offline_access"; }

// v2: every scope must be "{resource}/.default", all of one resource. The OpenID scopes msal may
// add mean nothing for an app-only token and are ignored.
base::Result<std::string> ResourceFromScope(const std::string& scope) {
  std::optional<std::string> resource;
  for (const auto& item : SplitOnSpaces(scope)) {
    if (IsOpenIdScope(item)) continue;
    const bool has_suffix = item.size() > kDefaultScopeSuffix.size() &&
                            item.compare(item.size() - kDefaultScopeSuffix.size(), kDefaultScopeSuffix.size(), kDefaultScopeSuffix) == 0;
    if (!has_suffix) return sts::ScopeNotDefault(item);
    std::string identifier = item.substr(0, item.size() - kDefaultScopeSuffix.size());
    if (resource && !base::EqualsIgnoreAsciiCase(*resource, identifier)) return sts::InvalidScope(scope);
    resource = std::move(identifier);
  }
  if (!resource) return sts::ScopeNotDefault(scope);
  return *resource;
}

base::Result<std::string> RequestedResource(const Form& form, bool v2) {
  if (!v2) {
    auto resource = form.Get("resource");
    if (!resource) return sts::ResourceNotProvided();
    return *resource;
  }
  auto scope = form.Get("scope");
  if (!scope) return sts::MissingParameter("scope");
  return ResourceFromScope(*scope);
}

// ---- Tenants
// ---------------------------------------------------------------------------------------

struct ResolvedTenant {
  bool multi_tenant = false;  ///< `common` or `organizations`
  std::string path_segment;   ///< the tenant id, or the alias in lower case
};

// `not_found_error` is the OAuth error of AADSTS90002: the token endpoint says invalid_request,
// discovery invalid_tenant.
base::Result<ResolvedTenant> ResolveTenant(std::string_view segment, const TenantInfo& tenant, std::string_view not_found_error) {
  if (base::EqualsIgnoreAsciiCase(segment, "common") || base::EqualsIgnoreAsciiCase(segment, "organizations")) {
    return ResolvedTenant{true, base::LowerAscii(segment)};
  }
  const bool is_guid = crypto::ParseUuid(segment).ok();
  if (is_guid && base::EqualsIgnoreAsciiCase(segment, tenant.id)) return ResolvedTenant{false, tenant.id};
  for (const auto& domain : tenant.domains) {
    if (base::EqualsIgnoreAsciiCase(segment, domain)) return ResolvedTenant{false, tenant.id};
  }
  if (is_guid || segment.find('.') != std::string_view::npos) {
    return sts::TenantNotFound(segment, not_found_error);
  }
  return sts::InvalidTenantIdentifier(segment);
}

DiscoveryTenant ForDiscovery(const ResolvedTenant& resolved, const TenantInfo& tenant) {
  if (resolved.multi_tenant) return DiscoveryTenant{resolved.path_segment, "{tenantid}", ""};
  return DiscoveryTenant{tenant.id, tenant.id, tenant.region};
}

// ---- Responses ---------------------------------------------------------------------------------

// Discovery documents and keys are public and cacheable, as Entra serves them.
net::Response PublicDocument(const boost::json::object& body, const sts::RequestIds& ids) {
  net::Response response = sts::JsonResponse(200, body, ids);
  response.headers["Cache-Control"] = "max-age=86400, private";
  response.headers.erase("Pragma");
  response.headers["Access-Control-Allow-Origin"] = "*";
  return response;
}

net::Response NotFound() {
  net::Response response;
  response.status = 404;
  response.headers["Content-Type"] = "text/plain; charset=utf-8";
  response.body = "Not Found";
  return response;
}

net::Response GetOnly() {
  net::Response response;
  response.status = 405;
  response.headers["Allow"] = "GET";
  return response;
}

boost::json::object TokenBody(const IssuedToken& token, bool v2) {
  boost::json::object body;
  body["token_type"] = "Bearer";
  if (v2) {
    body["expires_in"] = token.expires_in;
    body["ext_expires_in"] = token.expires_in;
  } else {  // the v1 endpoint answers every value as a string
    body["expires_in"] = std::to_string(token.expires_in);
    body["ext_expires_in"] = std::to_string(token.expires_in);
    body["expires_on"] = std::to_string(token.expires_on);
    body["not_before"] = std::to_string(token.not_before);
    body["resource"] = token.resource;
  }
  body["access_token"] = token.access_token;
  return body;
}

bool Is(const std::vector<std::string>& segments, std::initializer_list<std::string_view> tail) {
  if (segments.size() != tail.size() + 1) return false;
  std::size_t i = 1;
  for (auto want : tail) {
    if (!base::EqualsIgnoreAsciiCase(segments[i++], want)) return false;
  }
  return true;
}

}  // namespace

TokenService::TokenService(const TokenDirectory& directory, const SigningKey& key, Options options)
    : directory_(directory), key_(key), options_(std::move(options)), authenticator_(WithoutTrailingSlash(options_.authority), options_.fetch) {
  options_.authority = WithoutTrailingSlash(std::move(options_.authority));
  if (!options_.now) options_.now = SystemNow;
}

net::Response TokenService::Handle(const net::Request& request) const {
  const std::string_view target = request.target;
  const auto question = target.find('?');
  const std::string_view query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  const auto segments = PathSegments(target.substr(0, question));
  if (segments.empty()) return NotFound();
  const std::string& tenant = segments[0];

  if (Is(segments, {"oauth2", "v2.0", "token"})) return HandleToken(request, tenant, Version::kV2);
  if (Is(segments, {"oauth2", "token"})) return HandleToken(request, tenant, Version::kV1);
  if (Is(segments, {"v2.0", ".well-known", "openid-configuration"})) {
    return HandleOpenIdConfiguration(request, tenant, Version::kV2);
  }
  if (Is(segments, {".well-known", "openid-configuration"})) {
    return HandleOpenIdConfiguration(request, tenant, Version::kV1);
  }
  if (Is(segments, {"discovery", "v2.0", "keys"})) return HandleKeys(request, tenant, Version::kV2);
  if (Is(segments, {"discovery", "keys"})) return HandleKeys(request, tenant, Version::kV1);
  if (Is(segments, {"discovery", "instance"}) && base::EqualsIgnoreAsciiCase(tenant, "common")) {
    return HandleInstanceDiscovery(request, query);
  }
  return NotFound();
}

net::Response TokenService::HandleToken(const net::Request& request, std::string_view tenant, Version version) const {
  const sts::RequestIds ids = sts::NewRequestIds(request);
  auto issued = IssueForRequest(request, tenant, version);
  if (!issued) return sts::ErrorResponse(issued.error(), ids, options_.authority, Now());
  return sts::JsonResponse(200, TokenBody(*issued, version == Version::kV2), ids);
}

// The checks run in the order Entra reports them: request shape, tenant, grant, client and its
// credential, then resource and assignment.
base::Result<IssuedToken> TokenService::IssueForRequest(const net::Request& request, std::string_view tenant_segment, Version version) const {
  if (request.method != "POST") return sts::PostOnly(request.method);
  const TenantInfo tenant = directory_.Tenant();
  auto resolved = ResolveTenant(tenant_segment, tenant, "invalid_request");
  if (!resolved) return resolved.error();
  auto form = Form::Parse(FormBody(request));
  if (!form) return form.error();
  const auto grant = form->Get("grant_type");
  if (!grant) return sts::MissingParameter("grant_type");
  if (*grant != kClientCredentials) return sts::UnsupportedGrantType(*grant);
  // An app-only token belongs to one tenant, and nothing in the request names it.
  if (resolved->multi_tenant) return sts::NoTenantInformation();

  auto caller = ClientFrom(request, *form);
  if (!caller) return caller.error();
  auto resource = RequestedResource(*form, version == Version::kV2);
  if (!resource) return resource.error();
  const auto client = directory_.FindClient(caller->client_id);
  if (!client) return sts::ClientNotFound(caller->client_id, tenant.id);
  if (client->service_principal_id.empty()) {
    return sts::ClientWithoutServicePrincipal(client->app_id, tenant.id);
  }
  auto method = authenticator_.Authenticate(*client, caller->credential, tenant, Now());
  if (!method) return method.error();
  const TokenRequester requester{client->app_id, client->display_name, client->service_principal_id, "", ""};
  return MintForPrincipal(requester, *resource, *method);
}

net::Response TokenService::HandleOpenIdConfiguration(const net::Request& request, std::string_view tenant_segment, Version version) const {
  if (request.method != "GET") return GetOnly();
  const sts::RequestIds ids = sts::NewRequestIds(request);
  const TenantInfo tenant = directory_.Tenant();
  auto resolved = ResolveTenant(tenant_segment, tenant, "invalid_tenant");
  if (!resolved) return sts::ErrorResponse(resolved.error(), ids, options_.authority, Now());
  const DiscoveryTenant described = ForDiscovery(*resolved, tenant);
  return PublicDocument(
      version == Version::kV2 ? OpenIdConfigurationV2(options_.authority, described) : OpenIdConfigurationV1(options_.authority, described), ids);
}

// One key set serves every tenant, as Entra's does; the v2 keys name their issuer with Entra's
// "{tenantid}" template.
net::Response TokenService::HandleKeys(const net::Request& request, std::string_view tenant_segment, Version version) const {
  if (request.method != "GET") return GetOnly();
  const sts::RequestIds ids = sts::NewRequestIds(request);
  auto resolved = ResolveTenant(tenant_segment, directory_.Tenant(), "invalid_tenant");
  if (!resolved) return sts::ErrorResponse(resolved.error(), ids, options_.authority, Now());
  if (version == Version::kV1) return PublicDocument(key_.Jwks(), ids);
  return PublicDocument(key_.Jwks(V2Issuer(options_.authority, "{tenantid}")), ids);
}

net::Response TokenService::HandleInstanceDiscovery(const net::Request& request, std::string_view query) const {
  if (request.method != "GET") return GetOnly();
  const sts::RequestIds ids = sts::NewRequestIds(request);
  std::string endpoint;
  for (const auto& [name, value] : net::ParseForm(query)) {
    if (name == "authorization_endpoint") endpoint = value;
  }
  auto doc = InstanceDiscovery(options_.authority, endpoint);
  if (!doc) return sts::ErrorResponse(doc.error(), ids, options_.authority, Now());
  return PublicDocument(*doc, ids);
}

}  // namespace entragate::emulator
