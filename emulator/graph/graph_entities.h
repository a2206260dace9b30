#pragma once
// The shapes of the directory objects the emulator serves: full default representations (every
// non-navigation property of the official schema, as Graph returns them), what a client may write,
// and how a stored object is presented ($select, internal members removed).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "emulator/graph/graph_errors.h"
#include "emulator/identity/token_directory.h"
#include "emulator/graph/room.h"

namespace entragate::emulator {

namespace json = boost::json;

enum class EntityType { kApplication, kServicePrincipal, kAppRoleAssignment, kUser, kGroup, kFederatedIdentityCredential };
const char* ODataType(EntityType t);     ///< "#microsoft.graph.application"
const char* ResourceName(EntityType t);  ///< "Application", as Graph names it in error messages

/// Now, as Graph writes DateTimeOffset values: "2026-11-29T15:10:09Z".
std::string IsoNow();
std::string IsoTime(int64_t unix_seconds);
/// "2026-11-29T15:10:09Z" (fractions and zone ignored) → unix seconds; 0 when unreadable.
int64_t ParseIsoTime(std::string_view text);

json::object NewApplication(const TenantInfo& tenant, const std::string& id, const std::string& app_id);
json::object NewServicePrincipal(const json::object& app, const TenantInfo& tenant, const std::string& id);
/// Copies what a service principal mirrors from its application (display name, roles, tags, names).
/// Of the service principal it reads only "_ownTags", so it can fill an object holding just that.
void SyncServicePrincipal(json::object& sp, const json::object& app);
/// An ARM resource id as Entra writes it into alternativeNames and tokens: the resourceGroups segment
/// in lower case (docs/graph-behaviour.md §13.3); the rest as given.
std::string EntraArmId(std::string_view resource_id);
/// The ARM id is written as EntraArmId does.
json::object NewManagedIdentityServicePrincipal(const TenantInfo& tenant, const std::string& id, const std::string& app_id,
                                                const std::string& display_name, const std::string& resource_id, bool user_assigned);
json::object NewAssignment(const std::string& id, const json::object& principal, const std::string& principal_type, const json::object& resource_sp,
                           const std::string& app_role_id);

/// Checks a POST/PATCH body against what the type lets a client write: unknown properties, read-only
/// ones, wrong JSON types, and the rules Graph enforces on the fields entragate manages.
std::optional<GraphError> ValidateWrite(EntityType type, const json::object& body, bool creating);

/// The object as served: members starting with '_' removed; with `select`, only those properties.
json::object Present(const json::object& stored, const std::vector<std::string>& select);

/// The appRoleAssignment id Graph uses: base64url of the principal's GUID bytes (.NET order) and
/// another 16 bytes (docs/graph-behaviour.md §1.6). Stable for (principal, resource, role), so a duplicate POST
/// finds the existing assignment.
std::string AssignmentId(const std::string& principal_id, const std::string& resource_id, const std::string& app_role_id);

}  // namespace entragate::emulator
