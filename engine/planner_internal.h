#pragma once
// Internals shared by the planner's translation units. Not for use outside engine/planner*.cpp.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json.hpp>

#include "engine/planner.h"

namespace entragate::engine::planner_detail {

namespace json = boost::json;

/// Per-app state while planning: which steps exist, so later steps can depend on them.
struct AppPlan {
  const App* app = nullptr;
  const ObservedApp* observed = nullptr;  ///< null: the app is created by this plan
  const ObservedApp* deleted = nullptr;   ///< in deleted items: restored (then observed points here) or purged first
  std::string deleted_step;               ///< the restore or purge step every other step of the app waits for
  std::string create_step;                ///< id of kCreateApp, empty when the app exists
  std::string sp_create_step;             ///< id of kCreateServicePrincipal, empty when it exists
  /// Role value → the step after which that role can be assigned (it is new or re-enabled there).
  /// Roles that are assignable before the plan starts are absent.
  std::map<std::string, std::string> role_ready_step;
  std::string roles_disable_step;        ///< the step that disables enabled roles about to change or go
  std::set<std::string> roles_disabled;  ///< values of roles enabled now that roles_disable_step disables
  std::string roles_remove_step;         ///< the step that removes roles: their assignments are revoked first
  json::array final_roles;               ///< Graph appRoles after this plan
  std::vector<std::string> grant_steps;
  std::map<std::string, std::vector<std::string>> grants_to;  ///< principal object id → its grant steps
  std::vector<std::string> revoke_steps;
};

struct Context {
  const DesiredState& desired;
  const ObservedState& observed;
  Diagnostics& diags;
  Plan& plan;
  std::map<std::string, AppPlan> apps;  ///< by key

  Change& Add(Change change);
  /// The manifest's name for a principal id (any case), else `fallback`.
  std::string IdentityNameOf(const std::string& principal_id, const std::string& fallback) const;
  mutable std::optional<std::unordered_map<std::string, std::string>> identity_by_id_;  ///< lower-case object id -> name
  /// How the manifest identity `name` resolved in the tenant; null when it was not looked up. Hashed:
  /// it is asked once per grant.
  const ResolvedIdentity* Resolved(std::string_view name) const;
  const Identity* Named(std::string_view name) const;  ///< the manifest's identity `name`, or null
  mutable std::optional<std::unordered_map<std::string_view, const ResolvedIdentity*>> resolved_by_name_;
  mutable std::optional<std::unordered_map<std::string_view, const Identity*>> identity_by_name_;
};

/// A string member of a JSON object read from the tenant; empty when absent or not a string.
std::string Str(const json::value& object, const char* key);

std::string ExpandTenant(const std::string& uri, const std::string& tenant_id);
json::array DesiredRoles(const AppPlan& ap);  ///< desired roles in Graph shape, ids settled
void PlanRoles(Context& ctx, AppPlan& ap);
void PlanAccess(Context& ctx, AppPlan& ap);
void PlanServicePrincipalCreate(Context& ctx, AppPlan& ap);
void PlanServicePrincipalUpdate(Context& ctx, AppPlan& ap);  ///< after PlanAccess: turning assignment on waits for grants
void PlanOwners(Context& ctx, AppPlan& ap);                  ///< planner_owners.cpp
/// Owner removals wait for every other step of their app (run once all steps are planned).
void OrderOwnerRemovals(Plan& plan);

}  // namespace entragate::engine::planner_detail
