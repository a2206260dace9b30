#pragma once
// The Graph reads behind `entragate access`: the access snapshot (access_snapshot.cpp) and the
// look-ups that turn what a person types into directory objects. A token for an app is issued to a
// client when the app's service principal does not require assignment (any service principal in the
// tenant, without roles), or when the client holds an assignment (its roles then land in the token).

#include <string>

#include "engine/access_model.h"
#include "engine/result.h"
#include "providers/graph/client/graph_client.h"
#include "providers/graph/provider/room.h"

namespace entragate::graph {

/// The appId of the one application NAME names: a uniqueName, an appId or an exact display name.
engine::Result<std::string> FindApplicationId(GraphClient& client, const std::string& name);

/// The one service principal, user or group NAME names: a display name, an appId, a UPN or an object id.
engine::Result<engine::AccessPrincipal> FindPrincipal(GraphClient& client, const std::string& name);

/// Everything an access review reads (engine/access_model.h), in batches; never writes.
engine::Result<engine::AccessSnapshot> ReadAccessSnapshot(GraphClient& client, const engine::AccessReadOptions& options);

}  // namespace entragate::graph
