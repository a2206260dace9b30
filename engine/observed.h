#pragma once
// The observed model: what the provider read from the tenant, in the shape the planner compares
// with the desired model. Graph-shaped values (app roles, optional claims) stay as Graph JSON so a
// diff and a write use the same representation.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace entragate::engine {

struct ObservedAssignment {
  std::string id;  ///< Graph's appRoleAssignment id
  std::string app_role_id;
  std::string principal_id;
  std::string principal_type;  ///< ServicePrincipal, User, Group
  std::string principal_display_name;
  std::string created;  ///< createdDateTime
};

/// One owner of an application or a service principal, as GET …/owners lists it.
struct ObservedOwner {
  std::string id;    ///< object id, lower case
  std::string type;  ///< ServicePrincipal, User, Group (from @odata.type)
  std::string display_name;
};

struct ObservedServicePrincipal {
  std::string object_id;
  bool assignment_required = false;
  std::vector<ObservedAssignment> assigned_to;       ///< appRoleAssignedTo: who holds roles on this app
  std::optional<std::vector<ObservedOwner>> owners;  ///< read only when the manifest states servicePrincipalOwners
};

struct ObservedApp {
  std::string object_id;
  std::string app_id;
  std::string unique_name;    ///< empty when the app has none (adopted, or made elsewhere)
  boost::json::object graph;  ///< the application as read (selected properties)
  std::optional<ObservedServicePrincipal> service_principal;
  std::optional<std::vector<ObservedOwner>> owners;  ///< read only when the manifest states owners
};

/// How a manifest identity resolved in the tenant.
struct ResolvedIdentity {
  std::string name;
  std::string object_id;       ///< empty when not resolved
  std::string principal_type;  ///< ServicePrincipal, User, Group
  std::string display_name;
  std::string problem;  ///< not found / ambiguous, with what was found
};

struct ObservedState {
  std::string tenant_id;
  std::vector<std::string> tenant_domains;
  std::map<std::string, ObservedApp> apps;  ///< by manifest app key; absent: not in the tenant
  std::vector<ObservedApp> prunable;        ///< apps with the set's owner tag that the manifest no longer names (with SP and assignments)
  /// By manifest app key: apps the manifest wants that are not in the tenant but in its deleted items
  /// (by uniqueName, or the appId of an adopt), without service principal.
  std::map<std::string, ObservedApp> deleted;
  int64_t read_at = 0;                                 ///< when the tenant was read (Unix seconds; 0: unknown)
  std::map<std::string, ResolvedIdentity> identities;  ///< by manifest identity name
};

}  // namespace entragate::engine
