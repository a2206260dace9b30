// TokenService::MintForPrincipal: who may have a token for what, and the claims it carries
// (docs/graph-behaviour.md §7.5, §7.6, §2.7).

#include <algorithm>
#include <utility>

#include <boost/json.hpp>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "crypto/jwt.h"
#include "base/ascii.h"
#include "emulator/identity/discovery.h"
#include "emulator/identity/sts_errors.h"
#include "emulator/identity/token_service.h"

namespace entragate::emulator {

namespace {

bool HasOptionalClaim(const ResourceInfo& resource, std::string_view name, std::string_view additional_property = {}) {
  return std::any_of(resource.access_token_claims.begin(), resource.access_token_claims.end(), [&](const OptionalClaimInfo& claim) {
    if (claim.name != name) return false;
    if (additional_property.empty()) return true;
    const auto& props = claim.additional_properties;
    return std::find(props.begin(), props.end(), additional_property) != props.end();
  });
}

// Values of the roles the principal holds on the resource, in the resource's own order. A disabled
// role still counts: existing assignments keep working until removed (docs/graph-behaviour.md §2.5). An
// assignment to the default-access role, or to a role since deleted, adds no value.
boost::json::array RoleValues(const ResourceInfo& resource, const std::vector<std::string>& assigned) {
  boost::json::array roles;
  for (const auto& role : resource.app_roles) {
    const bool held = std::any_of(assigned.begin(), assigned.end(), [&](const std::string& id) { return base::EqualsIgnoreAsciiCase(id, role.id); });
    if (held && !role.value.empty()) roles.emplace_back(role.value);
  }
  return roles;
}

// Opaque per-token values (uti, aio): random, base64url like Entra's.
base::Result<std::string> RandomToken(std::size_t bytes) {
  auto random = crypto::RandomBytes(bytes);
  if (!random) return sts::Internal(random.error().message);
  return crypto::Base64UrlEncode(*random);
}

// Entra's rh is an internal, opaque routing hint; this one is derived from tenant and resource so
// it is stable for a pair, as Entra's is.
std::string RoutingHint(const TenantInfo& tenant, const ResourceInfo& resource) {
  auto tid = crypto::ParseUuid(tenant.id);
  auto app = crypto::ParseUuid(resource.app_id);
  std::string bytes = (tid ? *tid : tenant.id) + (app ? *app : resource.app_id);
  return "0." + crypto::Base64UrlEncode(bytes) + ".";
}

struct ClaimInputs {
  const TenantInfo& tenant;
  const ResourceInfo& resource;
  std::string_view requested;  ///< the identifier as the caller spelled it
  const TokenRequester& requester;
  ClientAuthMethod method;
  boost::json::array roles;
  std::int64_t now;
  std::int64_t lifetime;
  std::string uti;
  std::string aio;
};

// Claims in Entra's order. v1 and v2 differ in aud, iss, the client-id claims and ver.
boost::json::object AccessTokenClaims(const ClaimInputs& in, std::string_view authority) {
  const bool v2 = in.resource.access_token_version == 2;
  const TenantInfo& tenant = in.tenant;
  boost::json::object claims;
  if (v2 || HasOptionalClaim(in.resource, "aud", "use_guid")) {
    claims["aud"] = in.resource.app_id;
  } else {
    claims["aud"] = in.requested;
  }
  claims["iss"] = v2 ? V2Issuer(authority, tenant.id) : V1Issuer(tenant.id);
  claims["iat"] = in.now;
  claims["nbf"] = in.now;
  claims["exp"] = in.now + in.lifetime;
  claims["aio"] = in.aio;
  claims[v2 ? "azp" : "appid"] = in.requester.app_id;
  claims[v2 ? "azpacr" : "appidacr"] = AuthMethodClaim(in.method);
  if (!v2) claims["idp"] = V1Issuer(tenant.id);
  if (HasOptionalClaim(in.resource, "idtyp")) claims["idtyp"] = "app";
  claims["oid"] = in.requester.service_principal_id;
  claims["rh"] = RoutingHint(tenant, in.resource);
  if (!in.roles.empty()) claims["roles"] = in.roles;
  claims["sub"] = in.requester.service_principal_id;  // app-only: the SP's object id
  if (HasOptionalClaim(in.resource, "tenant_region_scope") && !tenant.region.empty()) {
    claims["tenant_region_scope"] = tenant.region;
  }
  claims["tid"] = tenant.id;
  claims["uti"] = in.uti;
  claims["ver"] = v2 ? "2.0" : "1.0";
  if (!in.requester.compute_resource_id.empty()) claims["xms_az_rid"] = in.requester.compute_resource_id;
  if (!in.requester.managed_identity_resource_id.empty()) {
    claims["xms_mirid"] = in.requester.managed_identity_resource_id;
  }
  return claims;
}

}  // namespace

base::Result<IssuedToken> TokenService::MintForPrincipal(const TokenRequester& requester, std::string_view resource_identifier,
                                                         ClientAuthMethod method, std::int64_t lifetime_seconds) const {
  const TenantInfo tenant = directory_.Tenant();
  const auto resource = directory_.FindResource(resource_identifier);
  if (!resource) return sts::ResourceNotFound(resource_identifier, tenant.id);
  const auto assigned = directory_.AssignedRoleIds(requester.service_principal_id, resource->service_principal_id);
  // Any assignment satisfies the requirement, including one to a role disabled since.
  if (resource->assignment_required && assigned.empty()) {
    return sts::NotAssignedToRole(requester.app_id, requester.display_name, resource->app_id, resource->display_name);
  }
  auto uti = RandomToken(16);
  if (!uti) return uti.error();
  auto aio = RandomToken(48);
  if (!aio) return aio.error();
  const std::int64_t now = Now();
  const ClaimInputs inputs{tenant, *resource,        resource_identifier, requester,      method, RoleValues(*resource, assigned),
                           now,    lifetime_seconds, std::move(*uti),     std::move(*aio)};
  const Version version = resource->access_token_version == 2 ? Version::kV2 : Version::kV1;
  auto token = SignAccessToken(AccessTokenClaims(inputs, options_.authority), version);
  if (!token) return token.error();
  return IssuedToken{std::move(*token), std::string(resource_identifier), now, now + lifetime_seconds, lifetime_seconds};
}

base::Result<std::string> TokenService::SignAgain(const boost::json::object& claims) const {
  const boost::json::value* ver = claims.if_contains("ver");
  const bool v2 = ver && ver->is_string() && ver->get_string() == "2.0";
  return SignAccessToken(claims, v2 ? Version::kV2 : Version::kV1);
}

// v1 tokens carry the legacy x5t next to kid (the same value); v2 tokens only kid.
base::Result<std::string> TokenService::SignAccessToken(const boost::json::object& claims, Version version) const {
  boost::json::object header{{"typ", "JWT"}, {"alg", "RS256"}};
  if (version == Version::kV1) header["x5t"] = key_.Kid();
  header["kid"] = key_.Kid();
  auto token = crypto::SignJwt(header, claims, crypto::JwtAlg::kRs256, key_.PrivateKey());
  if (!token) return sts::Internal("sign access token: " + token.error().message);
  return std::move(*token);
}

}  // namespace entragate::emulator
