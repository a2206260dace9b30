#pragma once
// Internals shared by the planner's translation units. Not for use outside engine/planner*.cpp.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "engine/planner.h"

namespace entragate::engine::planner_detail {

namespace json = boost::json;

/// Per-app state while planning: which steps exist, so later steps can depend on them.
struct AppPlan {
  const App* app = nullptr;
  const ObservedApp* observed = nullptr;  ///< null: the app is created by this plan
  std::string create_step;                ///< id of kCreateApp, empty when the app exists
  std::string sp_create_step;             ///< id of kCreateServicePrincipal, empty when it exists
  std::string roles_step;                 ///< id of kUpdateRoles, when roles change
  std::set<std::string> roles_needing_step;  ///< role values that are new or re-enabled by roles_step
  json::array final_roles;                ///< Graph appRoles after this plan
  std::vector<std::string> grant_steps;
};

struct Context {
  const DesiredState& desired;
  const ObservedState& observed;
  Diagnostics& diags;
  Plan& plan;
  std::map<std::string, AppPlan> apps;  ///< by key

  Change& Add(Change change);
};

std::string ExpandTenant(const std::string& uri, const std::string& tenant_id);
json::array DesiredRoles(const AppPlan& ap);  ///< desired roles in Graph shape, ids settled
void PlanRoles(Context& ctx, AppPlan& ap);
void PlanAccess(Context& ctx, AppPlan& ap);
void PlanServicePrincipalCreate(Context& ctx, AppPlan& ap);
void PlanServicePrincipalUpdate(Context& ctx, AppPlan& ap);  ///< after PlanAccess: turning assignment on waits for grants

}  // namespace entragate::engine::planner_detail
