#pragma once
// The emulator's admin API under /_emulator/ (header X-Emulator-Key): statistics for benchmarks,
// faults at run time, reset, the tenant's clock, and adding hosts, identities, users and groups.

#include <functional>
#include <string>

#include "emulator/store/directory_store.h"
#include "emulator/faults.h"
#include "emulator/graph/graph_service.h"
#include "emulator/identity/managed_identity_service.h"
#include "emulator/store/tenant_clock.h"
#include "net/http_message.h"

namespace entragate::emulator {

struct AdminContext {
  std::string admin_key;
  DirectoryStore& store;
  GraphService& graph;
  FaultInjector& faults;
  std::function<base::Status()> reset;           ///< empties and re-seeds the tenant
  TenantClock* clock = nullptr;                  ///< the tenant's time, moved by POST /_emulator/clock
  ManagedIdentityService* identities = nullptr;  ///< its token cache: flushed per host, switched off
};

/// Reads the clock offset saved with the tenant's state (so a restart keeps the tenant's time).
void RestoreClock(DirectoryStore& store, TenantClock& clock);

net::Response HandleAdmin(const net::Request& request, AdminContext& context);

}  // namespace entragate::emulator
