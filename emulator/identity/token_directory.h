#pragma once
// What the token service and the managed-identity endpoints need to know about the tenant, and
// nothing more. The directory store implements it; the token service is tested against a small
// in-memory implementation. All lookups are snapshots: safe to call from several threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/identity/room.h"

namespace entragate::emulator {

struct TenantInfo {
  std::string id;                    ///< GUID
  std::vector<std::string> domains;  ///< verified domains; the first is the initial *.onmicrosoft.com
  std::string region;                ///< tenant_region_scope value, e.g. "EU", "NA"
};

struct SecretRecord {
  std::string key_id;             ///< passwordCredential.keyId
  std::string secret_sha256_hex;  ///< the secret itself is never stored
  int64_t end_epoch = 0;          ///< passwordCredential.endDateTime; 0 = no expiry
};

struct CertificateRecord {
  std::string key_id;  ///< keyCredential.keyId
  std::string der;     ///< raw DER of the certificate (keyCredential.key decoded)
  int64_t end_epoch = 0;
};

struct FederatedCredentialRecord {
  std::string name;
  std::string issuer;
  std::string subject;
  std::vector<std::string> audiences;  ///< usually ["api://AzureADTokenExchange"]
};

/// A confidential client: an application registration (or a managed identity's service principal,
/// which authenticates only through the managed-identity endpoints or federated credentials).
struct ClientInfo {
  std::string app_id;  ///< client id
  std::string display_name;
  std::string service_principal_id;  ///< object id of its SP in this tenant; empty: none (AADSTS7000229-like refusal)
  bool is_managed_identity = false;
  std::vector<SecretRecord> secrets;
  std::vector<CertificateRecord> certificates;
  std::vector<FederatedCredentialRecord> federated;
};

struct AppRoleInfo {
  std::string id;
  std::string value;
  bool enabled = true;
};

struct OptionalClaimInfo {
  std::string name;
  std::vector<std::string> additional_properties;
};

/// A resource (API) a token can be requested for: a service principal and what its application says.
struct ResourceInfo {
  std::string service_principal_id;
  std::string app_id;
  std::string display_name;
  std::vector<std::string> identifiers;                ///< servicePrincipalNames: appId and identifierUris
  bool assignment_required = false;                    ///< appRoleAssignmentRequired
  int access_token_version = 1;                        ///< api.requestedAccessTokenVersion (null → 1)
  std::vector<OptionalClaimInfo> access_token_claims;  ///< optionalClaims.accessToken
  std::vector<AppRoleInfo> app_roles;
};

struct ManagedIdentityInfo {
  std::string principal_id;  ///< object id of the ManagedIdentity service principal
  std::string client_id;     ///< its appId
  std::string resource_id;   ///< ARM id (alternativeNames)
  std::string display_name;
};

/// A VM or App Service: at most one system-assigned identity and any number of user-assigned ones.
struct HostInfo {
  std::string name;
  std::string identity_header;  ///< App Service X-IDENTITY-HEADER secret
  std::optional<ManagedIdentityInfo> system_assigned;
  std::vector<ManagedIdentityInfo> user_assigned;
  std::string resource_id;  ///< the host's own ARM id (a VM: Microsoft.Compute); may be empty
};

class TokenDirectory {
 public:
  virtual ~TokenDirectory() = default;
  virtual TenantInfo Tenant() const = 0;
  /// By client id (appId), case-insensitive.
  virtual std::optional<ClientInfo> FindClient(std::string_view client_id) const = 0;
  /// By appId or any servicePrincipalNames entry; case-insensitive, a trailing '/' ignored.
  virtual std::optional<ResourceInfo> FindResource(std::string_view identifier) const = 0;
  /// The app role ids assigned to principal (an SP object id) on resource (an SP object id).
  virtual std::vector<std::string> AssignedRoleIds(std::string_view principal_id, std::string_view resource_sp_id) const = 0;
  virtual std::optional<HostInfo> FindHost(std::string_view name) const = 0;
  virtual std::optional<HostInfo> FindHostByIdentityHeader(std::string_view secret) const = 0;
};

}  // namespace entragate::emulator
