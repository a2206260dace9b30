// App roles: matched by value; an enabled role that changes or goes is first disabled in its own
// request (docs/graph-behaviour.md §2.5); assignments of a role that goes are revoked before it goes.
#include <algorithm>
#include <string_view>
#include <utility>

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

std::string IdOfRole(const json::object& r) {
  const json::value* id = r.if_contains("id");
  return id && id->is_string() ? LowerAscii(std::string(id->as_string())) : std::string();
}

json::array SortedStrings(const json::value& v) {
  std::vector<std::string> s;
  if (v.is_array())
    for (const auto& x : v.as_array())
      if (x.is_string()) s.emplace_back(x.as_string());
  std::sort(s.begin(), s.end());
  json::array a;
  for (auto& x : s) a.push_back(json::string(x));
  return a;
}

bool Enabled(const json::object& r) {
  const json::value* e = r.if_contains("isEnabled");
  return !e || !e->is_bool() || e->as_bool();
}

// The fields entragate manages on a role, in a canonical form for comparison.
json::object Canonical(const json::object& r) {
  auto get = [&](const char* k) { return r.contains(k) ? r.at(k) : json::value(nullptr); };
  return json::object{{"allowedMemberTypes", SortedStrings(get("allowedMemberTypes"))},
                      {"description", get("description")},
                      {"displayName", get("displayName")},
                      {"id", json::value(IdOfRole(r))},
                      {"isEnabled", Enabled(r)},
                      {"value", get("value")}};
}

const std::vector<json::object> ObservedRoles(const AppPlan& ap) {
  std::vector<json::object> out;
  const json::value* roles = ap.observed->graph.if_contains("appRoles");
  if (roles && roles->is_array())
    for (const auto& r : roles->as_array())
      if (r.is_object()) out.push_back(Canonical(r.as_object()));
  return out;
}

}  // namespace

json::array DesiredRoles(const AppPlan& ap) {
  json::array out;
  if (!ap.app->app_roles) return out;
  for (const auto& role : *ap.app->app_roles) {
    std::string id = role.id;
    if (role.id_derived && ap.observed)
      if (const json::object* existing = ObservedRole(ap.observed->graph, role.value))
        if (!IdOfRole(*existing).empty()) id = IdOfRole(*existing);
    json::array types;
    for (const auto& t : role.allowed_member_types) types.push_back(json::string(t));
    out.push_back(json::object{{"allowedMemberTypes", types},
                               {"description", role.description},
                               {"displayName", role.display_name},
                               {"id", id},
                               {"isEnabled", role.enabled},
                               {"value", role.value}});
  }
  return out;
}

namespace {

using Roles = std::vector<json::object>;

std::string ValueOf(const json::object& r) {
  const json::value* v = r.if_contains("value");
  return v && v->is_string() ? std::string(v->as_string()) : IdOfRole(r);
}

const json::object* ById(const Roles& roles, const std::string& id) {
  for (const auto& r : roles)
    if (IdOfRole(r) == id) return &r;
  return nullptr;
}

// Graph keeps the collection's order, which carries no meaning: compare as sets by id. Canonical
// roles carry their id folded already; pointers are sorted, so no role is copied.
bool SameRoles(const Roles& a, const Roles& b) {
  if (a.size() != b.size()) return false;
  auto sorted = [](const Roles& roles) {
    std::vector<std::pair<std::string_view, const json::object*>> out;
    out.reserve(roles.size());
    for (const auto& r : roles) {
      const json::value* id = r.if_contains("id");
      out.emplace_back(id && id->is_string() ? std::string_view(id->get_string()) : std::string_view(), &r);
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    return out;
  };
  auto x = sorted(a), y = sorted(b);
  for (size_t i = 0; i < x.size(); ++i)
    if (*x[i].second != *y[i].second) return false;
  return true;
}

json::array ToArray(const Roles& roles) {
  json::array out;
  for (const auto& r : roles) out.push_back(r);
  return out;
}

// The collection as it stands after each of the (up to) three role requests. Graph changes or
// removes an enabled role only once it is disabled, and a disabled role cannot be assigned, so:
//   added:    new roles, and disabled roles in their final form, join (they can be granted from here)
//   disabled: enabled roles that change or go are disabled (their grants must land before this)
//   final:    the manifest's collection (removed roles go: their assignments are revoked before this)
struct RoleStates {
  Roles observed, added, disabled, final;
};

RoleStates ComputeRoleStates(const Roles& observed, const Roles& desired) {
  RoleStates s{observed, {}, {}, desired};
  for (const auto& o : observed) {
    const json::object* d = ById(desired, IdOfRole(o));
    s.added.push_back(d && !Enabled(o) ? *d : o);
  }
  for (const auto& d : desired)
    if (!ById(observed, IdOfRole(d))) s.added.push_back(d);
  for (const auto& r : s.added) {
    const json::object* o = ById(observed, IdOfRole(r));
    const json::object* d = ById(desired, IdOfRole(r));
    json::object next = r;
    if (o && Enabled(*o) && (!d || *d != *o)) next["isEnabled"] = false;
    s.disabled.push_back(std::move(next));
  }
  return s;
}

// before/after of the roles one request changes, keyed role[VALUE] as the renderers expect.
void DescribeTransition(const Roles& from, const Roles& to, json::object& before, json::object& after) {
  for (const auto& t : to) {
    const json::object* f = ById(from, IdOfRole(t));
    if (f && *f == t) continue;
    before[fmt::format("role[{}]", ValueOf(t))] = f ? json::value(*f) : json::value(nullptr);
    after[fmt::format("role[{}]", ValueOf(t))] = t;
  }
  for (const auto& f : from)
    if (!ById(to, IdOfRole(f))) {
      before[fmt::format("role[{}]", ValueOf(f))] = f;
      after[fmt::format("role[{}]", ValueOf(f))] = nullptr;
    }
}

}  // namespace

void PlanRoles(Context& ctx, AppPlan& ap) {
  const App& app = *ap.app;
  Roles observed = ObservedRoles(ap);
  if (!app.app_roles) {
    for (const auto& r : observed) ap.final_roles.push_back(r);
    return;
  }
  json::array desired_json = DesiredRoles(ap);
  ap.final_roles = desired_json;
  Roles desired;
  for (const auto& d : desired_json) desired.push_back(Canonical(d.as_object()));
  // The common case, nothing to change, needs none of the intermediate collections.
  if (SameRoles(observed, desired)) return;
  RoleStates s = ComputeRoleStates(observed, desired);
  bool add = !SameRoles(s.added, s.observed), disable = !SameRoles(s.disabled, s.added), finish = !SameRoles(s.final, s.disabled);
  if (!add && !disable && !finish) return;
  int total = int(add) + int(disable) + int(finish), n = 0;
  Address roles = PartOf(app.key, "roles");
  SourceLoc loc = app.LocOf("appRoles");
  std::string previous;
  auto step = [&](bool last, const char* variant, StepKind kind, const Roles& from, const Roles& to, const char* why) {
    std::string id = last ? roles.Render() : roles.Variant(variant);
    Change c = MakeStep(roles, Action::kUpdate, kind, id);
    c.payload = json::object{{"appRoles", ToArray(to)}};
    c.source = loc;
    if (kind == StepKind::kDisableRoles) {
      for (const auto& r : to)
        if (!Enabled(r) && Enabled(*ById(from, IdOfRole(r)))) c.after[fmt::format("role[{}]", ValueOf(r))] = json::object{{"isEnabled", false}};
    } else {
      DescribeTransition(from, to, c.before, c.after);
    }
    if (!previous.empty()) c.after_steps.push_back(previous);
    ++n;
    if (total > 1) c.notes.push_back(fmt::format("step {} of {}{}{}", n, total, *why ? ": " : "", why));
    previous = id;
    ctx.Add(std::move(c));
    return id;
  };
  if (add) {
    std::string id = step(!disable && !finish, "add", StepKind::kUpdateRoles, s.observed, s.added,
                          "new and re-enabled roles first, so they can be granted before others go");
    for (const auto& r : s.added) {
      const json::object* o = ById(s.observed, IdOfRole(r));
      if (Enabled(r) && (!o || !Enabled(*o))) ap.role_ready_step[ValueOf(r)] = id;
    }
  }
  if (disable) {
    ap.roles_disable_step =
        step(!finish, "disable", StepKind::kDisableRoles, s.added, s.disabled, "Graph changes or removes a role only once it is disabled");
    for (const auto& o : s.observed)
      if (Enabled(o) && !Enabled(*ById(s.disabled, IdOfRole(o)))) ap.roles_disabled.insert(ValueOf(o));
  }
  if (finish) {
    // Roles enabled here were enabled before the plan (changed in place): their grants go before
    // the disable step, so nothing waits for this one but the end of the app's plan.
    ap.roles_remove_step = step(true, "", StepKind::kUpdateRoles, add ? s.added : s.observed, s.final, "");
  }
}

}  // namespace entragate::engine::planner_detail
