#pragma once
// The generated workloads the benchmarks share: N apps with one role granted to M of K managed
// identities, and those identities made in a fresh local tenant through its admin API.

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "emulator/local_tenant.h"
#include "providers/graph/graph_stack.h"
#include "providers/graph/transport/http_transport.h"

namespace entragate::bench {

struct Workload {
  int apps = 0, grants = 0, identities = 0;
  int stride = 1;            ///< app n grants mi-(n*stride + k) % identities, k < grants
  bool app_id_uris = false;  ///< give every app identifierUris [api://{appId}]
};

inline std::string WorkloadApps(const Workload& w, int first, int end) {
  std::string m = "apps:\n";
  for (int n = first; n < end; ++n) {
    m += fmt::format("  app-{0}:\n    displayName: App {0}\n", n);
    if (w.app_id_uris) m += "    identifierUris: [ \"api://{appId}\" ]\n";
    m += "    appRoles:\n      App.Use: { allowedMemberTypes: [ Application ] }\n    assignmentRequired: true\n    access:\n      App.Use: [ ";
    for (int k = 0; k < w.grants; ++k) m += fmt::format("{}mi-{}", k ? ", " : "", (n * w.stride + k) % std::max(1, w.identities));
    m += " ]\n";
  }
  return m;
}

inline std::string WorkloadIdentities(const Workload& w) {
  std::string m = "identities:\n";
  for (int i = 0; i < w.identities; ++i) m += fmt::format("  mi-{0}: {{ managedIdentity: mi-{0} }}\n", i);
  return m;
}

inline std::string WorkloadManifest(const Workload& w) { return "version: 1\n" + WorkloadIdentities(w) + WorkloadApps(w, 0, w.apps); }

/// The workload as manifest files of at most `per_file` apps each (a file is at most 1 MiB).
inline std::vector<std::pair<std::string, std::string>> WorkloadFiles(const Workload& w, int per_file = 1000) {
  std::vector<std::pair<std::string, std::string>> files{{"identities.yaml", "version: 1\n" + WorkloadIdentities(w)}};
  for (int first = 0; first < w.apps; first += per_file)
    files.emplace_back(fmt::format("apps-{}.yaml", first / per_file), "version: 1\n" + WorkloadApps(w, first, std::min(w.apps, first + per_file)));
  return files;
}

/// Makes user-assigned identities mi-0 … mi-(n-1); false (with a message on stderr) if one fails.
inline bool AddManagedIdentities(graph::Transport& transport, const emulator::LocalTenantEndpoints& e, int n) {
  for (int i = 0; i < n; ++i) {
    net::Request r{"POST",
                   e.authority + "/_emulator/identities",
                   {{"X-Emulator-Key", e.admin_key}, {"Content-Type", "application/json"}},
                   boost::json::serialize(boost::json::object{
                       {"name", fmt::format("mi-{}", i)},
                       {"resourceId",
                        fmt::format("/subscriptions/0/resourceGroups/bench/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-{}", i)}}),
                   ""};
    if (auto sent = transport.Send(r); !sent.ok() || sent->status != 201) {
      fmt::print(stderr, "cannot add identity mi-{}\n", i);
      return false;
    }
  }
  return true;
}

/// A fresh local tenant for one benchmark run, with managed identities mi-0 … and the operator's
/// client stack on it; stopped and its state directory removed when it goes.
struct BenchTenant {
  std::string dir;
  std::unique_ptr<emulator::LocalTenant> tenant;
  std::unique_ptr<graph::Transport> transport;
  graph::GraphStack stack;  ///< last: it goes first, before the transport it sends through

  BenchTenant() = default;
  BenchTenant(const BenchTenant&) = delete;
  BenchTenant& operator=(const BenchTenant&) = delete;
  ~BenchTenant() {
    stack = {};
    transport.reset();
    if (tenant) tenant->Stop();
    tenant.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  const emulator::LocalTenantEndpoints& e() const { return tenant->endpoints(); }
};

/// Starts one under the temporary directory `name`-PID; null (with a message on stderr) if it fails.
/// `client`: the stack's client options (graph_root is filled in).
inline std::unique_ptr<BenchTenant> StartBenchTenant(const std::string& name, int identities, graph::GraphClientOptions client = {}) {
  auto t = std::make_unique<BenchTenant>();
  t->dir = (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(t->dir);
  emulator::LocalTenantOptions options;
  options.state_dir = t->dir;
  auto started = emulator::LocalTenant::Start(options);
  if (!started.ok()) return fmt::print(stderr, "{}\n", started.error().message), nullptr;
  t->tenant = std::move(started).value();
  t->transport = graph::MakeHttpTransport({});
  if (!AddManagedIdentities(*t->transport, t->e(), identities)) return nullptr;
  client.graph_root = t->e().graph;
  t->stack = graph::MakeSecretStack(*t->transport, {t->e().authority, t->e().tenant_id, t->e().client_id}, t->e().client_secret, client);
  return t;
}

}  // namespace entragate::bench
