#include "providers/graph/access_reader.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/model.h"
#include "providers/graph/answer_shapes.h"
#include "providers/graph/graph_queries.h"
#include "providers/graph/odata.h"

namespace entragate::graph {

namespace json = boost::json;
using engine::Error;
using engine::LowerAscii;

namespace {


// Every item is checked to be a `kind` before anything reads it.
engine::Result<std::vector<json::object>> Checked(engine::Result<std::vector<json::object>> items, Answer kind) {
  if (!items.ok()) return items.error();
  for (const auto& o : items.value())
    if (auto bad = CheckAnswer(kind, o)) return *bad;
  return items;
}

engine::Result<std::vector<json::object>> List(GraphClient& client, const std::string& path, Answer kind) {
  auto r = client.ListAll(std::vector<std::string>{path});
  return Checked(std::move(r[0]), kind);
}

// `sp` has passed CheckAnswer: its appRoles, when present, are objects.
std::string RoleValue(const json::object& sp, const std::string& id) {
  if (id == engine::kDefaultAccessRoleId) return "default access";
  const json::value* roles = sp.if_contains("appRoles");
  if (roles && roles->is_array())
    for (const auto& r : roles->get_array())
      if (r.is_object() && LowerAscii(JsonString(r.get_object(), "id")) == LowerAscii(id)) return JsonString(r.get_object(), "value");
  return id;
}

engine::Result<json::object> FindApp(GraphClient& client, const std::string& app) {
  const std::string select = "$select=id,appId,uniqueName,displayName";
  std::vector<GraphRequest> tries = {{"GET", "/applications" + KeySegment("uniqueName", app) + "?" + select, {}, std::nullopt, false, true}};
  if (engine::IsGuid(app)) tries.push_back({"GET", "/applications" + KeySegment("appId", app) + "?" + select, {}, std::nullopt, false, true});
  for (auto& r : client.SendBatch(tries)) {
    const json::object* found = r.ok() ? r->body.if_object() : nullptr;
    if (!found) continue;
    if (auto bad = CheckAnswer(Answer::kApplication, *found)) return *bad;
    return *found;
  }
  auto named = List(client, "/applications?" + select + "&$filter=" + FilterUrlComponent("displayName eq " + ODataString(app)), Answer::kApplication);
  if (!named.ok()) return named.error();
  if (named->size() == 1) return named->front();
  if (named->empty()) return engine::MakeError(Error::Kind::kNotFound, fmt::format("no application '{}' (by uniqueName, appId or display name)", app));
  return engine::MakeError(Error::Kind::kInvalid, fmt::format("{} applications are named '{}'; give its appId or uniqueName", named->size(), app));
}

}  // namespace

engine::Result<AppAccess> ReadAppAccess(GraphClient& client, const std::string& name) {
  auto app = FindApp(client, name);
  if (!app.ok()) return app.error();
  AppAccess out{JsonString(*app, "id"), JsonString(*app, "appId"), JsonString(*app, "uniqueName"), JsonString(*app, "displayName"), false, false, {}};
  auto sps = List(client, "/servicePrincipals?$select=id,appRoleAssignmentRequired,appRoles&$filter=" +
                              FilterUrlComponent("appId eq " + ODataString(out.app_id)), Answer::kServicePrincipal);
  if (!sps.ok()) return sps.error();
  if (sps->empty()) return out;
  const json::object& sp = sps->front();
  out.has_service_principal = true;
  out.assignment_required = JsonBool(sp, "appRoleAssignmentRequired");
  auto assigned = List(client, "/servicePrincipals/" + JsonString(sp, "id") +
                                   "/appRoleAssignedTo?$select=principalId,principalType,principalDisplayName,appRoleId,createdDateTime&$top=999",
                       Answer::kAssignment);
  if (!assigned.ok()) return assigned.error();
  for (const auto& a : *assigned)
    out.holders.push_back({JsonString(a, "principalId"), JsonString(a, "principalType"), JsonString(a, "principalDisplayName"),
                           RoleValue(sp, JsonString(a, "appRoleId")), JsonString(a, "appRoleId"), JsonString(a, "createdDateTime")});
  std::sort(out.holders.begin(), out.holders.end(), [](const AccessHolder& x, const AccessHolder& y) {
    return std::tie(x.display_name, x.role) < std::tie(y.display_name, y.role);
  });
  return out;
}

engine::Result<IdentityReach> ReadIdentityReach(GraphClient& client, const std::string& name) {
  std::string filter = engine::IsGuid(name) ? fmt::format("appId eq {0} or id eq {0}", ODataString(name)) : "displayName eq " + ODataString(name);
  auto found = List(client, "/servicePrincipals?$select=id,displayName,servicePrincipalType&$filter=" + FilterUrlComponent(filter), Answer::kServicePrincipal);
  if (!found.ok()) return found.error();
  if (found->size() != 1)
    return engine::MakeError(Error::Kind::kNotFound, found->empty() ? fmt::format("no service principal or managed identity '{}'", name)
                                                                    : fmt::format("{} service principals match '{}'; give an object id", found->size(), name));
  const json::object& who = found->front();
  IdentityReach out{JsonString(who, "id"), JsonString(who, "servicePrincipalType"), JsonString(who, "displayName"), {}};
  std::string marker = FilterUrlComponent(fmt::format("tags/any(t:t eq {})", ODataString(engine::kMarkerTag)));
  auto lists = client.ListAll(std::vector<std::string>{
      "/servicePrincipals/" + out.principal_id + "/appRoleAssignments?$select=resourceId,appRoleId,createdDateTime&$top=999",
      "/servicePrincipals?$select=id,appId,displayName,appRoleAssignmentRequired,appRoles&$top=999&$filter=" + marker,
      "/applications?$select=id,appId,uniqueName&$top=999&$filter=" + marker});
  const Answer kinds[] = {Answer::kAssignment, Answer::kServicePrincipal, Answer::kApplication};
  for (size_t i = 0; i < lists.size(); ++i)
    if (auto checked = Checked(lists[i], kinds[i]); !checked.ok()) return checked.error();
  std::map<std::string, std::string> unique_names;
  for (const auto& a : lists[2].value()) unique_names[LowerAscii(JsonString(a, "appId"))] = JsonString(a, "uniqueName");
  for (const auto& sp : lists[1].value()) {
    std::string app_id = JsonString(sp, "appId");
    std::vector<std::string> roles;
    for (const auto& a : lists[0].value())
      if (LowerAscii(JsonString(a, "resourceId")) == LowerAscii(JsonString(sp, "id"))) roles.push_back(RoleValue(sp, JsonString(a, "appRoleId")));
    std::string un = unique_names[LowerAscii(app_id)];
    for (const auto& r : roles) out.reachable.push_back({JsonString(sp, "displayName"), app_id, un, r, "assigned " + r});
    bool open = !JsonBool(sp, "appRoleAssignmentRequired");
    if (roles.empty() && open) out.reachable.push_back({JsonString(sp, "displayName"), app_id, un, "", "assignment not required: any service principal gets a token (no roles)"});
  }
  return out;
}

engine::Result<engine::AccessPrincipal> FindPrincipal(GraphClient& client, const std::string& name) {
  bool guid = engine::IsGuid(name);
  std::string sp_filter = guid ? fmt::format("appId eq {0} or id eq {0}", ODataString(name)) : "displayName eq " + ODataString(name);
  std::string group_filter = guid ? "id eq " + ODataString(name) : "displayName eq " + ODataString(name);
  auto lists = client.ListAll(std::vector<std::string>{
      "/servicePrincipals?$select=id,displayName,servicePrincipalType&$filter=" + FilterUrlComponent(sp_filter),
      "/groups?$select=id,displayName&$filter=" + FilterUrlComponent(group_filter)});
  std::vector<engine::AccessPrincipal> found;
  const char* types[] = {"ServicePrincipal", "Group"};
  for (size_t i = 0; i < lists.size(); ++i) {
    auto checked = Checked(lists[i], i == 0 ? Answer::kServicePrincipal : Answer::kDirectoryObject);
    if (!checked.ok()) return checked.error();
    for (const auto& o : checked.value())
      found.push_back({JsonString(o, "id"), types[i], JsonString(o, "displayName"), "", JsonString(o, "servicePrincipalType")});
  }
  if (found.empty() && (guid || name.find('@') != std::string::npos)) {
    GraphRequest get{"GET", "/users/" + FilterUrlComponent(name) + "?$select=id,displayName,userPrincipalName", {}, std::nullopt, false, true};
    auto user = client.SendBatch({get});
    if (user[0].ok() && user[0]->body.is_object() && !CheckAnswer(Answer::kDirectoryObject, user[0]->body.get_object())) {
      const json::object& u = user[0]->body.get_object();
      found.push_back({JsonString(u, "id"), "User", JsonString(u, "displayName"), JsonString(u, "userPrincipalName"), ""});
    }
  }
  if (found.size() == 1) return found.front();
  if (found.empty())
    return engine::MakeError(Error::Kind::kNotFound, fmt::format("no service principal, managed identity, user or group '{}'", name));
  return engine::MakeError(Error::Kind::kInvalid, fmt::format("{} identities match '{}'; give an object id", found.size(), name));
}

}  // namespace entragate::graph
