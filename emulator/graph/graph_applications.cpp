// /applications: list, count, create, get/update/delete by id, appId or uniqueName, upsert by
// uniqueName, federated identity credentials and addPassword.
#include <algorithm>

#include <fmt/format.h>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_entities.h"
#include "emulator/graph/json_read.h"
#include "base/ascii.h"
#include "emulator/graph/entra_rules.h"

namespace entragate::emulator::graph {

namespace {

const std::string kContext = "/$metadata#applications";

bool All(const json::object&) { return true; }

bool ContainsText(const json::array& list, std::string_view text) {
  return std::any_of(list.begin(), list.end(), [&](const json::value& v) { return base::LowerAscii(v.as_string()) == base::LowerAscii(text); });
}

// docs/graph-behaviour.md §2.6: https hosts must be verified domains; under the default tenant policy a new URI
// on a v1-token app must carry the app id, the tenant id or a verified domain; URIs are unique.
std::optional<GraphError> CheckNewUri(const StoreView& view, const TenantInfo& tenant, const json::object& app, const std::string& uri) {
  std::string host = entra::UriHost(uri);
  if (base::LowerAscii(uri).starts_with("https://") && !entra::IsOnVerifiedDomain(host, tenant.domains))
    return GraphError{400,
                      "HostNameNotOnVerifiedDomain",
                      fmt::format("Values of identifierUris property must use a verified domain of the organization or its "
                                  "subdomain: '{}'",
                                  uri),
                      {},
                      {}};
  bool v2 = IntAt(ObjectAt(app, "api"), "requestedAccessTokenVersion") == 2;
  if (!entra::PassesDefaultUriPolicy(uri, StringAt(app, "appId"), tenant.id, tenant.domains, v2))
    return GraphError::BadRequest(entra::DefaultUriPolicyError(uri));
  for (const json::object* other : view.FindObjects(Collection::kApplications, "identifierUris", uri)) {
    if (StringAt(*other, "id") == StringAt(app, "id")) continue;
    if (ContainsText(other->at("identifierUris").as_array(), uri))
      return GraphError::PropertyConflict("identifierUris", "Application", std::string(StringAt(*other, "id")));
  }
  return std::nullopt;
}

std::optional<GraphError> CheckIdentifierUris(const StoreView& view, const TenantInfo& tenant, const json::object& before,
                                              const json::object& after) {
  const json::array& old_uris = before.at("identifierUris").as_array();
  for (const auto& uri : after.at("identifierUris").as_array()) {
    if (ContainsText(old_uris, uri.as_string())) continue;  // existing URIs are left alone by the policy
    if (auto error = CheckNewUri(view, tenant, after, std::string(uri.as_string()))) return error;
  }
  return std::nullopt;
}

const json::object* FindRoleById(const json::array& roles, const json::value& id) {
  for (const auto& r : roles)
    if (base::LowerAscii(r.as_object().at("id").as_string()) == base::LowerAscii(id.as_string())) return &r.as_object();
  return nullptr;
}

bool SameRoleApartFromEnabled(const json::object& a, const json::object& b) {
  for (const char* key : {"allowedMemberTypes", "description", "displayName", "value"}) {
    const json::value* x = a.if_contains(key);
    const json::value* y = b.if_contains(key);
    json::value nx = x ? *x : json::value(nullptr), ny = y ? *y : json::value(nullptr);
    if (nx != ny) return false;
  }
  return true;
}

// docs/graph-behaviour.md §2.5: an enabled role can only be disabled (nothing else changed); it cannot be removed
// or changed until a previous request disabled it.
std::optional<GraphError> CheckRoleChanges(const json::array& before, const json::array& after) {
  for (const auto& r : before) {
    const json::object& old_role = r.as_object();
    const json::value* enabled = old_role.if_contains("isEnabled");
    if (enabled && enabled->is_bool() && !enabled->as_bool()) continue;
    const json::object* new_role = FindRoleById(after, old_role.at("id"));
    if (new_role && SameRoleApartFromEnabled(old_role, *new_role)) continue;
    return GraphError{
        400, "CannotDeleteOrUpdateEnabledEntitlement", "Permission (scope or role) cannot be deleted or updated unless disabled first.", {}, {}};
  }
  return std::nullopt;
}

json::array NormalizeRoles(const json::array& roles) {
  json::array out;
  for (const auto& r : roles) {
    json::object role = r.as_object();
    role["id"] = base::LowerAscii(StringAt(role, "id"));
    if (!role.contains("isEnabled")) role["isEnabled"] = true;
    for (const char* key : {"description", "displayName", "value"})
      if (!role.contains(key)) role[key] = nullptr;
    role["origin"] = "Application";
    out.push_back(std::move(role));
  }
  return out;
}

// Fills what a client left out of a complex value with the defaults Graph stores, so every stored
// object has the full shape of the official schema.
void FillDefaults(json::object& target, const json::object& defaults) {
  for (const auto& [k, v] : defaults)
    if (!target.contains(k)) target[k] = v;
}

void FillList(json::value& list, const json::object& defaults) {
  if (!list.is_array()) return;
  for (auto& item : list.as_array())
    if (item.is_object()) FillDefaults(item.as_object(), defaults);
}

void NormalizeComplex(const std::string& key, json::value& value) {
  if (!value.is_object()) return;
  json::object& o = value.as_object();
  // A complex value written where there was none (e.g. after it was set to null) gets every member
  // a new application has, as Graph always serves them.
  static const json::object kNew = NewApplication(TenantInfo{}, "", "");
  if (const json::value* defaults = kNew.if_contains(key); defaults && defaults->is_object()) FillDefaults(o, defaults->get_object());
  if (key == "optionalClaims") {
    for (const char* token : {"idToken", "accessToken", "saml2Token"}) {
      if (!o.contains(token) || o.at(token).is_null()) o[token] = json::array{};
      FillList(o[token], json::object{{"additionalProperties", json::array{}}, {"essential", false}, {"name", nullptr}, {"source", nullptr}});
    }
  } else if (key == "servicePrincipalLockConfiguration") {
    FillDefaults(o, json::object{{"isEnabled", false},
                                 {"allProperties", nullptr},
                                 {"credentialsWithUsageSign", nullptr},
                                 {"credentialsWithUsageVerify", nullptr},
                                 {"tokenEncryptionKeyId", nullptr}});
  } else if (key == "api") {
    if (o.contains("oauth2PermissionScopes"))
      FillList(o["oauth2PermissionScopes"], json::object{{"adminConsentDescription", nullptr},
                                                         {"adminConsentDisplayName", nullptr},
                                                         {"isEnabled", true},
                                                         {"origin", "Application"},
                                                         {"type", "User"},
                                                         {"userConsentDescription", nullptr},
                                                         {"userConsentDisplayName", nullptr},
                                                         {"value", nullptr}});
  } else if (key == "web") {
    if (o.contains("implicitGrantSettings") && o["implicitGrantSettings"].is_object())
      FillDefaults(o["implicitGrantSettings"].as_object(), json::object{{"enableAccessTokenIssuance", false}, {"enableIdTokenIssuance", false}});
  } else if (key == "requestSignatureVerification") {
    FillDefaults(o, json::object{{"allowedWeakAlgorithms", nullptr}, {"isSignedRequestRequired", false}});
  }
}

// PATCH semantics: top-level properties are replaced; complex values are merged one level deep, so
// {"api":{"requestedAccessTokenVersion":2}} keeps the API's scopes.
void ApplyBody(json::object& target, const json::object& body) {
  for (const auto& [key, value] : body) {
    if (key == "@odata.type") continue;
    json::value* current = target.if_contains(key);
    if (value.is_object() && current && current->is_object() && key != "optionalClaims") {
      for (const auto& [k, v] : value.as_object()) current->as_object()[k] = v;
    } else if (key == "appRoles") {
      target[key] = NormalizeRoles(value.as_array());
    } else {
      target[key] = value;
    }
    NormalizeComplex(key, target[key]);
  }
}

std::vector<std::string> RemovedRoleIds(const json::array& before, const json::array& after) {
  std::vector<std::string> out;
  for (const auto& r : before)
    if (!FindRoleById(after, r.as_object().at("id"))) out.emplace_back(r.as_object().at("id").as_string());
  return out;
}

// Keeps the application's service principal in step, and drops assignments of removed roles.
void AfterApplicationChange(StoreTxn& txn, const json::object& app, const std::vector<std::string>& removed_roles) {
  for (const json::object* sp : txn.FindObjects(Collection::kServicePrincipals, "appId", StringAt(app, "appId"))) {
    if (sp->at("appId") != app.at("appId")) continue;
    // What it mirrors, worked out apart: most changes (notes, URLs, owners...) leave it as it was,
    // and then it is neither copied nor written again.
    json::object mirrored;
    if (const json::value* own = sp->if_contains("_ownTags")) mirrored["_ownTags"] = *own;
    SyncServicePrincipal(mirrored, app);
    std::string sp_id(StringAt(*sp, "id"));
    bool changed = std::any_of(mirrored.begin(), mirrored.end(), [&](const json::key_value_pair& m) {
      const json::value* now = sp->if_contains(m.key());
      return !now || *now != m.value();
    });
    if (changed) {
      json::object updated = *sp;
      for (auto& m : mirrored) updated[m.key()] = std::move(m.value());
      txn.Put(Collection::kServicePrincipals, sp_id, std::move(updated));
    }
    std::vector<std::string> doomed;
    if (!removed_roles.empty())
      for (const json::object* a : txn.FindObjects(Collection::kAppRoleAssignments, "resourceId", sp_id))
        if (StringAt(*a, "resourceId") == sp_id &&
            std::find(removed_roles.begin(), removed_roles.end(), StringAt(*a, "appRoleId")) != removed_roles.end())
          doomed.emplace_back(StringAt(*a, "id"));
    for (const auto& aid : doomed) txn.Erase(Collection::kAppRoleAssignments, aid);
    break;
  }
}

// A PATCH of none of the members the checks compare before and after (roles, identifier URIs and
// the API that decides which URIs are allowed) is worked out on those members alone and set in
// place: ApplyBody changes only the members the body names. Most PATCHes are such, and the whole
// application is then never copied.
bool ChangesOnlyPlainMembers(const json::object& body) {
  return std::none_of(body.begin(), body.end(),
                      [](const json::key_value_pair& m) { return m.key() == "appRoles" || m.key() == "identifierUris" || m.key() == "api"; });
}

void ApplyPlainUpdate(StoreTxn& txn, const json::object& stored, const json::object& body) {
  json::object members;
  for (const auto& m : body)
    if (const json::value* now = stored.if_contains(m.key())) members[m.key()] = *now;
  ApplyBody(members, body);
  std::string id(StringAt(stored, "id"));
  txn.PutMembers(Collection::kApplications, id, std::move(members));
  AfterApplicationChange(txn, *txn.Get(Collection::kApplications, id), {});
}

// `before` is the stored application, `app` the copy the change is made on: `before` stays as it
// was until `app` replaces it.
std::optional<GraphError> ApplyUpdate(const Call& call, StoreTxn& txn, const json::object& before, json::object app, const json::object& body) {
  ApplyBody(app, body);
  if (body.contains("appRoles"))
    if (auto e = CheckRoleChanges(before.at("appRoles").as_array(), app.at("appRoles").as_array())) return e;
  if (auto e = CheckIdentifierUris(txn, ReadTenant(txn), before, app)) return e;
  // Replication lag: a role added (or re-enabled) now cannot be assigned for a while (docs/graph-behaviour.md §6).
  if (body.contains("appRoles") && before.at("appRoles") != app.at("appRoles")) app["_rolesChangedMs"] = call.now_ms;
  std::vector<std::string> removed = RemovedRoleIds(before.at("appRoles").as_array(), app.at("appRoles").as_array());
  std::string id(StringAt(app, "id"));
  txn.Put(Collection::kApplications, id, std::move(app));
  AfterApplicationChange(txn, *txn.Get(Collection::kApplications, id), removed);
  return std::nullopt;
}

// What a client may say about a new secret: its name and when it ends.
std::optional<GraphError> CheckPasswordRequest(const json::object& request) {
  for (const char* key : {"displayName", "endDateTime", "startDateTime", "hint", "keyId", "customKeyIdentifier", "secretText"}) {
    const json::value* v = request.if_contains(key);
    if (v && !v->is_null() && !v->is_string()) return GraphError::InvalidProperty(key, "PasswordCredential");
  }
  const json::value* end = request.if_contains("endDateTime");
  if (end && end->is_string() && ParseIsoTime(end->as_string()) == 0) return GraphError::InvalidProperty("endDateTime", "PasswordCredential");
  return std::nullopt;
}

json::object PasswordCredential(const json::object& request, std::string& secret_text) {
  std::string raw = crypto::RandomBytes(30).value();
  secret_text = crypto::Base64UrlEncode(raw).substr(0, 40);
  const json::value* name = request.if_contains("displayName");
  const json::value* end = request.if_contains("endDateTime");
  return json::object{{"customKeyIdentifier", nullptr},
                      {"displayName", name ? *name : json::value(nullptr)},
                      {"endDateTime", end ? *end : json::value(IsoTime(std::time(nullptr) + 2 * 365 * 86400))},
                      {"hint", secret_text.substr(0, 3)},
                      {"keyId", NewId()},
                      {"secretText", nullptr},
                      {"startDateTime", IsoNow()}};
}

// Secrets are stored as hashes beside the served credential; secretText is returned once.
void AddSecret(json::object& app, const json::object& credential, const std::string& secret_text) {
  app["passwordCredentials"].as_array().push_back(credential);
  if (!app.contains("_secrets")) app["_secrets"] = json::array{};
  app["_secrets"].as_array().push_back(json::object{
      {"keyId", credential.at("keyId")}, {"sha256", crypto::HexEncode(crypto::Sha256(secret_text))}, {"endDateTime", credential.at("endDateTime")}});
}

Outcome Create(Call& call, const std::string& unique_name) {
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  auto body = call.Body();
  if (auto* e = std::get_if<GraphError>(&body)) return *e;
  const json::object& b = std::get<json::object>(body);
  if (auto e = ValidateWrite(EntityType::kApplication, b, true)) return *e;
  const json::value* name = b.if_contains("displayName");
  if (!name || !name->is_string() || name->as_string().empty())
    return GraphError::BadRequest("Property 'displayName' is required when creating an application.");
  for (const auto& p : ArrayAt(b, "passwordCredentials"))
    if (auto e = CheckPasswordRequest(ObjectOf(p))) return *e;
  auto created = call.store.Write([&](StoreTxn& txn) -> Written<json::object> {
    json::object app = NewApplication(ReadTenant(txn), NewId(), NewId());
    if (!unique_name.empty()) app["uniqueName"] = unique_name;
    json::object empty = app;
    json::object rest = b;
    json::array passwords = rest.contains("passwordCredentials") ? rest["passwordCredentials"].as_array() : json::array{};
    rest.erase("passwordCredentials");
    ApplyBody(app, rest);
    // A deleted application keeps its uniqueName for its 30 days in deleted items.
    if (const json::value* u = app.if_contains("uniqueName"); u && u->is_string() && UniqueNameTaken(txn, u->as_string(), "", call.now_s))
      return GraphError::BadRequest("Another object with the same value for property uniqueName already exists.");
    if (auto e = CheckIdentifierUris(txn, ReadTenant(txn), empty, app)) return *e;
    json::array secret_texts;
    for (const auto& p : passwords) {
      std::string secret;
      json::object credential = PasswordCredential(ObjectOf(p), secret);
      AddSecret(app, credential, secret);
      secret_texts.push_back(json::string(secret));
    }
    StampWrite(call, app);
    txn.Put(Collection::kApplications, StringAt(app, "id"), app);
    json::object served = app;
    for (size_t i = 0; i < secret_texts.size(); ++i) served["passwordCredentials"].as_array()[i].as_object()["secretText"] = secret_texts[i];
    return served;
  });
  if (!created.ok()) return *created.error;
  json::object body_out = Present(*created.value, {});
  body_out["@odata.context"] = call.root + kContext + "/$entity";
  return JsonResponse(201, body_out);
}

Outcome Update(Call& call, const Segment& seg) {
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  auto body = call.Body();
  if (auto* e = std::get_if<GraphError>(&body)) return *e;
  const json::object& b = std::get<json::object>(body);
  if (auto e = ValidateWrite(EntityType::kApplication, b, false)) return *e;
  if (b.contains("passwordCredentials"))
    return GraphError::BadRequest("Property 'passwordCredentials' cannot be updated with PATCH; use addPassword.");
  bool upsert = seg.key_name == "uniqueName" && call.PreferCreateIfMissing();
  // An upsert is decided by the directory itself, never by a lagging replica: it must not create a
  // second application with the same uniqueName.
  Call authoritative = call;
  authoritative.lag_ms = 0;
  const Call& lookup = upsert ? authoritative : call;
  bool exists = call.store.Read([&](const StoreView& v) { return FindApplication(lookup, v, seg) != nullptr; });
  if (!exists) {
    if (upsert) return Create(call, seg.key);
    return GraphError::NotFound(seg.key);
  }
  auto done = call.store.Write([&](StoreTxn& txn) -> Written<bool> {
    const json::object* found = FindApplication(lookup, txn, seg);
    if (!found) return GraphError::NotFound(seg.key);
    if (ChangesOnlyPlainMembers(b)) {
      ApplyPlainUpdate(txn, *found, b);
      return true;
    }
    if (auto e = ApplyUpdate(call, txn, *found, *found, b)) return *e;
    return true;
  });
  if (!done.ok()) return *done.error;
  return NoContent();
}

Outcome Delete(Call& call, const Segment& seg) {
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  auto done = call.store.Write([&](StoreTxn& txn) -> Written<bool> {
    const json::object* found = FindApplication(call, txn, seg);
    if (!found) return GraphError::NotFound(seg.key);
    json::object app = *found;
    std::string id(StringAt(app, "id"));
    app["deletedDateTime"] = IsoTime(call.now_s);
    txn.Erase(Collection::kApplications, id);
    txn.Put(Collection::kDeletedApplications, id, app);
    // In the app's home tenant its service principal goes to deleted items with it.
    std::vector<json::object> sps;
    for (const json::object* sp : txn.FindObjects(Collection::kServicePrincipals, "appId", StringAt(app, "appId")))
      if (sp->at("appId") == app.at("appId")) sps.push_back(*sp);
    for (const auto& sp : sps) SoftDeleteServicePrincipal(txn, sp, call.now_s);
    return true;
  });
  if (!done.ok()) return *done.error;
  return NoContent();
}

Outcome AddPassword(Call& call, const Segment& seg) {
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  auto body = call.Body();
  if (auto* e = std::get_if<GraphError>(&body)) return *e;
  const json::value* pc = std::get<json::object>(body).if_contains("passwordCredential");
  if (pc && !pc->is_null() && !pc->is_object()) return GraphError::InvalidProperty("passwordCredential", "addPassword");
  json::object request = ObjectOf(pc);
  if (auto e = CheckPasswordRequest(request)) return *e;
  auto added = call.store.Write([&](StoreTxn& txn) -> Written<json::object> {
    const json::object* found = FindApplication(call, txn, seg);
    if (!found) return GraphError::NotFound(seg.key);
    json::object app = *found;
    std::string secret;
    json::object credential = PasswordCredential(request, secret);
    AddSecret(app, credential, secret);
    txn.Put(Collection::kApplications, StringAt(app, "id"), app);
    credential["secretText"] = secret;
    return credential;
  });
  if (!added.ok()) return *added.error;
  json::object out = *added.value;
  out["@odata.context"] = call.root + "/$metadata#microsoft.graph.passwordCredential";
  return JsonResponse(200, out);
}

Outcome FederatedCredentials(Call& call, const Segment& seg) {
  const std::string& method = call.request.method;
  bool item = call.path.size() == 3;
  if (method == "GET") {
    if (!CanRead(call.caller)) return GraphError::Forbidden();
    return call.store.Read([&](const StoreView& v) -> Outcome {
      const json::object* app = FindApplication(call, v, seg);
      if (!app) return GraphError::NotFound(seg.key);
      json::array list = app->contains("_federated") ? app->at("_federated").as_array() : json::array{};
      if (item) {
        for (const auto& f : list)
          if (f.as_object().at("id").as_string() == call.path[2].key || f.as_object().at("name").as_string() == call.path[2].key)
            return JsonResponse(200, f.as_object());
        return GraphError::NotFound(call.path[2].key);
      }
      return JsonResponse(
          200, json::object{{"@odata.context", call.root + "/$metadata#applications('" + StringAt(*app, "id") + "')/federatedIdentityCredentials"},
                            {"value", list}});
    });
  }
  if (!CanWriteApplications(call.caller)) return GraphError::Forbidden();
  if (method == "POST" && !item) {
    auto body = call.Body();
    if (auto* e = std::get_if<GraphError>(&body)) return *e;
    json::object b = std::get<json::object>(body);
    if (auto e = ValidateWrite(EntityType::kFederatedIdentityCredential, b, true)) return *e;
    for (const char* required : {"name", "issuer", "subject", "audiences"})
      if (!b.contains(required)) return GraphError::InvalidProperty(required, "FederatedIdentityCredential");
    b["id"] = NewId();
    if (!b.contains("description")) b["description"] = nullptr;
    auto added = call.store.Write([&](StoreTxn& txn) -> Written<bool> {
      const json::object* found = FindApplication(call, txn, seg);
      if (!found) return GraphError::NotFound(seg.key);
      json::object app = *found;
      if (!app.contains("_federated")) app["_federated"] = json::array{};
      for (const auto& f : app["_federated"].as_array())
        if (f.as_object().at("name") == b.at("name"))
          return GraphError::Conflict("FederatedIdentityCredential with name " + StringAt(b, "name") + " already exists.");
      app["_federated"].as_array().push_back(b);
      txn.Put(Collection::kApplications, StringAt(app, "id"), app);
      return true;
    });
    if (!added.ok()) return *added.error;
    return JsonResponse(201, b);
  }
  if (method == "DELETE" && item) {
    auto removed = call.store.Write([&](StoreTxn& txn) -> Written<bool> {
      const json::object* found = FindApplication(call, txn, seg);
      if (!found) return GraphError::NotFound(seg.key);
      json::object app = *found;
      json::array& list = app["_federated"].is_array() ? app["_federated"].as_array() : app["_federated"].emplace_array();
      auto it = std::find_if(list.begin(), list.end(), [&](const json::value& f) {
        return f.as_object().at("id").as_string() == call.path[2].key || f.as_object().at("name").as_string() == call.path[2].key;
      });
      if (it == list.end()) return GraphError::NotFound(call.path[2].key);
      list.erase(it);
      txn.Put(Collection::kApplications, StringAt(app, "id"), app);
      return true;
    });
    if (!removed.ok()) return *removed.error;
    return NoContent();
  }
  return GraphError::MethodNotAllowed();
}

}  // namespace

Outcome HandleApplications(Call& call) {
  const std::string& method = call.request.method;
  const auto& path = call.path;
  if (path.size() == 1 && !path[0].has_key()) {
    call.route = method + " /applications";
    if (method == "GET") return ListEntities(call, Collection::kApplications, "application", call.root + kContext, All, false);
    if (method == "POST") return Create(call, "");
    return GraphError::MethodNotAllowed();
  }
  if (path.size() == 2 && !path[0].has_key() && path[1].name == "$count") {
    call.route = method + " /applications/$count";
    return method == "GET" ? ListEntities(call, Collection::kApplications, "application", call.root + kContext, All, true)
                           : Outcome(GraphError::MethodNotAllowed());
  }
  // The item: /applications/{id} or /applications(appId='…') / (uniqueName='…')
  Segment item = path[0].has_key() ? path[0] : Segment{"", "", path.size() > 1 ? path[1].name : ""};
  size_t rest = path[0].has_key() ? 1 : 2;
  std::string item_route = path[0].has_key() ? "/applications(" + item.key_name + "=)" : "/applications/{id}";
  if (path.size() == rest) {
    call.route = method + " " + item_route;
    if (method == "GET") return GetEntity(call, FindApplication, item, "application", call.root + kContext);
    if (method == "PATCH") return Update(call, item);
    if (method == "DELETE") return Delete(call, item);
    return GraphError::MethodNotAllowed();
  }
  if (path[rest].name == "federatedIdentityCredentials") {
    call.route = method + " " + item_route + "/federatedIdentityCredentials" + (path.size() > rest + 1 ? "/{id}" : "");
    Call sub = call;
    sub.path = {item, path[rest]};
    if (path.size() > rest + 1) sub.path.push_back(Segment{"", "", path[rest + 1].name});
    return FederatedCredentials(sub, item);
  }
  if (path[rest].name == "addPassword" && path.size() == rest + 1 && method == "POST") {
    call.route = "POST " + item_route + "/addPassword";
    return AddPassword(call, item);
  }
  return GraphError::NoRoute(path[rest].name);
}

}  // namespace entragate::emulator::graph
