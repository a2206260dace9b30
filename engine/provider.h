#pragma once
// The one interface to the outside world. The engine never sees HTTP: a provider reads the tenant
// into an ObservedState and carries out plan steps.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/access_model.h"
#include "engine/export.h"
#include "engine/model.h"
#include "engine/observed.h"
#include "engine/plan.h"
#include "engine/result.h"

namespace entragate::engine {

struct ReadOptions {
  bool low_priority = false;  ///< scheduled scans (drift): Graph throttles these first
};

/// The ids of a managed app, known from the read or learnt from create steps as the plan runs.
struct AppIds {
  std::string object_id;
  std::string app_id;
  std::string sp_id;
  /// This run wrote the application, its roles or its service principal (a step said wrote_app):
  /// Graph may not show the change everywhere yet, so what depends on it may meet replication lag.
  bool written = false;
};

struct ApplyContext {
  std::string tenant_id;
  std::map<std::string, AppIds> apps;  ///< by manifest app key
};

struct StepResult {
  bool ok = false;
  bool unchanged = false;        ///< already in effect (an upsert that changed nothing, "already gone")
  Error error;                   ///< when !ok: Graph's code, message and request-id
  std::optional<AppIds> learnt;  ///< ids a create step made known
  bool wrote_app = false;        ///< it changed the application or its service principal (AppIds::written)
};

class Provider {
 public:
  virtual ~Provider() = default;
  /// Everything the planner needs for `desired`: managed apps, their service principals and
  /// assignments, resolved identities, and prunable apps when the manifest prunes. Never writes.
  virtual Result<ObservedState> Read(const DesiredState& desired, const ReadOptions& options) = 0;
  /// Carries out independent steps (their dependencies are done); one result per step, in order.
  /// Idempotent: a step already in effect succeeds.
  virtual std::vector<StepResult> Apply(const std::vector<const Change*>& steps, const ApplyContext& context) = 0;
  /// Everything an access review needs (engine/access_model.h). Never writes. A provider that
  /// cannot read it says so.
  virtual Result<AccessSnapshot> ReadAccess(const AccessReadOptions& options) {
    (void)options;
    return MakeError(Error::Kind::kInvalid, "this target cannot read access");
  }
  /// The applications `selection` names, with what `export` writes of them. `tenant_id`: the
  /// target's tenant, for when the tenant's own record cannot be read. Never writes.
  virtual Result<ExportSource> ReadForExport(const ExportSelection& selection, const std::string& tenant_id) {
    (void)selection;
    (void)tenant_id;
    return MakeError(Error::Kind::kInvalid, "this target cannot export");
  }
  /// The one directory object NAME names (display name, appId, UPN or object id), for an access
  /// review of an identity that holds nothing the review read.
  virtual Result<AccessPrincipal> FindPrincipal(const std::string& name) {
    return MakeError(Error::Kind::kNotFound, "this target cannot look up '" + name + "'");
  }
};

}  // namespace entragate::engine
