#pragma once
// The seed: what a fresh local tenant contains. Always the tenant itself, the Microsoft Graph service
// principal (first-party, with its real application permissions) and the operator application that
// entragate signs in as; plus what a seed file describes (README: "The local tenant's seed file").
// Seeded object ids are UUIDv5 of the tenant id and the object's name, so the same seed gives the same
// ids on every machine.

#include <string>
#include <vector>

#include "emulator/store/directory_store.h"
#include "base/result.h"

namespace entragate::emulator {

/// Microsoft Graph's application id and the app roles (application permissions) the emulator knows.
inline constexpr const char* kGraphAppId = "00000003-0000-0000-c000-000000000000";
struct GraphPermission {
  const char* value;
  const char* id;
};
const std::vector<GraphPermission>& GraphPermissions();

struct SeedSummary {
  std::string tenant_id;
  std::string operator_client_id;
  std::string operator_client_secret;  ///< emulator-only: printed on the serve line, never logged
  std::string admin_key;
};

/// Seeds an empty store from `seed_file` (YAML; empty path: the built-in default) or, when the store
/// already holds a tenant, leaves it alone. Returns what the serve line prints.
base::Result<SeedSummary> SeedTenant(DirectoryStore& store, const std::string& seed_file);

/// The default seed: tenant contoso.onmicrosoft.com (region EU), hosts centos-1 and centos-2 with
/// system-assigned identities, a user-assigned identity ci-runner attached to centos-1, and user
/// Alice, a member of group Support Engineers and of the Cloud Application Administrator role.
const char* DefaultSeedYaml();

}  // namespace entragate::emulator
