// The service principal and `access`: grants before assignment is required, revokes last (so
// identities that stay allowed never lose access), revokes of a removed role before the role goes.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/planner_internal.h"

namespace entragate::engine::planner_detail {

namespace {

Change* FindMutable(Plan& plan, const std::string& id) {
  for (auto& c : plan.changes)
    if (c.id == id) return &c;
  return nullptr;
}

std::string SpStep(const std::string& key) { return PartOf(key, "service_principal").Render(); }

bool DesiredRequired(const AppPlan& ap) { return ap.app->assignment_required.value_or(false); }

std::string RoleIdFor(const AppPlan& ap, const std::string& value) {
  for (const auto& r : ap.final_roles)
    if (Str(r, "value") == value) return LowerAscii(Str(r, "id"));
  return {};
}

std::string RoleValueFor(const AppPlan& ap, const std::string& id) {
  auto find = [&](const json::array& roles) -> std::string {
    for (const auto& r : roles)
      if (LowerAscii(Str(r, "id")) == LowerAscii(id) && !Str(r, "value").empty()) return Str(r, "value");
    return {};
  };
  std::string value = find(ap.final_roles);
  if (value.empty() && ap.observed)
    if (const json::value* roles = ap.observed->graph.if_contains("appRoles"); roles && roles->is_array()) value = find(roles->as_array());
  if (!value.empty()) return value;
  return id == kDefaultAccessRoleId ? "default access" : id;
}

// Views into the observed state, which outlives the planning of an app.
struct Principal {
  std::string_view object_id;  ///< empty: created by this plan (an app of the manifest)
  std::string_view type;       ///< ServicePrincipal, User, Group
  std::string create_step;     ///< the step that creates it, when it does not exist yet
  bool ok = false;
};

// A held assignment's key: principal and role ids, compared without case and without a folded copy
// (an app can hold thousands of assignments, and a plan reads 200,000).
struct HeldKey {
  std::string_view principal_id, role_id;
};

struct HeldKeyHash {
  size_t operator()(const HeldKey& k) const {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a over the folded bytes, a separator between the two
    auto add = [&](std::string_view s) {
      for (char c : s) h = (h ^ static_cast<unsigned char>(base::LowerAsciiChar(c))) * 1099511628211ULL;
    };
    add(k.principal_id);
    h = (h ^ '/') * 1099511628211ULL;
    add(k.role_id);
    return static_cast<size_t>(h);
  }
};

struct HeldKeyEqual {
  bool operator()(const HeldKey& a, const HeldKey& b) const {
    return base::EqualsIgnoreAsciiCase(a.principal_id, b.principal_id) && base::EqualsIgnoreAsciiCase(a.role_id, b.role_id);
  }
};

Principal ResolvePrincipal(Context& ctx, const Grant& g) {
  if (g.principal_is_app) {
    const AppPlan& other = ctx.apps.at(g.principal);
    if (other.observed && other.observed->service_principal) return {other.observed->service_principal->object_id, "ServicePrincipal", "", true};
    return {"", "ServicePrincipal", SpStep(g.principal), true};
  }
  const ResolvedIdentity* id = ctx.Resolved(g.principal);
  if (!id || id->object_id.empty()) return {};
  return {id->object_id, id->principal_type, "", true};
}

// An objectId identity's kind is known only once resolved: check it against the role now.
bool CheckMemberType(Context& ctx, const AppPlan& ap, const Grant& g, const Principal& p) {
  const AppRole* role = ap.app->FindRole(g.role);
  if (!role || g.principal_is_app) return true;
  const char* needed = p.type == "ServicePrincipal" ? "Application" : "User";
  const auto& allowed = role->allowed_member_types;
  // Groups named by `group:` were warned about when the manifest was read; an objectId shows its kind only now.
  const Identity* named = ctx.Named(g.principal);
  bool by_object_id = named && named->selector == IdentitySelector::kObjectId;
  if (by_object_id && p.type == "Group" && std::find(allowed.begin(), allowed.end(), "Application") != allowed.end() &&
      std::find(allowed.begin(), allowed.end(), "User") != allowed.end())
    ctx.diags.Warning("W0230", g.loc,
                      fmt::format("app role '{}' of app '{}' allows Application members, but it is granted to group '{}': only the "
                                  "group's users get it",
                                  g.role, ap.app->key, g.principal),
                      "a service principal in a group does not get the group's app roles in its app-only tokens; grant the role to "
                      "each service principal directly");
  if (std::find(allowed.begin(), allowed.end(), needed) != allowed.end()) return true;
  ctx.diags.Error(
      "E0304", g.loc,
      fmt::format("'{}' is a {} in the tenant, but app role '{}' allows member types [{}]", g.principal, p.type, g.role, fmt::join(allowed, ", ")));
  return false;
}

}  // namespace

void PlanServicePrincipalCreate(Context& ctx, AppPlan& ap) {
  if (ap.observed && ap.observed->service_principal) return;
  const App& app = *ap.app;
  // Created as closed as the manifest wants it: nobody held access before it existed, so granting
  // afterwards never lets an identity in that the manifest does not name, even if the run stops.
  json::object payload{{"appRoleAssignmentRequired", DesiredRequired(ap)}};
  std::vector<std::string> deps;
  if (!ap.create_step.empty()) deps.push_back(ap.create_step);
  Change c = MakeStep(PartOf(app.key, "service_principal"), Action::kCreate, StepKind::kCreateServicePrincipal);
  c.after = payload;
  c.payload = payload;
  c.after_steps = deps;
  c.source = app.loc;
  ap.sp_create_step = c.id;
  ctx.Add(std::move(c));
}

void PlanAccess(Context& ctx, AppPlan& ap) {
  const App& app = *ap.app;
  if (!app.access) return;
  const ObservedServicePrincipal* sp = ap.observed && ap.observed->service_principal ? &*ap.observed->service_principal : nullptr;
  std::unordered_set<const ObservedAssignment*> kept;
  // Principal and role ids folded once: an app can hold thousands of assignments.
  std::unordered_map<HeldKey, const ObservedAssignment*, HeldKeyHash, HeldKeyEqual> held;
  if (sp)
    for (const auto& a : sp->assigned_to) held[HeldKey{a.principal_id, a.app_role_id}] = &a;
  // Role value → id, as RoleIdFor finds it (the first role of that value), once per app.
  std::unordered_map<std::string, std::string> role_ids;
  for (const auto& g : *app.access)
    if (!role_ids.count(g.role)) role_ids.emplace(g.role, RoleIdFor(ap, g.role));
  for (const auto& g : *app.access) {
    Principal p = ResolvePrincipal(ctx, g);
    if (!p.ok) {
      const ResolvedIdentity* id = ctx.Resolved(g.principal);
      std::string why = id ? id->problem : "it was not looked up";
      ctx.diags.Error("E0302", g.loc, fmt::format("identity '{}' cannot be resolved in the tenant: {}", g.principal, why));
      continue;
    }
    if (!CheckMemberType(ctx, ap, g, p)) continue;
    const std::string& role_id = role_ids.at(g.role);
    if (!p.object_id.empty())
      if (auto it = held.find(HeldKey{p.object_id, role_id}); it != held.end()) {
        kept.insert(it->second);
        continue;
      }
    std::string address = AccessAt(app.key, g.role, g.principal).Render();
    json::object after{{"principal", g.principal}, {"principalType", p.type}, {"role", g.role}, {"appRoleId", role_id}};
    json::object payload{{"principal", g.principal}, {"principalIsApp", g.principal_is_app}, {"principalId", p.object_id}, {"appRoleId", role_id}};
    std::vector<std::string> deps;
    if (!ap.sp_create_step.empty()) deps.push_back(ap.sp_create_step);
    if (!p.create_step.empty()) deps.push_back(p.create_step);
    if (auto ready = ap.role_ready_step.find(g.role); ready != ap.role_ready_step.end()) deps.push_back(ready->second);
    // A role about to be disabled can still be assigned now, and only now.
    if (ap.roles_disabled.count(g.role))
      if (Change* disable = FindMutable(ctx.plan, ap.roles_disable_step)) disable->after_steps.push_back(address);
    Change c = MakeStep(AccessAt(app.key, g.role, g.principal), Action::kGrant, StepKind::kGrant);
    c.after = after;
    c.payload = payload;
    c.after_steps = deps;
    c.source = g.loc;
    ctx.Add(std::move(c));
    ap.grant_steps.push_back(address);
    if (!p.object_id.empty()) ap.grants_to[LowerAscii(p.object_id)].push_back(address);
  }
  if (!sp) return;
  for (const auto& a : sp->assigned_to) {
    if (kept.count(&a)) continue;
    std::string role = RoleValueFor(ap, a.app_role_id);
    std::string who = ctx.IdentityNameOf(a.principal_id, a.principal_display_name.empty() ? a.principal_id : a.principal_display_name);
    Address at = AccessAt(app.key, role, who);
    std::string address = at.Render();
    json::object before{
        {"principal", who}, {"principalId", a.principal_id}, {"principalType", a.principal_type}, {"role", role}, {"since", a.created}};
    json::object payload{{"assignmentId", a.id}};
    SourceLoc loc = app.access_locs.count(role) ? app.access_locs.at(role) : app.LocOf("access");
    // An identity that moves from one role to another gets the new one before losing the old one;
    // waiting for that identity's grants only keeps the step graph free of cycles.
    auto own = ap.grants_to.find(LowerAscii(a.principal_id));
    std::vector<std::string> deps = own == ap.grants_to.end() ? std::vector<std::string>{} : own->second;
    Change c = MakeStep(at, Action::kRevoke, StepKind::kRevoke);
    c.before = before;
    c.payload = payload;
    c.after_steps = deps;
    c.source = loc;
    c.widens_access_drift = true;
    c.notes.push_back("not in the manifest: this assignment lets an identity obtain tokens the manifest does not allow");
    if (RoleIdFor(ap, role).empty())
      if (Change* roles = FindMutable(ctx.plan, ap.roles_remove_step)) roles->after_steps.push_back(address);
    ap.revoke_steps.push_back(address);
    ctx.Add(std::move(c));
  }
}

void PlanServicePrincipalUpdate(Context& ctx, AppPlan& ap) {
  const App& app = *ap.app;
  if (!app.assignment_required) return;
  bool want = *app.assignment_required;
  if (!ap.observed || !ap.observed->service_principal) return;  // the create step sets it
  bool have = ap.observed->service_principal->assignment_required;
  if (want == have) return;
  // Turning assignment on waits for the grants (nobody who stays allowed loses access); turning it
  // off, which lets everyone in, waits for the revokes, so narrowing always comes first.
  std::vector<std::string> deps = want ? ap.grant_steps : ap.revoke_steps;
  json::object payload{{"appRoleAssignmentRequired", want}};
  Change c = MakeStep(PartOf(app.key, "service_principal"), Action::kUpdate, StepKind::kUpdateServicePrincipal);
  c.before = json::object{{"appRoleAssignmentRequired", have}};
  c.after = payload;
  c.payload = payload;
  c.after_steps = deps;
  c.source = app.LocOf("assignmentRequired");
  if (want) c.widens_access_drift = true, c.notes.push_back("assignment is not required now: any service principal in the tenant can get a token");
  if (!want) c.notes.push_back("turning assignment off lets every service principal in the tenant get a token (without roles)");
  ctx.Add(std::move(c));
}

}  // namespace entragate::engine::planner_detail
