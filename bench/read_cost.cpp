// How much Graph a read costs: N managed apps with M assignments each and K managed identities are
// applied to a fresh local tenant, then the state the planner needs is read once more, and the
// emulator's own counters say what that read cost (HTTP requests, $batch sub-requests, resource
// units). Prints the figures; with --max-requests, exits 1 when the read took more HTTP requests.
//
//   bench_read_cost [--apps 50] [--assignments 10] [--identities 20] [--max-requests N]
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "bench/workload.h"
#include "emulator/graph/graph_service.h"
#include "emulator/local_tenant.h"
#include "engine/executor.h"
#include "engine/manifest.h"
#include "engine/planner.h"
#include "providers/graph/client/graph_client.h"
#include "providers/graph/graph_stack.h"
#include "providers/graph/provider/graph_provider.h"
#include "providers/graph/transport/http_transport.h"

using namespace entragate;

namespace {

struct Args {
  int apps = 50, assignments = 10, identities = 20, max_requests = 0;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (k == "--apps")
      a.apps = v;
    else if (k == "--assignments")
      a.assignments = v;
    else if (k == "--identities")
      a.identities = v;
    else if (k == "--max-requests")
      a.max_requests = v;
  }
  return a;
}

std::string Manifest(const Args& a) { return bench::WorkloadManifest({a.apps, a.assignments, a.identities, 1, true}); }

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  auto bt = bench::StartBenchTenant("entragate-bench", a.identities);
  if (!bt) return 1;
  graph::GraphProvider& provider = *bt->stack.provider;
  engine::Diagnostics diags;
  engine::DesiredState desired = engine::LoadManifestTexts({{"bench.yaml", Manifest(a)}}, diags);
  if (diags.has_errors()) return fmt::print(stderr, "manifest errors\n"), 1;
  auto first = provider.Read(desired, {});
  if (!first.ok()) return fmt::print(stderr, "{}\n", first.error().message), 1;
  engine::Plan plan = engine::ComputePlan(desired, first.value(), diags);
  auto setup_start = std::chrono::steady_clock::now();
  engine::ExecutionReport report = engine::Execute(plan, first.value(), provider);
  double setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count();
  if (!report.ok()) return fmt::print(stderr, "setup apply failed\n"), 1;
  emulator::GraphStats before = bt->tenant->graph().Stats();
  auto start = std::chrono::steady_clock::now();
  auto observed = provider.Read(desired, {});
  double read_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  emulator::GraphStats after = bt->tenant->graph().Stats();
  if (!observed.ok()) return fmt::print(stderr, "{}\n", observed.error().message), 1;
  engine::Plan again = engine::ComputePlan(desired, observed.value(), diags);
  uint64_t requests = after.requests - before.requests;
  fmt::print("read of {} apps x {} assignments + {} managed identities:\n", a.apps, a.assignments, a.identities);
  fmt::print("  HTTP requests to Graph : {}\n", requests);
  fmt::print("  $batch sub-requests    : {}\n", after.batch_subrequests - before.batch_subrequests);
  fmt::print("  resource units         : {}\n", after.resource_units - before.resource_units);
  fmt::print("  wall time              : {:.1f} ms (local tenant on loopback)\n", read_ms);
  fmt::print("  plan after the read    : {} changes (expected 0)\n", again.changes.size());
  fmt::print("  setup apply            : {} steps in {:.1f} s, {} HTTP requests\n", report.done, setup_s, before.requests);
  if (!again.empty()) return 1;
  if (a.max_requests > 0 && requests > static_cast<uint64_t>(a.max_requests)) {
    fmt::print(stderr, "the read took {} HTTP requests, more than the budget of {}\n", requests, a.max_requests);
    return 1;
  }
  return 0;
}
