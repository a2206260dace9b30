#pragma once
// The token service's view of the tenant (token_directory.h), read from the directory store.

#include "emulator/store/directory_store.h"
#include "emulator/identity/token_directory.h"
#include "emulator/graph/room.h"

namespace entragate::emulator {

class StoreTokenDirectory : public TokenDirectory {
 public:
  explicit StoreTokenDirectory(const DirectoryStore& store) : store_(store) {}
  TenantInfo Tenant() const override;
  std::optional<ClientInfo> FindClient(std::string_view client_id) const override;
  std::optional<ResourceInfo> FindResource(std::string_view identifier) const override;
  std::vector<std::string> AssignedRoleIds(std::string_view principal_id, std::string_view resource_sp_id) const override;
  std::optional<HostInfo> FindHost(std::string_view name) const override;
  std::optional<HostInfo> FindHostByIdentityHeader(std::string_view secret) const override;

 private:
  const DirectoryStore& store_;
};

}  // namespace entragate::emulator
