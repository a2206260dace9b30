// LocalTenant's lookups for `entragate token`: a managed identity's workload host, an app's
// resource identifier, the tenant's clock.
#include <boost/json.hpp>
#include <fmt/format.h>

#include "emulator/admin_api.h"
#include "emulator/local_tenant.h"
#include "emulator/store/directory_store.h"
#include "emulator/store/tenant_clock.h"

namespace entragate::emulator {

namespace json = boost::json;

base::Result<ManagedIdentityWorkload> LocalTenant::FindWorkload(const std::string& name) {
  return store().Read([&](const StoreView& v) -> base::Result<ManagedIdentityWorkload> {
    const json::object* sp = nullptr;
    for (const auto& [id, o] : v.All(Collection::kServicePrincipals))
      if (o.at("servicePrincipalType") == "ManagedIdentity" && o.at("displayName") == json::value(name)) sp = &o;
    if (!sp) return base::MakeError(base::Error::Kind::kNotFound, fmt::format("no managed identity named '{}' in the local tenant", name));
    for (const auto& [host, h] : v.All(Collection::kHosts)) {
      if (h.at("systemAssigned") == sp->at("id")) return ManagedIdentityWorkload{host, "", "system-assigned"};
      for (const auto& ua : h.at("userAssigned").as_array())
        if (ua == sp->at("id")) return ManagedIdentityWorkload{host, std::string(sp->at("appId").as_string()), "user-assigned"};
    }
    return base::MakeError(base::Error::Kind::kNotFound, fmt::format("managed identity '{}' is not attached to any host", name));
  });
}

std::optional<std::string> LocalTenant::ResourceOfApp(const std::string& unique_name) {
  return store().Read([&](const StoreView& v) -> std::optional<std::string> {
    for (const auto& [id, app] : v.All(Collection::kApplications)) {
      if (app.at("uniqueName") != json::value(unique_name)) continue;
      const json::array& uris = app.at("identifierUris").as_array();
      return uris.empty() ? std::string(app.at("appId").as_string()) : std::string(uris[0].as_string());
    }
    return std::nullopt;
  });
}

int64_t LocalTenant::TenantNowSeconds() {
  TenantClock clock;
  RestoreClock(store(), clock);
  return clock.NowSeconds();
}

}  // namespace entragate::emulator
