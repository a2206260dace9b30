// How the local tenant keeps up at scale: a fresh tenant gets N apps with M grants each (applied
// by the real engine and Graph client), then a no-change plan is timed, wall and CPU (client and
// tenant share this process), and $batch writes are sent by several clients at once to count
// writes per second. Each figure is printed with its goal; nothing is asserted.
//
//   bench_local_tenant                              (3,000 x 10 and 5,000 x 20, 500 identities)
//   bench_local_tenant --apps 1000 --grants 10 [--identities 500] [--writers 4] [--envelopes 200]
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "bench/workload.h"
#include "emulator/store/directory_store.h"
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
namespace json = boost::json;

namespace {

struct Args {
  std::vector<std::pair<int, int>> sizes;  ///< apps x grants
  int identities = 500, writers = 8, envelopes = 200;
};

Args Parse(int argc, char** argv) {
  Args a;
  int apps = 0, grants = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (k == "--apps")
      apps = v;
    else if (k == "--grants")
      grants = v;
    else if (k == "--identities")
      a.identities = v;
    else if (k == "--writers")
      a.writers = v;
    else if (k == "--envelopes")
      a.envelopes = v;
  }
  if (apps > 0)
    a.sizes = {{apps, grants}};
  else
    a.sizes = {{3000, 10}, {5000, 20}};
  return a;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The goal the issue sets for a no-change plan of this size, if it sets one.
std::string PlanGoal(int apps, int grants) {
  if (apps == 3000 && grants == 10) return "  (goal <= 1.5 s)";
  if (apps == 5000 && grants == 20) return "  (goal <= 3 s)";
  return "";
}

// `writers` clients at once, each sending `envelopes` $batch envelopes of 20 application PATCHes
// (each also keeps the app's service principal in step). Returns writes answered 2xx per second.
double BatchWrites(const emulator::LocalTenantEndpoints& e, const std::string& token, const std::vector<std::string>& app_ids, int writers,
                   int envelopes, uint64_t& failed) {
  std::atomic<uint64_t> ok{0}, bad{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      auto transport = graph::MakeHttpTransport({});
      for (int n = 0; n < envelopes; ++n) {
        json::array requests;
        for (int i = 0; i < 20; ++i) {
          const std::string& id = app_ids[(static_cast<size_t>(w) * 7919 + static_cast<size_t>(n) * 20 + static_cast<size_t>(i)) % app_ids.size()];
          requests.push_back(json::object{{"id", std::to_string(i)},
                                          {"method", "PATCH"},
                                          {"url", "/applications/" + id},
                                          {"headers", json::object{{"Content-Type", "application/json"}}},
                                          {"body", json::object{{"notes", fmt::format("bench {} {}", w, n)}}}});
        }
        net::Request r{"POST",
                       e.graph + "/$batch",
                       {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                       json::serialize(json::object{{"requests", requests}}),
                       ""};
        auto sent = transport->Send(r);
        if (!sent.ok() || sent->status != 200) {
          bad += 20;
          continue;
        }
        boost::system::error_code ec;
        json::value body = json::parse(sent->body, ec);
        for (const auto& sub : ec ? json::array{} : body.at("responses").as_array()) (sub.at("status").as_int64() < 300 ? ok : bad) += 1;
      }
    });
  for (auto& t : threads) t.join();
  failed = bad;
  return static_cast<double>(ok) / Seconds(start);
}

int Run(const Args& a, int apps, int grants) {
  // The setup is not what is measured: its client is told a budget the local tenant does not
  // enforce (limits are off), so it waits on the tenant rather than on its pacer's model of Graph.
  graph::GraphClientOptions setup_client;
  setup_client.budget = graph::UnmeteredBudget();
  auto bt = bench::StartBenchTenant("entragate-bench-local", a.identities, setup_client);
  if (!bt) return 1;
  const auto& e = bt->e();
  graph::GraphProvider& provider = *bt->stack.provider;
  auto token = graph::BearerFrom(*bt->stack.credential, graph::kGraphScope);
  engine::Diagnostics diags;
  // 500 apps a file keeps every file under the manifest size limit at any size.
  engine::DesiredState desired = engine::LoadManifestTexts(bench::WorkloadFiles({apps, grants, a.identities, 7, false}, 500), diags);
  if (diags.has_errors()) return fmt::print(stderr, "manifest errors, the first: {}\n", diags.items().front().message), 1;

  auto setup_start = std::chrono::steady_clock::now();
  auto first = provider.Read(desired, {});
  if (!first.ok()) return fmt::print(stderr, "read failed: {}\n", first.error().message), 1;
  engine::Plan plan = engine::ComputePlan(desired, first.value(), diags);
  engine::ExecuteOptions execute;
  execute.max_steps_per_call = 20;  // as `entragate apply` does
  execute.parallelism = 16;
  emulator::GraphStats setup_before = bt->tenant->graph().Stats();
  engine::ExecutionReport report = engine::Execute(plan, first.value(), provider, execute);
  double setup_s = Seconds(setup_start);
  uint64_t setup_writes = bt->tenant->graph().Stats().writes - setup_before.writes;
  if (!report.ok()) return fmt::print(stderr, "setup apply failed\n"), 1;

  // The plan is another run of the CLI: a client of its own, whose pacer the apply has not spent,
  // paced as `entragate --target local` paces it (to the local tenant's limits: none here).
  graph::GraphClientOptions o;
  o.graph_root = e.graph;
  o.budget = graph::UnmeteredBudget();
  graph::GraphClient plan_client(*bt->transport, token, o);
  graph::GraphProvider plan_provider(plan_client);
  (void)token();  // the token is cached, as a CLI run finds it in its token cache
  emulator::GraphStats before = bt->tenant->graph().Stats();
  double cpu_start = CpuSeconds();
  auto start = std::chrono::steady_clock::now();
  auto observed = plan_provider.Read(desired, {});
  if (!observed.ok()) return fmt::print(stderr, "read failed: {}\n", observed.error().message), 1;
  engine::Plan again = engine::ComputePlan(desired, observed.value(), diags);
  double plan_s = Seconds(start);
  double plan_cpu = CpuSeconds() - cpu_start;
  emulator::GraphStats after = bt->tenant->graph().Stats();

  std::vector<std::string> app_ids = bt->tenant->store().Read([](const emulator::StoreView& v) {
    std::vector<std::string> ids;
    for (const auto& [id, app] : v.All(emulator::Collection::kApplications)) ids.push_back(id);
    return ids;
  });
  auto bearer = token();
  if (!bearer.ok()) return fmt::print(stderr, "no token\n"), 1;
  uint64_t syncs_before = bt->tenant->store().journal_syncs();
  uint64_t failed = 0;
  double writes_cpu_start = CpuSeconds();
  double writes_per_s = BatchWrites(e, bearer.value(), app_ids, a.writers, a.envelopes, failed);
  double writes_cpu = CpuSeconds() - writes_cpu_start;
  uint64_t syncs = bt->tenant->store().journal_syncs() - syncs_before;

  fmt::print("local tenant, {} apps x {} grants, {} managed identities:\n", apps, grants, a.identities);
  fmt::print("  setup apply            : {} steps, {} failed, {:.1f} s ({:.0f} writes/s through the client, unpaced)\n", report.done, report.failed,
             setup_s, static_cast<double>(setup_writes) / setup_s);
  fmt::print("  no-change plan (wall)  : {:.2f} s{}\n", plan_s, PlanGoal(apps, grants));
  fmt::print("  no-change plan (CPU)   : {:.2f} s, client and tenant together\n", plan_cpu);
  fmt::print("  plan after the read    : {} changes (expected 0); {} HTTP requests, {} $batch sub-requests\n", again.changes.size(),
             after.requests - before.requests, after.batch_subrequests - before.batch_subrequests);
  // Time the client spent pacing itself is the client's, not the tenant's (none without limits).
  graph::ClientStats plan_stats = plan_client.stats();
  fmt::print("  plan's pacer waits     : {:.2f} s wall ({} resource units charged)\n", static_cast<double>(plan_stats.waited_wall_ms) / 1000,
             plan_stats.resource_units);
  fmt::print("  $batch writes          : {:.0f} writes/s  (goal >= 10,000); {} clients x {} envelopes of 20, {} failed, {} journal fsyncs\n",
             writes_per_s, a.writers, a.envelopes, failed, syncs);
  // On a shared machine the rate follows the load; the CPU a write costs does not as much.
  fmt::print("  $batch writes (CPU)    : {:.0f} us a write, clients and tenant together\n",
             writes_cpu * 1e6 / static_cast<double>(a.writers * a.envelopes * 20));
  return again.changes.empty() && failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  int rc = 0;
  for (auto [apps, grants] : a.sizes) rc |= Run(a, apps, grants);
  return rc;
}
