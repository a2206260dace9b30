// /directory/deletedItems: soft-deleted applications and service principals. They are listed by
// type, read, restored or deleted for good, and purged by the directory after 30 days of tenant
// time; while an application is there its uniqueName stays taken.
#include <fmt/format.h>

#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_entities.h"
#include "emulator/graph/json_read.h"
#include "base/ascii.h"

namespace entragate::emulator::graph {

namespace {

const std::string kContext = "/$metadata#directory/deletedItems";

struct Found {
  Collection collection;
  const json::object* object;
};

std::optional<Found> FindDeleted(const Call& call, const StoreView& v, const std::string& id) {
  for (Collection c : {Collection::kDeletedApplications, Collection::kDeletedServicePrincipals}) {
    const json::object* o = v.Get(c, id);
    if (o && !PastRetention(*o, call.now_s)) return Found{c, o};
  }
  return std::nullopt;
}

const char* TypeOf(Collection c) {
  return c == Collection::kDeletedApplications ? "#microsoft.graph.application" : "#microsoft.graph.servicePrincipal";
}

json::object Served(const Call& call, const Found& f, bool entity) {
  json::object out = Present(*f.object, {});
  out["@odata.type"] = TypeOf(f.collection);
  if (entity) out["@odata.context"] = call.root + "/$metadata#directoryObjects/$entity";
  return out;
}

bool SameText(const json::value* v, std::string_view text) {
  return v && v->is_string() && base::LowerAscii(v->as_string()) == base::LowerAscii(text);
}

std::optional<GraphError> RestoreApplication(StoreTxn& txn, json::object app) {
  // The live directory may have taken an identifier URI meanwhile; Graph refuses the restore then.
  for (const auto& uri : ArrayAt(app, "identifierUris"))
    if (uri.is_string())
      for (const json::object* live : txn.FindObjects(Collection::kApplications, "identifierUris", uri.as_string()))
        for (const auto& other : ArrayAt(*live, "identifierUris"))
          if (SameText(&other, uri.as_string()))
            return GraphError::PropertyConflict("identifierUris", "Application", std::string(StringAt(*live, "id")));
  std::string id(StringAt(app, "id"));
  app["deletedDateTime"] = nullptr;
  txn.Erase(Collection::kDeletedApplications, id);
  txn.Put(Collection::kApplications, id, app);
  return std::nullopt;
}

std::optional<GraphError> RestoreServicePrincipal(StoreTxn& txn, json::object sp) {
  bool is_app = StringAt(sp, "servicePrincipalType") == "Application";
  bool app_live = false;
  for (const json::object* app : txn.FindObjects(Collection::kApplications, "appId", StringAt(sp, "appId")))
    if (app->at("appId") == sp.at("appId")) app_live = true;
  // guess: Graph's wording for restoring the principal of an application still deleted is not confirmed.
  if (is_app && !app_live) return GraphError::BadRequest("The application of this service principal is deleted; restore the application first.");
  std::string id(StringAt(sp, "id"));
  sp["deletedDateTime"] = nullptr;
  txn.Erase(Collection::kDeletedServicePrincipals, id);
  txn.Put(Collection::kServicePrincipals, id, sp);
  return std::nullopt;
}

Outcome Restore(Call& call, const std::string& id) {
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  auto done = call.store.Write([&](StoreTxn& txn) -> Written<json::object> {
    auto found = FindDeleted(call, txn, id);
    if (!found) return GraphError::NotFound(id);
    Found f = *found;
    json::object obj = *f.object;
    auto refused = f.collection == Collection::kDeletedApplications ? RestoreApplication(txn, obj) : RestoreServicePrincipal(txn, obj);
    if (refused) return *refused;
    obj["deletedDateTime"] = nullptr;
    json::object out = Present(obj, {});
    out["@odata.type"] = TypeOf(f.collection);
    out["@odata.context"] = call.root + "/$metadata#directoryObjects/$entity";
    return out;
  });
  if (!done.ok()) return *done.error;
  return JsonResponse(200, *done.value);
}

Outcome DeleteForGood(Call& call, const std::string& id) {
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  auto done = call.store.Write([&](StoreTxn& txn) -> Written<bool> {
    auto found = FindDeleted(call, txn, id);
    if (!found) return GraphError::NotFound(id);
    json::value app_id = found->object->at("appId");
    Collection c = found->collection;
    txn.Erase(c, id);
    // An application deleted for good takes its deleted service principal with it.
    if (c == Collection::kDeletedApplications) {
      std::vector<std::string> sps;
      std::string key = app_id.is_string() ? std::string(app_id.as_string()) : std::string();
      for (const json::object* sp : txn.FindObjects(Collection::kDeletedServicePrincipals, "appId", key))
        if (sp->at("appId") == app_id) sps.emplace_back(StringAt(*sp, "id"));
      for (const auto& sid : sps) txn.Erase(Collection::kDeletedServicePrincipals, sid);
    }
    return true;
  });
  if (!done.ok()) return *done.error;
  return NoContent();
}

}  // namespace

bool PastRetention(const json::object& deleted, int64_t now_s) {
  const json::value* when = deleted.if_contains("deletedDateTime");
  if (!when || !when->is_string()) return false;
  int64_t at = ParseIsoTime(when->as_string());
  return at > 0 && now_s - at >= kSoftDeleteSeconds;
}

void SoftDeleteServicePrincipal(StoreTxn& txn, const json::object& sp, int64_t now_s) {
  std::string id(StringAt(sp, "id"));
  json::object deleted = sp;
  deleted["deletedDateTime"] = IsoTime(now_s);
  EraseAssignmentsOf(txn, id);
  txn.Erase(Collection::kServicePrincipals, id);
  txn.Put(Collection::kDeletedServicePrincipals, id, deleted);
}

int PurgeDeletedItems(StoreTxn& txn, int64_t now_s) {
  int purged = 0;
  for (Collection c : {Collection::kDeletedApplications, Collection::kDeletedServicePrincipals}) {
    std::vector<std::string> doomed;
    for (const auto& [id, o] : txn.All(c))
      if (PastRetention(o, now_s)) doomed.push_back(id);
    for (const auto& id : doomed) txn.Erase(c, id);
    purged += static_cast<int>(doomed.size());
  }
  return purged;
}

bool UniqueNameTaken(const StoreView& view, std::string_view unique_name, std::string_view except_id, int64_t now_s) {
  for (Collection c : {Collection::kApplications, Collection::kDeletedApplications})
    for (const auto& [id, found] : view.Find(c, "uniqueName", unique_name)) {
      const json::object& app = *found;
      if (id == except_id || (c == Collection::kDeletedApplications && PastRetention(app, now_s))) continue;
      if (SameText(app.if_contains("uniqueName"), unique_name)) return true;
    }
  return false;
}

Outcome HandleDirectory(Call& call) {
  const auto& path = call.path;
  const std::string& method = call.request.method;
  if (path.size() < 2 || path[1].name != "deletedItems" || path[0].has_key())
    return GraphError::NoRoute(path.size() > 1 ? path[1].name : "directory");
  if (path.size() == 3 && (path[2].name == "microsoft.graph.application" || path[2].name == "microsoft.graph.servicePrincipal")) {
    bool apps = path[2].name == "microsoft.graph.application";
    call.route = method + " /directory/deletedItems/" + path[2].name;
    if (method != "GET") return GraphError::MethodNotAllowed();
    int64_t now = call.now_s;
    return ListEntities(
        call, apps ? Collection::kDeletedApplications : Collection::kDeletedServicePrincipals, apps ? "application" : "servicePrincipal",
        call.root + kContext + "/" + path[2].name, [now](const json::object& o) { return !PastRetention(o, now); }, false);
  }
  if (path.size() == 3) {
    const std::string& id = path[2].name;
    call.route = method + " /directory/deletedItems/{id}";
    if (method == "DELETE") return DeleteForGood(call, id);
    if (method != "GET") return GraphError::MethodNotAllowed();
    if (!CanRead(call.caller)) return GraphError::Forbidden();
    return call.store.Read([&](const StoreView& v) -> Outcome {
      auto found = FindDeleted(call, v, id);
      if (!found) return GraphError::NotFound(id);
      return JsonResponse(200, Served(call, *found, true));
    });
  }
  if (path.size() == 4 && path[3].name == "restore") {
    call.route = method + " /directory/deletedItems/{id}/restore";
    if (method != "POST") return GraphError::MethodNotAllowed();
    return Restore(call, path[2].name);
  }
  return GraphError::NoRoute(path.back().name);
}

}  // namespace entragate::emulator::graph
