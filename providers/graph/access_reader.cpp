#include "providers/graph/access_reader.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/model.h"
#include "providers/graph/graph_queries.h"
#include "providers/graph/odata.h"

namespace entragate::graph {

namespace json = boost::json;
using engine::Error;
using engine::LowerAscii;

namespace {

constexpr const char* kDefaultAccess = "00000000-0000-0000-0000-000000000000";

engine::Result<std::vector<json::object>> List(GraphClient& client, const std::string& path) {
  auto r = client.ListAll(std::vector<std::string>{path});
  if (!r[0].ok()) return r[0].error();
  return r[0].value();
}

std::string RoleValue(const json::array& roles, const std::string& id) {
  if (id == kDefaultAccess) return "default access";
  for (const auto& r : roles)
    if (LowerAscii(JsonString(r.as_object(), "id")) == LowerAscii(id)) return JsonString(r.as_object(), "value");
  return id;
}

engine::Result<json::object> FindApp(GraphClient& client, const std::string& app) {
  const std::string select = "$select=id,appId,uniqueName,displayName";
  std::vector<GraphRequest> tries = {{"GET", "/applications" + KeySegment("uniqueName", app) + "?" + select, {}, std::nullopt, false, true}};
  if (engine::IsGuid(app)) tries.push_back({"GET", "/applications" + KeySegment("appId", app) + "?" + select, {}, std::nullopt, false, true});
  for (auto& r : client.SendBatch(tries))
    if (r.ok() && r->body.is_object()) return r->body.as_object();
  auto named = List(client, "/applications?" + select + "&$filter=" + FilterUrlComponent("displayName eq " + ODataString(app)));
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
                              FilterUrlComponent("appId eq " + ODataString(out.app_id)));
  if (!sps.ok()) return sps.error();
  if (sps->empty()) return out;
  const json::object& sp = sps->front();
  out.has_service_principal = true;
  out.assignment_required = sp.contains("appRoleAssignmentRequired") && sp.at("appRoleAssignmentRequired").as_bool();
  auto assigned = List(client, "/servicePrincipals/" + JsonString(sp, "id") +
                                   "/appRoleAssignedTo?$select=principalId,principalType,principalDisplayName,appRoleId,createdDateTime&$top=999");
  if (!assigned.ok()) return assigned.error();
  for (const auto& a : *assigned)
    out.holders.push_back({JsonString(a, "principalId"), JsonString(a, "principalType"), JsonString(a, "principalDisplayName"),
                           RoleValue(sp.at("appRoles").as_array(), JsonString(a, "appRoleId")), JsonString(a, "appRoleId"), JsonString(a, "createdDateTime")});
  std::sort(out.holders.begin(), out.holders.end(), [](const AccessHolder& x, const AccessHolder& y) {
    return std::tie(x.display_name, x.role) < std::tie(y.display_name, y.role);
  });
  return out;
}

engine::Result<IdentityReach> ReadIdentityReach(GraphClient& client, const std::string& name) {
  std::string filter = engine::IsGuid(name) ? fmt::format("appId eq {0} or id eq {0}", ODataString(name)) : "displayName eq " + ODataString(name);
  auto found = List(client, "/servicePrincipals?$select=id,displayName,servicePrincipalType&$filter=" + FilterUrlComponent(filter));
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
      "/applications?$select=appId,uniqueName&$top=999&$filter=" + marker});
  for (const auto& l : lists)
    if (!l.ok()) return l.error();
  std::map<std::string, std::string> unique_names;
  for (const auto& a : lists[2].value()) unique_names[LowerAscii(JsonString(a, "appId"))] = JsonString(a, "uniqueName");
  for (const auto& sp : lists[1].value()) {
    std::string app_id = JsonString(sp, "appId");
    std::vector<std::string> roles;
    for (const auto& a : lists[0].value())
      if (LowerAscii(JsonString(a, "resourceId")) == LowerAscii(JsonString(sp, "id"))) roles.push_back(RoleValue(sp.at("appRoles").as_array(), JsonString(a, "appRoleId")));
    std::string un = unique_names[LowerAscii(app_id)];
    for (const auto& r : roles) out.reachable.push_back({JsonString(sp, "displayName"), app_id, un, r, "assigned " + r});
    bool open = !(sp.contains("appRoleAssignmentRequired") && sp.at("appRoleAssignmentRequired").as_bool());
    if (roles.empty() && open) out.reachable.push_back({JsonString(sp, "displayName"), app_id, un, "", "assignment not required: any service principal gets a token (no roles)"});
  }
  return out;
}

}  // namespace entragate::graph
