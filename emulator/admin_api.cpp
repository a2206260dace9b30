#include "emulator/admin_api.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "crypto/hash.h"
#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_entities.h"
#include "emulator/graph/json_read.h"

namespace entragate::emulator {

namespace json = boost::json;

namespace {

net::Response Json(int status, const json::value& body) {
  net::Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/json";
  r.body = json::serialize(body);
  return r;
}

net::Response Problem(int status, const std::string& message) { return Json(status, json::object{{"error", message}}); }

json::object StatsJson(const AdminContext& c) {
  GraphStats s = c.graph.Stats();
  json::object routes;
  for (const auto& [route, n] : s.by_route) routes[route] = n;
  FaultCounters f = c.faults.counters();
  return json::object{
      {"requests", s.requests},
      {"batchSubrequests", s.batch_subrequests},
      {"writes", s.writes},
      {"resourceUnits", s.resource_units},
      {"byRoute", routes},
      {"faults",
       json::object{
           {"throttled", f.throttled}, {"unavailable", f.unavailable}, {"failed", f.failed}, {"dropped", f.dropped}, {"delayed", f.delayed}}},
      {"limits",
       json::object{{"resourceUnitsCharged", f.limits.resource_units}, {"writesCharged", f.limits.writes}, {"throttled", f.limits.throttled}}}};
}

std::string IdFor(const StoreView& v, const std::string& kind, const std::string& name) {
  return crypto::Uuid5(graph::ReadTenant(v).id, kind + "/" + name).value();
}

net::Response AddIdentity(AdminContext& c, const json::object& body) {
  std::string name = StringAt(body, "name"), resource = StringAt(body, "resourceId");
  if (name.empty() || resource.empty()) return Problem(400, "an identity needs name and resourceId");
  auto done = c.store.Write([&](StoreTxn& txn) -> base::Result<json::object> {
    std::string id = IdFor(txn, "mi", name);
    if (txn.Get(Collection::kServicePrincipals, id)) return base::MakeError(base::Error::Kind::kConflict, "identity exists");
    json::object sp = NewManagedIdentityServicePrincipal(graph::ReadTenant(txn), id, IdFor(txn, "mi-appId", name), name, resource, true);
    txn.Put(Collection::kServicePrincipals, id, sp);
    return sp;
  });
  if (!done.ok()) return Problem(409, done.error().message);
  return Json(201, Present(done.value(), {}));
}

net::Response AddHost(AdminContext& c, const json::object& body) {
  std::string name = StringAt(body, "name");
  if (name.empty()) return Problem(400, "a host needs a name");
  auto done = c.store.Write([&](StoreTxn& txn) -> base::Result<json::object> {
    if (txn.Get(Collection::kHosts, name)) return base::MakeError(base::Error::Kind::kConflict, "host exists");
    json::object h{{"name", name},
                   {"identityHeader", crypto::NewUuid4().value()},
                   {"systemAssigned", nullptr},
                   {"userAssigned", json::array{}},
                   {"resourceId", EntraArmId(StringAt(body, "resourceId"))}};
    const json::value* system = body.if_contains("systemAssigned");
    if (system && system->is_bool() && system->as_bool()) {
      std::string id = IdFor(txn, "mi", name);
      std::string resource = StringAt(body, "resourceId").empty() ? "/hosts/" + name : StringAt(body, "resourceId");
      txn.Put(Collection::kServicePrincipals, id,
              NewManagedIdentityServicePrincipal(graph::ReadTenant(txn), id, IdFor(txn, "mi-appId", name), name, resource, false));
      h["systemAssigned"] = id;
    }
    for (const auto& n : ArrayAt(body, "userAssigned")) {
      if (!n.is_string()) return base::MakeError(base::Error::Kind::kInvalid, "userAssigned must list identity names");
      std::string id = IdFor(txn, "mi", std::string(n.get_string()));
      if (!txn.Get(Collection::kServicePrincipals, id))
        return base::MakeError(base::Error::Kind::kNotFound, "unknown user-assigned identity " + std::string(n.get_string()));
      h["userAssigned"].as_array().push_back(json::string(id));
    }
    txn.Put(Collection::kHosts, name, h);
    return h;
  });
  if (!done.ok()) return Problem(done.error().kind == base::Error::Kind::kConflict ? 409 : 400, done.error().message);
  return Json(201, done.value());
}

net::Response AddPerson(AdminContext& c, const json::object& body, bool user) {
  std::string name = StringAt(body, user ? "userPrincipalName" : "displayName");
  if (name.empty()) return Problem(400, user ? "a user needs a userPrincipalName" : "a group needs a displayName");
  auto done = c.store.Write([&](StoreTxn& txn) -> base::Result<json::object> {
    std::string id = IdFor(txn, user ? "user" : "group", name);
    json::object o =
        user ? json::object{{"id", id},
                            {"displayName", StringAt(body, "displayName").empty() ? name : StringAt(body, "displayName")},
                            {"userPrincipalName", name},
                            {"mail", name},
                            {"accountEnabled", true}}
             : json::object{{"id", id}, {"displayName", name}, {"mailNickname", name}, {"securityEnabled", true}, {"_members", json::array{}}};
    txn.Put(user ? Collection::kUsers : Collection::kGroups, id, o);
    return o;
  });
  if (!done.ok()) return Problem(500, done.error().message);
  return Json(201, Present(done.value(), {}));
}

json::object ClockJson(const TenantClock& clock) {
  return json::object{{"now", IsoTime(clock.NowSeconds())}, {"offsetSeconds", clock.offset_seconds()}};
}

// Moves the tenant's time forward, saves the offset with the state, and lets the directory purge
// what that time expires (deleted items past their 30 days).
net::Response AdvanceClock(AdminContext& c, const json::object& body) {
  const json::value* step = body.if_contains("advanceSeconds");
  if (!step || !step->is_int64() || step->as_int64() < 0)
    return Problem(400, "advanceSeconds must be a whole number of seconds, 0 or more (the tenant's time never goes back)");
  c.clock->Advance(step->as_int64());
  int64_t now = c.clock->NowSeconds(), offset = c.clock->offset_seconds();
  auto done = c.store.Write([&](StoreTxn& txn) -> base::Result<int> {
    txn.Put(Collection::kMeta, "clock", json::object{{"offsetSeconds", offset}});
    return graph::PurgeDeletedItems(txn, now);
  });
  if (!done.ok()) return Problem(500, done.error().message);
  json::object out = ClockJson(*c.clock);
  out["purgedDeletedItems"] = done.value();
  return Json(200, out);
}

}  // namespace

void RestoreClock(DirectoryStore& store, TenantClock& clock) {
  clock.SetOffset(store.Read([](const StoreView& v) -> int64_t {
    const json::object* saved = v.Get(Collection::kMeta, "clock");
    const json::value* offset = saved ? saved->if_contains("offsetSeconds") : nullptr;
    return offset && offset->is_int64() ? offset->as_int64() : 0;
  }));
}

net::Response HandleAdmin(const net::Request& request, AdminContext& c) {
  auto key = request.Header("X-Emulator-Key");
  if (!key || *key != c.admin_key) return Problem(401, "missing or wrong X-Emulator-Key");
  std::string path = request.target.substr(0, request.target.find('?'));
  const std::string& m = request.method;
  if (path == "/_emulator/stats" && m == "GET") return Json(200, StatsJson(c));
  if (path == "/_emulator/stats/reset" && m == "POST") {
    c.graph.ResetStats();
    return Json(200, StatsJson(c));
  }
  if (path == "/_emulator/faults" && m == "GET") return Json(200, c.faults.config().ToJson());
  if (path == "/_emulator/clock" && m == "GET" && c.clock) return Json(200, ClockJson(*c.clock));
  boost::system::error_code ec;
  json::value body = request.body.empty() ? json::value(json::object{}) : json::parse(request.body, ec);
  if (ec || !body.is_object()) return Problem(400, "the body must be a JSON object");
  const json::object& o = body.as_object();
  if (path == "/_emulator/faults" && (m == "PUT" || m == "POST")) {
    auto config = o.contains("spec") ? FaultConfig::Parse(StringAt(o, "spec")) : FaultConfig::FromJson(o);
    if (!config.ok()) return Problem(400, config.error().message);
    c.faults.Configure(config.value());
    c.graph.SetReplicationLagMs(config.value().lag_ms);
    return Json(200, config.value().ToJson());
  }
  if (path == "/_emulator/reset" && m == "POST") {
    auto done = c.reset();
    return done.ok() ? Json(200, json::object{{"reset", true}}) : Problem(500, done.error().message);
  }
  if (m == "POST" && path == "/_emulator/clock" && c.clock) return AdvanceClock(c, o);
  // POST /_emulator/hosts/{name}/token-cache/flush: that host's workloads get fresh tokens.
  if (const std::string prefix = "/_emulator/hosts/", suffix = "/token-cache/flush";
      m == "POST" && c.identities && path.starts_with(prefix) && path.ends_with(suffix) && path.size() > prefix.size() + suffix.size())
    return Json(200, json::object{{"flushed", c.identities->FlushCache(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()))}});
  if (m == "PUT" && path == "/_emulator/token-cache" && c.identities) {
    const json::value* on = o.if_contains("enabled");
    if (!on || !on->is_bool()) return Problem(400, "the body must be {\"enabled\": true|false}");
    c.identities->SetCacheEnabled(on->as_bool());
    return Json(200, json::object{{"enabled", on->as_bool()}});
  }
  if (m == "POST" && path == "/_emulator/hosts") return AddHost(c, o);
  if (m == "POST" && path == "/_emulator/identities") return AddIdentity(c, o);
  if (m == "POST" && path == "/_emulator/users") return AddPerson(c, o, true);
  if (m == "POST" && path == "/_emulator/groups") return AddPerson(c, o, false);
  return Problem(404, "no such admin endpoint: " + m + " " + path);
}

}  // namespace entragate::emulator
