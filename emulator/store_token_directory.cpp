#include "emulator/store_token_directory.h"

#include <algorithm>
#include <ctime>

#include <boost/json.hpp>

#include "crypto/base64.h"
#include "emulator/graph_call.h"
#include "engine/graph_rules.h"

namespace entragate::emulator {

namespace json = boost::json;

namespace {

std::string Lower(std::string_view s) { return engine::LowerAscii(s); }

std::string Str(const json::value* v) { return v && v->is_string() ? std::string(v->as_string()) : std::string(); }

// "2026-11-29T15:10:09Z" → unix seconds; 0 when absent or unreadable.
int64_t ParseIso(const json::value* v) {
  std::string text = Str(v);
  std::tm tm{};
  if (text.size() < 19 || !strptime(text.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

const json::object* AppByAppId(const StoreView& v, std::string_view app_id) {
  for (const auto& [id, app] : v.All(Collection::kApplications))
    if (Lower(app.at("appId").as_string()) == Lower(app_id)) return &app;
  return nullptr;
}

const json::object* SpByAppId(const StoreView& v, std::string_view app_id) {
  for (const auto& [id, sp] : v.All(Collection::kServicePrincipals))
    if (Lower(sp.at("appId").as_string()) == Lower(app_id)) return &sp;
  return nullptr;
}

ManagedIdentityInfo MiInfo(const json::object& sp) {
  const json::array& names = sp.at("alternativeNames").as_array();
  return {std::string(sp.at("id").as_string()), std::string(sp.at("appId").as_string()),
          names.size() > 1 ? std::string(names[1].as_string()) : std::string(), Str(sp.if_contains("displayName"))};
}

std::optional<HostInfo> ToHost(const StoreView& v, const json::object& h) {
  HostInfo host;
  host.name = std::string(h.at("name").as_string());
  host.identity_header = std::string(h.at("identityHeader").as_string());
  if (h.at("systemAssigned").is_string())
    if (const json::object* sp = v.Get(Collection::kServicePrincipals, std::string(h.at("systemAssigned").as_string())))
      host.system_assigned = MiInfo(*sp);
  for (const auto& id : h.at("userAssigned").as_array())
    if (const json::object* sp = v.Get(Collection::kServicePrincipals, std::string(id.as_string()))) host.user_assigned.push_back(MiInfo(*sp));
  return host;
}

void ReadCredentials(const json::object& app, ClientInfo& client) {
  if (const json::value* secrets = app.if_contains("_secrets"))
    for (const auto& s : secrets->as_array())
      client.secrets.push_back({Str(s.as_object().if_contains("keyId")), Str(s.as_object().if_contains("sha256")),
                                ParseIso(s.as_object().if_contains("endDateTime"))});
  for (const auto& k : app.at("keyCredentials").as_array()) {
    const json::object& key = k.as_object();
    if (Str(key.if_contains("usage")) != "Verify") continue;
    auto der = crypto::Base64Decode(Str(key.if_contains("key")));
    if (!der.ok()) continue;
    client.certificates.push_back({Str(key.if_contains("keyId")), der.value(), ParseIso(key.if_contains("endDateTime"))});
  }
  if (const json::value* federated = app.if_contains("_federated"))
    for (const auto& f : federated->as_array()) {
      FederatedCredentialRecord record{Str(f.as_object().if_contains("name")), Str(f.as_object().if_contains("issuer")),
                                       Str(f.as_object().if_contains("subject")), {}};
      for (const auto& a : f.as_object().at("audiences").as_array()) record.audiences.emplace_back(a.as_string());
      client.federated.push_back(std::move(record));
    }
}

}  // namespace

TenantInfo StoreTokenDirectory::Tenant() const {
  return store_.Read([](const StoreView& v) { return graph::ReadTenant(v); });
}

std::optional<ClientInfo> StoreTokenDirectory::FindClient(std::string_view client_id) const {
  return store_.Read([&](const StoreView& v) -> std::optional<ClientInfo> {
    const json::object* app = AppByAppId(v, client_id);
    const json::object* sp = SpByAppId(v, client_id);
    if (!app && !sp) return std::nullopt;
    ClientInfo client;
    client.app_id = app ? std::string(app->at("appId").as_string()) : std::string(sp->at("appId").as_string());
    client.display_name = Str((app ? app : sp)->if_contains("displayName"));
    client.service_principal_id = sp ? std::string(sp->at("id").as_string()) : std::string();
    client.is_managed_identity = sp && sp->at("servicePrincipalType") == "ManagedIdentity";
    if (app) ReadCredentials(*app, client);
    return client;
  });
}

std::optional<ResourceInfo> StoreTokenDirectory::FindResource(std::string_view identifier) const {
  std::string wanted = Lower(identifier);
  while (wanted.size() > 1 && wanted.back() == '/') wanted.pop_back();
  return store_.Read([&](const StoreView& v) -> std::optional<ResourceInfo> {
    for (const auto& [id, sp] : v.All(Collection::kServicePrincipals)) {
      bool match = false;
      for (const auto& n : sp.at("servicePrincipalNames").as_array()) {
        std::string name = Lower(n.as_string());
        while (name.size() > 1 && name.back() == '/') name.pop_back();
        match = match || name == wanted;
      }
      if (!match) continue;
      ResourceInfo r;
      r.service_principal_id = id;
      r.app_id = std::string(sp.at("appId").as_string());
      r.display_name = Str(sp.if_contains("displayName"));
      for (const auto& n : sp.at("servicePrincipalNames").as_array()) r.identifiers.emplace_back(n.as_string());
      r.assignment_required = sp.at("appRoleAssignmentRequired").as_bool();
      for (const auto& role : sp.at("appRoles").as_array())
        r.app_roles.push_back({std::string(role.at("id").as_string()), Str(role.as_object().if_contains("value")),
                               !role.as_object().contains("isEnabled") || role.at("isEnabled").as_bool()});
      if (const json::object* app = AppByAppId(v, r.app_id)) {
        const json::value& version = app->at("api").at("requestedAccessTokenVersion");
        r.access_token_version = version.is_int64() ? static_cast<int>(version.as_int64()) : 1;
        const json::value& claims = app->at("optionalClaims");
        if (claims.is_object() && claims.as_object().contains("accessToken") && claims.at("accessToken").is_array())
          for (const auto& c : claims.at("accessToken").as_array()) {
            OptionalClaimInfo info{Str(c.as_object().if_contains("name")), {}};
            if (const json::value* props = c.as_object().if_contains("additionalProperties"); props && props->is_array())
              for (const auto& p : props->as_array()) info.additional_properties.emplace_back(p.as_string());
            r.access_token_claims.push_back(std::move(info));
          }
      }
      return r;
    }
    return std::nullopt;
  });
}

std::vector<std::string> StoreTokenDirectory::AssignedRoleIds(std::string_view principal_id, std::string_view resource_sp_id) const {
  return store_.Read([&](const StoreView& v) {
    std::vector<std::string> out;
    for (const auto& [id, a] : v.All(Collection::kAppRoleAssignments))
      if (Lower(a.at("principalId").as_string()) == Lower(principal_id) && Lower(a.at("resourceId").as_string()) == Lower(resource_sp_id))
        out.emplace_back(a.at("appRoleId").as_string());
    return out;
  });
}

std::optional<HostInfo> StoreTokenDirectory::FindHost(std::string_view name) const {
  return store_.Read([&](const StoreView& v) -> std::optional<HostInfo> {
    const json::object* h = v.Get(Collection::kHosts, std::string(name));
    return h ? ToHost(v, *h) : std::nullopt;
  });
}

std::optional<HostInfo> StoreTokenDirectory::FindHostByIdentityHeader(std::string_view secret) const {
  return store_.Read([&](const StoreView& v) -> std::optional<HostInfo> {
    for (const auto& [name, h] : v.All(Collection::kHosts))
      if (h.at("identityHeader").as_string() == secret) return ToHost(v, h);
    return std::nullopt;
  });
}

}  // namespace entragate::emulator
