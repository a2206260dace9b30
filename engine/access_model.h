#pragma once
// What a provider reads for an access review: every application in scope with who holds its roles,
// who owns it and its service principal, the members of the groups that hold roles, and who can
// change assignments tenant-wide (Graph permissions, directory roles).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace entragate::engine {

/// A directory object as an access review names it.
struct AccessPrincipal {
  std::string id;
  std::string type;  ///< ServicePrincipal, User, Group (or another directory object type)
  std::string display_name;
  std::string upn;      ///< users only
  std::string sp_type;  ///< service principals: ManagedIdentity, Application, …
};

struct AccessGrant {
  std::string principal_id;
  std::string principal_type;  ///< ServicePrincipal, User, Group
  std::string principal_name;
  std::string role_id;
  std::string role;   ///< the role value; "default access" for the all-zero role
  std::string since;  ///< the assignment's createdDateTime
};

struct AccessRole {
  std::string id, value;
  std::vector<std::string> allowed_member_types;
};

struct AccessApp {
  std::string object_id, app_id, unique_name, display_name;
  bool managed = false;  ///< carries entragate's marker tag
  bool has_service_principal = false;
  std::string sp_id;
  bool assignment_required = false;
  std::vector<AccessRole> roles;
  std::vector<AccessGrant> grants;  ///< appRoleAssignedTo on its service principal
  std::vector<AccessPrincipal> app_owners, sp_owners;
};

/// A principal able to change any app's assignments or credentials, and why.
struct AccessChanger {
  AccessPrincipal who;
  std::string why;  ///< "holds Application.ReadWrite.All on Microsoft Graph", "Global Administrator"
};

struct AccessSnapshot {
  std::string tenant_id;
  int64_t read_at = 0;  ///< Unix seconds
  std::vector<AccessApp> apps;
  std::map<std::string, std::vector<AccessPrincipal>> group_members;  ///< by lower-case group id: direct members
  std::vector<AccessChanger> graph_writers;                           ///< service principals holding Graph's write permissions
  bool directory_roles_read = false;
  std::vector<AccessChanger> directory_role_holders;
  std::string directory_roles_note;  ///< why they were not read
};

struct AccessReadOptions {
  bool include_unmanaged = false;          ///< every application, not only those with the marker tag
  std::vector<std::string> extra_app_ids;  ///< applications to include besides (a manifest's adopted apps)
  /// Only these applications (with extra_app_ids), each named by uniqueName, appId or exact display
  /// name — one application each, else an error; empty: every managed one (or every one).
  std::vector<std::string> only_apps;
};

}  // namespace entragate::engine
