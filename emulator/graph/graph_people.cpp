// /users and /groups: read-only, enough to resolve the identities a manifest names.
#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_entities.h"
#include "base/ascii.h"

namespace entragate::emulator::graph {

namespace {

Outcome ListOrGet(Call& call, Collection collection, const char* entity, const std::string& set) {
  if (!CanReadPeople(call.caller)) return GraphError::Forbidden();
  auto parsed = ParseQueryOptions(call.params, call.request, entity);
  if (auto* e = std::get_if<GraphError>(&parsed)) return *e;
  const QueryOptions& options = std::get<QueryOptions>(parsed);
  std::string context = call.root + "/$metadata#" + set;
  return call.store.Read([&](const StoreView& v) -> Outcome {
    if (call.path.size() == 2) {
      const std::string& key = call.path[1].name;
      for (const auto& [id, o] : v.All(collection)) {
        const json::value* upn = o.if_contains("userPrincipalName");
        bool match = id == base::LowerAscii(key) || (upn && upn->is_string() && base::LowerAscii(upn->get_string()) == base::LowerAscii(key));
        if (match && Visible(call, o)) {
          json::object out = Present(o, options.select);
          out["@odata.context"] = context + "/$entity";
          return JsonResponse(200, out);
        }
      }
      return GraphError::NotFound(key);
    }
    auto items = Query(call, v.All(collection), options);
    if (auto* e = std::get_if<GraphError>(&items)) return *e;
    return JsonResponse(200, CollectionPage(std::get<std::vector<const json::object*>>(items), options, context, call.self_url));
  });
}

}  // namespace

Outcome HandlePeople(Call& call) {
  bool users = call.path[0].name == "users";
  call.route = call.request.method + (users ? " /users" : " /groups") + (call.path.size() == 2 ? "/{id}" : "");
  if (call.path.size() > 2) return GraphError::NoRoute(call.path[2].name);
  if (call.request.method != "GET") return GraphError::MethodNotAllowed();
  return users ? ListOrGet(call, Collection::kUsers, "user", "users") : ListOrGet(call, Collection::kGroups, "group", "groups");
}

}  // namespace entragate::emulator::graph

namespace entragate::emulator::graph {

// GET /organization: the tenant and its verified domains (the tenant guard compares them).
Outcome HandleOrganization(Call& call) {
  call.route = call.request.method + " /organization";
  if (call.request.method != "GET") return GraphError::MethodNotAllowed();
  bool allowed = call.caller.roles.count("Directory.Read.All") || call.caller.roles.count("Directory.ReadWrite.All") ||
                 call.caller.roles.count("Organization.Read.All");
  if (!allowed) return GraphError::Forbidden();
  TenantInfo tenant = call.store.Read([](const StoreView& v) { return ReadTenant(v); });
  json::array domains;
  for (size_t i = 0; i < tenant.domains.size(); ++i)
    domains.push_back(json::object{{"capabilities", "Email, OfficeCommunicationsOnline"},
                                   {"isDefault", i == 0},
                                   {"isInitial", i == 0},
                                   {"name", tenant.domains[i]},
                                   {"type", "Managed"}});
  json::object org{{"id", tenant.id}, {"displayName", tenant.domains.empty() ? tenant.id : tenant.domains[0]}, {"verifiedDomains", domains}};
  auto options = ParseQueryOptions(call.params, call.request, "organization");
  std::vector<std::string> select =
      std::holds_alternative<QueryOptions>(options) ? std::get<QueryOptions>(options).select : std::vector<std::string>{};
  return JsonResponse(200, json::object{{"@odata.context", call.root + "/$metadata#organization"}, {"value", json::array{Present(org, select)}}});
}

}  // namespace entragate::emulator::graph
