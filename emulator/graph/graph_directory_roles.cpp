// /directoryRoles: the tenant's activated directory roles and their members, read-only, as Graph v1.0
// serves them (docs/graph-behaviour.md §14): the list ($select, $filter eq, never paged), one role by
// object id or by roleTemplateId, and its members as directoryObjects. Stored in
// Collection::kDirectoryRoles with the members' ids in "_members", which reads never show.
#include <limits>

#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_entities.h"
#include "emulator/graph/json_read.h"
#include "base/ascii.h"

namespace entragate::emulator::graph {

namespace {

// By object id, or by the alternate key roleTemplateId (the same in every tenant).
const json::object* FindRole(const Call& call, const StoreView& v, const Segment& seg) {
  if (!seg.has_key()) {
    const json::object* role = v.Get(Collection::kDirectoryRoles, base::LowerAscii(seg.key));
    return role && Visible(call, *role) ? role : nullptr;
  }
  if (seg.key_name != "roleTemplateId") return nullptr;
  for (const auto& [id, role] : v.All(Collection::kDirectoryRoles))
    if (base::LowerAscii(StringAt(role, "roleTemplateId")) == base::LowerAscii(seg.key) && Visible(call, role)) return &role;
  return nullptr;
}

// Graph does not page directory roles: every match in one answer, whatever $top or $skiptoken say.
Outcome List(Call& call, QueryOptions options) {
  options.top = std::numeric_limits<int>::max();
  options.skiptoken.clear();
  options.count = false;
  return call.store.Read([&](const StoreView& v) -> Outcome {
    auto items = Query(call, v.All(Collection::kDirectoryRoles), options);
    if (auto* e = std::get_if<GraphError>(&items)) return *e;
    return JsonResponse(
        200, CollectionPage(std::get<std::vector<const json::object*>>(items), options, call.root + "/$metadata#directoryRoles", call.self_url));
  });
}

Outcome Get(Call& call, const Segment& item, const QueryOptions& options) {
  return call.store.Read([&](const StoreView& v) -> Outcome {
    const json::object* role = FindRole(call, v, item);
    if (!role) return GraphError::NotFound(item.key);
    json::object out = Present(*role, options.select);
    out["@odata.context"] = call.root + "/$metadata#directoryRoles/$entity";
    return JsonResponse(200, out);
  });
}

Outcome Members(Call& call, const Segment& item) {
  auto role = call.store.Read([&](const StoreView& v) -> std::optional<json::object> {
    const json::object* r = FindRole(call, v, item);
    return r ? std::optional<json::object>(*r) : std::nullopt;
  });
  if (!role) return GraphError::NotFound(item.key);
  return ListDirectoryObjects(call, *role, "_members");
}

}  // namespace

Outcome HandleDirectoryRoles(Call& call) {
  const std::string& method = call.request.method;
  const std::vector<Segment>& path = call.path;
  bool keyed = path[0].has_key();
  if (path.size() == 1 && !keyed) {
    call.route = method + " /directoryRoles";
    if (method != "GET") return GraphError::MethodNotAllowed();  // activating a role (POST) is not modelled
    if (!CanReadDirectoryRoles(call.caller)) return GraphError::Forbidden();
    auto parsed = ParseQueryOptions(call.params, call.request, "directoryRole");
    if (auto* e = std::get_if<GraphError>(&parsed)) return *e;
    return List(call, std::get<QueryOptions>(std::move(parsed)));
  }
  // The item: /directoryRoles/{id} or /directoryRoles(roleTemplateId='…')
  Segment item = keyed ? path[0] : Segment{"", "", path[1].name};
  size_t rest = keyed ? 1 : 2;
  std::string item_route = keyed ? "/directoryRoles(" + item.key_name + "=)" : "/directoryRoles/{id}";
  if (path.size() == rest) {
    call.route = method + " " + item_route;
    if (method != "GET") return GraphError::MethodNotAllowed();
    if (!CanReadDirectoryRoles(call.caller)) return GraphError::Forbidden();
    auto parsed = ParseQueryOptions(call.params, call.request, "directoryRole");
    if (auto* e = std::get_if<GraphError>(&parsed)) return *e;
    return Get(call, item, std::get<QueryOptions>(parsed));
  }
  if (path.size() == rest + 1 && path[rest].name == "members") {
    call.route = method + " " + item_route + "/members";
    if (method != "GET") return GraphError::MethodNotAllowed();  // members/$ref (assigning a role) is not modelled
    if (!CanReadDirectoryRoles(call.caller)) return GraphError::Forbidden();
    return Members(call, item);
  }
  return GraphError::NoRoute(path.back().name);
}

}  // namespace entragate::emulator::graph
