// Directory-object relations: the owners of an application or a service principal (GET owners,
// POST owners/$ref, DELETE owners/{id}/$ref) and the direct members of a group (GET members).
// Stored on the object as "_owners" / "_members" (lists of object ids), which reads never show;
// directory roles keep their members the same way (graph_directory_roles.cpp).
#include <algorithm>

#include <fmt/format.h>

#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_entities.h"
#include "emulator/graph/json_read.h"
#include "base/ascii.h"

namespace entragate::emulator::graph {

namespace {

struct Kind {
  Collection collection;
  const char* odata_type;
};
const Kind kObjectKinds[] = {{Collection::kUsers, "#microsoft.graph.user"},
                             {Collection::kGroups, "#microsoft.graph.group"},
                             {Collection::kServicePrincipals, "#microsoft.graph.servicePrincipal"}};

// A user, group or service principal by object id, as a directoryObject (with its @odata.type).
std::optional<json::object> DirectoryObject(const Call& call, const StoreView& v, const std::string& id) {
  for (const auto& k : kObjectKinds)
    if (const json::object* o = v.Get(k.collection, base::LowerAscii(id)); o && Visible(call, *o)) {
      json::object out = Present(*o, {});
      out["@odata.type"] = k.odata_type;
      return out;
    }
  return std::nullopt;
}

std::vector<std::string> Ids(const json::object& o, const char* key) {
  std::vector<std::string> out;
  if (const json::value* v = o.if_contains(key); v && v->is_array())
    for (const auto& id : v->get_array())
      if (id.is_string()) out.emplace_back(id.get_string());
  return out;
}

// "https://graph.microsoft.com/v1.0/directoryObjects/{id}" (or users/…, servicePrincipals/…) → the id.
std::optional<std::string> ReferencedId(const json::object& body) {
  const json::value* ref = body.if_contains("@odata.id");
  if (!ref || !ref->is_string()) return std::nullopt;
  std::string url(ref->get_string());
  auto slash = url.rfind('/');
  std::string id = slash == std::string::npos ? url : url.substr(slash + 1);
  if (!base::IsGuid(id)) return std::nullopt;
  return base::LowerAscii(id);
}

Outcome List(Call& call, const json::object& holder, const char* key, const std::string& context) {
  std::vector<std::string> select;
  if (auto s = call.params.find("$select"); s != call.params.end()) {
    std::string list = s->second;
    for (size_t at = 0; at <= list.size();) {
      size_t comma = list.find(',', at);
      std::string name = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      if (!name.empty()) select.push_back(name);
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }
  json::array value;
  call.store.Read([&](const StoreView& v) {
    for (const auto& id : Ids(holder, key))
      if (auto o = DirectoryObject(call, v, id)) {
        json::object shown = select.empty() ? *o : Present(*o, select);
        shown["@odata.type"] = o->at("@odata.type");
        value.push_back(std::move(shown));
      }
    return 0;
  });
  return JsonResponse(200, json::object{{"@odata.context", call.root + "/$metadata#" + context}, {"value", std::move(value)}});
}

// POST owners/$ref adds one owner; DELETE owners/{id}/$ref removes one.
Outcome ChangeOwners(Call& call, Collection collection, const std::string& holder_id, const std::string& owner_id, bool add) {
  Written<int> done = call.store.Write([&](StoreTxn& txn) -> Written<int> {
    const json::object* holder = txn.Get(collection, holder_id);
    if (!holder) return GraphError::NotFound(holder_id);
    std::vector<std::string> owners = Ids(*holder, "_owners");
    auto at = std::find(owners.begin(), owners.end(), owner_id);
    if (add) {
      auto owner = DirectoryObject(call, txn, owner_id);
      if (!owner) return GraphError::NotFound(owner_id);
      // Graph lets users and service principals own applications and service principals, not groups.
      if (owner->at("@odata.type") == "#microsoft.graph.group") return GraphError::BadRequest("Invalid object identifier '" + owner_id + "'.");
      if (at != owners.end())
        return GraphError::BadRequest("One or more added object references already exist for the following modified properties: 'owners'.");
      owners.push_back(owner_id);
    } else {
      if (at == owners.end()) return GraphError::NotFound(owner_id);
      owners.erase(at);
    }
    json::object updated = *holder;
    json::array list;
    for (const auto& o : owners) list.emplace_back(o);
    updated["_owners"] = std::move(list);
    txn.Put(collection, holder_id, std::move(updated));
    return 0;
  });
  if (!done.ok()) return *done.error;
  return NoContent();
}

}  // namespace

Outcome ListDirectoryObjects(Call& call, const json::object& holder, const char* key) { return List(call, holder, key, "directoryObjects"); }

bool IsRelationRoute(const Call& call) {
  if (call.path.empty()) return false;
  const std::string& set = call.path[0].name;
  size_t rest = call.path[0].has_key() ? 1 : 2;
  if (call.path.size() <= rest) return false;
  const std::string& name = call.path[rest].name;
  if (set == "groups") return name == "members" && !call.path[0].has_key();
  return (set == "applications" || set == "servicePrincipals") && name == "owners";
}

Outcome HandleRelations(Call& call) {
  const std::string& method = call.request.method;
  const std::string& set = call.path[0].name;
  Segment item = call.path[0].has_key() ? call.path[0] : Segment{"", "", call.path[1].name};
  size_t rest = call.path[0].has_key() ? 1 : 2;
  std::string item_route = call.path[0].has_key() ? "/" + set + "(" + item.key_name + "=)" : "/" + set + "/{id}";
  if (set == "groups") {
    call.route = method + " /groups/{id}/members";
    if (call.path.size() != rest + 1) return GraphError::NoRoute(call.path.back().name);
    if (method != "GET") return GraphError::MethodNotAllowed();
    if (!CanReadPeople(call.caller)) return GraphError::Forbidden();
    auto group = call.store.Read([&](const StoreView& v) -> std::optional<json::object> {
      const json::object* g = v.Get(Collection::kGroups, base::LowerAscii(item.key));
      return g && Visible(call, *g) ? std::optional<json::object>(*g) : std::nullopt;
    });
    if (!group) return GraphError::NotFound(item.key);
    return List(call, *group, "_members", "directoryObjects");
  }
  Collection collection = set == "applications" ? Collection::kApplications : Collection::kServicePrincipals;
  Finder find = set == "applications" ? FindApplication : FindServicePrincipal;
  auto holder = call.store.Read([&](const StoreView& v) -> std::optional<json::object> {
    const json::object* h = find(call, v, item);
    return h ? std::optional<json::object>(*h) : std::nullopt;
  });
  size_t extra = call.path.size() - rest - 1;  // after "owners": nothing, "$ref", or "{id}/$ref"
  if (extra == 0) {
    call.route = method + " " + item_route + "/owners";
    if (method != "GET") return GraphError::MethodNotAllowed();
    if (!CanRead(call.caller)) return GraphError::Forbidden();
    if (!holder) return GraphError::NotFound(item.key);
    return List(call, *holder, "_owners", "directoryObjects");
  }
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  if (extra == 1 && call.path[rest + 1].name == "$ref") {
    call.route = method + " " + item_route + "/owners/$ref";
    if (method != "POST") return GraphError::MethodNotAllowed();
    if (!holder) return GraphError::NotFound(item.key);
    auto body = call.Body();
    if (auto* e = std::get_if<GraphError>(&body)) return *e;
    auto owner = ReferencedId(std::get<json::object>(body));
    if (!owner) return GraphError::BadRequest("Invalid object identifier in '@odata.id'.");
    return ChangeOwners(call, collection, StringAt(*holder, "id"), *owner, true);
  }
  if (extra == 2 && call.path[rest + 2].name == "$ref") {
    call.route = method + " " + item_route + "/owners/{id}/$ref";
    if (method != "DELETE") return GraphError::MethodNotAllowed();
    if (!holder) return GraphError::NotFound(item.key);
    return ChangeOwners(call, collection, StringAt(*holder, "id"), base::LowerAscii(call.path[rest + 1].name), false);
  }
  return GraphError::NoRoute(call.path.back().name);
}

}  // namespace entragate::emulator::graph
