#include "emulator/graph/store_token_directory.h"

#include <algorithm>

#include <boost/json.hpp>

#include "crypto/base64.h"
#include "emulator/graph/graph_call.h"
#include "emulator/graph/graph_entities.h"
#include "emulator/graph/json_read.h"
#include "base/ascii.h"

namespace entragate::emulator {

namespace json = boost::json;

namespace {

std::string Lower(std::string_view s) { return base::LowerAscii(s); }

int64_t ParseIso(const json::value* v) { return ParseIsoTime(StringOf(v)); }

const json::object* AppByAppId(const StoreView& v, std::string_view app_id) {
  for (const json::object* app : v.FindObjects(Collection::kApplications, "appId", app_id))
    if (Lower(StringAt(*app, "appId")) == Lower(app_id)) return app;
  return nullptr;
}

const json::object* SpByAppId(const StoreView& v, std::string_view app_id) {
  for (const json::object* sp : v.FindObjects(Collection::kServicePrincipals, "appId", app_id))
    if (Lower(StringAt(*sp, "appId")) == Lower(app_id)) return sp;
  return nullptr;
}

ManagedIdentityInfo MiInfo(const json::object& sp) {
  const json::array& names = ArrayAt(sp, "alternativeNames");
  return {StringAt(sp, "id"), StringAt(sp, "appId"), names.size() > 1 ? StringOf(names[1]) : std::string(), StringAt(sp, "displayName")};
}

std::optional<HostInfo> ToHost(const StoreView& v, const json::object& h) {
  HostInfo host;
  host.name = StringAt(h, "name");
  host.identity_header = StringAt(h, "identityHeader");
  if (const json::object* sp = v.Get(Collection::kServicePrincipals, StringAt(h, "systemAssigned"))) host.system_assigned = MiInfo(*sp);
  // State written before hosts kept their own id: a system-assigned identity's id is the host's.
  host.resource_id = StringAt(h, "resourceId");
  if (host.resource_id.empty() && host.system_assigned) host.resource_id = host.system_assigned->resource_id;
  for (const auto& id : ArrayAt(h, "userAssigned"))
    if (const json::object* sp = v.Get(Collection::kServicePrincipals, StringOf(id))) host.user_assigned.push_back(MiInfo(*sp));
  return host;
}

void ReadCredentials(const json::object& app, ClientInfo& client) {
  for (const auto& s : ArrayAt(app, "_secrets"))
    client.secrets.push_back({StringAt(ObjectOf(s), "keyId"), StringAt(ObjectOf(s), "sha256"), ParseIso(ObjectOf(s).if_contains("endDateTime"))});
  for (const auto& k : ArrayAt(app, "keyCredentials")) {
    const json::object& key = ObjectOf(k);
    if (StringAt(key, "usage") != "Verify") continue;
    auto der = crypto::Base64Decode(StringAt(key, "key"));
    if (!der.ok()) continue;
    client.certificates.push_back({StringAt(key, "keyId"), der.value(), ParseIso(key.if_contains("endDateTime"))});
  }
  for (const auto& f : ArrayAt(app, "_federated")) {
    const json::object& credential = ObjectOf(f);
    FederatedCredentialRecord record{StringAt(credential, "name"), StringAt(credential, "issuer"), StringAt(credential, "subject"), {}};
    for (const auto& a : ArrayAt(credential, "audiences"))
      if (a.is_string()) record.audiences.emplace_back(a.get_string());
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
    client.app_id = StringAt(app ? *app : *sp, "appId");
    client.display_name = StringAt(app ? *app : *sp, "displayName");
    client.service_principal_id = sp ? StringAt(*sp, "id") : std::string();
    client.is_managed_identity = sp && StringAt(*sp, "servicePrincipalType") == "ManagedIdentity";
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
      for (const auto& n : ArrayAt(sp, "servicePrincipalNames")) {
        std::string name = Lower(StringOf(n));
        while (name.size() > 1 && name.back() == '/') name.pop_back();
        match = match || name == wanted;
      }
      if (!match) continue;
      ResourceInfo r;
      r.service_principal_id = id;
      r.app_id = StringAt(sp, "appId");
      r.display_name = StringAt(sp, "displayName");
      for (const auto& n : ArrayAt(sp, "servicePrincipalNames"))
        if (n.is_string()) r.identifiers.emplace_back(n.get_string());
      // Unreadable flags fail closed: assignment required, the role disabled.
      r.assignment_required = BoolAt(sp, "appRoleAssignmentRequired", true);
      for (const auto& role : ArrayAt(sp, "appRoles")) {
        const json::object& o = ObjectOf(role);
        r.app_roles.push_back({StringAt(o, "id"), StringAt(o, "value"), BoolAt(o, "isEnabled", !o.contains("isEnabled"))});
      }
      if (const json::object* app = AppByAppId(v, r.app_id)) {
        r.access_token_version = IntAt(ObjectAt(*app, "api"), "requestedAccessTokenVersion") == 2 ? 2 : 1;
        for (const auto& c : ArrayAt(ObjectAt(*app, "optionalClaims"), "accessToken")) {
          OptionalClaimInfo info{StringAt(ObjectOf(c), "name"), {}};
          for (const auto& p : ArrayAt(ObjectOf(c), "additionalProperties"))
            if (p.is_string()) info.additional_properties.emplace_back(p.get_string());
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
    for (const json::object* a : v.FindObjects(Collection::kAppRoleAssignments, "principalId", principal_id))
      if (Lower(StringAt(*a, "principalId")) == Lower(principal_id) && Lower(StringAt(*a, "resourceId")) == Lower(resource_sp_id))
        out.push_back(StringAt(*a, "appRoleId"));
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
      if (!secret.empty() && StringAt(h, "identityHeader") == secret) return ToHost(v, h);
    return std::nullopt;
  });
}

}  // namespace entragate::emulator
