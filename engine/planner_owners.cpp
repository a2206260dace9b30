// `owners` and `servicePrincipalOwners`: the exact set of owners of the application and of its
// service principal. New owners are added before any is removed, and removals wait for every other
// step of the app: an operator that can write the app only as one of its owners keeps that right
// until the last of its writes is done, and the app is never left with fewer owners than needed.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/planner_internal.h"

namespace entragate::engine::planner_detail {

namespace {

struct Holder {
  const char* key;          ///< manifest key, for messages
  const char* on;           ///< payload "on": application or servicePrincipal
  Address address;          ///< app.K.owners / app.K.service_principal.owners
  std::string create_step;  ///< the step that creates the holder, when it does not exist yet
};

struct OwnerPrincipal {
  std::string object_id;  ///< empty: a service principal this plan creates
  std::string type;
  std::string create_step;
  bool ok = false;
};

OwnerPrincipal ResolveOwner(Context& ctx, const Owner& o, const char* key, const std::string& app) {
  if (o.principal_is_app) {  // an unselected app without a service principal is E0306
    const AppPlan& other = ctx.apps.at(o.principal);
    if (!other.observed || !other.observed->service_principal)
      if (!ctx.desired.only_apps.empty() &&
          std::find(ctx.desired.only_apps.begin(), ctx.desired.only_apps.end(), o.principal) == ctx.desired.only_apps.end())
        return {};
    if (other.observed && other.observed->service_principal) return {other.observed->service_principal->object_id, "ServicePrincipal", "", true};
    return {"", "ServicePrincipal", PartOf(o.principal, "service_principal").Render(), true};
  }
  const ResolvedIdentity* id = ctx.Resolved(o.principal);
  if (!id || id->object_id.empty()) {
    std::string why = id ? id->problem : "it was not looked up";
    ctx.diags.Error("E0302", o.loc, fmt::format("identity '{}' cannot be resolved in the tenant: {}", o.principal, why));
    return {};
  }
  if (id->principal_type == "Group") {
    ctx.diags.Error("E0307", o.loc,
                    fmt::format("'{}' in {} of app '{}' is a group in the tenant; Graph lets only users and service principals be owners",
                                o.principal, key, app));
    return {};
  }
  return {id->object_id, id->principal_type, "", true};
}

// The manifest's name for an owner the tenant lists, else its display name (or id).
std::string NameOf(const Context& ctx, const ObservedOwner& o) {
  for (const auto& [name, id] : ctx.observed.identities)
    if (!id.object_id.empty() && LowerAscii(id.object_id) == o.id) return name;
  for (const auto& [key, ap] : ctx.apps)
    if (ap.observed && ap.observed->service_principal && ap.observed->service_principal->object_id == o.id) return key;
  return o.display_name.empty() ? o.id : o.display_name;
}

void PlanHolder(Context& ctx, AppPlan& ap, const std::vector<Owner>& wanted, const std::vector<ObservedOwner>& have, const Holder& h) {
  const App& app = *ap.app;
  std::set<std::string> kept;  // object ids of owners that stay
  std::vector<std::string> adds;
  size_t staying = 0;
  for (const auto& o : wanted) {
    OwnerPrincipal p = ResolveOwner(ctx, o, h.key, app.key);
    if (!p.ok) continue;
    ++staying;
    if (!p.object_id.empty() && std::any_of(have.begin(), have.end(), [&](const ObservedOwner& x) { return x.id == LowerAscii(p.object_id); })) {
      kept.insert(LowerAscii(p.object_id));
      continue;
    }
    Address at = h.address;
    at.keys = {o.principal};
    std::string address = at.Render();
    json::object after{{"owner", o.principal}, {"ownerType", p.type}};
    // "principal" as in grants: the executor hands the provider the ids of the app it names.
    json::object payload{{"on", h.on}, {"principal", o.principal}, {"principalIsApp", o.principal_is_app}, {"ownerId", p.object_id}};
    std::vector<std::string> deps;
    if (!h.create_step.empty()) deps.push_back(h.create_step);
    if (!p.create_step.empty() && p.create_step != h.create_step) deps.push_back(p.create_step);
    Change c = MakeStep(at, Action::kGrant, StepKind::kAddOwner);
    c.after = after;
    c.payload = payload;
    c.after_steps = deps;
    c.source = o.loc;
    c.notes.push_back(fmt::format("an owner of the {} can change who gets tokens for this app",
                                  std::string_view(h.on) == "application" ? "application" : "service principal"));
    ctx.Add(std::move(c));
    adds.push_back(address);
  }
  for (const auto& o : have) {
    if (kept.count(o.id)) continue;
    std::string who = NameOf(ctx, o);
    Address at = h.address;
    at.keys = {who};
    if (ctx.plan.Find(at.Render())) at.keys = {o.id};  // two owners with one display name
    json::object before{{"owner", who}, {"ownerId", o.id}, {"ownerType", o.type}};
    Change c = MakeStep(at, Action::kRevoke, StepKind::kRemoveOwner);
    c.before = before;
    c.payload = json::object{{"on", h.on}, {"ownerId", o.id}};
    c.after_steps = adds;
    c.source = app.LocOf(h.key);
    c.widens_access_drift = true;
    c.notes.push_back("not in the manifest: an owner can change who gets tokens for this app");
    if (staying == 0 && &o == &have.back())
      c.notes.push_back(
          fmt::format("afterwards the {} has no owners: only directory administrators and holders of Application.ReadWrite.All "
                      "can change it",
                      std::string_view(h.on) == "application" ? "application" : "service principal"));
    ctx.Add(std::move(c));
  }
}

}  // namespace

void PlanOwners(Context& ctx, AppPlan& ap) {
  const App& app = *ap.app;
  static const std::vector<ObservedOwner> kNone;
  if (app.owners) {
    const auto* have = ap.observed && ap.observed->owners ? &*ap.observed->owners : &kNone;
    PlanHolder(ctx, ap, *app.owners, *have, {"owners", "application", PartOf(app.key, "owners"), ap.create_step});
  }
  if (app.sp_owners) {
    const ObservedServicePrincipal* sp = ap.observed && ap.observed->service_principal ? &*ap.observed->service_principal : nullptr;
    const auto* have = sp && sp->owners ? &*sp->owners : &kNone;
    PlanHolder(ctx, ap, *app.sp_owners, *have,
               {"servicePrincipalOwners", "servicePrincipal", PartOf(app.key, "service_principal.owners"), ap.sp_create_step});
  }
}

void OrderOwnerRemovals(Plan& plan) {
  std::map<std::string, std::vector<std::string>> others;  // app → its steps that are not owner removals
  for (const auto& c : plan.changes)
    if (c.kind != StepKind::kRemoveOwner) others[c.app].push_back(c.id);
  for (auto& c : plan.changes) {
    if (c.kind != StepKind::kRemoveOwner) continue;
    for (const auto& id : others[c.app])
      if (std::find(c.after_steps.begin(), c.after_steps.end(), id) == c.after_steps.end()) c.after_steps.push_back(id);
  }
}

}  // namespace entragate::engine::planner_detail
