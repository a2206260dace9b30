// What a client may write to each entity type, and the rules Graph enforces on it (docs/graph-behaviour.md §1,
// §2.5–2.7). Rules on the values entragate manages come from emulator/graph/entra_rules, the local tenant's
// own reading of them, not from the engine's: a test checks that the two readings agree.
#include <algorithm>
#include <set>

#include <boost/json.hpp>

#include "emulator/graph/graph_entities.h"
#include "emulator/graph/graph_size_limits.h"
#include "base/ascii.h"
#include "emulator/graph/entra_rules.h"

namespace entragate::emulator {

namespace {

enum class Kind { kString, kBool, kInt, kStringArray, kObject, kArray, kGuid };

struct Prop {
  const char* name;
  Kind kind;
  bool nullable;
  bool writable;  ///< false: read-only, a write is refused
};

const std::vector<Prop>& Props(EntityType type) {
  static const std::vector<Prop> kApplication = {
      {"id", Kind::kGuid, false, false},
      {"deletedDateTime", Kind::kString, true, false},
      {"addIns", Kind::kArray, false, true},
      {"api", Kind::kObject, true, true},
      {"appId", Kind::kString, false, false},
      {"applicationTemplateId", Kind::kString, true, false},
      {"appRoles", Kind::kArray, false, true},
      {"certification", Kind::kObject, true, false},
      {"createdDateTime", Kind::kString, true, false},
      {"defaultRedirectUri", Kind::kString, true, true},
      {"description", Kind::kString, true, true},
      {"disabledByMicrosoftStatus", Kind::kString, true, false},
      {"displayName", Kind::kString, true, true},
      {"groupMembershipClaims", Kind::kString, true, true},
      {"identifierUris", Kind::kStringArray, false, true},
      {"info", Kind::kObject, true, true},
      {"isDeviceOnlyAuthSupported", Kind::kBool, true, true},
      {"isFallbackPublicClient", Kind::kBool, true, true},
      {"keyCredentials", Kind::kArray, false, true},
      {"nativeAuthenticationApisEnabled", Kind::kString, true, true},
      {"notes", Kind::kString, true, true},
      {"oauth2RequirePostResponse", Kind::kBool, false, true},
      {"optionalClaims", Kind::kObject, true, true},
      {"parentalControlSettings", Kind::kObject, true, true},
      {"passwordCredentials", Kind::kArray, false, true},
      {"publicClient", Kind::kObject, true, true},
      {"publisherDomain", Kind::kString, true, false},
      {"requestSignatureVerification", Kind::kObject, true, true},
      {"requiredResourceAccess", Kind::kArray, false, true},
      {"samlMetadataUrl", Kind::kString, true, true},
      {"serviceManagementReference", Kind::kString, true, true},
      {"servicePrincipalLockConfiguration", Kind::kObject, true, true},
      {"signInAudience", Kind::kString, true, true},
      {"spa", Kind::kObject, true, true},
      {"tags", Kind::kStringArray, false, true},
      {"tokenEncryptionKeyId", Kind::kGuid, true, true},
      {"uniqueName", Kind::kString, true, false},
      {"verifiedPublisher", Kind::kObject, true, false},
      {"web", Kind::kObject, true, true},
  };
  static const std::vector<Prop> kServicePrincipal = {
      {"id", Kind::kGuid, false, false},
      {"deletedDateTime", Kind::kString, true, false},
      {"accountEnabled", Kind::kBool, true, true},
      {"addIns", Kind::kArray, false, true},
      {"alternativeNames", Kind::kStringArray, false, true},
      {"appDescription", Kind::kString, true, false},
      {"appDisplayName", Kind::kString, true, false},
      {"appId", Kind::kString, true, false},
      {"applicationTemplateId", Kind::kString, true, false},
      {"appOwnerOrganizationId", Kind::kGuid, true, false},
      {"appRoleAssignmentRequired", Kind::kBool, false, true},
      {"appRoles", Kind::kArray, false, false},
      {"description", Kind::kString, true, true},
      {"disabledByMicrosoftStatus", Kind::kString, true, false},
      {"displayName", Kind::kString, true, true},
      {"homepage", Kind::kString, true, true},
      {"info", Kind::kObject, true, true},
      {"keyCredentials", Kind::kArray, false, true},
      {"loginUrl", Kind::kString, true, true},
      {"logoutUrl", Kind::kString, true, true},
      {"notes", Kind::kString, true, true},
      {"notificationEmailAddresses", Kind::kStringArray, false, true},
      {"oauth2PermissionScopes", Kind::kArray, false, false},
      {"passwordCredentials", Kind::kArray, false, false},
      {"preferredSingleSignOnMode", Kind::kString, true, true},
      {"preferredTokenSigningKeyThumbprint", Kind::kString, true, true},
      {"replyUrls", Kind::kStringArray, false, true},
      {"resourceSpecificApplicationPermissions", Kind::kArray, false, false},
      {"samlSingleSignOnSettings", Kind::kObject, true, true},
      {"servicePrincipalNames", Kind::kStringArray, false, true},
      {"servicePrincipalType", Kind::kString, true, false},
      {"signInAudience", Kind::kString, true, false},
      {"tags", Kind::kStringArray, false, true},
      {"tokenEncryptionKeyId", Kind::kGuid, true, true},
      {"verifiedPublisher", Kind::kObject, true, false},
  };
  static const std::vector<Prop> kAssignment = {
      {"id", Kind::kString, false, false},
      {"deletedDateTime", Kind::kString, true, false},
      {"appRoleId", Kind::kGuid, false, true},
      {"createdDateTime", Kind::kString, true, false},
      {"principalDisplayName", Kind::kString, true, false},
      {"principalId", Kind::kGuid, true, true},
      {"principalType", Kind::kString, true, false},
      {"resourceDisplayName", Kind::kString, true, true},
      {"resourceId", Kind::kGuid, true, true},
  };
  static const std::vector<Prop> kFederated = {
      {"id", Kind::kGuid, false, false},      {"name", Kind::kString, false, true},           {"issuer", Kind::kString, false, true},
      {"subject", Kind::kString, true, true}, {"audiences", Kind::kStringArray, false, true}, {"description", Kind::kString, true, true},
  };
  static const std::vector<Prop> kNone;
  switch (type) {
    case EntityType::kApplication: return kApplication;
    case EntityType::kServicePrincipal: return kServicePrincipal;
    case EntityType::kAppRoleAssignment: return kAssignment;
    case EntityType::kFederatedIdentityCredential: return kFederated;
    default: return kNone;
  }
}

bool HasKind(const json::value& v, Kind kind) {
  switch (kind) {
    case Kind::kString: return v.is_string();
    case Kind::kBool: return v.is_bool();
    case Kind::kInt: return v.is_int64() || v.is_uint64();
    case Kind::kGuid: return v.is_string() && base::IsGuid(v.as_string());
    case Kind::kObject: return v.is_object();
    case Kind::kArray: return v.is_array();
    case Kind::kStringArray:
      return v.is_array() && std::all_of(v.as_array().begin(), v.as_array().end(), [](const json::value& x) { return x.is_string(); });
  }
  return false;
}

std::optional<GraphError> CheckAppRoles(const json::array& roles) {
  std::set<std::string> ids, values;
  for (const auto& r : roles) {
    if (!r.is_object()) return GraphError::InvalidProperty("appRoles", "Application");
    const auto& role = r.as_object();
    const json::value* id = role.if_contains("id");
    if (!id || !HasKind(*id, Kind::kGuid) || !ids.insert(base::LowerAscii(id->as_string())).second)
      return GraphError::InvalidProperty("id", "AppRole");
    const json::value* types = role.if_contains("allowedMemberTypes");
    if (!types || !HasKind(*types, Kind::kStringArray) || types->as_array().empty())
      return GraphError::InvalidProperty("allowedMemberTypes", "AppRole");
    for (const auto& t : types->as_array())
      if (t.as_string() != "User" && t.as_string() != "Application") return GraphError::InvalidProperty("allowedMemberTypes", "AppRole");
    const json::value* value = role.if_contains("value");
    if (value && !value->is_null()) {
      if (!value->is_string() || !entra::IsValidRoleValue(value->as_string()) || !values.insert(std::string(value->as_string())).second)
        return GraphError::InvalidProperty("value", "AppRole");
    }
    if (const json::value* enabled = role.if_contains("isEnabled"); enabled && !enabled->is_bool())
      return GraphError::InvalidProperty("isEnabled", "AppRole");
    for (const auto& [key, v] : role) {
      static const std::set<std::string, std::less<>> kKnown = {"id",          "allowedMemberTypes", "value", "isEnabled",
                                                                "displayName", "description",        "origin"};
      if (!kKnown.count(key)) return GraphError::UnknownProperty(key);
    }
  }
  return std::nullopt;
}

std::optional<GraphError> CheckOptionalClaims(const json::value& claims) {
  if (claims.is_null()) return std::nullopt;
  for (const auto& [key, v] : claims.as_object()) {
    std::optional<entra::TokenKind> kind = entra::TokenKindOfMember(key);
    if (!kind) return GraphError::UnknownProperty(key);
    if (v.is_null()) continue;
    if (!v.is_array()) return GraphError::InvalidProperty(key, "OptionalClaims");
    for (const auto& c : v.as_array()) {
      const json::object* claim = c.if_object();
      const json::value* name = claim ? claim->if_contains("name") : nullptr;
      if (!name || !name->is_string()) return GraphError::InvalidProperty("name", "OptionalClaim");
      const json::value* source = claim->if_contains("source");
      if (source && !source->is_null() && !source->is_string()) return GraphError::InvalidProperty("source", "OptionalClaim");
      if (const json::value* essential = claim->if_contains("essential"); essential && !essential->is_bool())
        return GraphError::InvalidProperty("essential", "OptionalClaim");
      if (const json::value* more = claim->if_contains("additionalProperties"); more && !HasKind(*more, Kind::kStringArray))
        return GraphError::InvalidProperty("additionalProperties", "OptionalClaim");
      bool predefined = !source || source->is_null();
      if (predefined && !entra::IsPredefinedOptionalClaim(*kind, name->as_string())) return GraphError::InvalidProperty("name", "OptionalClaim");
    }
  }
  return std::nullopt;
}

// The members of complex values that the emulator (and a token) reads: a wrong type there is
// refused like Graph does, rather than stored and tripped over later.
struct Member {
  const char* owner;  ///< the application property holding the complex value
  const char* name;
  Kind kind;
  const char* resource;  ///< the complex type's name in Graph's message
};

std::optional<GraphError> CheckMembers(const json::object& body) {
  static const Member kMembers[] = {
      {"api", "requestedAccessTokenVersion", Kind::kInt, "ApiApplication"},
      {"api", "acceptMappedClaims", Kind::kBool, "ApiApplication"},
      {"api", "knownClientApplications", Kind::kStringArray, "ApiApplication"},
      {"api", "oauth2PermissionScopes", Kind::kArray, "ApiApplication"},
      {"api", "preAuthorizedApplications", Kind::kArray, "ApiApplication"},
      {"web", "redirectUris", Kind::kStringArray, "WebApplication"},
      {"web", "homePageUrl", Kind::kString, "WebApplication"},
      {"web", "logoutUrl", Kind::kString, "WebApplication"},
      {"web", "implicitGrantSettings", Kind::kObject, "WebApplication"},
      {"web", "redirectUriSettings", Kind::kArray, "WebApplication"},
      {"spa", "redirectUris", Kind::kStringArray, "SpaApplication"},
      {"publicClient", "redirectUris", Kind::kStringArray, "PublicClientApplication"},
  };
  for (const auto& m : kMembers) {
    const json::value* owner = body.if_contains(m.owner);
    const json::value* v = owner && owner->is_object() ? owner->as_object().if_contains(m.name) : nullptr;
    bool collection = m.kind == Kind::kStringArray || m.kind == Kind::kArray;  // never null in Graph
    if (v && (v->is_null() ? collection : !HasKind(*v, m.kind))) return GraphError::InvalidProperty(m.name, m.resource);
  }
  // Lists whose items are complex values.
  for (const char* list : {"keyCredentials", "passwordCredentials", "requiredResourceAccess", "addIns"}) {
    const json::value* v = body.if_contains(list);
    if (v && v->is_array())
      for (const auto& item : v->as_array())
        if (!item.is_object()) return GraphError::InvalidProperty(list, "Application");
  }
  if (const json::value* scopes = body.if_contains("api"); scopes && scopes->is_object())
    if (const json::value* list = scopes->as_object().if_contains("oauth2PermissionScopes"); list && list->is_array())
      for (const auto& item : list->as_array()) {
        const json::value* id = item.is_object() ? item.as_object().if_contains("id") : nullptr;
        if (!id || !HasKind(*id, Kind::kGuid)) return GraphError::InvalidProperty("oauth2PermissionScopes", "ApiApplication");
      }
  return std::nullopt;
}

std::optional<GraphError> CheckApplicationValues(const json::object& body) {
  if (auto e = CheckMembers(body)) return e;
  if (const json::value* roles = body.if_contains("appRoles"))
    if (auto e = CheckAppRoles(roles->as_array())) return e;
  if (const json::value* claims = body.if_contains("optionalClaims"))
    if (auto e = CheckOptionalClaims(*claims)) return e;
  if (const json::value* audience = body.if_contains("signInAudience"); audience && audience->is_string()) {
    static const std::set<std::string, std::less<>> kAudiences = {"AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount",
                                                                  "PersonalMicrosoftAccount"};
    if (!kAudiences.count(audience->as_string())) return GraphError::InvalidProperty("signInAudience", "Application");
  }
  if (const json::value* api = body.if_contains("api"); api && api->is_object()) {
    if (const json::value* v = api->as_object().if_contains("requestedAccessTokenVersion"); v && !v->is_null()) {
      if (!(v->is_int64() && (v->as_int64() == 1 || v->as_int64() == 2)))
        return GraphError::InvalidProperty("requestedAccessTokenVersion", "ApiApplication");
    }
  }
  if (const json::value* uris = body.if_contains("identifierUris")) {
    for (const auto& u : uris->as_array())
      if (!entra::IsWellFormedIdentifierUri(u.as_string())) return GraphError::InvalidProperty("identifierUris", "Application");
  }
  return std::nullopt;
}

}  // namespace

std::optional<GraphError> ValidateWrite(EntityType type, const json::object& body, bool creating) {
  const auto& props = Props(type);
  for (const auto& [key, value] : body) {
    if (key == "@odata.type") continue;
    auto prop = std::find_if(props.begin(), props.end(), [&](const Prop& p) { return key == p.name; });
    if (prop == props.end()) return GraphError::UnknownProperty(key);
    bool create_only_key = creating && type == EntityType::kServicePrincipal && key == "appId";
    if (!prop->writable && !create_only_key) return GraphError::ReadOnlyProperty(key);
    if (value.is_null() ? !prop->nullable : !HasKind(value, prop->kind)) return GraphError::InvalidProperty(key, ResourceName(type));
  }
  if (auto e = CheckSizeLimits(type, body)) return e;
  if (type == EntityType::kApplication) return CheckApplicationValues(body);
  return std::nullopt;
}

}  // namespace entragate::emulator
