#pragma once
// What `entragate export` reads from Graph (or the local tenant, which speaks the same API): the
// selected applications, their service principals, the assignments on those and the principals the
// assignments name, in four rounds of batched requests whatever the number of apps (and one for
// uniqueName lookups). Applications
// entragate must not take over — managed identities, apps registered in another tenant, Microsoft's
// first-party apps — are skipped, each with a note.

#include <string>
#include <string_view>
#include <vector>

#include "engine/export.h"
#include "engine/result.h"
#include "providers/graph/client/graph_client.h"
#include "providers/graph/provider/room.h"

namespace entragate::graph {

using engine::ExportSelection;

/// Microsoft's own tenant: an application registered there is a Microsoft first-party app.
inline constexpr const char* kMicrosoftTenantId = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

/// Whether `app_id` is one of Microsoft's well-known first-party application ids (Microsoft Graph,
/// Azure AD Graph, Office 365 services, Azure Service Management, the Azure CLI, …).
bool IsMicrosoftFirstPartyAppId(std::string_view app_id);

/// Reads the selection. `tenant_id` is the target's tenant, used when /organization cannot be read.
/// Origin and time of the returned source are left for the caller to fill in.
engine::Result<engine::ExportSource> ReadForExport(GraphClient& client, const ExportSelection& selection, const std::string& tenant_id);

}  // namespace entragate::graph
