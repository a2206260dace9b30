// Apply and re-plan at Microsoft Graph's limits: a fresh local tenant applies them (a preset of
// `serve --graph-limits`, or an ru-bucket fault), the real client paces itself, and the figures
// are compared with the floor the limits set. Prints; asserts nothing about time.
//
//   bench_graph_limits [--apps 300] [--grants 10] [--identities 100] [--faults limits=small] [--budget small]
//                      [--replan-faults ru-bucket=700/10]   (the re-plan under other limits, e.g. a smaller bucket)
//
// Quota floor: the resource units and writes the run was charged, beyond what the full buckets
// hold at the start, divided by the refill rates; the larger of the two. No client can be faster.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "bench/workload.h"
#include "emulator/faults.h"
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
  int apps = 300, grants = 10, identities = 100;
  std::string faults = "limits=small", budget, replan_faults;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--apps")
      a.apps = std::atoi(v.c_str());
    else if (k == "--grants")
      a.grants = std::atoi(v.c_str());
    else if (k == "--identities")
      a.identities = std::atoi(v.c_str());
    else if (k == "--faults")
      a.faults = v;
    else if (k == "--budget")
      a.budget = v;
    else if (k == "--replan-faults")
      a.replan_faults = v;
  }
  return a;
}

std::string Manifest(const Args& a) { return bench::WorkloadManifest({a.apps, a.grants, a.identities, 7, false}); }

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// What the limits make the least possible time for `units` RU and `writes` writes.
double FloorSeconds(const emulator::LimitBudget& b, uint64_t units, uint64_t writes) {
  double ru = b.resource_units > 0 ? std::max(0.0, static_cast<double>(units) - static_cast<double>(b.resource_units)) *
                                         static_cast<double>(b.ru_window_ms) / static_cast<double>(b.resource_units) / 1000
                                   : 0;
  double w = b.writes > 0 ? std::max(0.0, static_cast<double>(writes) - static_cast<double>(b.writes)) * static_cast<double>(b.write_window_ms) /
                                static_cast<double>(b.writes) / 1000
                          : 0;
  return std::max(ru, w);
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  auto config = emulator::FaultConfig::Parse(a.faults);
  if (!config.ok()) return fmt::print(stderr, "{}\n", config.error().message), 1;
  graph::GraphClientOptions o;
  if (!a.budget.empty()) o.budget = graph::GraphBudgetPreset(a.budget);
  auto bt = bench::StartBenchTenant("entragate-bench-limits", a.identities, o);  // no limits while the identities are made
  if (!bt) return 1;
  bt->tenant->faults().Configure(config.value());
  graph::GraphClient& client = *bt->stack.client;
  graph::GraphProvider& provider = *bt->stack.provider;
  engine::Diagnostics diags;
  engine::DesiredState desired = engine::LoadManifestTexts({{"bench.yaml", Manifest(a)}}, diags);
  if (diags.has_errors()) return fmt::print(stderr, "manifest errors\n"), 1;

  auto start = std::chrono::steady_clock::now();
  auto observed = provider.Read(desired, {});
  if (!observed.ok()) return fmt::print(stderr, "read failed: {}\n", observed.error().message), 1;
  engine::Plan plan = engine::ComputePlan(desired, observed.value(), diags);
  engine::ExecutionReport report = engine::Execute(plan, observed.value(), provider);
  double apply_s = Seconds(start);
  emulator::FaultCounters after_apply = bt->tenant->faults().counters();
  if (!a.replan_faults.empty()) {
    auto replan_config = emulator::FaultConfig::Parse(a.replan_faults);
    if (!replan_config.ok()) return fmt::print(stderr, "{}\n", replan_config.error().message), 1;
    bt->tenant->faults().Configure(replan_config.value());
  }
  auto replan_start = std::chrono::steady_clock::now();
  auto again = provider.Read(desired, {});
  double replan_s = Seconds(replan_start);
  size_t left = again.ok() ? engine::ComputePlan(desired, again.value(), diags).changes.size() : 0;
  emulator::FaultCounters f = bt->tenant->faults().counters();
  graph::ClientStats s = client.stats();

  emulator::LimitBudget budget = config->Budget();
  // With other limits for the re-plan, the floor is the apply's (the re-plan's counters restarted).
  emulator::FaultCounters charged = a.replan_faults.empty() ? f : after_apply;
  double floor_s = FloorSeconds(budget, charged.limits.resource_units, charged.limits.writes);
  // Under other re-plan limits the floor and the ratio are the apply's alone.
  double wall_s = a.replan_faults.empty() ? apply_s + replan_s : apply_s;
  uint64_t sent = s.http_requests - s.batches + s.batch_subrequests;
  fmt::print("{} apps x {} grants, {} managed identities, --faults {}{}:\n", a.apps, a.grants, a.identities, a.faults,
             a.budget.empty() ? "" : ", --graph-budget " + a.budget);
  fmt::print("  apply                 : {} steps, {} failed, {} skipped, {:.1f} s\n", report.done, report.failed, report.skipped, apply_s);
  fmt::print("  re-plan               : {} changes left, {:.1f} s{}{}\n", left, replan_s, again.ok() ? "" : " (read FAILED)",
             a.replan_faults.empty() ? "" : fmt::format(" under {} ({} RU charged)", a.replan_faults, f.limits.resource_units));
  fmt::print("  charged               : {} RU, {} writes (apply: {} RU, {} writes)\n", f.limits.resource_units, f.limits.writes,
             after_apply.limits.resource_units, after_apply.limits.writes);
  fmt::print("  quota floor           : {:.1f} s\n", floor_s);
  fmt::print("  wall{}: {:.1f} s  (ratio to floor: {})\n", a.replan_faults.empty() ? " (apply + re-plan) " : " (apply)           ", wall_s,
             floor_s > 0 ? fmt::format("{:.2f}", wall_s / floor_s) : "n/a");
  fmt::print("  429s received         : {} of {} requests sent ({:.2f} %)\n", s.throttled_responses, sent,
             sent ? 100.0 * static_cast<double>(s.throttled_responses) / static_cast<double>(sent) : 0);
  fmt::print("  waiting (wall)        : {:.1f} s, {} scope holds\n", static_cast<double>(s.waited_wall_ms) / 1000, s.scope_holds);
  return report.ok() && again.ok() && left == 0 ? 0 : 1;
}
