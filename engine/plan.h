#pragma once
// A plan: the steps that make the tenant match the manifest, each with a stable address, the fields
// before and after (only those that differ, in Graph's shape), the manifest place that asked for it,
// and the steps it must follow. A plan is data; rendering is elsewhere (render_*.h), and the JSON
// form (schemas/plan.v1.schema.json) round-trips.

#include <optional>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "engine/address.h"
#include "engine/diag.h"
#include "engine/result.h"

namespace entragate::engine {

/// The diff symbol is the value, as in Terraform's plans.
enum class Action : char { kCreate = '+', kUpdate = '~', kDelete = '-', kGrant = '>', kRevoke = '<', kRestore = '^' };
const char* ToString(Action a);  ///< "create", "update", …
/// What people see before an address: "+", "~", "-", ">", "<", and "↺" for a restore.
const char* Symbol(Action a);

/// What a step does in Graph, so the provider knows which request(s) to send.
enum class StepKind {
  kCreateApp,     ///< upsert application by uniqueName (Prefer: create-if-missing)
  kUpdateApp,     ///< PATCH changed application properties
  kSetAppIdUris,  ///< PATCH identifierUris once the new app's appId is known
  kDisableRoles,  ///< PATCH appRoles with the roles about to change or go disabled
  kUpdateRoles,   ///< PATCH the final appRoles collection
  kCreateServicePrincipal,
  kUpdateServicePrincipal,
  kGrant,            ///< POST appRoleAssignedTo
  kRevoke,           ///< DELETE appRoleAssignedTo/{id}
  kDeleteApp,        ///< DELETE application (prune)
  kRestoreApp,       ///< POST directory/deletedItems/{id}/restore: the deleted app comes back with its appId
  kPurgeDeletedApp,  ///< DELETE directory/deletedItems/{id}: the deleted app is gone for good
  kAddOwner,         ///< POST applications/{id}/owners/$ref (or servicePrincipals/…; payload "on")
  kRemoveOwner,      ///< DELETE applications/{id}/owners/{owner}/$ref (or servicePrincipals/…)
};
const char* ToString(StepKind k);
std::optional<StepKind> StepKindFromString(std::string_view s);

struct Change {
  std::string id;       ///< unique within the plan: the address, plus "#disable" for the first role step
  std::string address;  ///< app.testapp, app.testapp.roles, app.testapp.access[App.Use][centos-1]
  Action action = Action::kUpdate;
  StepKind kind = StepKind::kUpdateApp;
  std::string app;                       ///< the manifest app key this step belongs to
  boost::json::object before;            ///< Graph properties as they are (only those that differ)
  boost::json::object after;             ///< … as they will be; for grants: principal and role
  boost::json::object payload;           ///< what the provider sends (Graph body; {appId} expanded at apply time)
  std::vector<std::string> after_steps;  ///< ids of steps that must succeed first
  SourceLoc source;                      ///< the manifest line that asked for it
  std::vector<std::string> notes;        ///< e.g. "adopting an existing application", "step 1 of 2"
  bool widens_access_drift = false;      ///< the tenant currently grants more than the manifest allows
};

/// A step at `at`, its address rendered from it; `id` empty: the address is the id too (a second
/// step at the same address passes at.Variant(…), or a part's address).
Change MakeStep(const Address& at, Action action, StepKind kind, std::string id = "");

struct PlanSummary {
  int create = 0, update = 0, destroy = 0, grant = 0, revoke = 0, restore = 0;
  int total() const { return create + update + destroy + grant + revoke + restore; }
  void Add(Action a);
  std::string ToString() const;  ///< "1 to create, 0 to update, 0 to delete, 1 to grant, 0 to revoke" (", 1 to restore" when any)
};

struct PlanTarget {
  std::string kind;  ///< "local" or "graph"
  std::string tenant_id;
  std::string endpoint;  ///< the Graph root
  std::string domain;    ///< the tenant's default (primary) domain; empty when Graph did not say
};

struct Plan {
  inline static constexpr const char* kFormatVersion = "1";
  PlanTarget target;
  std::string manifest_path;                ///< the first PATH plan was given (file or directory)
  std::vector<std::string> manifest_paths;  ///< every PATH plan was given, in order
  std::string environment;                  ///< the manifest environment planned (--env); empty when the set has none
  std::vector<std::string> only_apps;       ///< --app: only these apps were planned, and prune did not run
  std::vector<std::string> manifest_files;
  std::string manifest_digest;  ///< SHA-256 of the manifest files, for stale checks
  std::string observed_digest;  ///< SHA-256 of what was read, for stale checks
  bool allow_delete = false;    ///< made with `plan --allow-delete`: applying it may delete applications
  bool purge_deleted = false;   ///< made with --purge-deleted: deleted apps the manifest wants are purged, not restored
  std::vector<Change> changes;  ///< in an order that respects every after_steps
  std::vector<std::string> warnings;

  PlanSummary Summary() const;
  bool empty() const { return changes.empty(); }
  const Change* Find(const std::string& id) const;
};

boost::json::object PlanToJson(const Plan& plan);
/// serialize(PlanToJson(plan)), made one step at a time: a large plan is never one DOM.
std::string PlanJsonText(const Plan& plan);
/// The same text, handed to `sink` a piece at a time (the header, then a change at a time), so a
/// plan of 200,000 steps is never one string in memory.
void WritePlanJson(const Plan& plan, const std::function<void(std::string_view)>& sink);
/// Also checks the step graph (plan_graph.h): a plan whose steps cannot all run is refused.
Result<Plan> PlanFromJson(const boost::json::object& json);

}  // namespace entragate::engine
