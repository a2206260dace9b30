// GraphProvider::Apply: each plan step as idempotent Graph requests, all of a call sent together
// (the client packs them into $batch requests); calls may run on several threads at once.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "providers/graph/client/odata.h"
#include "providers/graph/provider/graph_provider.h"
#include "providers/graph/provider/reader_support.h"

namespace entragate::graph {

namespace json = boost::json;
using engine::Change;
using engine::StepKind;
using engine::StepResult;

namespace {

StepResult Failed(engine::Error e) { return StepResult{false, false, std::move(e), {}}; }
StepResult Done(bool unchanged = false) { return StepResult{true, unchanged, {}, {}}; }

engine::Error Missing(const Change& c, const char* what) {
  return engine::MakeError(engine::Error::Kind::kInternal, fmt::format("{}: the {} of app '{}' is not known", c.id, what, c.app));
}

// {appId} in identifier URIs is filled in once the application exists.
json::object ExpandAppId(json::object payload, const std::string& app_id) {
  if (json::value* uris = payload.if_contains("identifierUris")) {
    for (auto& u : uris->as_array()) {
      std::string s(u.as_string());
      for (size_t at = s.find(engine::kAppIdPlaceholder); at != std::string::npos; at = s.find(engine::kAppIdPlaceholder))
        s.replace(at, engine::kAppIdPlaceholder.size(), app_id);
      u = json::string(s);
    }
  }
  return payload;
}

bool IsAlreadyAssigned(const engine::Error& e) {
  return e.message.find("Permission being assigned already exists on the object") != std::string::npos;
}

bool IsAlreadyOwner(const engine::Error& e) { return e.message.find("One or more added object references already exist") != std::string::npos; }

bool IsAlreadyGone(const engine::Error& e) {
  return e.http_status == 404 || e.message.find("EntitlementGrant being updated or deleted is not found") != std::string::npos;
}

}  // namespace

std::vector<StepResult> GraphProvider::Apply(const std::vector<const Change*>& steps, const engine::ApplyContext& ctx) {
  std::vector<GraphRequest> requests;
  std::vector<StepResult> results(steps.size());
  std::vector<int> request_of(steps.size(), -1);
  auto ids = [&](const std::string& key) {
    auto it = ctx.apps.find(key);
    return it == ctx.apps.end() ? engine::AppIds{} : it->second;
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    const Change& c = *steps[i];
    engine::AppIds app = ids(c.app);
    GraphRequest r;
    switch (c.kind) {
      case StepKind::kCreateApp:
        r = {"PATCH", "/applications" + KeySegment("uniqueName", c.app), {{"Prefer", "create-if-missing"}}, json::value(c.payload), false, true};
        break;
      case StepKind::kUpdateApp:
      case StepKind::kSetAppIdUris:
      case StepKind::kDisableRoles:
      case StepKind::kUpdateRoles:
        if (app.object_id.empty()) {
          results[i] = Failed(Missing(c, "object id"));
          continue;
        }
        r.method = "PATCH";
        r.path = "/applications/" + app.object_id;
        r.body = json::value(ExpandAppId(c.payload, app.app_id));
        break;
      case StepKind::kCreateServicePrincipal:
        if (app.app_id.empty()) {
          results[i] = Failed(Missing(c, "appId"));
          continue;
        }
        r.method = "PATCH";
        r.path = "/servicePrincipals" + KeySegment("appId", app.app_id);
        r.headers["Prefer"] = "create-if-missing";
        r.body = json::value(c.payload);
        break;
      case StepKind::kUpdateServicePrincipal:
        if (app.sp_id.empty()) {
          results[i] = Failed(Missing(c, "service principal"));
          continue;
        }
        r.method = "PATCH";
        r.path = "/servicePrincipals/" + app.sp_id;
        r.body = json::value(c.payload);
        break;
      case StepKind::kGrant: {
        std::string principal = JsonString(c.payload, "principalId");
        const json::value* is_app = c.payload.if_contains("principalIsApp");
        if (is_app && is_app->is_bool() && is_app->as_bool()) {
          principal = ids(JsonString(c.payload, "principal")).sp_id;
          r.consistency_expected = ids(JsonString(c.payload, "principal")).written;
        }
        if (app.sp_id.empty() || principal.empty()) {
          results[i] = Failed(Missing(c, "service principal"));
          continue;
        }
        r.method = "POST";
        r.path = "/servicePrincipals/" + app.sp_id + "/appRoleAssignedTo";
        r.body = json::object{{"principalId", principal}, {"resourceId", app.sp_id}, {"appRoleId", JsonString(c.payload, "appRoleId")}};
        r.idempotent = false;  // a lost answer is settled by "already exists" on the next run
        break;
      }
      case StepKind::kRevoke:
        if (app.sp_id.empty()) {
          results[i] = Failed(Missing(c, "service principal"));
          continue;
        }
        r.method = "DELETE";
        r.path = "/servicePrincipals/" + app.sp_id + "/appRoleAssignedTo/" + JsonString(c.payload, "assignmentId");
        break;
      case StepKind::kDeleteApp:
        r.method = "DELETE";
        r.path = "/applications/" + JsonString(c.payload, "objectId");
        break;
      case StepKind::kRestoreApp:
        r.method = "POST";
        r.path = "/directory/deletedItems/" + JsonString(c.payload, "objectId") + "/restore";
        r.idempotent = false;  // a lost answer: the next run finds the app restored
        break;
      case StepKind::kPurgeDeletedApp:
        r.method = "DELETE";
        r.path = "/directory/deletedItems/" + JsonString(c.payload, "objectId");
        break;
      case StepKind::kAddOwner:
      case StepKind::kRemoveOwner: {
        bool on_app = JsonString(c.payload, "on") == "application";
        const std::string& holder = on_app ? app.object_id : app.sp_id;
        std::string owner = JsonString(c.payload, "ownerId");
        const json::value* is_app = c.payload.if_contains("principalIsApp");
        if (c.kind == StepKind::kAddOwner && is_app && is_app->is_bool() && is_app->as_bool()) {
          owner = ids(JsonString(c.payload, "principal")).sp_id;
          r.consistency_expected = ids(JsonString(c.payload, "principal")).written;
        }
        if (holder.empty() || owner.empty()) {
          results[i] = Failed(Missing(c, on_app ? "object id" : "service principal"));
          continue;
        }
        std::string base = (on_app ? "/applications/" : "/servicePrincipals/") + holder + "/owners";
        if (c.kind == StepKind::kAddOwner) {
          r.method = "POST";
          r.path = base + "/$ref";
          r.body = json::object{{"@odata.id", client_.graph_root() + "/directoryObjects/" + owner}};
          r.idempotent = false;  // a lost answer is settled by "already exist" on the next run
        } else {
          r.method = "DELETE";
          r.path = base + "/" + owner + "/$ref";
        }
        break;
      }
    }
    r.consistency_expected = r.consistency_expected || app.written;
    request_of[i] = static_cast<int>(requests.size());
    requests.push_back(std::move(r));
  }
  auto responses = client_.SendBatch(requests);
  // Creates that found the object already there (204) return no ids: look them up in one more round.
  std::vector<size_t> lookups;
  std::vector<GraphRequest> lookup_requests;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (request_of[i] < 0) continue;
    const Change& c = *steps[i];
    auto& resp = responses[static_cast<size_t>(request_of[i])];
    if (!resp.ok()) {
      const engine::Error& e = resp.error();
      if (c.kind == StepKind::kGrant && IsAlreadyAssigned(e))
        results[i] = Done(true);
      else if (c.kind == StepKind::kAddOwner && IsAlreadyOwner(e))
        results[i] = Done(true);
      else if ((c.kind == StepKind::kRevoke || c.kind == StepKind::kRemoveOwner || c.kind == StepKind::kDeleteApp ||
                c.kind == StepKind::kPurgeDeletedApp) &&
               IsAlreadyGone(e))
        results[i] = Done(true);
      else
        results[i] = Failed(e);
      continue;
    }
    results[i] = Done();
    if (c.kind != StepKind::kGrant && c.kind != StepKind::kRevoke && c.kind != StepKind::kDeleteApp && c.kind != StepKind::kAddOwner &&
        c.kind != StepKind::kRemoveOwner)
      results[i].wrote_app = true;
    if (c.kind == StepKind::kRestoreApp) {  // the restored app's ids, for the steps that follow
      const json::object* b = resp.value().body.if_object();
      results[i].learnt =
          engine::AppIds{engine::LowerAscii(b ? JsonString(*b, "id") : JsonString(c.payload, "objectId")),
                         engine::LowerAscii(b && !JsonString(*b, "appId").empty() ? JsonString(*b, "appId") : JsonString(c.payload, "appId")), ""};
      continue;
    }
    bool create = c.kind == StepKind::kCreateApp || c.kind == StepKind::kCreateServicePrincipal;
    if (!create) continue;
    if (resp.value().status == 201 && resp.value().body.is_object()) {
      const json::object& b = resp.value().body.as_object();
      results[i].learnt = c.kind == StepKind::kCreateApp
                              ? engine::AppIds{engine::LowerAscii(JsonString(b, "id")), engine::LowerAscii(JsonString(b, "appId")), ""}
                              : engine::AppIds{"", "", engine::LowerAscii(JsonString(b, "id"))};
    } else {
      lookups.push_back(i);
      lookup_requests.push_back(
          c.kind == StepKind::kCreateApp
              ? GraphRequest{"GET", "/applications" + KeySegment("uniqueName", c.app) + "?$select=id,appId", {}, std::nullopt, true, true}
              : GraphRequest{"GET", "/servicePrincipals" + KeySegment("appId", ids(c.app).app_id) + "?$select=id", {}, std::nullopt, true, true});
    }
  }
  auto found = client_.SendBatch(lookup_requests);
  for (size_t k = 0; k < lookups.size(); ++k) {
    size_t i = lookups[k];
    if (!found[k].ok()) {
      results[i] = Failed(found[k].error());
      continue;
    }
    const json::object* body = found[k].value().body.if_object();
    if (!body) {
      results[i] = Failed(
          engine::MakeError(engine::Error::Kind::kInternal,
                            fmt::format("{}: Graph answered the look-up of the new object's ids with a body that is not an object", steps[i]->id)));
      continue;
    }
    const json::object& b = *body;
    results[i].learnt = steps[i]->kind == StepKind::kCreateApp
                            ? engine::AppIds{engine::LowerAscii(JsonString(b, "id")), engine::LowerAscii(JsonString(b, "appId")), ""}
                            : engine::AppIds{"", "", engine::LowerAscii(JsonString(b, "id"))};
  }
  return results;
}

}  // namespace entragate::graph
