// /servicePrincipals: list, count, create, get/update/delete by id or appId, upsert by appId, and
// app role assignments (appRoleAssignedTo on the resource, appRoleAssignments on the principal).
#include <algorithm>

#include <fmt/format.h>

#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_entities.h"
#include "emulator/graph/json_read.h"
#include "base/ascii.h"
#include "emulator/graph/entra_rules.h"

namespace entragate::emulator::graph {

namespace {

const std::string kContext = "/$metadata#servicePrincipals";

GraphError NoBackingApplication(const std::string& app_id) {
  GraphError e =
      GraphError::BadRequest(fmt::format("The appId '{}' of the service principal does not reference a valid application object.", app_id));
  e.details.push_back({"NoBackingApplicationObject",
                       fmt::format("The appId '{}' of the service principal does not reference a valid application object.", app_id), "appId"});
  return e;
}

GraphError ManagedIdentityReadOnly() {
  return GraphError::BadRequest("Service principals of type ManagedIdentity cannot be updated or deleted directly.");
}

bool IsManagedIdentity(const json::object& sp) { return StringAt(sp, "servicePrincipalType") == "ManagedIdentity"; }

Written<json::object> CreateSp(const Call& call, StoreTxn& txn, const std::string& app_id, const json::object& body) {
  const json::object* app = nullptr;
  for (const json::object* a : txn.FindObjects(Collection::kApplications, "appId", app_id)) app = a;
  // A just-created application has not replicated yet: Graph answers NoBackingApplicationObject.
  if (!app || !Visible(call, *app)) return NoBackingApplication(app_id);
  if (!txn.Find(Collection::kServicePrincipals, "appId", app_id).empty())
    return GraphError{409,
                      "Request_MultipleObjectsWithSameKeyValue",
                      "Another object with the same value for property servicePrincipalNames already exists.",
                      {},
                      {}};
  json::object sp = NewServicePrincipal(*app, ReadTenant(txn), NewId());
  for (const auto& [key, value] : body) {
    if (key == "appId" || key == "@odata.type") continue;
    if (key == "tags") sp["_ownTags"] = value;
    sp[key] = value;
  }
  SyncServicePrincipal(sp, *app);
  StampWrite(call, sp);
  txn.Put(Collection::kServicePrincipals, StringAt(sp, "id"), sp);
  return sp;
}

Outcome Created(const Call& call, const Written<json::object>& created) {
  if (!created.ok()) return *created.error;
  json::object out = Present(*created.value, {});
  out["@odata.context"] = call.root + kContext + "/$entity";
  return JsonResponse(201, out);
}

Outcome Create(Call& call) {
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  auto body = call.Body();
  if (auto* e = std::get_if<GraphError>(&body)) return *e;
  const json::object& b = std::get<json::object>(body);
  if (auto e = ValidateWrite(EntityType::kServicePrincipal, b, true)) return *e;
  const json::value* app_id = b.if_contains("appId");
  if (!app_id || !app_id->is_string()) return GraphError::BadRequest("Property 'appId' is required when creating a service principal.");
  return Created(call, call.store.Write([&](StoreTxn& txn) { return CreateSp(call, txn, std::string(app_id->as_string()), b); }));
}

Outcome Update(Call& call, const Segment& seg) {
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  auto body = call.Body();
  if (auto* e = std::get_if<GraphError>(&body)) return *e;
  const json::object& b = std::get<json::object>(body);
  if (auto e = ValidateWrite(EntityType::kServicePrincipal, b, false)) return *e;
  bool upsert = seg.key_name == "appId" && call.PreferCreateIfMissing();
  // As for applications: an upsert never creates a second service principal for one appId.
  Call authoritative = call;
  authoritative.lag_ms = 0;
  const Call& lookup = upsert ? authoritative : call;
  bool exists = call.store.Read([&](const StoreView& v) { return FindServicePrincipal(lookup, v, seg) != nullptr; });
  if (!exists) {
    if (upsert) return Created(call, call.store.Write([&](StoreTxn& txn) { return CreateSp(call, txn, seg.key, b); }));
    return GraphError::NotFound(seg.key);
  }
  auto done = call.store.Write([&](StoreTxn& txn) -> Written<bool> {
    const json::object* found = FindServicePrincipal(lookup, txn, seg);
    if (!found) return GraphError::NotFound(seg.key);
    if (IsManagedIdentity(*found)) return ManagedIdentityReadOnly();
    json::object sp = *found;
    for (const auto& [key, value] : b) {
      if (key == "@odata.type") continue;
      if (key == "tags") sp["_ownTags"] = value;
      sp[key] = value;
    }
    for (const json::object* app : txn.FindObjects(Collection::kApplications, "appId", StringAt(sp, "appId")))
      if (app->at("appId") == sp.at("appId")) SyncServicePrincipal(sp, *app);
    txn.Put(Collection::kServicePrincipals, StringAt(sp, "id"), sp);
    return true;
  });
  if (!done.ok()) return *done.error;
  return NoContent();
}

Outcome Delete(Call& call, const Segment& seg) {
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  auto done = call.store.Write([&](StoreTxn& txn) -> Written<bool> {
    const json::object* found = FindServicePrincipal(call, txn, seg);
    if (!found) return GraphError::NotFound(seg.key);
    if (IsManagedIdentity(*found)) return ManagedIdentityReadOnly();
    json::object sp = *found;
    SoftDeleteServicePrincipal(txn, sp, call.now_s);
    return true;
  });
  if (!done.ok()) return *done.error;
  return NoContent();
}

// --- app role assignments ---------------------------------------------------------------------

struct PrincipalRef {
  const json::object* object = nullptr;
  std::string type;  ///< ServicePrincipal, User, Group
};

PrincipalRef FindPrincipal(const Call& call, const StoreView& v, const std::string& id) {
  std::string key = base::LowerAscii(id);
  for (auto [c, type] : {std::pair{Collection::kServicePrincipals, "ServicePrincipal"}, std::pair{Collection::kUsers, "User"},
                         std::pair{Collection::kGroups, "Group"}}) {
    const json::object* o = v.Get(c, key);
    if (o && Visible(call, *o)) return {o, type};
  }
  return {};
}

GraphError RoleNotFound(const json::object& resource) {
  return GraphError::BadRequest(fmt::format("Permission being assigned was not found on application '{}'.", StringAt(resource, "appId")));
}

// docs/graph-behaviour.md §1.6, §2.4, §2.5: the role must exist on the resource and be enabled, allow the
// principal's member type, and the assignment must not exist yet.
std::optional<GraphError> CheckAssignment(const Call& call, const StoreView& v, const json::object& resource, const PrincipalRef& principal,
                                          const std::string& role_id) {
  const json::array& roles = resource.at("appRoles").as_array();
  if (role_id == entra::kDefaultAccessRoleId) {
    if (!roles.empty()) return RoleNotFound(resource);
  } else {
    auto role = std::find_if(roles.begin(), roles.end(), [&](const json::value& r) { return r.as_object().at("id").as_string() == role_id; });
    if (role == roles.end()) return RoleNotFound(resource);
    // A role added moments ago is not assignable until it has replicated.
    const json::object* app = nullptr;
    for (const json::object* a : v.FindObjects(Collection::kApplications, "appId", StringAt(resource, "appId")))
      if (a->at("appId") == resource.at("appId")) app = a;
    if (app && call.lag_ms > 0 && app->contains("_rolesChangedMs") && call.now_ms - app->at("_rolesChangedMs").as_int64() < call.lag_ms)
      return RoleNotFound(resource);
    const json::object& r = role->as_object();
    if (r.contains("isEnabled") && !r.at("isEnabled").as_bool())
      return GraphError::BadRequest("Permission being assigned is disabled and cannot be assigned.");
    std::string needed = principal.type == "ServicePrincipal" ? "Application" : "User";
    const json::array& allowed = r.at("allowedMemberTypes").as_array();
    if (std::find(allowed.begin(), allowed.end(), json::value(needed)) == allowed.end())
      return GraphError::BadRequest(fmt::format("Permission being assigned is not allowed for principals of type '{}'.", principal.type));
  }
  std::string id = AssignmentId(std::string(principal.object->at("id").as_string()), StringAt(resource, "id"), role_id);
  if (v.Get(Collection::kAppRoleAssignments, id)) return GraphError::BadRequest("Permission being assigned already exists on the object");
  return std::nullopt;
}

Outcome CreateAssignment(Call& call, const Segment& seg, bool via_resource) {
  if (!CanCreateAssignments(call.caller)) return GraphError::Forbidden();
  auto body = call.Body();
  if (auto* e = std::get_if<GraphError>(&body)) return *e;
  const json::object& b = std::get<json::object>(body);
  if (auto e = ValidateWrite(EntityType::kAppRoleAssignment, b, true)) return *e;
  for (const char* required : {"principalId", "resourceId", "appRoleId"})
    if (!b.contains(required) || !b.at(required).is_string()) return GraphError::InvalidProperty(required, "AppRoleAssignment");
  std::string principal_id = base::LowerAscii(StringAt(b, "principalId"));
  std::string resource_id = base::LowerAscii(StringAt(b, "resourceId"));
  std::string role_id = base::LowerAscii(StringAt(b, "appRoleId"));
  auto created = call.store.Write([&](StoreTxn& txn) -> Written<json::object> {
    const json::object* url_sp = FindServicePrincipal(call, txn, seg);
    if (!url_sp) return GraphError::NotFound(seg.key);
    std::string url_id(StringAt(*url_sp, "id"));
    if (via_resource ? url_id != resource_id : url_id != principal_id)
      return GraphError::InvalidProperty(via_resource ? "resourceId" : "principalId", "AppRoleAssignment");
    const json::object* resource = txn.Get(Collection::kServicePrincipals, resource_id);
    if (!resource || !Visible(call, *resource)) return GraphError::NotFound(resource_id);
    PrincipalRef principal = FindPrincipal(call, txn, principal_id);
    // A principal that does not exist, or has not replicated yet (docs/graph-behaviour.md §13.3).
    if (!principal.object) return GraphError::BadRequest("Not a valid reference update.");
    if (auto e = CheckAssignment(call, txn, *resource, principal, role_id)) return *e;
    std::string id = AssignmentId(principal_id, resource_id, role_id);
    json::object a = NewAssignment(id, *principal.object, principal.type, *resource, role_id);
    StampWrite(call, a);
    txn.Put(Collection::kAppRoleAssignments, id, a);
    return a;
  });
  if (!created.ok()) return *created.error;
  json::object out = Present(*created.value, {});
  out["@odata.context"] =
      fmt::format("{}/$metadata#servicePrincipals('{}')/{}/$entity", call.root, seg.key, via_resource ? "appRoleAssignedTo" : "appRoleAssignments");
  return JsonResponse(201, out);
}

Outcome DeleteAssignment(Call& call, const Segment& seg, const std::string& assignment_id, bool via_resource) {
  if (!CanWriteAssignments(call.caller)) return GraphError::Forbidden();
  auto done = call.store.Write([&](StoreTxn& txn) -> Written<bool> {
    const json::object* sp = FindServicePrincipal(call, txn, seg);
    if (!sp) return GraphError::NotFound(seg.key);
    const json::object* a = txn.Get(Collection::kAppRoleAssignments, assignment_id);
    const char* side = via_resource ? "resourceId" : "principalId";
    if (!a || a->at(side) != sp->at("id")) return GraphError::BadRequest("EntitlementGrant being updated or deleted is not found.");
    txn.Erase(Collection::kAppRoleAssignments, assignment_id);
    return true;
  });
  if (!done.ok()) return *done.error;
  return NoContent();
}

Outcome Assignments(Call& call, const Segment& seg, size_t rest, const std::string& item_route) {
  const auto& path = call.path;
  bool via_resource = path[rest].name == "appRoleAssignedTo";
  const std::string& method = call.request.method;
  std::string nav = path[rest].name;
  bool count = path.size() == rest + 2 && path[rest + 1].name == "$count";
  bool item = path.size() == rest + 2 && !count;
  call.route = method + " " + item_route + "/" + nav + (count ? "/$count" : item ? "/{id}" : "");
  if (path.size() > rest + 2) return GraphError::NoRoute(path[rest + 2].name);
  std::string sp_id = call.store.Read([&](const StoreView& v) {
    const json::object* sp = FindServicePrincipal(call, v, seg);
    return sp ? StringAt(*sp, "id") : std::string();
  });
  if (sp_id.empty()) return GraphError::NotFound(seg.key);
  if (method == "GET" && !item) {
    std::string context = fmt::format("{}/$metadata#servicePrincipals('{}')/{}", call.root, sp_id, nav);
    const char* side = via_resource ? "resourceId" : "principalId";
    return ListEntities(
        call, Collection::kAppRoleAssignments, "appRoleAssignment", context, [&](const json::object& a) { return a.at(side).as_string() == sp_id; },
        count, IndexedKey{side, sp_id});
  }
  if (method == "GET" && item) {
    if (!CanRead(call.caller)) return GraphError::Forbidden();
    return call.store.Read([&](const StoreView& v) -> Outcome {
      const json::object* a = v.Get(Collection::kAppRoleAssignments, path[rest + 1].name);
      if (!a || a->at(via_resource ? "resourceId" : "principalId").as_string() != sp_id) return GraphError::NotFound(path[rest + 1].name);
      return JsonResponse(200, Present(*a, {}));
    });
  }
  if (method == "POST" && !item && !count) return CreateAssignment(call, seg, via_resource);
  if (method == "DELETE" && item) return DeleteAssignment(call, seg, path[rest + 1].name, via_resource);
  return GraphError::MethodNotAllowed();
}

}  // namespace

Outcome HandleServicePrincipals(Call& call) {
  const std::string& method = call.request.method;
  const auto& path = call.path;
  if (path.size() == 1 && !path[0].has_key()) {
    call.route = method + " /servicePrincipals";
    if (method == "GET")
      return ListEntities(
          call, Collection::kServicePrincipals, "servicePrincipal", call.root + kContext, [](const json::object&) { return true; }, false);
    if (method == "POST") return Create(call);
    return GraphError::MethodNotAllowed();
  }
  if (path.size() == 2 && !path[0].has_key() && path[1].name == "$count") {
    call.route = method + " /servicePrincipals/$count";
    if (method != "GET") return GraphError::MethodNotAllowed();
    return ListEntities(
        call, Collection::kServicePrincipals, "servicePrincipal", call.root + kContext, [](const json::object&) { return true; }, true);
  }
  Segment item = path[0].has_key() ? path[0] : Segment{"", "", path[1].name};
  size_t rest = path[0].has_key() ? 1 : 2;
  std::string item_route = path[0].has_key() ? "/servicePrincipals(" + item.key_name + "=)" : "/servicePrincipals/{id}";
  if (path.size() == rest) {
    call.route = method + " " + item_route;
    if (method == "GET") return GetEntity(call, FindServicePrincipal, item, "servicePrincipal", call.root + kContext);
    if (method == "PATCH") return Update(call, item);
    if (method == "DELETE") return Delete(call, item);
    return GraphError::MethodNotAllowed();
  }
  if (path[rest].name == "appRoleAssignedTo" || path[rest].name == "appRoleAssignments") return Assignments(call, item, rest, item_route);
  return GraphError::NoRoute(path[rest].name);
}

}  // namespace entragate::emulator::graph
