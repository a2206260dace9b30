#pragma once
// An in-memory TokenDirectory for the token-service and managed-identity tests: plain public
// vectors the test fills in, looked up with the interface's rules (case-insensitive ids, a
// trailing '/' ignored on resource identifiers).

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/identity/token_directory.h"

namespace entragate::emulator::testing {

struct FakeAssignment {
  std::string principal_id;
  std::string resource_sp_id;
  std::string role_id;
};

class FakeTokenDirectory : public TokenDirectory {
 public:
  TenantInfo tenant;
  std::vector<ClientInfo> clients;
  std::vector<ResourceInfo> resources;
  std::vector<FakeAssignment> assignments;
  std::vector<HostInfo> hosts;

  TenantInfo Tenant() const override { return tenant; }

  std::optional<ClientInfo> FindClient(std::string_view client_id) const override {
    for (const auto& client : clients) {
      if (Same(client.app_id, client_id)) return client;
    }
    return std::nullopt;
  }

  std::optional<ResourceInfo> FindResource(std::string_view identifier) const override {
    const std::string wanted = Trimmed(identifier);
    for (const auto& resource : resources) {
      if (Same(resource.app_id, wanted)) return resource;
      for (const auto& name : resource.identifiers) {
        if (Same(Trimmed(name), wanted)) return resource;
      }
    }
    return std::nullopt;
  }

  std::vector<std::string> AssignedRoleIds(std::string_view principal_id, std::string_view resource_sp_id) const override {
    std::vector<std::string> out;
    for (const auto& a : assignments) {
      if (Same(a.principal_id, principal_id) && Same(a.resource_sp_id, resource_sp_id)) {
        out.push_back(a.role_id);
      }
    }
    return out;
  }

  std::optional<HostInfo> FindHost(std::string_view name) const override {
    for (const auto& host : hosts) {
      if (host.name == name) return host;
    }
    return std::nullopt;
  }

  std::optional<HostInfo> FindHostByIdentityHeader(std::string_view secret) const override {
    for (const auto& host : hosts) {
      if (!host.identity_header.empty() && host.identity_header == secret) return host;
    }
    return std::nullopt;
  }

  ClientInfo& Client(std::string_view app_id) {
    return *std::find_if(clients.begin(), clients.end(), [&](const ClientInfo& c) { return c.app_id == app_id; });
  }
  ResourceInfo& Resource(std::string_view app_id) {
    return *std::find_if(resources.begin(), resources.end(), [&](const ResourceInfo& r) { return r.app_id == app_id; });
  }

 private:
  static bool Same(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
             return lower(x) == lower(y);
           });
  }
  static std::string Trimmed(std::string_view text) {
    std::string out(text);
    if (!out.empty() && out.back() == '/') out.pop_back();
    return out;
  }
};

}  // namespace entragate::emulator::testing
