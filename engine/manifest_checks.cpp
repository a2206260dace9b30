// Checks across the merged manifest: what `access` refers to, and what must be unique.
#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/manifest_reader.h"

namespace entragate::engine::manifest_detail {

namespace {

// Graph's app-only tokens carry the roles assigned to the service principal itself, not those of
// the groups it is a member of.
constexpr const char* kGroupsGiveAppsNothing =
    "a service principal in a group does not get the group's app roles in its app-only tokens; grant the role to each service "
    "principal directly";

std::vector<std::string> RoleValues(const App& app) {
  std::vector<std::string> out;
  if (app.app_roles)
    for (const auto& r : *app.app_roles) out.push_back(r.value);
  return out;
}

void CheckAccessRoles(const App& app, Diagnostics& diags) {
  for (const auto& [value, loc] : app.access_locs) {
    if (app.FindRole(value)) continue;
    std::string hint = app.app_roles ? DidYouMean(value, RoleValues(app)) : "define it under appRoles of this app";
    diags.Error("E0203", loc, fmt::format("unknown app role '{}' in access of app '{}'", value, app.key), hint);
  }
}

void CheckGrant(const DesiredState& state, const App& app, Grant& g, const std::vector<std::string>& principals,
                const std::map<std::string, std::vector<std::string>>& bindings, Diagnostics& diags) {
  auto identity = state.identities.find(g.principal);  // one look-up: a manifest can hold 200,000 grants
  bool is_identity = identity != state.identities.end();
  g.principal_is_app = !is_identity && state.FindApp(g.principal) != nullptr;
  if (!is_identity && !g.principal_is_app && bindings.count(g.principal)) {
    diags.Error("E0205", g.loc,
                fmt::format("identity '{}' in access['{}'] of app '{}' is not bound in environment '{}' (only in {})", g.principal, g.role, app.key,
                            state.environment, fmt::join(bindings.at(g.principal), ", ")),
                fmt::format("bind it under environments.{}.identities, or leave the app out of that environment", state.environment));
    return;
  }
  if (!is_identity && !g.principal_is_app) {
    diags.Error(
        "E0205", g.loc,
        fmt::format("unknown identity '{}' in access['{}'] of app '{}'; name an entry of identities or an app key", g.principal, g.role, app.key),
        DidYouMean(g.principal, principals));
    return;
  }
  const AppRole* role = app.FindRole(g.role);
  if (!role) return;  // reported by CheckAccessRoles
  if (!role->enabled)
    diags.Error("E0216", g.loc,
                fmt::format("app role '{}' of app '{}' is disabled (enabled: false) and cannot be assigned to '{}'", g.role, app.key, g.principal));
  // The member type the principal needs, or kUnknown when only the tenant can tell (objectId).
  MemberType needed = g.principal_is_app ? MemberType::kApplication : MemberTypeOf(identity->second.selector);
  const auto& allowed = role->allowed_member_types;
  bool group = !g.principal_is_app && identity->second.selector == IdentitySelector::kGroup;
  if (needed != MemberType::kUnknown && std::find(allowed.begin(), allowed.end(), ToGraph(needed)) == allowed.end()) {
    diags.Error("E0204", g.loc,
                fmt::format("app role '{}' of app '{}' allows member types [{}], but '{}' needs {}", g.role, app.key, fmt::join(allowed, ", "),
                            g.principal, ToGraph(needed)),
                group ? kGroupsGiveAppsNothing : "");
    return;
  }
  if (group && std::find(allowed.begin(), allowed.end(), "Application") != allowed.end())
    diags.Warning("W0230", g.loc,
                  fmt::format("app role '{}' of app '{}' allows Application members, but it is granted to group '{}': only the "
                              "group's users get it",
                              g.role, app.key, g.principal),
                  kGroupsGiveAppsNothing);
}

// Owners must be identities Graph lets own an application: service principals and users.
void CheckOwners(const DesiredState& state, const App& app, std::vector<Owner>& owners, const char* key, const std::vector<std::string>& principals,
                 const std::map<std::string, std::vector<std::string>>& bindings, Diagnostics& diags) {
  for (auto& o : owners) {
    auto id = state.identities.find(o.principal);
    o.principal_is_app = id == state.identities.end() && state.FindApp(o.principal) != nullptr;
    if (id == state.identities.end() && !o.principal_is_app) {
      if (bindings.count(o.principal))
        diags.Error("E0228", o.loc,
                    fmt::format("identity '{}' in {} of app '{}' is not bound in environment '{}' (only in {})", o.principal, key, app.key,
                                state.environment, fmt::join(bindings.at(o.principal), ", ")),
                    fmt::format("bind it under environments.{}.identities, or leave the app out of that environment", state.environment));
      else
        diags.Error("E0228", o.loc,
                    fmt::format("unknown identity '{}' in {} of app '{}'; name an entry of identities or an app key", o.principal, key, app.key),
                    DidYouMean(o.principal, principals));
      continue;
    }
    if (id != state.identities.end() && id->second.selector == IdentitySelector::kGroup)
      diags.Error("E0229", o.loc,
                  fmt::format("'{}' in {} of app '{}' is a group; Graph lets only users and service principals own {}", o.principal, key, app.key,
                              std::string_view(key) == "owners" ? "an application" : "a service principal"),
                  "name the group's members instead");
  }
  std::sort(owners.begin(), owners.end(), [](const Owner& a, const Owner& b) { return a.principal < b.principal; });
}

// {appId} URIs differ per app once expanded; every other URI must be unique across the manifest, as
// Graph requires across the tenant.
void CheckUniqueUris(const DesiredState& state, Diagnostics& diags) {
  std::map<std::string, std::pair<std::string, SourceLoc>> seen;
  for (const auto& app : state.apps) {
    if (!app.identifier_uris) continue;
    for (const auto& uri : *app.identifier_uris) {
      if (uri.text.find(kAppIdPlaceholder) != std::string::npos) continue;
      auto [it, inserted] = seen.emplace(LowerAscii(uri.text), std::make_pair(app.key, uri.loc));
      if (!inserted && it->second.first != app.key)
        diags.Error("E0213", uri.loc,
                    fmt::format("identifier URI '{}' is also used by app '{}' at {}; identifier URIs are unique in a tenant", uri.text,
                                it->second.first, it->second.second.ToString()));
    }
  }
}

void CheckAdoptions(const DesiredState& state, Diagnostics& diags) {
  std::map<std::string, const App*> adopted;
  for (const auto& app : state.apps) {
    if (!app.adopt) continue;
    auto [it, inserted] = adopted.emplace(app.adopt->id, &app);
    if (!inserted)
      diags.Error("E0220", app.adopt->loc, fmt::format("app '{}' adopts {}, which app '{}' adopts already", app.key, app.adopt->id, it->second->key));
  }
}

}  // namespace

void CheckReferences(DesiredState& state, Diagnostics& diags, const std::map<std::string, std::vector<std::string>>& bindings) {
  std::vector<std::string> principals;
  for (const auto& [name, id] : state.identities) {
    principals.push_back(name);
    if (const App* app = state.FindApp(name))
      diags.Error("E0218", id.loc,
                  fmt::format("'{}' names both an identity and an app (at {}); access could not tell them apart", name, app->loc.ToString()));
  }
  for (const auto& app : state.apps) principals.push_back(app.key);
  for (auto& app : state.apps) {
    if (!app.access) continue;
    CheckAccessRoles(app, diags);
    for (auto& g : *app.access) CheckGrant(state, app, g, principals, bindings, diags);
    std::sort(app.access->begin(), app.access->end(),
              [](const Grant& a, const Grant& b) { return std::tie(a.role, a.principal) < std::tie(b.role, b.principal); });
  }
  for (auto& app : state.apps) {
    if (app.owners) CheckOwners(state, app, *app.owners, "owners", principals, bindings, diags);
    if (app.sp_owners) CheckOwners(state, app, *app.sp_owners, "servicePrincipalOwners", principals, bindings, diags);
  }
  CheckUniqueUris(state, diags);
  CheckAdoptions(state, diags);
}

}  // namespace entragate::engine::manifest_detail
