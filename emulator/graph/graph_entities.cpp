#include "emulator/graph/graph_entities.h"
#include "emulator/graph/json_read.h"

#include <ctime>
#include <algorithm>
#include <chrono>
#include <set>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "base/ascii.h"

namespace entragate::emulator {

const char* ODataType(EntityType t) {
  switch (t) {
    case EntityType::kApplication: return "#microsoft.graph.application";
    case EntityType::kServicePrincipal: return "#microsoft.graph.servicePrincipal";
    case EntityType::kAppRoleAssignment: return "#microsoft.graph.appRoleAssignment";
    case EntityType::kUser: return "#microsoft.graph.user";
    case EntityType::kGroup: return "#microsoft.graph.group";
    case EntityType::kFederatedIdentityCredential: return "#microsoft.graph.federatedIdentityCredential";
  }
  return "";
}

const char* ResourceName(EntityType t) {
  switch (t) {
    case EntityType::kApplication: return "Application";
    case EntityType::kServicePrincipal: return "ServicePrincipal";
    case EntityType::kAppRoleAssignment: return "AppRoleAssignment";
    case EntityType::kUser: return "User";
    case EntityType::kGroup: return "Group";
    case EntityType::kFederatedIdentityCredential: return "FederatedIdentityCredential";
  }
  return "";
}

int64_t ParseIsoTime(std::string_view text) {
  std::tm tm{};
  if (text.size() < 19 || !strptime(std::string(text.substr(0, 19)).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string IsoTime(int64_t unix_seconds) { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(unix_seconds))); }

std::string IsoNow() {
  using namespace std::chrono;
  return IsoTime(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
}

json::object NewApplication(const TenantInfo& tenant, const std::string& id, const std::string& app_id) {
  return json::object{
      {"id", id},
      {"deletedDateTime", nullptr},
      {"addIns", json::array{}},
      {"api", json::object{{"acceptMappedClaims", nullptr},
                           {"knownClientApplications", json::array{}},
                           {"oauth2PermissionScopes", json::array{}},
                           {"preAuthorizedApplications", json::array{}},
                           {"requestedAccessTokenVersion", nullptr}}},
      {"appId", app_id},
      {"applicationTemplateId", nullptr},
      {"appRoles", json::array{}},
      {"certification", nullptr},
      {"createdDateTime", IsoNow()},
      {"defaultRedirectUri", nullptr},
      {"description", nullptr},
      {"disabledByMicrosoftStatus", nullptr},
      {"displayName", nullptr},
      {"groupMembershipClaims", nullptr},
      {"identifierUris", json::array{}},
      {"info", json::object{{"logoUrl", nullptr},
                            {"marketingUrl", nullptr},
                            {"privacyStatementUrl", nullptr},
                            {"supportUrl", nullptr},
                            {"termsOfServiceUrl", nullptr}}},
      {"isDeviceOnlyAuthSupported", nullptr},
      {"isFallbackPublicClient", nullptr},
      {"keyCredentials", json::array{}},
      {"nativeAuthenticationApisEnabled", nullptr},
      {"notes", nullptr},
      {"oauth2RequirePostResponse", false},
      {"optionalClaims", nullptr},
      {"parentalControlSettings", json::object{{"countriesBlockedForMinors", json::array{}}, {"legalAgeGroupRule", "Allow"}}},
      {"passwordCredentials", json::array{}},
      {"publicClient", json::object{{"redirectUris", json::array{}}}},
      {"publisherDomain", tenant.domains.empty() ? std::string() : tenant.domains.front()},
      {"requestSignatureVerification", nullptr},
      {"requiredResourceAccess", json::array{}},
      {"samlMetadataUrl", nullptr},
      {"serviceManagementReference", nullptr},
      {"servicePrincipalLockConfiguration", nullptr},
      {"signInAudience", "AzureADMyOrg"},
      {"spa", json::object{{"redirectUris", json::array{}}}},
      {"tags", json::array{}},
      {"tokenEncryptionKeyId", nullptr},
      {"uniqueName", nullptr},
      {"verifiedPublisher", json::object{{"displayName", nullptr}, {"verifiedPublisherId", nullptr}, {"addedDateTime", nullptr}}},
      {"web", json::object{{"homePageUrl", nullptr},
                           {"logoutUrl", nullptr},
                           {"redirectUris", json::array{}},
                           {"implicitGrantSettings", json::object{{"enableAccessTokenIssuance", false}, {"enableIdTokenIssuance", false}}},
                           {"redirectUriSettings", json::array{}}}},
  };
}

namespace {

json::object BaseServicePrincipal(const TenantInfo& tenant, const std::string& id, const std::string& app_id) {
  return json::object{
      {"id", id},
      {"deletedDateTime", nullptr},
      {"accountEnabled", true},
      {"addIns", json::array{}},
      {"alternativeNames", json::array{}},
      {"appDescription", nullptr},
      {"appDisplayName", nullptr},
      {"appId", app_id},
      {"applicationTemplateId", nullptr},
      {"appOwnerOrganizationId", tenant.id},
      {"appRoleAssignmentRequired", false},
      {"appRoles", json::array{}},
      {"description", nullptr},
      {"disabledByMicrosoftStatus", nullptr},
      {"displayName", nullptr},
      {"homepage", nullptr},
      {"info", json::object{{"logoUrl", nullptr},
                            {"marketingUrl", nullptr},
                            {"privacyStatementUrl", nullptr},
                            {"supportUrl", nullptr},
                            {"termsOfServiceUrl", nullptr}}},
      {"keyCredentials", json::array{}},
      {"loginUrl", nullptr},
      {"logoutUrl", nullptr},
      {"notes", nullptr},
      {"notificationEmailAddresses", json::array{}},
      {"oauth2PermissionScopes", json::array{}},
      {"passwordCredentials", json::array{}},
      {"preferredSingleSignOnMode", nullptr},
      {"preferredTokenSigningKeyThumbprint", nullptr},
      {"replyUrls", json::array{}},
      {"resourceSpecificApplicationPermissions", json::array{}},
      {"samlSingleSignOnSettings", nullptr},
      {"servicePrincipalNames", json::array{app_id}},
      {"servicePrincipalType", "Application"},
      {"signInAudience", "AzureADMyOrg"},
      {"tags", json::array{}},
      {"tokenEncryptionKeyId", nullptr},
      {"verifiedPublisher", json::object{{"displayName", nullptr}, {"verifiedPublisherId", nullptr}, {"addedDateTime", nullptr}}},
  };
}

}  // namespace

void SyncServicePrincipal(json::object& sp, const json::object& app) {
  sp["appDisplayName"] = app.at("displayName");
  sp["appDescription"] = app.at("description");
  sp["signInAudience"] = app.at("signInAudience");
  // The SP exposes the application's roles, each marked as defined by the application.
  json::array roles;
  for (const auto& r : app.at("appRoles").as_array()) {
    json::object role = r.as_object();
    role["origin"] = "Application";
    roles.push_back(std::move(role));
  }
  sp["appRoles"] = std::move(roles);
  json::array names{app.at("appId")};
  for (const auto& uri : app.at("identifierUris").as_array()) names.push_back(uri);
  sp["servicePrincipalNames"] = std::move(names);
  // The SP's tags are the union of its own and the application's (docs/graph-behaviour.md §1.3).
  json::array tags = sp.contains("_ownTags") ? sp.at("_ownTags").as_array() : json::array{};
  for (const auto& t : app.at("tags").as_array())
    if (std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  sp["tags"] = std::move(tags);
}

json::object NewServicePrincipal(const json::object& app, const TenantInfo& tenant, const std::string& id) {
  json::object sp = BaseServicePrincipal(tenant, id, StringAt(app, "appId"));
  sp["displayName"] = app.at("displayName");
  sp["_ownTags"] = json::array{};
  SyncServicePrincipal(sp, app);
  return sp;
}

std::string EntraArmId(std::string_view resource_id) {
  std::string out(resource_id);
  const std::string lower = base::LowerAscii(out);
  constexpr std::string_view kSegment = "/resourcegroups/";
  for (auto at = lower.find(kSegment); at != std::string::npos; at = lower.find(kSegment, at + 1)) out.replace(at, kSegment.size(), kSegment);
  return out;
}

json::object NewManagedIdentityServicePrincipal(const TenantInfo& tenant, const std::string& id, const std::string& app_id,
                                                const std::string& display_name, const std::string& resource_id, bool user_assigned) {
  json::object sp = BaseServicePrincipal(tenant, id, app_id);
  sp["displayName"] = display_name;
  sp["servicePrincipalType"] = "ManagedIdentity";
  sp["appOwnerOrganizationId"] = nullptr;
  sp["alternativeNames"] = json::array{user_assigned ? "isExplicit=True" : "isExplicit=False", EntraArmId(resource_id)};
  sp["servicePrincipalNames"] = json::array{app_id, "https://identity.azure.net/" + app_id};
  sp["_ownTags"] = json::array{};
  return sp;
}

json::object NewAssignment(const std::string& id, const json::object& principal, const std::string& principal_type, const json::object& resource_sp,
                           const std::string& app_role_id) {
  return json::object{
      {"id", id},
      {"deletedDateTime", nullptr},
      {"appRoleId", app_role_id},
      {"createdDateTime", IsoNow()},
      {"principalDisplayName", principal.at("displayName")},
      {"principalId", principal.at("id")},
      {"principalType", principal_type},
      {"resourceDisplayName", resource_sp.at("displayName")},
      {"resourceId", resource_sp.at("id")},
  };
}

std::string AssignmentId(const std::string& principal_id, const std::string& resource_id, const std::string& app_role_id) {
  // Bytes 0-15: the principal id as .NET writes a GUID (first three groups little-endian).
  std::string guid = crypto::ParseUuid(principal_id).ok() ? crypto::ParseUuid(principal_id).value() : std::string(16, '\0');
  std::reverse(guid.begin(), guid.begin() + 4);
  std::reverse(guid.begin() + 4, guid.begin() + 6);
  std::reverse(guid.begin() + 6, guid.begin() + 8);
  std::string tail = crypto::Sha256(resource_id + "/" + app_role_id).substr(0, 16);
  return crypto::Base64UrlEncode(guid + tail);
}

json::object Present(const json::object& stored, const std::vector<std::string>& select) {
  json::object out;
  for (const auto& [key, value] : stored) {
    if (!key.empty() && key[0] == '_') continue;
    if (!select.empty() && std::none_of(select.begin(), select.end(), [&](const std::string& s) { return s == key; })) continue;
    out[key] = value;
  }
  return out;
}

}  // namespace entragate::emulator
