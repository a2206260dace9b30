#include "providers/graph/provider/access_reader.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/model.h"
#include "providers/graph/client/odata.h"
#include "providers/graph/provider/answer_shapes.h"
#include "providers/graph/provider/reader_support.h"

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
  if (named->empty())
    return engine::MakeError(Error::Kind::kNotFound, fmt::format("no application '{}' (by uniqueName, appId or display name)", app));
  return engine::MakeError(Error::Kind::kInvalid, fmt::format("{} applications are named '{}'; give its appId or uniqueName", named->size(), app));
}

}  // namespace

engine::Result<std::string> FindApplicationId(GraphClient& client, const std::string& name) {
  auto app = FindApp(client, name);
  if (!app.ok()) return app.error();
  return JsonString(*app, "appId");
}

engine::Result<engine::AccessPrincipal> FindPrincipal(GraphClient& client, const std::string& name) {
  bool guid = engine::IsGuid(name);
  std::string sp_filter = guid ? fmt::format("appId eq {0} or id eq {0}", ODataString(name)) : "displayName eq " + ODataString(name);
  std::string group_filter = guid ? "id eq " + ODataString(name) : "displayName eq " + ODataString(name);
  auto lists = client.ListAll(
      std::vector<std::string>{"/servicePrincipals?$select=id,displayName,servicePrincipalType&$filter=" + FilterUrlComponent(sp_filter),
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
