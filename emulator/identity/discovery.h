#pragma once
// The identity platform's discovery documents (docs/graph-behaviour.md §7.7, §12): OpenID configuration v1
// and v2, and the instance-discovery answer msal asks for before anything else. Pure builders;
// every URL is spelled from the authority exactly as configured, because msal compares the
// issuer's scheme and host:port with the authority it was given.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "base/result.h"
#include "emulator/identity/room.h"

namespace entragate::emulator {

/// Whom a discovery document describes: one tenant, or the multi-tenant `common` /
/// `organizations` aliases.
struct DiscoveryTenant {
  std::string path_segment;   ///< endpoints' tenant segment: the tenant id, "common" or "organizations"
  std::string issuer_tenant;  ///< the tenant id, or Entra's template "{tenantid}" for multi-tenant
  std::string region;         ///< tenant_region_scope; empty → null (multi-tenant documents)
};

/// "{authority}/{tid}/v2.0": the v2 token issuer.
std::string V2Issuer(std::string_view authority, std::string_view tenant_id);
/// "https://sts.windows.net/{tid}/": the v1 token issuer, the same for every cloud and host.
std::string V1Issuer(std::string_view tenant_id);

boost::json::object OpenIdConfigurationV2(std::string_view authority, const DiscoveryTenant& tenant);
boost::json::object OpenIdConfigurationV1(std::string_view authority, const DiscoveryTenant& tenant);

/// The answer to GET /common/discovery/instance?authorization_endpoint=…: where the tenant's
/// OpenID configuration lives, and this host as its own only alias (spelled host:port, which is
/// how msal looks itself up in `aliases`). An authorization endpoint on another host, or none,
/// is refused with AADSTS50049.
base::Result<boost::json::object> InstanceDiscovery(std::string_view authority, std::string_view authorization_endpoint);

}  // namespace entragate::emulator
