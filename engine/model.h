#pragma once
// The desired model: what the manifests say, with defaults expanded, role ids derived, references
// between manifest elements resolved and a source location on every element. Plain structs; the
// invariants are in the field comments. Graph names appear only in comments and in JSON/YAML.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/diag.h"

namespace entragate::engine {

/// The tag entragate puts on every application it creates.
inline constexpr const char* kMarkerTag = "entragate:managed";
/// An owned set also marks what it creates as its own: kOwnerTagPrefix + settings.owner. Prune only
/// ever deletes applications that carry the set's own owner tag.
inline constexpr const char* kOwnerTagPrefix = "entragate:managed:";
std::string OwnerTag(const std::string& owner);  ///< empty when owner is empty

/// How an identity in `identities:` is found in the tenant.
enum class IdentitySelector {
  kManagedIdentity,   ///< display name of a servicePrincipal with servicePrincipalType ManagedIdentity
  kResourceId,        ///< ARM resource id, matched against servicePrincipal.alternativeNames
  kAppId,             ///< any service principal, by its appId (client id)
  kObjectId,          ///< any principal (service principal, user or group), by object id
  kServicePrincipal,  ///< any service principal, by display name
  kGroup,             ///< group by display name or object id
  kUser,              ///< user by userPrincipalName or object id
};

/// Which appRole.allowedMemberTypes entry a principal needs: Application for service principals,
/// User for users and groups.
enum class MemberType { kApplication, kUser, kUnknown /* objectId: known only once resolved */ };

const char* ToYamlKey(IdentitySelector s);  ///< e.g. "managedIdentity"
MemberType MemberTypeOf(IdentitySelector s);
const char* ToGraph(MemberType t);  ///< "Application" / "User"

struct Identity {
  std::string name;  ///< the local name used in `access`
  IdentitySelector selector = IdentitySelector::kManagedIdentity;
  std::string value;  ///< what the selector matches (GUIDs lower-cased)
  SourceLoc loc;      ///< the name's position
};

struct OptionalClaim {
  std::string name;
  std::optional<std::string> source;  ///< null: a predefined claim; "user": an extension attribute
  bool essential = false;
  std::vector<std::string> additional_properties;
  SourceLoc loc;
};

/// Present in the manifest → authoritative for all three token types (a missing list means empty).
struct OptionalClaims {
  std::vector<OptionalClaim> id_token, access_token, saml2_token;
  SourceLoc loc;
};

struct AppRole {
  std::string value;                              ///< the roles-claim value; unique within the app
  std::string id;                                 ///< lower-case GUID; explicit, or UUIDv5(app key, value)
  bool id_derived = true;                         ///< true when id was derived: an existing role's id wins
  std::string display_name;                       ///< defaults to value
  std::string description;                        ///< defaults to display_name
  std::vector<std::string> allowed_member_types;  ///< "Application" and/or "User", sorted, no duplicates
  bool enabled = true;
  SourceLoc loc;     ///< the value's position (the map key)
  SourceLoc id_loc;  ///< the explicit id's position; invalid when derived
};

/// One identity that must hold one role. `principal` names either an entry of `identities` or an app
/// key of this manifest (that app's own service principal).
struct Grant {
  std::string role;       ///< an AppRole.value of the same app
  std::string principal;  ///< identity name or app key
  bool principal_is_app = false;
  SourceLoc loc;
};

/// One owner of an application or of its service principal: an entry of `identities` (a service
/// principal or a user; groups cannot own applications) or an app key of this manifest (that app's
/// own service principal).
struct Owner {
  std::string principal;  ///< identity name or app key
  bool principal_is_app = false;
  SourceLoc loc;
};

struct Adopt {
  enum class By { kAppId, kObjectId };
  By by = By::kAppId;
  std::string id;  ///< lower-case GUID
  SourceLoc loc;
};

/// An identifier URI as written, with {appId} and {tenantId} still unexpanded.
struct UriTemplate {
  std::string text;
  SourceLoc loc;
};

struct App {
  std::string key;  ///< becomes the application's uniqueName
  SourceLoc loc;    ///< the key's position
  std::string display_name;
  std::optional<std::string> description;  ///< absent → not managed
  std::optional<std::string> notes;
  std::string sign_in_audience = "AzureADMyOrg";      ///< always managed; default expanded
  std::optional<int> requested_access_token_version;  ///< 1 or 2; absent → not managed
  std::optional<std::vector<std::string>> tags;       ///< exact set besides kMarkerTag; absent → only the marker is ensured
  std::optional<std::vector<UriTemplate>> identifier_uris;
  std::optional<OptionalClaims> optional_claims;
  std::optional<std::vector<AppRole>> app_roles;  ///< present → the exact set, sorted by value
  std::optional<bool> assignment_required;
  std::optional<std::vector<Grant>> access;      ///< present → exact set of assignments, sorted
  std::map<std::string, SourceLoc> access_locs;  ///< role value → its key's position under access
  std::optional<std::vector<Owner>> owners;      ///< present → the exact set of the application's owners, sorted
  std::optional<std::vector<Owner>> sp_owners;   ///< servicePrincipalOwners: the same for its service principal
  std::optional<Adopt> adopt;
  std::map<std::string, SourceLoc> field_locs;  ///< manifest key (e.g. "displayName") → its position

  const AppRole* FindRole(const std::string& value) const;
  SourceLoc LocOf(const std::string& field) const;  ///< the field's position, else the app's
};

struct Settings {
  bool prune_apps = false;
  bool purge_deleted = false;  ///< --purge-deleted: a deleted app the manifest wants is deleted for good and created anew
  std::string owner;           ///< who this set belongs to (an app-key-like name); empty when not given.
                               ///< Never empty when prune_apps is true in a set that loaded without errors.
  SourceLoc loc;
  SourceLoc owner_loc;  ///< the owner value's position; invalid when absent
};

struct DesiredState {
  std::optional<std::string> tenant;  ///< guard: GUID (lower-cased) or domain name
  SourceLoc tenant_loc;
  std::map<std::string, Identity> identities;
  std::vector<App> apps;  ///< sorted by key
  Settings settings;
  std::vector<std::string> files;         ///< the manifest files read, in order
  std::string environment;                ///< the environment this state is for; empty when the set declares none
  std::vector<std::string> environments;  ///< every environment the set declares, in order
  std::vector<std::string> only_apps;     ///< --app: plan only these apps (never prune); empty: all
  std::vector<Diagnostic> warnings;       ///< the loader's warnings, which a plan carries along

  const App* FindApp(const std::string& key) const;
};

/// What app keys, identity and environment names must look like: letters, digits, '.', '_' and '-',
/// starting with a letter or digit, at most 120 characters.
bool IsValidName(std::string_view name);

}  // namespace entragate::engine
