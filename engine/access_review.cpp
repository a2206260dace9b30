#include "engine/access_review.h"

#include <algorithm>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/render.h"

namespace entragate::engine {

namespace json = boost::json;

namespace {

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string KeyOf(const AccessApp& app) { return app.unique_name.empty() ? app.display_name : app.unique_name; }

// Users reach an app through a group that holds a role; service principals do not: a token for an
// application (client credentials) carries only the roles assigned to the service principal itself
// (docs/graph-behaviour.md, "Groups and service principals").
void AddEntries(AccessAppReview& r, const AccessGrant& g, const AccessSnapshot& s, AccessMark mark) {
  AccessPrincipal who{g.principal_id, g.principal_type, g.principal_name, "", ""};
  r.entries.push_back({who, g.role, "direct", {}, g.since, mark, false});
  if (g.principal_type != "Group") return;
  auto members = s.group_members.find(LowerAscii(g.principal_id));
  if (members == s.group_members.end()) return;
  for (const auto& m : members->second) {
    if (m.type == "User") {
      r.entries.push_back({m, g.role, "group", who, g.since, mark, false});
    } else if (m.type == "ServicePrincipal") {
      r.notes.push_back(
          fmt::format("{} (service principal) is a member of group {}, which holds {}: service principals get no "
                      "app-only token roles through a group, so it is not listed for that role",
                      m.display_name, g.principal_name, g.role));
    }
  }
}

std::vector<AccessChanger> ChangersOf(const AccessApp& app, const AccessSnapshot& s) {
  std::vector<AccessChanger> out;
  for (const auto& o : app.app_owners) out.push_back({o, "owner of the application"});
  for (const auto& o : app.sp_owners) out.push_back({o, "owner of the service principal"});
  for (const auto& w : s.graph_writers) out.push_back(w);
  for (const auto& d : s.directory_role_holders) out.push_back(d);
  return out;
}

AccessAppReview* FindApp(AccessReview& review, const std::string& key, const ObservedState* observed) {
  std::string app_id;
  if (observed)
    if (auto it = observed->apps.find(key); it != observed->apps.end()) app_id = it->second.app_id;
  for (auto& a : review.apps)
    if (a.app.unique_name == key || (!app_id.empty() && LowerAscii(a.app.app_id) == LowerAscii(app_id))) return &a;
  return nullptr;
}

void MarkLost(AccessAppReview& r, const std::string& principal_id, const std::string& role, bool widening) {
  for (auto& e : r.entries) {
    bool direct = e.how == "direct" && LowerAscii(e.identity.id) == LowerAscii(principal_id);
    bool through = e.how == "group" && LowerAscii(e.group.id) == LowerAscii(principal_id);
    if ((direct || through) && e.role == role) e.mark = AccessMark::kLost, e.widening = widening;
  }
}

// A revoke of an identity the manifest names is taken as a change the manifest makes (it left the
// list); one the manifest does not know at all was granted outside it: drift that widened access.
bool NamedByManifest(const std::string& principal_id, const ObservedState* observed) {
  if (!observed) return false;
  for (const auto& [name, id] : observed->identities)
    if (LowerAscii(id.object_id) == LowerAscii(principal_id)) return true;
  return false;
}

void ApplyChange(AccessReview& review, const Change& c, const AccessSnapshot& s, const ObservedState* observed) {
  AccessAppReview* r = FindApp(review, c.app, observed);
  if (!r && c.kind == StepKind::kCreateApp) {
    AccessAppReview created;
    created.key = c.app;
    created.app.unique_name = c.app;
    created.app.display_name = Str(c.after, "displayName");
    created.app.managed = true;
    created.created = true;
    created.notes.push_back("the plan creates this application");
    review.apps.push_back(std::move(created));
    return;
  }
  if (!r) return;
  switch (c.kind) {
    case StepKind::kGrant: {
      AccessGrant g{Str(c.payload, "principalId"), Str(c.after, "principalType"), Str(c.after, "principal"),
                    Str(c.after, "appRoleId"),     Str(c.after, "role"),          ""};
      if (observed)
        if (auto id = observed->identities.find(g.principal_name); id != observed->identities.end() && !id->second.display_name.empty())
          g.principal_name = id->second.display_name;
      if (g.principal_id.empty()) g.principal_id = AppAt(Str(c.after, "principal")).Render();  // a service principal the plan creates
      AddEntries(*r, g, s, AccessMark::kGained);
      break;
    }
    case StepKind::kRevoke:
      MarkLost(*r, Str(c.before, "principalId"), Str(c.before, "role"),
               c.widens_access_drift && !NamedByManifest(Str(c.before, "principalId"), observed));
      break;
    case StepKind::kUpdateServicePrincipal:
    case StepKind::kCreateServicePrincipal: {
      const json::value* v = c.after.if_contains("appRoleAssignmentRequired");
      if (!v || !v->is_bool()) break;
      r->open_after = !v->as_bool();
      r->app.has_service_principal = true;
      if (c.kind == StepKind::kUpdateServicePrincipal) r->assignment_change = v->as_bool() ? "on" : "off";
      r->assignment_widening = c.widens_access_drift;
      break;
    }
    case StepKind::kAddOwner:
    case StepKind::kRemoveOwner: {
      // An owner can change who gets tokens for the app: the plan changes who can change access.
      bool add = c.kind == StepKind::kAddOwner;
      std::string on = Str(c.payload, "on") == "servicePrincipal" ? "its service principal" : "the application";
      r->notes.push_back(add ? fmt::format("the plan makes {} an owner of {}: it can then change who gets tokens", Str(c.after, "owner"), on)
                             : fmt::format("the plan removes {} as an owner of {}", Str(c.before, "owner"), on));
      break;
    }
    case StepKind::kDeleteApp:
      r->deleted = true;
      r->open_after = false;
      for (auto& e : r->entries) e.mark = AccessMark::kLost;
      r->notes.push_back("the plan deletes this application: nobody can obtain a token for it afterwards");
      break;
    default: break;
  }
}

bool PrincipalLess(const AccessPrincipal& a, const AccessPrincipal& b) {
  return std::tie(a.display_name, a.type, a.id) < std::tie(b.display_name, b.type, b.id);
}

}  // namespace

const char* ToString(AccessMark m) {
  switch (m) {
    case AccessMark::kGained: return "gained";
    case AccessMark::kLost: return "lost";
    default: return "";
  }
}

bool AccessAppReview::changed() const {
  if (created || deleted || !assignment_change.empty()) return true;
  return std::any_of(entries.begin(), entries.end(), [](const AccessEntry& e) { return e.mark != AccessMark::kNone; });
}

bool AccessAppReview::Is(const std::string& name) const {
  return key == name || app.unique_name == name || (!app.app_id.empty() && LowerAscii(app.app_id) == LowerAscii(name));
}

AccessReview BuildAccessReview(const AccessSnapshot& s, const Plan* plan, const ObservedState* observed, const std::vector<std::string>& only_apps) {
  AccessReview review;
  review.tenant_id = s.tenant_id;
  review.read_at = s.read_at;
  review.with_plan = plan != nullptr;
  auto wanted = [&](const std::string& name) { return only_apps.empty() || std::find(only_apps.begin(), only_apps.end(), name) != only_apps.end(); };
  for (const auto& app : s.apps) {
    AccessAppReview r;
    r.key = KeyOf(app);
    r.app = app;
    if (!only_apps.empty() && std::none_of(only_apps.begin(), only_apps.end(), [&](const std::string& n) { return r.Is(n); })) continue;
    r.open_before = r.open_after = app.has_service_principal && !app.assignment_required;
    for (const auto& g : app.grants) AddEntries(r, g, s, AccessMark::kNone);
    if (!app.has_service_principal) r.notes.push_back("no service principal: no token can be issued for this application in this tenant");
    review.apps.push_back(std::move(r));
  }
  if (plan) {
    std::vector<const Change*> changes;
    for (const auto& c : plan->changes) {
      bool in_scope = FindApp(review, c.app, observed) || (c.kind == StepKind::kCreateApp && wanted(c.app));
      if (!in_scope) continue;
      ApplyChange(review, c, s, observed);
      changes.push_back(&c);
    }
    review.token_note = TokenLifetimeNote(changes, s.read_at);
  }
  std::map<std::string, AccessPrincipal> identities;
  for (auto& r : review.apps) {
    r.changers = ChangersOf(r.app, s);
    std::sort(r.entries.begin(), r.entries.end(), [](const AccessEntry& a, const AccessEntry& b) {
      return std::tie(a.identity.display_name, a.identity.id, a.role, a.how, a.group.display_name) <
             std::tie(b.identity.display_name, b.identity.id, b.role, b.how, b.group.display_name);
    });
    std::sort(r.notes.begin(), r.notes.end());
    r.notes.erase(std::unique(r.notes.begin(), r.notes.end()), r.notes.end());
    for (const auto& e : r.entries) {
      identities.emplace(LowerAscii(e.identity.id), e.identity);
      if (e.mark == AccessMark::kGained) ++review.gained;
      if (e.mark == AccessMark::kLost) ++review.lost;
      if (e.widening) ++review.widening;
    }
    if (!r.assignment_change.empty()) ++review.switched;
    if (r.assignment_widening) ++review.widening;
  }
  for (auto& [id, p] : identities) review.identities.push_back(p);
  std::sort(review.identities.begin(), review.identities.end(), PrincipalLess);
  if (!s.directory_roles_read) review.notes.push_back(s.directory_roles_note.empty() ? "directory roles were not read" : s.directory_roles_note);
  return review;
}

std::vector<IdentityReachEntry> ReachOf(const AccessReview& review, const AccessPrincipal& who) {
  std::vector<IdentityReachEntry> out;
  for (const auto& r : review.apps) {
    bool holds = false;
    for (const auto& e : r.entries) {
      if (LowerAscii(e.identity.id) != LowerAscii(who.id)) continue;
      holds = true;
      std::string why = e.how == "group" ? fmt::format("member of group {}, which holds {}", e.group.display_name, e.role)
                                         : fmt::format("assigned {} directly", e.role);
      if (!e.since.empty()) why += " since " + e.since;
      out.push_back({r.key, r.app.app_id, e.role, why, e.mark});
    }
    if (!holds && (r.open_before || r.open_after)) {
      AccessMark mark = r.open_before == r.open_after ? AccessMark::kNone : r.open_after ? AccessMark::kGained : AccessMark::kLost;
      out.push_back({r.key, r.app.app_id, "", "assignment not required: any identity in the tenant gets a token (no roles)", mark});
    }
  }
  return out;
}

std::optional<AccessPrincipal> FindReviewPrincipal(const AccessSnapshot& s, const std::string& name, std::string& ambiguous) {
  std::map<std::string, AccessPrincipal> known;
  auto add = [&](const AccessPrincipal& p) {
    auto [it, inserted] = known.emplace(LowerAscii(p.id), p);
    if (!inserted && it->second.upn.empty()) it->second.upn = p.upn;
  };
  for (const auto& app : s.apps) {
    for (const auto& g : app.grants) add({g.principal_id, g.principal_type, g.principal_name, "", ""});
    for (const auto& o : app.app_owners) add(o);
    for (const auto& o : app.sp_owners) add(o);
  }
  for (const auto& [group, members] : s.group_members)
    for (const auto& m : members) add(m);
  std::string want = LowerAscii(name);
  if (auto it = known.find(want); it != known.end()) return it->second;
  std::vector<AccessPrincipal> matches;
  for (const auto& [id, p] : known)
    if (LowerAscii(p.upn) == want || LowerAscii(p.display_name) == want) matches.push_back(p);
  if (matches.size() > 1) {
    std::vector<std::string> ids;
    for (const auto& m : matches) ids.push_back(fmt::format("{} {}", m.type, m.id));
    ambiguous = fmt::format("{} identities are named '{}' ({}); give an object id", matches.size(), name, fmt::join(ids, ", "));
    return std::nullopt;
  }
  if (matches.empty()) return std::nullopt;
  return matches.front();
}

}  // namespace entragate::engine
