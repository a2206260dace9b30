// The tenant-wide read behind an access review: applications in scope, their service principals,
// assignments and owners, the members of the groups that hold roles, and who can change
// assignments anywhere (Graph's write permissions, directory roles). Reads in batches.
#include <algorithm>
#include <ctime>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/model.h"
#include "providers/graph/client/odata.h"
#include "providers/graph/provider/access_reader.h"
#include "providers/graph/provider/answer_shapes.h"
#include "providers/graph/provider/graph_provider.h"
#include "providers/graph/provider/reader_support.h"

namespace entragate::graph {

namespace json = boost::json;
using engine::AccessApp;
using engine::AccessPrincipal;
using engine::LowerAscii;

namespace {

constexpr const char* kGraphAppId = "00000003-0000-0000-c000-000000000000";
constexpr const char* kAppSelect = "$select=id,appId,uniqueName,displayName,tags";
constexpr const char* kSpSelect = "$select=id,appId,displayName,appRoleAssignmentRequired,appRoles,servicePrincipalType";
constexpr const char* kObjectSelect = "$select=id,displayName,userPrincipalName,servicePrincipalType&$top=999";
// A directory role's members come in one answer of up to 1,000, and Graph documents no $top there
// (docs/graph-behaviour.md §14): only $select is sent.
constexpr const char* kRoleMemberSelect = "$select=id,displayName,userPrincipalName,servicePrincipalType";
constexpr const char* kAssignedSelect = "$select=principalId,principalType,principalDisplayName,appRoleId,createdDateTime&$top=999";

// The Graph permissions that let a service principal change who holds roles on any application.
const char* const kWritePermissions[] = {"AppRoleAssignment.ReadWrite.All", "Application.ReadWrite.All"};

// The directory roles whose holders can change any application's assignments or owners.
struct DirectoryRole {
  const char* template_id;
  const char* name;
};
const DirectoryRole kDirectoryRoles[] = {
    {"62e90394-69f5-4237-9190-012177145e10", "Global Administrator"},
    {"e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator"},
    {"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator"},
    {"158c047a-c907-4556-b7ef-446551a6b5f7", "Cloud Application Administrator"},
};

using Lists = std::vector<engine::Result<std::vector<json::object>>>;

engine::Status CheckAll(const Lists& lists, Answer kind) {
  for (const auto& l : lists) {
    if (!l.ok()) return l.error();
    for (const auto& o : l.value())
      if (auto bad = CheckAnswer(kind, o)) return *bad;
  }
  return engine::Ok{};
}

// A directory object from its @odata.type ("#microsoft.graph.user" → User).
AccessPrincipal Principal(const json::object& o) {
  std::string type = JsonString(o, "@odata.type");
  if (auto dot = type.rfind('.'); dot != std::string::npos) type = type.substr(dot + 1);
  static const std::map<std::string, std::string> kTypes = {{"user", "User"}, {"group", "Group"}, {"servicePrincipal", "ServicePrincipal"}};
  auto known = kTypes.find(type);
  return {JsonString(o, "id"), known == kTypes.end() ? type : known->second, JsonString(o, "displayName"), JsonString(o, "userPrincipalName"),
          JsonString(o, "servicePrincipalType")};
}

std::vector<AccessPrincipal> Principals(const std::vector<json::object>& items) {
  std::vector<AccessPrincipal> out;
  for (const auto& o : items) out.push_back(Principal(o));
  std::sort(out.begin(), out.end(),
            [](const AccessPrincipal& a, const AccessPrincipal& b) { return std::tie(a.display_name, a.id) < std::tie(b.display_name, b.id); });
  return out;
}

std::string RoleValue(const AccessApp& app, const std::string& id) {
  if (id == engine::kDefaultAccessRoleId) return "default access";
  for (const auto& r : app.roles)
    if (LowerAscii(r.id) == LowerAscii(id)) return r.value;
  return id;
}

void ReadRoles(const json::object& sp, AccessApp& app) {
  const json::value* roles = sp.if_contains("appRoles");
  if (!roles || !roles->is_array()) return;
  for (const auto& r : roles->get_array()) {
    if (!r.is_object()) continue;
    engine::AccessRole role{JsonString(r.get_object(), "id"), JsonString(r.get_object(), "value"), {}};
    if (const json::value* types = r.get_object().if_contains("allowedMemberTypes"); types && types->is_array())
      for (const auto& t : types->get_array())
        if (t.is_string()) role.allowed_member_types.emplace_back(t.get_string());
    app.roles.push_back(std::move(role));
  }
}

engine::Result<std::vector<json::object>> ReadApplications(GraphClient& client, const engine::AccessReadOptions& options) {
  std::string marker = FilterUrlComponent(fmt::format("tags/any(t:t eq {})", ODataString(engine::kMarkerTag)));
  std::vector<std::string> paths, by_app_id = options.extra_app_ids;
  if (options.only_apps.empty())
    paths.push_back(std::string("/applications?") + kAppSelect + "&$top=999" + (options.include_unmanaged ? "" : "&$filter=" + marker));
  for (const auto& name : options.only_apps) {
    auto id = FindApplicationId(client, name);
    if (!id.ok()) return id.error();
    by_app_id.push_back(*id);
  }
  for (auto& q : InQueries(std::string("/applications?") + kAppSelect + "&$top=999", "appId", by_app_id)) paths.push_back(q);
  Lists lists = client.ListAll(paths);
  if (auto bad = CheckAll(lists, Answer::kApplication); !bad.ok()) return bad.error();
  std::vector<json::object> out;
  std::set<std::string> seen;
  for (auto& l : lists)
    for (auto& a : l.value())
      if (seen.insert(LowerAscii(JsonString(a, "id"))).second) out.push_back(std::move(a));
  return out;
}

bool HasMarker(const json::object& app) {
  const json::value* tags = app.if_contains("tags");
  if (!tags || !tags->is_array()) return false;
  for (const auto& t : tags->get_array())
    if (t.is_string() && t.get_string() == engine::kMarkerTag) return true;
  return false;
}

// Service principals holding Graph's write permissions: from Graph's own service principal's
// appRoleAssignedTo, its role ids read from its appRoles.
engine::Status ReadGraphWriters(GraphClient& client, engine::AccessSnapshot& out) {
  Lists graph = client.ListAll({InQueries(std::string("/servicePrincipals?") + kSpSelect, "appId", {kGraphAppId})});
  if (auto bad = CheckAll(graph, Answer::kServicePrincipal); !bad.ok()) return bad;
  if (graph[0].value().empty()) return engine::Ok{};
  AccessApp graph_sp;
  ReadRoles(graph[0].value().front(), graph_sp);
  Lists assigned = client.ListAll({"/servicePrincipals/" + JsonString(graph[0].value().front(), "id") + "/appRoleAssignedTo?" + kAssignedSelect});
  if (auto bad = CheckAll(assigned, Answer::kAssignment); !bad.ok()) return bad;
  for (const auto& a : assigned[0].value()) {
    std::string permission = RoleValue(graph_sp, JsonString(a, "appRoleId"));
    for (const char* p : kWritePermissions)
      if (permission == p)
        out.graph_writers.push_back({{JsonString(a, "principalId"), JsonString(a, "principalType"), JsonString(a, "principalDisplayName"), "", ""},
                                     fmt::format("holds {} on Microsoft Graph", p)});
  }
  return engine::Ok{};
}

// Directory roles need a permission an operator often lacks: when they cannot be read, the
// snapshot says so instead of failing the review.
void ReadDirectoryRoles(GraphClient& client, engine::AccessSnapshot& out) {
  Lists roles = client.ListAll({"/directoryRoles?$select=id,displayName,roleTemplateId"});
  if (auto bad = CheckAll(roles, Answer::kDirectoryObject); !bad.ok()) {
    out.directory_roles_note =
        "directory roles (Global, Privileged Role, Application and Cloud Application Administrator) were not read: " + bad.error().message;
    return;
  }
  std::vector<std::string> paths, names;
  for (const auto& r : roles[0].value())
    for (const auto& known : kDirectoryRoles)
      if (LowerAscii(JsonString(r, "roleTemplateId")) == known.template_id) {
        paths.push_back("/directoryRoles/" + JsonString(r, "id") + "/members?" + kRoleMemberSelect);
        names.emplace_back(known.name);
      }
  Lists members = client.ListAll(paths);
  if (auto bad = CheckAll(members, Answer::kDirectoryObject); !bad.ok()) {
    out.directory_roles_note = "the members of directory roles were not read: " + bad.error().message;
    return;
  }
  out.directory_roles_read = true;
  for (size_t i = 0; i < members.size(); ++i)
    for (const auto& p : Principals(members[i].value())) out.directory_role_holders.push_back({p, names[i]});
}

}  // namespace

engine::Result<engine::AccessSnapshot> ReadAccessSnapshot(GraphClient& client, const engine::AccessReadOptions& options) {
  engine::AccessSnapshot out;
  out.read_at = static_cast<int64_t>(std::time(nullptr));
  auto apps = ReadApplications(client, options);
  if (!apps.ok()) return apps.error();
  std::vector<std::string> app_ids;
  for (const auto& a : *apps) app_ids.push_back(JsonString(a, "appId"));
  Lists sps = client.ListAll(InQueries(std::string("/servicePrincipals?") + kSpSelect + "&$top=999", "appId", app_ids));
  if (auto bad = CheckAll(sps, Answer::kServicePrincipal); !bad.ok()) return bad.error();
  std::map<std::string, const json::object*> sp_by_app;
  for (const auto& l : sps)
    for (const auto& sp : l.value()) sp_by_app[LowerAscii(JsonString(sp, "appId"))] = &sp;

  std::vector<std::string> paths;  // per app: its owners, then (with a service principal) assignments and SP owners
  for (const auto& a : *apps) {
    AccessApp app;
    app.object_id = JsonString(a, "id");
    app.app_id = JsonString(a, "appId");
    app.unique_name = JsonString(a, "uniqueName");
    app.display_name = JsonString(a, "displayName");
    app.managed = HasMarker(a);
    paths.push_back("/applications/" + app.object_id + "/owners?" + kObjectSelect);
    if (auto sp = sp_by_app.find(LowerAscii(app.app_id)); sp != sp_by_app.end()) {
      app.has_service_principal = true;
      app.sp_id = JsonString(*sp->second, "id");
      app.assignment_required = JsonBool(*sp->second, "appRoleAssignmentRequired");
      ReadRoles(*sp->second, app);
      paths.push_back("/servicePrincipals/" + app.sp_id + "/appRoleAssignedTo?" + kAssignedSelect);
      paths.push_back("/servicePrincipals/" + app.sp_id + "/owners?" + kObjectSelect);
    }
    out.apps.push_back(std::move(app));
  }
  Lists details = client.ListAll(paths);
  for (const auto& l : details)
    if (!l.ok()) return l.error();
  size_t next = 0;
  std::set<std::string> groups;
  for (auto& app : out.apps) {
    if (auto bad = CheckAll({details[next]}, Answer::kDirectoryObject); !bad.ok()) return bad.error();
    app.app_owners = Principals(details[next++].value());
    if (!app.has_service_principal) continue;
    if (auto bad = CheckAll({details[next]}, Answer::kAssignment); !bad.ok()) return bad.error();
    for (const auto& g : details[next++].value()) {
      engine::AccessGrant grant{
          JsonString(g, "principalId"),    JsonString(g, "principalType"), JsonString(g, "principalDisplayName"), JsonString(g, "appRoleId"), "",
          JsonString(g, "createdDateTime")};
      grant.role = RoleValue(app, grant.role_id);
      if (grant.principal_type == "Group") groups.insert(LowerAscii(grant.principal_id));
      app.grants.push_back(std::move(grant));
    }
    std::sort(app.grants.begin(), app.grants.end(), [](const engine::AccessGrant& x, const engine::AccessGrant& y) {
      return std::tie(x.principal_name, x.role, x.principal_id) < std::tie(y.principal_name, y.role, y.principal_id);
    });
    if (auto bad = CheckAll({details[next]}, Answer::kDirectoryObject); !bad.ok()) return bad.error();
    app.sp_owners = Principals(details[next++].value());
  }
  std::vector<std::string> group_paths(groups.begin(), groups.end());
  for (auto& g : group_paths) g = "/groups/" + g + "/members?" + kObjectSelect;
  Lists members = client.ListAll(group_paths);
  if (auto bad = CheckAll(members, Answer::kDirectoryObject); !bad.ok()) return bad.error();
  size_t i = 0;
  for (const auto& g : groups) out.group_members[g] = Principals(members[i++].value());
  if (auto bad = ReadGraphWriters(client, out); !bad.ok()) return bad.error();
  ReadDirectoryRoles(client, out);
  std::sort(out.apps.begin(), out.apps.end(), [](const AccessApp& x, const AccessApp& y) {
    return std::tie(x.unique_name, x.display_name, x.app_id) < std::tie(y.unique_name, y.display_name, y.app_id);
  });
  return out;
}

engine::Result<engine::AccessSnapshot> GraphProvider::ReadAccess(const engine::AccessReadOptions& options) {
  return ReadAccessSnapshot(client_, options);
}

engine::Result<engine::AccessPrincipal> GraphProvider::FindPrincipal(const std::string& name) { return graph::FindPrincipal(client_, name); }

}  // namespace entragate::graph
