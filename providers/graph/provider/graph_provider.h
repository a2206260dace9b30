#pragma once
// engine::Provider over Microsoft Graph (or the local tenant, which speaks the same API). Reads in
// as few round trips as Graph allows ($batch, $select, $top=999, tag and `in` filters); writes are
// idempotent (upserts by alternate key; "already exists" and "already gone" count as done).

#include <memory>
#include <string>
#include <vector>

#include "engine/provider.h"
#include "providers/graph/client/graph_client.h"
#include "providers/graph/provider/room.h"

namespace entragate::graph {

class GraphProvider : public engine::Provider {
 public:
  explicit GraphProvider(GraphClient& client) : client_(client) {}

  engine::Result<engine::ObservedState> Read(const engine::DesiredState& desired, const engine::ReadOptions& options) override;
  std::vector<engine::StepResult> Apply(const std::vector<const engine::Change*>& steps, const engine::ApplyContext& context) override;
  engine::Result<engine::AccessSnapshot> ReadAccess(const engine::AccessReadOptions& options) override;  ///< access_snapshot.cpp
  engine::Result<engine::AccessPrincipal> FindPrincipal(const std::string& name) override;               ///< access_snapshot.cpp
  engine::Result<engine::ExportSource> ReadForExport(const engine::ExportSelection& selection,
                                                     const std::string& tenant_id) override;  ///< export_reader.cpp

 private:
  using ListedPages = std::vector<engine::Result<std::vector<boost::json::object>>>;
  /// Fills state.deleted with the deleted items the manifest's missing apps match; `listed`: the
  /// deleted items when already read, else null.
  engine::Status ReadDeletedApps(const engine::DesiredState& desired, engine::ObservedState& state, ListedPages* listed);
  GraphClient& client_;
};

/// The Graph properties the planner compares; reads ask only for these.
const char* kApplicationSelect();

}  // namespace entragate::graph
