#include "emulator/identity/discovery.h"

#include <boost/json.hpp>

#include "base/ascii.h"
#include "emulator/identity/sts_errors.h"

namespace entragate::emulator {

namespace {

// Values Entra's public cloud publishes. They name Microsoft services the emulator does not
// stand in for (Graph's userinfo, the RBAC service), so they are reproduced rather than invented.
constexpr std::string_view kCloudInstanceName = "microsoftonline.com";
constexpr std::string_view kCloudGraphHostName = "graph.windows.net";
constexpr std::string_view kMsGraphHost = "graph.microsoft.com";
constexpr std::string_view kRbacUrl = "https://pas.windows.net";

boost::json::array Strings(std::initializer_list<std::string_view> items) {
  boost::json::array out;
  for (auto item : items) out.emplace_back(item);
  return out;
}

boost::json::value Region(const DiscoveryTenant& tenant) {
  if (tenant.region.empty()) return nullptr;
  return boost::json::value(tenant.region);
}

void AddCloudFields(boost::json::object& doc, std::string_view base, const DiscoveryTenant& tenant) {
  doc["kerberos_endpoint"] = std::string(base) + "/kerberos";
  doc["tenant_region_scope"] = Region(tenant);
  doc["cloud_instance_name"] = kCloudInstanceName;
  doc["cloud_graph_host_name"] = kCloudGraphHostName;
  doc["msgraph_host"] = kMsGraphHost;
  doc["rbac_url"] = kRbacUrl;
}

std::string Base(std::string_view authority, const DiscoveryTenant& tenant) { return std::string(authority) + "/" + tenant.path_segment; }

}  // namespace

std::string V2Issuer(std::string_view authority, std::string_view tenant_id) {
  return std::string(authority) + "/" + std::string(tenant_id) + "/v2.0";
}

std::string V1Issuer(std::string_view tenant_id) { return "https://sts.windows.net/" + std::string(tenant_id) + "/"; }

boost::json::object OpenIdConfigurationV2(std::string_view authority, const DiscoveryTenant& tenant) {
  const std::string base = Base(authority, tenant);
  boost::json::object doc;
  doc["token_endpoint"] = base + "/oauth2/v2.0/token";
  doc["token_endpoint_auth_methods_supported"] = Strings({"client_secret_post", "private_key_jwt", "client_secret_basic"});
  doc["jwks_uri"] = base + "/discovery/v2.0/keys";
  doc["response_modes_supported"] = Strings({"query", "fragment", "form_post"});
  doc["subject_types_supported"] = Strings({"pairwise"});
  doc["id_token_signing_alg_values_supported"] = Strings({"RS256"});
  doc["response_types_supported"] = Strings({"code", "id_token", "code id_token", "id_token token"});
  doc["scopes_supported"] = Strings({"openid", "profile", "email", "offline_access"});
  doc["issuer"] = V2Issuer(authority, tenant.issuer_tenant);
  doc["request_uri_parameter_supported"] = false;
  doc["userinfo_endpoint"] = "https://graph.microsoft.com/oidc/userinfo";
  doc["authorization_endpoint"] = base + "/oauth2/v2.0/authorize";
  doc["device_authorization_endpoint"] = base + "/oauth2/v2.0/devicecode";
  doc["http_logout_supported"] = true;
  doc["frontchannel_logout_supported"] = true;
  doc["end_session_endpoint"] = base + "/oauth2/v2.0/logout";
  doc["claims_supported"] =
      Strings({"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat",
               "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"});
  AddCloudFields(doc, base, tenant);
  return doc;
}

boost::json::object OpenIdConfigurationV1(std::string_view authority, const DiscoveryTenant& tenant) {
  const std::string base = Base(authority, tenant);
  boost::json::object doc;
  doc["token_endpoint"] = base + "/oauth2/token";
  doc["token_endpoint_auth_methods_supported"] = Strings({"client_secret_post", "private_key_jwt", "client_secret_basic"});
  doc["jwks_uri"] = std::string(authority) + "/common/discovery/keys";
  doc["response_modes_supported"] = Strings({"query", "fragment", "form_post"});
  doc["subject_types_supported"] = Strings({"pairwise"});
  doc["id_token_signing_alg_values_supported"] = Strings({"RS256"});
  doc["http_logout_supported"] = true;
  doc["frontchannel_logout_supported"] = true;
  doc["end_session_endpoint"] = base + "/oauth2/logout";
  doc["response_types_supported"] = Strings({"code", "id_token", "code id_token", "token id_token", "token"});
  doc["scopes_supported"] = Strings({"openid"});
  doc["issuer"] = V1Issuer(tenant.issuer_tenant);
  doc["claims_supported"] = Strings({"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud",
                                     "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname"});
  doc["microsoft_multi_refresh_token"] = true;
  doc["check_session_iframe"] = base + "/oauth2/checksession";
  doc["userinfo_endpoint"] = base + "/openid/userinfo";
  AddCloudFields(doc, base, tenant);
  doc["authorization_endpoint"] = base + "/oauth2/authorize";
  doc["device_authorization_endpoint"] = base + "/oauth2/devicecode";
  return doc;
}

base::Result<boost::json::object> InstanceDiscovery(std::string_view authority, std::string_view authorization_endpoint) {
  const std::string prefix = std::string(authority) + "/";
  if (authorization_endpoint.size() <= prefix.size() || !base::EqualsIgnoreAsciiCase(authorization_endpoint.substr(0, prefix.size()), prefix)) {
    return sts::InvalidInstance();
  }
  std::string_view rest = authorization_endpoint.substr(prefix.size());
  const std::string_view tenant = rest.substr(0, rest.find('/'));
  if (tenant.empty()) return sts::InvalidInstance();

  constexpr std::string_view kSchemeEnd = "://";
  const auto scheme = authority.find(kSchemeEnd);
  const std::string host_port(scheme == std::string_view::npos ? authority : authority.substr(scheme + kSchemeEnd.size()));
  boost::json::object alias;
  alias["preferred_network"] = host_port;
  alias["preferred_cache"] = host_port;
  alias["aliases"] = Strings({host_port});
  boost::json::object doc;
  doc["tenant_discovery_endpoint"] = prefix + std::string(tenant) + "/v2.0/.well-known/openid-configuration";
  doc["api-version"] = "1.1";
  doc["metadata"] = boost::json::array{std::move(alias)};
  return doc;
}

}  // namespace entragate::emulator
