#pragma once
// Who can obtain a token for an application, and why — read from Graph for `entragate access`.
// A token for an app is issued to a client when the app's service principal does not require
// assignment (any service principal in the tenant, without roles), or when the client holds an
// assignment (its roles then land in the token).

#include <optional>
#include <string>
#include <vector>

#include "engine/access_model.h"
#include "engine/result.h"
#include "providers/graph/graph_client.h"

namespace entragate::graph {

struct AccessHolder {
  std::string principal_id;
  std::string principal_type;    ///< ServicePrincipal, User, Group
  std::string display_name;
  std::string role;              ///< role value ("default access" for the 0000… role)
  std::string role_id;
  std::string since;             ///< createdDateTime of the assignment
};

struct AppAccess {
  std::string object_id, app_id, unique_name, display_name;
  bool has_service_principal = false;  ///< without one, no token can be issued for it here
  bool assignment_required = false;
  std::vector<AccessHolder> holders;
};

/// APP is a uniqueName, an appId or an exact display name (must be unique).
engine::Result<AppAccess> ReadAppAccess(GraphClient& client, const std::string& app);

struct IdentityReach {
  std::string principal_id, principal_type, display_name;
  struct Entry {
    std::string app_display_name, app_id, unique_name;
    std::string role;            ///< empty: reachable only because assignment is not required
    std::string why;
  };
  std::vector<Entry> reachable;  ///< managed (marker-tagged) applications
};

/// NAME is a managed identity's or service principal's display name, or an appId / object id.
engine::Result<IdentityReach> ReadIdentityReach(GraphClient& client, const std::string& name);

/// The one service principal, user or group NAME names: a display name, an appId, a UPN or an object id.
engine::Result<engine::AccessPrincipal> FindPrincipal(GraphClient& client, const std::string& name);

/// Everything an access review reads (engine/access_model.h), in batches; never writes.
engine::Result<engine::AccessSnapshot> ReadAccessSnapshot(GraphClient& client, const engine::AccessReadOptions& options);

}  // namespace entragate::graph
