// The planner's top level: per app, the application's own fields, then roles, the service principal
// and access; then pruning, and a dependency-respecting order.
#include "engine/planner.h"

#include <algorithm>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "crypto/hash.h"
#include "engine/graph_rules.h"
#include "engine/planner_internal.h"

namespace entragate::engine {

using namespace planner_detail;

namespace planner_detail {

Change& Context::Add(Change change) {
  plan.changes.push_back(std::move(change));
  return plan.changes.back();
}

std::string Context::IdentityNameOf(const std::string& principal_id, const std::string& fallback) const {
  if (!identity_by_id_) {
    identity_by_id_.emplace();
    // In name order, the last name wins where two identities resolved to one object.
    for (const auto& [name, id] : observed.identities)
      if (!id.object_id.empty()) (*identity_by_id_)[LowerAscii(id.object_id)] = name;
  }
  auto it = identity_by_id_->find(LowerAscii(principal_id));
  return it == identity_by_id_->end() ? fallback : it->second;
}

namespace {

template <typename T>
const T* Indexed(std::optional<std::unordered_map<std::string_view, const T*>>& index, const std::map<std::string, T>& all, std::string_view name) {
  if (!index) {
    index.emplace();
    index->reserve(all.size());
    for (const auto& [key, value] : all) index->emplace(key, &value);
  }
  auto it = index->find(name);
  return it == index->end() ? nullptr : it->second;
}

}  // namespace

const ResolvedIdentity* Context::Resolved(std::string_view name) const { return Indexed(resolved_by_name_, observed.identities, name); }

const Identity* Context::Named(std::string_view name) const { return Indexed(identity_by_name_, desired.identities, name); }

std::string Str(const json::value& object, const char* key) {
  const json::object* o = object.if_object();
  const json::value* v = o ? o->if_contains(key) : nullptr;
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string ExpandTenant(const std::string& uri, const std::string& tenant_id) {
  std::string out = uri;
  for (size_t at = out.find(kTenantIdPlaceholder); at != std::string::npos; at = out.find(kTenantIdPlaceholder))
    out.replace(at, kTenantIdPlaceholder.size(), tenant_id);
  return out;
}

}  // namespace planner_detail

namespace {

json::value Opt(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }

json::array StringArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.push_back(json::string(s));
  return a;
}

std::vector<std::string> Strings(const json::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array())
    for (const auto& x : v->as_array())
      if (x.is_string()) out.emplace_back(x.as_string());
  return out;
}

// Graph keeps list order, but for the properties entragate manages order carries no meaning.
bool SameSet(std::vector<std::string> a, std::vector<std::string> b, bool case_insensitive) {
  if (case_insensitive) {
    for (auto& s : a) s = LowerAscii(s);
    for (auto& s : b) s = LowerAscii(s);
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return a == b;
}

json::object ClaimJson(const OptionalClaim& c) {
  return json::object{
      {"additionalProperties", StringArray(c.additional_properties)}, {"essential", c.essential}, {"name", c.name}, {"source", Opt(c.source)}};
}

json::object ClaimsJson(const OptionalClaims& oc) {
  auto list = [](const std::vector<OptionalClaim>& v) {
    json::array a;
    for (const auto& c : v) a.push_back(ClaimJson(c));
    return a;
  };
  return json::object{{"accessToken", list(oc.access_token)}, {"idToken", list(oc.id_token)}, {"saml2Token", list(oc.saml2_token)}};
}

// Optional claims compared as Graph means them: null and empty lists alike, claims in any order.
json::object NormalizeClaims(const json::value& v) {
  json::object out{{"accessToken", json::array{}}, {"idToken", json::array{}}, {"saml2Token", json::array{}}};
  if (!v.is_object()) return out;
  for (auto& [key, list] : out) {
    const json::value* given = v.as_object().if_contains(key);
    if (!given || !given->is_array()) continue;
    std::vector<json::object> claims;
    for (const auto& c : given->as_array()) {
      if (!c.is_object()) continue;
      const json::object& o = c.as_object();
      auto member = [&](const char* k, json::value fallback) { return o.contains(k) ? o.at(k) : fallback; };
      json::object claim{{"name", member("name", nullptr)}, {"essential", member("essential", false)}, {"source", member("source", nullptr)}};
      std::vector<std::string> props = Strings(o.if_contains("additionalProperties"));
      std::sort(props.begin(), props.end());
      claim["additionalProperties"] = StringArray(props);
      claims.push_back(std::move(claim));
    }
    std::sort(claims.begin(), claims.end(),
              [](const json::object& a, const json::object& b) { return json::serialize(a.at("name")) < json::serialize(b.at("name")); });
    json::array arr;
    for (auto& c : claims) arr.push_back(std::move(c));
    list = std::move(arr);
  }
  return out;
}

int TokenVersion(const json::object& app) {
  const json::value* api = app.if_contains("api");
  const json::value* v = api && api->is_object() ? api->as_object().if_contains("requestedAccessTokenVersion") : nullptr;
  return v && v->is_int64() ? static_cast<int>(v->as_int64()) : 1;  // null means 1
}

// The marker goes on the applications entragate creates; adopted ones are managed but never marked,
// so `prune` can never delete an application entragate did not make. An owned set adds its owner tag,
// also to apps it lists that carry only the marker (made before owners existed): that is how it
// claims them.
std::vector<std::string> DesiredTags(const App& app, const json::object* observed, const std::string& owner) {
  std::vector<std::string> tags = app.tags ? *app.tags : Strings(observed ? observed->if_contains("tags") : nullptr);
  if (app.adopt) return tags;
  for (const std::string& mark : {std::string(kMarkerTag), OwnerTag(owner)})
    if (!mark.empty() && std::find(tags.begin(), tags.end(), mark) == tags.end()) tags.push_back(mark);
  return tags;
}

bool HasTag(const json::object& app, const std::string& tag) {
  std::vector<std::string> tags = Strings(app.if_contains("tags"));
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

// The owner another set has marked this app with, if it is not this set's.
std::optional<std::string> ForeignOwner(const json::object& app, const std::string& owner) {
  for (const std::string& t : Strings(app.if_contains("tags")))
    if (t.rfind(kOwnerTagPrefix, 0) == 0 && t != OwnerTag(owner)) return t.substr(std::string(kOwnerTagPrefix).size());
  return std::nullopt;
}

std::vector<std::string> ExpandedUris(const App& app, const std::string& tenant_id, const std::string& app_id) {
  std::vector<std::string> out;
  for (const auto& u : *app.identifier_uris) {
    std::string uri = ExpandTenant(u.text, tenant_id);
    for (size_t at = uri.find(kAppIdPlaceholder); at != std::string::npos && !app_id.empty(); at = uri.find(kAppIdPlaceholder))
      uri.replace(at, kAppIdPlaceholder.size(), app_id);
    out.push_back(uri);
  }
  return out;
}

// Field by field: what the manifest manages and how it differs from the tenant.
struct FieldDiff {
  std::string field;  ///< manifest key, for the source location
  std::string graph;  ///< Graph property
  json::value before, after;
};

std::vector<FieldDiff> DiffAppFields(const App& app, const json::object& o, const std::string& tenant_id, const std::string& app_id,
                                     const std::string& owner) {
  std::vector<FieldDiff> diffs;
  auto text = [&](const char* field, const char* graph, const json::value& want) {
    const json::value* have = o.if_contains(graph);
    json::value h = have ? *have : json::value(nullptr);
    if (h != want) diffs.push_back({field, graph, h, want});
  };
  text("displayName", "displayName", json::value(app.display_name));
  if (app.description) text("description", "description", json::value(*app.description));
  if (app.notes) text("notes", "notes", json::value(*app.notes));
  text("signInAudience", "signInAudience", json::value(app.sign_in_audience));
  if (app.requested_access_token_version && *app.requested_access_token_version != TokenVersion(o))
    diffs.push_back({"requestedAccessTokenVersion", "api", json::object{{"requestedAccessTokenVersion", TokenVersion(o)}},
                     json::object{{"requestedAccessTokenVersion", *app.requested_access_token_version}}});
  std::vector<std::string> tags = DesiredTags(app, &o, owner);
  if (!SameSet(tags, Strings(o.if_contains("tags")), false))
    diffs.push_back({"tags", "tags", o.contains("tags") ? o.at("tags") : json::value(json::array{}), StringArray(tags)});
  if (app.identifier_uris) {
    std::vector<std::string> uris = ExpandedUris(app, tenant_id, app_id);
    if (!SameSet(uris, Strings(o.if_contains("identifierUris")), true))
      diffs.push_back({"identifierUris", "identifierUris", o.contains("identifierUris") ? o.at("identifierUris") : json::value(json::array{}),
                       StringArray(uris)});
  }
  if (app.optional_claims) {
    json::object want = ClaimsJson(*app.optional_claims);
    json::value have = o.contains("optionalClaims") ? o.at("optionalClaims") : json::value(nullptr);
    if (NormalizeClaims(have) != NormalizeClaims(want)) diffs.push_back({"optionalClaims", "optionalClaims", have, want});
  }
  return diffs;
}

void PlanNewApp(Context& ctx, AppPlan& ap) {
  const App& app = *ap.app;
  json::object payload{{"displayName", app.display_name},
                       {"signInAudience", app.sign_in_audience},
                       {"tags", StringArray(DesiredTags(app, nullptr, ctx.desired.settings.owner))}};
  if (app.description) payload["description"] = *app.description;
  if (app.notes) payload["notes"] = *app.notes;
  if (app.requested_access_token_version) payload["api"] = json::object{{"requestedAccessTokenVersion", *app.requested_access_token_version}};
  if (app.optional_claims) payload["optionalClaims"] = ClaimsJson(*app.optional_claims);
  ap.final_roles = DesiredRoles(ap);
  if (app.app_roles) payload["appRoles"] = ap.final_roles;
  bool needs_app_id = false;
  if (app.identifier_uris) {
    json::array now;
    for (const auto& u : *app.identifier_uris) {
      if (u.text.find(kAppIdPlaceholder) != std::string::npos)
        needs_app_id = true;
      else
        now.push_back(json::string(ExpandTenant(u.text, ctx.observed.tenant_id)));
    }
    if (!needs_app_id) payload["identifierUris"] = now;
  }
  Change c = MakeStep(AppAt(app.key), Action::kCreate, StepKind::kCreateApp);
  c.after = payload;
  c.payload = payload;
  c.source = app.loc;
  c.after.erase("appRoles");
  for (const auto& r : ap.final_roles) c.after[fmt::format("role[{}]", std::string(r.at("value").as_string()))] = r;
  ap.create_step = c.id;
  ctx.Add(std::move(c));
  for (const auto& r : ap.final_roles) ap.role_ready_step[std::string(r.at("value").as_string())] = ap.create_step;
  if (needs_app_id) {
    json::array uris;
    for (const auto& u : *app.identifier_uris) uris.push_back(json::string(ExpandTenant(u.text, ctx.observed.tenant_id)));
    json::object payload_uris{{"identifierUris", uris}};
    // Its own id, at the application's address: it finishes the create.
    Change c = MakeStep(AppAt(app.key), Action::kUpdate, StepKind::kSetAppIdUris, PartOf(app.key, "identifier_uris").Render());
    c.before = json::object{{"identifierUris", json::array{}}};
    c.after = payload_uris;
    c.payload = payload_uris;
    c.after_steps = {ap.create_step};
    c.source = app.LocOf("identifierUris");
    c.notes = {"{appId} is known once the application exists"};
    ctx.Add(std::move(c));
  }
}

void PlanExistingApp(Context& ctx, AppPlan& ap) {
  const App& app = *ap.app;
  const ObservedApp& o = *ap.observed;
  const std::string& owner = ctx.desired.settings.owner;
  std::vector<FieldDiff> diffs = DiffAppFields(app, o.graph, ctx.observed.tenant_id, o.app_id, owner);
  if (diffs.empty()) return;
  Change c = MakeStep(AppAt(app.key), Action::kUpdate, StepKind::kUpdateApp);
  c.source = app.LocOf(diffs[0].field);
  for (const auto& d : diffs) {
    c.before[d.graph] = d.before;
    c.after[d.graph] = d.after;
    c.payload[d.graph] = d.after;
  }
  if (app.adopt) c.notes.push_back("adopting an existing application");
  if (!owner.empty() && !app.adopt && !HasTag(o.graph, OwnerTag(owner)))
    c.notes.push_back(fmt::format("marks it as owned by '{}' (tag {}): from now on only this set may prune it", owner, OwnerTag(owner)));
  ctx.Add(std::move(c));
}

void CheckTenantGuard(Context& ctx) {
  const auto& d = ctx.desired;
  if (!d.tenant) return;
  const auto& domains = ctx.observed.tenant_domains;
  bool match = LowerAscii(ctx.observed.tenant_id) == *d.tenant ||
               std::any_of(domains.begin(), domains.end(), [&](const std::string& x) { return LowerAscii(x) == *d.tenant; });
  if (!match)
    ctx.diags.Error("E0301", d.tenant_loc,
                    fmt::format("this manifest is for tenant '{}', but the target tenant is {}{}", *d.tenant, ctx.observed.tenant_id,
                                domains.empty() ? "" : fmt::format(" ({})", fmt::join(domains, ", "))),
                    "check --target and the credentials, or the tenant: line");
}

// Two sets must never fight over one application: the owner tag says whose it is.
void CheckOwnership(Context& ctx, const AppPlan& ap) {
  if (!ap.observed || ap.app->adopt) return;
  auto foreign = ForeignOwner(ap.observed->graph, ctx.desired.settings.owner);
  if (!foreign) return;
  const std::string& owner = ctx.desired.settings.owner;
  ctx.diags.Error("E0305", ap.app->loc,
                  fmt::format("app '{}' belongs to the set owned by '{}' (tag {}), but {}", ap.app->key, *foreign, OwnerTag(*foreign),
                              owner.empty() ? "this set declares no settings.owner" : fmt::format("this set's owner is '{}'", owner)),
                  "one set manages an application: remove it from one of them, or move it by changing that tag by hand");
}

std::string DayAfter(int64_t unix_seconds, int days) {
  std::time_t t = static_cast<std::time_t>(unix_seconds + int64_t{days} * 86400);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

// Who loses access with the app, as the plan should say before anyone approves it.
std::vector<std::string> LosersOf(const Context& ctx, const ObservedApp& o) {
  std::vector<std::string> out;
  if (!o.service_principal) return out;
  std::map<std::string, std::string> role_values;
  if (const json::value* roles = o.graph.if_contains("appRoles"); roles && roles->is_array())
    for (const auto& r : roles->as_array()) role_values[LowerAscii(Str(r, "id"))] = Str(r, "value");
  for (const auto& a : o.service_principal->assigned_to) {
    std::string who = ctx.IdentityNameOf(a.principal_id, a.principal_display_name.empty() ? a.principal_id : a.principal_display_name);
    std::string role = role_values.count(a.app_role_id) ? role_values[a.app_role_id] : a.app_role_id;
    out.push_back(fmt::format("{} ({})", who, role.empty() ? "default access" : role));
  }
  return out;
}

void PlanPrune(Context& ctx) {
  const Settings& settings = ctx.desired.settings;
  // Planning some apps (--app) says nothing about the others: none of them is deleted.
  if (!settings.prune_apps || settings.owner.empty() || !ctx.desired.only_apps.empty()) return;
  for (const auto& o : ctx.observed.prunable) {
    if (!HasTag(o.graph, OwnerTag(settings.owner))) continue;  // never another owner's, never unmarked
    std::string key = o.unique_name.empty() ? o.app_id : o.unique_name;
    json::object before{{"displayName", o.graph.contains("displayName") ? o.graph.at("displayName") : json::value(nullptr)}, {"appId", o.app_id}};
    std::vector<std::string> notes{fmt::format("carries this set's owner tag {} but is no longer in the manifest", OwnerTag(settings.owner))};
    if (o.service_principal) {
      before["servicePrincipal"] = o.service_principal->object_id;
      before["assignments"] = static_cast<int64_t>(o.service_principal->assigned_to.size());
      notes.push_back("its service principal and every app role assignment on it go with it");
    }
    std::vector<std::string> losers = LosersOf(ctx, o);
    if (!losers.empty()) notes.push_back(fmt::format("identities that lose access: {}", fmt::join(losers, ", ")));
    notes.push_back(ctx.observed.read_at > 0
                        ? fmt::format("Graph keeps a deleted application restorable for 30 days: until about {}", DayAfter(ctx.observed.read_at, 30))
                        : std::string("Graph keeps a deleted application restorable for 30 days"));
    Change c = MakeStep(AppAt(key), Action::kDelete, StepKind::kDeleteApp);
    c.before = before;
    c.payload = json::object{{"objectId", o.object_id}};
    c.source = settings.loc;
    c.notes = notes;
    ctx.Add(std::move(c));
  }
}

// A deleted application the manifest wants comes back from deleted items with its appId (clients
// holding it keep working) and is then diffed like any existing one; its service principal stays
// deleted, so the normal steps create it closed. With --purge-deleted it is deleted for good first
// and created anew (a new appId); an adopted app is always restored, never purged.
void PlanDeletedApp(Context& ctx, AppPlan& ap) {
  const App& app = *ap.app;
  const ObservedApp& d = *ap.deleted;
  json::object before{{"appId", d.app_id}, {"displayName", d.graph.contains("displayName") ? d.graph.at("displayName") : json::value(nullptr)}};
  if (const json::value* deleted_at = d.graph.if_contains("deletedDateTime"); deleted_at && deleted_at->is_string())
    before["deletedDateTime"] = *deleted_at;
  if (ctx.desired.settings.purge_deleted && !app.adopt) {
    ap.deleted_step = AppAt(app.key).Variant("purge");
    Change c = MakeStep(AppAt(app.key), Action::kDelete, StepKind::kPurgeDeletedApp, ap.deleted_step);
    c.before = before;
    c.payload = json::object{{"objectId", d.object_id}};
    c.source = app.loc;
    c.notes = {"--purge-deleted: deletes the application in deleted items for good; it cannot be restored, and the new one gets a new appId"};
    ctx.Add(std::move(c));
    PlanNewApp(ctx, ap);
    return;
  }
  ap.deleted_step = AppAt(app.key).Variant("restore");
  json::object after{{"appId", d.app_id}};
  for (const char* field : {"identifierUris", "appRoles"})
    if (const json::value* v = d.graph.if_contains(field); v && v->is_array() && !v->as_array().empty()) after[field] = *v;
  Change c = MakeStep(AppAt(app.key), Action::kRestore, StepKind::kRestoreApp, ap.deleted_step);
  c.before = before;
  c.after = after;
  c.payload = json::object{{"objectId", d.object_id}, {"appId", d.app_id}};
  c.source = app.loc;
  c.notes = {"the application is in deleted items: restoring it keeps its appId; its service principal stays deleted and is created again below",
             "to delete it for good and create a new one instead, use --purge-deleted"};
  ctx.Add(std::move(c));
  ap.observed = ap.deleted;
  CheckOwnership(ctx, ap);
  PlanExistingApp(ctx, ap);
  PlanRoles(ctx, ap);
}

// Every other step of a restored or purged app waits for that first step.
void WaitForDeletedSteps(Context& ctx) {
  for (auto& c : ctx.plan.changes) {
    auto it = ctx.apps.find(c.app);
    if (it == ctx.apps.end() || it->second.deleted_step.empty() || c.id == it->second.deleted_step) continue;
    if (std::find(c.after_steps.begin(), c.after_steps.end(), it->second.deleted_step) == c.after_steps.end())
      c.after_steps.push_back(it->second.deleted_step);
  }
}

// Kahn's algorithm, keeping the planner's order among steps that are free to run. Returns the steps
// left over, which wait on each other: a planner bug, reported rather than applied.
std::vector<std::string> OrderSteps(Plan& plan) {
  // The order is worked out on indices; each step then moves once (a plan can hold 200,000 steps).
  const size_t n = plan.changes.size();
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(n);
  for (size_t i = 0; i < n; ++i) index.emplace(plan.changes[i].id, i);
  std::vector<size_t> order;
  order.reserve(n);
  std::vector<bool> used(n, false);  // placed in the order: its dependants may follow
  auto ready = [&](const std::string& dep) {
    auto it = index.find(dep);
    return it == index.end() || used[it->second];  // a step the plan does not hold waits for nothing
  };
  while (order.size() < n) {
    bool progressed = false;
    for (size_t i = 0; i < n; ++i) {
      if (used[i]) continue;
      const auto& deps = plan.changes[i].after_steps;
      if (!std::all_of(deps.begin(), deps.end(), ready)) continue;
      used[i] = true;
      order.push_back(i);
      progressed = true;
    }
    if (!progressed) break;
  }
  std::vector<std::string> stuck;
  for (size_t i = 0; i < n; ++i)
    if (!used[i]) order.push_back(i), stuck.push_back(plan.changes[i].id);
  std::vector<Change> ordered;
  ordered.reserve(n);
  for (size_t i : order) ordered.push_back(std::move(plan.changes[i]));
  plan.changes = std::move(ordered);
  return stuck;
}

// "file:line:col: [W0230] message (hint)": a warning as a plan carries it.
std::string DescribeWarning(const Diagnostic& d) {
  return fmt::format("{}[{}] {}{}", d.loc.valid() || !d.loc.file.empty() ? d.loc.ToString() + ": " : "", d.code, d.message,
                     d.hint.empty() ? "" : " (" + d.hint + ")");
}

bool Selected(const Context& ctx, const std::string& key) {
  const auto& only = ctx.desired.only_apps;
  return only.empty() || std::find(only.begin(), only.end(), key) != only.end();
}

// A selected app may grant a role to an app left out (--app): that one's service principal must
// exist already, since no step of this plan creates it.
void CheckUnselectedPrincipals(Context& ctx) {
  for (const auto& [key, ap] : ctx.apps) {
    if (!ap.app || !ap.app->access || !Selected(ctx, key)) continue;
    for (const auto& g : *ap.app->access) {
      if (!g.principal_is_app || Selected(ctx, g.principal)) continue;
      const AppPlan& other = ctx.apps.at(g.principal);
      if (other.observed && other.observed->service_principal) continue;
      ctx.diags.Error("E0306", g.loc,
                      fmt::format("access['{}'] of app '{}' names app '{}', which has no service principal in the tenant yet and is "
                                  "not planned (--app)",
                                  g.role, key, g.principal),
                      fmt::format("add --app {}, or apply it first", g.principal));
    }
  }
  for (const auto& [key, ap] : ctx.apps) {
    if (!ap.app || !Selected(ctx, key)) continue;
    for (const auto* owners : {&ap.app->owners, &ap.app->sp_owners}) {
      if (!*owners) continue;
      for (const auto& o : **owners) {
        if (!o.principal_is_app || Selected(ctx, o.principal)) continue;
        const AppPlan& other = ctx.apps.at(o.principal);
        if (other.observed && other.observed->service_principal) continue;
        ctx.diags.Error("E0306", o.loc,
                        fmt::format("{} of app '{}' names app '{}', which has no service principal in the tenant yet and is not planned (--app)",
                                    owners == &ap.app->owners ? "owners" : "servicePrincipalOwners", key, o.principal),
                        fmt::format("add --app {}, or apply it first", o.principal));
      }
    }
  }
}

}  // namespace

Plan ComputePlan(const DesiredState& desired, const ObservedState& observed, Diagnostics& diags) {
  Plan plan;
  const size_t diags_before = diags.items().size();
  plan.manifest_files = desired.files;
  plan.environment = desired.environment;
  plan.only_apps = desired.only_apps;
  Context ctx{desired, observed, diags, plan, {}, {}, {}, {}};
  CheckTenantGuard(ctx);
  for (const auto& app : desired.apps) {
    AppPlan& ap = ctx.apps[app.key];
    ap.app = &app;
    auto it = observed.apps.find(app.key);
    ap.observed = it == observed.apps.end() ? nullptr : &it->second;
    if (auto d = observed.deleted.find(app.key); !ap.observed && d != observed.deleted.end()) ap.deleted = &d->second;
    if (!ap.observed && !ap.deleted && app.adopt) {
      diags.Error("E0303", app.adopt->loc,
                  fmt::format("app '{}' adopts {} {}, which is not in the tenant", app.key, app.adopt->by == Adopt::By::kAppId ? "appId" : "objectId",
                              app.adopt->id));
      continue;
    }
  }
  CheckUnselectedPrincipals(ctx);
  for (auto& [key, ap] : ctx.apps) {
    if (!ap.app || (!ap.observed && !ap.deleted && ap.app->adopt) || !Selected(ctx, key)) continue;
    if (ap.deleted) {
      PlanDeletedApp(ctx, ap);
    } else if (ap.observed) {
      CheckOwnership(ctx, ap);
      PlanExistingApp(ctx, ap);
      PlanRoles(ctx, ap);
    } else {
      PlanNewApp(ctx, ap);
    }
    PlanServicePrincipalCreate(ctx, ap);
  }
  for (auto& [key, ap] : ctx.apps)
    if (ap.app && (ap.observed || !ap.app->adopt) && Selected(ctx, key)) PlanAccess(ctx, ap);
  for (auto& [key, ap] : ctx.apps)
    if (ap.app && (ap.observed || !ap.app->adopt) && Selected(ctx, key)) PlanServicePrincipalUpdate(ctx, ap);
  for (auto& [key, ap] : ctx.apps)
    if (ap.app && (ap.observed || !ap.app->adopt) && Selected(ctx, key)) PlanOwners(ctx, ap);
  OrderOwnerRemovals(plan);
  WaitForDeletedSteps(ctx);
  PlanPrune(ctx);
  if (std::vector<std::string> stuck = OrderSteps(plan); !stuck.empty())
    diags.Error("E0390", {}, fmt::format("internal error: these plan steps wait on each other, so none could ever run: {}", fmt::join(stuck, ", ")),
                "please report this with the plan (entragate plan -o plan.json)");
  plan.observed_digest = ObservedDigest(observed);
  for (const auto& d : desired.warnings) plan.warnings.push_back(DescribeWarning(d));
  for (size_t i = diags_before; i < diags.items().size(); ++i)
    if (diags.items()[i].severity == Severity::kWarning) plan.warnings.push_back(DescribeWarning(diags.items()[i]));
  return plan;
}

// The text of one JSON object, {key: {app, sp, required, assignments}, …, "#prunable": […],
// "#deleted": {…}}, made one app at a time so that a large tenant is never one DOM.
namespace {

// What json::serialize(json::string(s)) writes, without its two temporaries when nothing needs
// escaping (ids, mostly): the digest's form must not change.
void AppendJsonString(std::string& text, std::string_view s) {
  bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  });
  if (!plain) {
    text += json::serialize(json::string(s));
    return;
  }
  text += '"';
  text += s;
  text += '"';
}

}  // namespace

std::string ObservedDigest(const ObservedState& observed) {
  std::string text = "{";
  auto member = [&](const std::string& key, const json::value& value) {
    if (text.size() > 1) text += ',';
    AppendJsonString(text, key);
    text += ':';
    text += json::serialize(value);
  };
  auto ids = [&](const char* name, const auto& items, auto id_of) {
    text += fmt::format(",\"{}\":[", name);
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) text += ',';
      AppendJsonString(text, id_of(items[i]));
    }
    text += ']';
  };
  // Each entry is {"app":…,"sp":…,"required":…,"assignments":[…]} (then "owners", "spOwners" when
  // read), written piece by piece: the app's JSON is serialised where it is, never copied.
  for (const auto& [key, app] : observed.apps) {
    const ObservedServicePrincipal* sp = app.service_principal ? &*app.service_principal : nullptr;
    if (text.size() > 1) text += ',';
    AppendJsonString(text, key);
    text += ":{\"app\":";
    text += json::serialize(app.graph);
    text += ",\"sp\":";
    if (sp)
      AppendJsonString(text, sp->object_id);
    else
      text += "null";
    text += sp && sp->assignment_required ? ",\"required\":true" : ",\"required\":false";
    static const std::vector<ObservedAssignment> kNone;
    ids("assignments", sp ? sp->assigned_to : kNone, [](const ObservedAssignment& a) -> const std::string& { return a.id; });
    // Owners only when read (the manifest states them), so digests of sets without owners stay as they were.
    auto owner_id = [](const ObservedOwner& o) -> const std::string& { return o.id; };
    if (app.owners) ids("owners", *app.owners, owner_id);
    if (sp && sp->owners) ids("spOwners", *sp->owners, owner_id);
    text += '}';
  }
  json::array prunable;
  for (const auto& p : observed.prunable) prunable.push_back(json::string(p.object_id));
  member("#prunable", prunable);
  json::object deleted;
  for (const auto& [key, app] : observed.deleted) deleted[key] = app.object_id;
  if (!deleted.empty()) member("#deleted", deleted);
  text += '}';
  return crypto::HexEncode(crypto::Sha256(text));
}

}  // namespace entragate::engine
