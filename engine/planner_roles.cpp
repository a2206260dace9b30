// App roles: matched by value; an enabled role that changes or goes is first disabled in its own
// request (graph-facts §2.5); assignments of a role that goes are revoked before it goes.
#include <algorithm>

#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/planner_internal.h"

namespace entragate::engine::planner_detail {

namespace {

const json::object* ObservedRole(const json::object& app, const std::string& value) {
  const json::value* roles = app.if_contains("appRoles");
  if (!roles || !roles->is_array()) return nullptr;
  for (const auto& r : roles->as_array())
    if (r.is_object() && r.as_object().contains("value") && r.at("value").is_string() && r.at("value").as_string() == value) return &r.as_object();
  return nullptr;
}

json::array SortedStrings(const json::value& v) {
  std::vector<std::string> s;
  if (v.is_array())
    for (const auto& x : v.as_array()) s.emplace_back(x.as_string());
  std::sort(s.begin(), s.end());
  json::array a;
  for (auto& x : s) a.push_back(json::string(x));
  return a;
}

bool Enabled(const json::object& r) { return !r.contains("isEnabled") || r.at("isEnabled").as_bool(); }

// The fields entragate manages on a role, in a canonical form for comparison.
json::object Canonical(const json::object& r) {
  auto get = [&](const char* k) { return r.contains(k) ? r.at(k) : json::value(nullptr); };
  return json::object{{"allowedMemberTypes", SortedStrings(get("allowedMemberTypes"))}, {"description", get("description")},
                      {"displayName", get("displayName")}, {"id", json::value(LowerAscii(r.at("id").as_string()))},
                      {"isEnabled", Enabled(r)}, {"value", get("value")}};
}

bool SameApartFromEnabled(json::object a, json::object b) {
  a.erase("isEnabled");
  b.erase("isEnabled");
  return a == b;
}

const std::vector<json::object> ObservedRoles(const AppPlan& ap) {
  std::vector<json::object> out;
  const json::value* roles = ap.observed->graph.if_contains("appRoles");
  if (roles && roles->is_array())
    for (const auto& r : roles->as_array()) out.push_back(Canonical(r.as_object()));
  return out;
}

}  // namespace

json::array DesiredRoles(const AppPlan& ap) {
  json::array out;
  if (!ap.app->app_roles) return out;
  for (const auto& role : *ap.app->app_roles) {
    std::string id = role.id;
    if (role.id_derived && ap.observed)
      if (const json::object* existing = ObservedRole(ap.observed->graph, role.value)) id = LowerAscii(existing->at("id").as_string());
    json::array types;
    for (const auto& t : role.allowed_member_types) types.push_back(json::string(t));
    out.push_back(json::object{{"allowedMemberTypes", types}, {"description", role.description}, {"displayName", role.display_name},
                               {"id", id}, {"isEnabled", role.enabled}, {"value", role.value}});
  }
  return out;
}

void PlanRoles(Context& ctx, AppPlan& ap) {
  const App& app = *ap.app;
  std::vector<json::object> observed = ObservedRoles(ap);
  if (!app.app_roles) {
    for (const auto& r : observed) ap.final_roles.push_back(r);
    return;
  }
  json::array desired = DesiredRoles(ap);
  ap.final_roles = desired;
  json::object before, after;
  json::array disabled;  // the collection for the first step
  bool needs_disable = false;
  for (const auto& o : observed) {
    std::string value = o.at("value").is_string() ? std::string(o.at("value").as_string()) : std::string(o.at("id").as_string());
    auto d = std::find_if(desired.begin(), desired.end(), [&](const json::value& x) { return x.at("id") == o.at("id"); });
    json::object step1 = o;
    if (d == desired.end()) {
      before[fmt::format("role[{}]", value)] = o;
      after[fmt::format("role[{}]", value)] = nullptr;
      if (Enabled(o)) needs_disable = true, step1["isEnabled"] = false;
    } else if (Canonical(d->as_object()) != o) {
      before[fmt::format("role[{}]", value)] = o;
      after[fmt::format("role[{}]", value)] = Canonical(d->as_object());
      bool only_disabling = SameApartFromEnabled(Canonical(d->as_object()), o) && !d->at("isEnabled").as_bool();
      if (Enabled(o) && !only_disabling) needs_disable = true, step1["isEnabled"] = false;
      if (d->at("isEnabled").as_bool()) ap.roles_needing_step.insert(std::string(d->at("value").as_string()));
    }
    disabled.push_back(step1);
  }
  for (const auto& d : desired) {
    bool known = std::any_of(observed.begin(), observed.end(), [&](const json::object& o) { return o.at("id") == d.at("id"); });
    if (known) continue;
    std::string value(d.at("value").as_string());
    after[fmt::format("role[{}]", value)] = d;
    ap.roles_needing_step.insert(value);
  }
  if (after.empty()) return;
  std::string base = "app." + app.key + ".roles";
  SourceLoc loc = app.LocOf("appRoles");
  std::vector<std::string> deps;
  if (needs_disable) {
    json::object payload{{"appRoles", disabled}};
    ctx.Add(Change{base + "#disable", base, Action::kUpdate, StepKind::kDisableRoles, app.key, {}, {}, payload, {}, loc,
                   {"step 1 of 2: Graph changes or removes a role only once it is disabled"}, false});
    for (const auto& r : disabled)
      if (!Enabled(r.as_object()))
        ctx.plan.changes.back().after[fmt::format("role[{}]", std::string(r.at("value").as_string()))] = json::object{{"isEnabled", false}};
    deps.push_back(base + "#disable");
  }
  Change c{base, base, Action::kUpdate, StepKind::kUpdateRoles, app.key, before, after, json::object{{"appRoles", desired}}, deps, loc, {}, false};
  if (needs_disable) c.notes.push_back("step 2 of 2");
  ap.roles_step = c.id;
  ctx.Add(std::move(c));
}

}  // namespace entragate::engine::planner_detail
