// The scale table: each row runs in a child process of its own (this binary again), so its CPU and
// peak RSS are the kernel's figures for that row alone; the local tenant runs in this process, so
// its CPU is what this process spent while the child ran. Prints each figure with its goal;
// asserts nothing.
//
//   bench_scale [--sizes 1000,3000,10000] [--grants 20] [--identities 500] [--e2e 3000x10[,5000x20]]
//               [--apply 1000x10] [--latency 50] [--parallelism N] [--skip-engine] [--skip-e2e]
//
// Engine alone: a read-only tenant recorded from the local tenant (one app, its service principal,
// assignments, the identities; bench/replay_tenant.h) answers N apps from memory; the row is a
// no-change plan (read, plan, text rendering), and a plan from an empty tenant saved as with -o.
// End to end: a fresh local tenant gets the workload applied, then a child plans against it; the
// apply rows apply a fresh workload at 0 ms and at --latency ms per request.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "bench/replay_tenant.h"
#include "bench/workload.h"
#include "emulator/faults.h"
#include "emulator/graph/graph_service.h"
#include "emulator/local_tenant.h"
#include "engine/executor.h"
#include "engine/manifest.h"
#include "engine/planner.h"
#include "engine/render.h"
#include "providers/graph/client/graph_client.h"
#include "providers/graph/graph_stack.h"
#include "providers/graph/provider/graph_provider.h"
#include "providers/graph/transport/http_transport.h"

using namespace entragate;
namespace json = boost::json;

namespace {

struct Args {
  std::map<std::string, std::string> kv;
  std::string Get(const std::string& k, const std::string& d = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? d : it->second;
  }
  int Int(const std::string& k, int d) const { return kv.count(k) ? std::atoi(kv.at(k).c_str()) : d; }
  bool Has(const std::string& k) const { return kv.count(k) > 0; }
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) continue;
    if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0)
      a.kv[k.substr(2)] = argv[++i];
    else
      a.kv[k.substr(2)] = "1";
  }
  return a;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, sep);)
    if (!part.empty()) out.push_back(part);
  return out;
}

std::pair<int, int> Size(const std::string& s) {  // "3000x10"
  auto parts = Split(s, 'x');
  return {std::atoi(parts.at(0).c_str()), parts.size() > 1 ? std::atoi(parts[1].c_str()) : 20};
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

double CpuSeconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// ---- the child side -------------------------------------------------------------------------

// CPU seconds per phase of a child and the peak RSS at its end, "load:1.20s/180MB,read:…", to say
// where a row's time and memory go.
struct PhaseClock {
  double last = Now().first;
  std::chrono::steady_clock::time_point last_wall = std::chrono::steady_clock::now();
  std::string text;
  static std::pair<double, long> Now() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return {CpuSeconds(u), u.ru_maxrss / 1024};
  }
  void Lap(const char* name) {
    auto [now, peak_mb] = Now();
    auto wall = std::chrono::steady_clock::now();
    text += fmt::format("{}{}:{:.2f}s/{:.2f}s-wall/{}MB", text.empty() ? "" : ",", name, now - last,
                        std::chrono::duration<double>(wall - last_wall).count(), peak_mb);
    last = now;
    last_wall = wall;
  }
};

struct Client {
  std::unique_ptr<graph::Transport> transport;
  std::unique_ptr<graph::Credential> credential;
  std::unique_ptr<graph::GraphClient> client;
  std::unique_ptr<graph::GraphProvider> provider;
};

// Without an authority the replayed tenant answers without tokens.
Client Connect(std::unique_ptr<graph::Transport> transport, const std::string& graph_root, const std::string& authority, const std::string& tenant,
               const std::string& client_id, const std::string& secret) {
  Client c;
  c.transport = std::move(transport);
  graph::GraphClientOptions o;
  o.graph_root = graph_root;
  graph::GraphStack s;
  if (!authority.empty()) {
    // A local tenant without limits, paced as `entragate --target local` paces it (cli/target.cpp).
    o.budget = graph::UnmeteredBudget();
    s = graph::MakeSecretStack(*c.transport, {authority, tenant, client_id}, secret, o);
  } else {
    s.client = std::make_unique<graph::GraphClient>(
        *c.transport, [] { return engine::Result<std::string>(std::string("replay")); }, o);
    s.provider = std::make_unique<graph::GraphProvider>(*s.client);
  }
  c.credential = std::move(s.credential);
  c.client = std::move(s.client);
  c.provider = std::move(s.provider);
  return c;
}

bench::TenantTemplate ReadTemplate(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  json::object o = json::parse(text.str()).as_object();
  bench::TenantTemplate t{o.at("app").as_object(), o.at("sp").as_object(), o.at("assignment").as_object(), o.at("organization").as_object(), {}};
  for (auto& mi : o.at("identities").as_array()) t.identities.push_back(mi.as_object());
  return t;
}

// Read, plan and render as `entragate plan` does; with `out`, also save the plan as -o does.
int ChildPlan(const Args& a) {
  bench::Workload w{a.Int("apps", 1000), a.Int("grants", 20), a.Int("identities", 500), 7, false};
  Client c;
  bench::ReplayTenant* replay = nullptr;
  if (a.Has("template")) {
    std::string root = "https://replay.invalid/v1.0";
    auto tenant = std::make_unique<bench::ReplayTenant>(ReadTemplate(a.Get("template")), w, a.Has("empty") ? 0 : w.apps, root);
    replay = tenant.get();
    c = Connect(std::move(tenant), root, "", "", "", "");
  } else {
    c = Connect(graph::MakeHttpTransport({}), a.Get("graph"), a.Get("authority"), a.Get("tenant"), a.Get("client-id"), a.Get("secret"));
  }
  engine::Diagnostics diags;
  PhaseClock phases;
  auto files = bench::WorkloadFiles(w);
  phases.Lap("workload");
  engine::DesiredState desired = engine::LoadManifestTexts(files, diags);
  if (diags.has_errors()) return fmt::print(stderr, "manifest errors\n"), 1;
  phases.Lap("load");
  auto observed = c.provider->Read(desired, {});
  if (!observed.ok()) return fmt::print(stderr, "read failed: {}\n", observed.error().message), 1;
  phases.Lap("read");
  engine::Plan plan = engine::ComputePlan(desired, observed.value(), diags);
  if (diags.has_errors()) return fmt::print(stderr, "plan errors\n"), 1;
  phases.Lap("plan");
  std::string text = engine::RenderPlanText(plan, engine::RenderOptions(false, "plan"));
  size_t bytes = text.size();
  phases.Lap("render");
  if (a.Has("out")) {
    std::ofstream saved(a.Get("out"), std::ios::binary);  // streamed, as `plan -o` does
    bytes = 1;
    engine::WritePlanJson(plan, [&](std::string_view piece) {
      saved.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      bytes += piece.size();
    });
    saved << '\n';
    phases.Lap("save");
  }
  double apply_wall = 0;
  if (a.Has("apply")) {
    auto started = std::chrono::steady_clock::now();
    engine::ExecuteOptions options;
    options.max_steps_per_call = 20;                                      // as `entragate apply` does
    options.parallelism = static_cast<size_t>(a.Int("parallelism", 64));  // entragate apply's default
    engine::ExecutionReport report = engine::Execute(plan, observed.value(), *c.provider, options);
    if (!report.ok()) return fmt::print(stderr, "apply: {} failed, {} skipped\n", report.failed, report.skipped), 1;
    phases.Lap("apply");
    apply_wall = Seconds(started);
  }
  fmt::print("changes={} requests={} bytes={} answering={:.3f} apply_wall={:.3f} phases={}\n", plan.changes.size(), c.client->stats().http_requests,
             bytes, replay ? replay->answering_seconds() : 0.0, apply_wall, phases.text);
  return 0;
}

// ---- the parent side ------------------------------------------------------------------------

struct ChildRun {
  bool ok = false;
  double wall_s = 0, cpu_s = 0, rss_mb = 0, parent_cpu_s = 0;
  std::map<std::string, std::string> result;
};

ChildRun RunChild(std::vector<std::string> args) {
  ChildRun run;
  int fds[2];
  if (pipe(fds) != 0) return run;
  rusage self_before{};
  getrusage(RUSAGE_SELF, &self_before);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    std::vector<char*> argv;
    std::string exe = "/proc/self/exe";
    argv.push_back(exe.data());
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  run.wall_s = Seconds(start);
  rusage self_after{};
  getrusage(RUSAGE_SELF, &self_after);
  run.parent_cpu_s = CpuSeconds(self_after) - CpuSeconds(self_before);
  run.cpu_s = CpuSeconds(usage);
  run.rss_mb = static_cast<double>(usage.ru_maxrss) / 1024;
  run.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  for (const auto& field : Split(out.substr(0, out.find('\n')), ' ')) {
    auto eq = field.find('=');
    if (eq != std::string::npos) run.result[field.substr(0, eq)] = field.substr(eq + 1);
  }
  // The recorded tenant answers in the child: its CPU is the network's share, not the client's.
  run.cpu_s -= std::atof(run.result["answering"].c_str());
  return run;
}

struct Tenant {
  std::string dir;
  std::unique_ptr<emulator::LocalTenant> tenant;
  std::vector<std::string> ChildArgs() const {
    const auto& e = tenant->endpoints();
    return {"--graph", e.graph, "--authority", e.authority, "--tenant", e.tenant_id, "--client-id", e.client_id, "--secret", e.client_secret};
  }
  ~Tenant() {
    if (tenant) tenant->Stop();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

std::unique_ptr<Tenant> FreshTenant(int identities, int64_t latency_ms = 0) {
  static int count = 0;
  auto t = std::make_unique<Tenant>();
  t->dir = (std::filesystem::temp_directory_path() / fmt::format("entragate-bench-scale-{}-{}", ::getpid(), count++)).string();
  emulator::LocalTenantOptions options;
  options.state_dir = t->dir;
  auto started = emulator::LocalTenant::Start(options);
  if (!started.ok()) return fmt::print(stderr, "{}\n", started.error().message), nullptr;
  t->tenant = std::move(started).value();
  auto transport = graph::MakeHttpTransport({});
  if (!bench::AddManagedIdentities(*transport, t->tenant->endpoints(), identities)) return nullptr;
  if (latency_ms > 0) {
    auto config = emulator::FaultConfig::Parse(fmt::format("latency={}", latency_ms));
    if (config.ok()) t->tenant->faults().Configure(config.value());
  }
  return t;
}

// Applies the workload with the engine in this process; returns the wall seconds (negative: failed).
double ApplyInProcess(Tenant& t, const bench::Workload& w) {
  const auto& e = t.tenant->endpoints();
  Client c = Connect(graph::MakeHttpTransport({}), e.graph, e.authority, e.tenant_id, e.client_id, e.client_secret);
  engine::Diagnostics diags;
  engine::DesiredState desired = engine::LoadManifestTexts(bench::WorkloadFiles(w), diags);
  auto start = std::chrono::steady_clock::now();
  auto observed = c.provider->Read(desired, {});
  if (!observed.ok()) return -1;
  engine::Plan plan = engine::ComputePlan(desired, observed.value(), diags);
  engine::ExecuteOptions options;
  options.max_steps_per_call = 20;
  options.parallelism = 16;
  return engine::Execute(plan, observed.value(), *c.provider, options).ok() ? Seconds(start) : -1;
}

// Records app-0 of the workload (and the identities) from a fresh local tenant.
bool RecordTemplate(int grants, int identities, const std::string& path) {
  auto t = FreshTenant(identities);
  if (!t) return false;
  bench::Workload w{1, grants, identities, 7, false};
  if (ApplyInProcess(*t, w) < 0) return fmt::print(stderr, "recording: apply failed\n"), false;
  const auto& e = t->tenant->endpoints();
  Client c = Connect(graph::MakeHttpTransport({}), e.graph, e.authority, e.tenant_id, e.client_id, e.client_secret);
  std::string sp_select = "$select=id,appId,displayName,servicePrincipalType,alternativeNames,appRoleAssignmentRequired,tags&$top=999";
  auto lists = c.client->ListAll({fmt::format("/applications?$select={}&$top=999", graph::kApplicationSelect()), "/servicePrincipals?" + sp_select,
                                  "/organization?$select=id,verifiedDomains"});
  for (auto& l : lists)
    if (!l.ok()) return fmt::print(stderr, "recording: {}\n", l.error().message), false;
  json::object app, sp;
  std::vector<json::object> mis;
  for (auto& a : lists[0].value())
    if (a.contains("uniqueName") && a.at("uniqueName") == "app-0") app = a;
  for (auto& s : lists[1].value()) {
    if (s.contains("appId") && app.contains("appId") && s.at("appId") == app.at("appId")) sp = s;
    if (s.contains("servicePrincipalType") && s.at("servicePrincipalType") == "ManagedIdentity" && s.at("displayName").as_string().starts_with("mi-"))
      mis.push_back(s);  // the workload's, not the seed's
  }
  if (app.empty() || sp.empty() || static_cast<int>(mis.size()) != identities)
    return fmt::print(stderr, "recording: app-0 or identities not found ({} apps, {} sps, {} identities)\n", lists[0].value().size(),
                      lists[1].value().size(), mis.size()),
           false;
  std::sort(mis.begin(), mis.end(), [](const json::object& x, const json::object& y) {
    return std::atoi(x.at("displayName").as_string().c_str() + 3) < std::atoi(y.at("displayName").as_string().c_str() + 3);
  });
  auto assigned = c.client->ListAll({fmt::format(
      "/servicePrincipals/{}/appRoleAssignedTo?$select=id,appRoleId,principalId,principalType,principalDisplayName,createdDateTime&$top=999",
      std::string(sp.at("id").as_string()))});
  if (!assigned[0].ok() || assigned[0].value().empty()) return fmt::print(stderr, "recording: no assignments\n"), false;
  json::array ids;
  for (auto& m : mis) ids.push_back(m);
  json::object all{{"app", app}, {"sp", sp}, {"assignment", assigned[0].value()[0]}, {"organization", lists[2].value().at(0)}, {"identities", ids}};
  std::ofstream(path) << json::serialize(all);
  return true;
}

std::string Row(const std::string& what, const std::string& measured, const std::string& goal, bool met) {
  return fmt::format("| {:<58} | {:<34} | {:<22} | {} |\n", what, measured, goal, met ? "met" : "NOT met");
}

std::string Failed(const ChildRun& r) { return r.ok ? "" : " (FAILED)"; }

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  if (a.Has("child")) return ChildPlan(a);
  // For profiling one row on its own: record the template, then run `--child --template FILE ...`.
  if (a.Has("record")) return RecordTemplate(a.Int("grants", 20), a.Int("identities", 500), a.Get("record")) ? 0 : 1;
  int grants = a.Int("grants", 20), identities = a.Int("identities", 500);
  std::string parallelism = a.Get("parallelism");
  std::vector<std::string> table;
  auto print_now = [&](const std::string& row) {
    table.push_back(row);
    fmt::print("{}", row);
    std::fflush(stdout);
  };
  fmt::print("| {:<58} | {:<34} | {:<22} | {} |\n|{}|{}|{}|---|\n", "row", "measured", "goal", "", std::string(60, '-'), std::string(36, '-'),
             std::string(24, '-'));
  if (!a.Has("skip-engine")) {
    std::string tpl = (std::filesystem::temp_directory_path() / fmt::format("entragate-bench-template-{}.json", ::getpid())).string();
    if (!RecordTemplate(grants, identities, tpl)) return 1;
    std::vector<std::string> sizes = Split(a.Get("sizes", "1000,3000,10000"), ',');
    for (const auto& s : sizes) {
      int n = std::atoi(s.c_str());
      std::vector<std::string> args{
          "--child", "--template", tpl, "--apps", s, "--grants", std::to_string(grants), "--identities", std::to_string(identities)};
      ChildRun r = RunChild(args);
      // The goal is the 10,000-app one; smaller sizes get their linear share of it (RSS: beyond the
      // 20 MB an empty process of this binary takes).
      double share = n / 10000.0;
      bool met = r.ok && r.result["changes"] == "0" && r.cpu_s <= 2.0 * share && r.rss_mb <= 20 + 280.0 * share;
      print_now(Row(fmt::format("engine, no-change plan, {} x {} (recorded tenant)", n, grants),
                    fmt::format("{:.2f} s CPU / {:.0f} MB, {} req{}", r.cpu_s, r.rss_mb, r.result["requests"], Failed(r)),
                    fmt::format("<= {:.2g} s / <= {:.0f} MB", 2.0 * share, 20 + 280.0 * share), met));
      if (r.result["changes"] != "0") fmt::print("  (the plan was not empty: {} changes)\n", r.result["changes"]);
      fmt::print("  (CPU by phase: {})\n", r.result["phases"]);
    }
    std::string biggest = sizes.empty() ? "10000" : sizes.back();
    std::string out = tpl + ".plan.json";
    ChildRun r = RunChild({"--child", "--template", tpl, "--empty", "--out", out, "--apps", biggest, "--grants", std::to_string(grants),
                           "--identities", std::to_string(identities)});
    print_now(Row(fmt::format("engine, plan from empty with -o, {} x {}", biggest, grants),
                  fmt::format("{:.0f} MB RSS, {:.2f} s CPU, {} req{}", r.rss_mb, r.cpu_s, r.result["requests"], Failed(r)), "<= 600 MB RSS",
                  r.ok && r.rss_mb <= 600));
    fmt::print("  (CPU by phase: {})\n", r.result["phases"]);
    std::filesystem::remove(out);
    std::filesystem::remove(tpl);
  }
  if (!a.Has("skip-e2e")) {
    for (const auto& s : Split(a.Get("e2e", "3000x10"), ',')) {
      auto [n, g] = Size(s);
      auto t = FreshTenant(identities);
      if (!t) return 1;
      bench::Workload w{n, g, identities, 7, false};
      auto before = t->tenant->graph().Stats();
      double setup = ApplyInProcess(*t, w);
      auto after = t->tenant->graph().Stats();
      if (setup < 0) return fmt::print(stderr, "setup apply of {} failed\n", s), 1;
      double writes = static_cast<double>(after.writes - before.writes);
      fmt::print("  (setup: {} writes in {:.1f} s, {:.0f} writes/s through $batch)\n", after.writes - before.writes, setup, writes / setup);
      std::vector<std::string> args{"--child",         "--apps",       std::to_string(n),         "--grants",
                                    std::to_string(g), "--identities", std::to_string(identities)};
      for (auto& x : t->ChildArgs()) args.push_back(x);
      ChildRun r = RunChild(args);
      double goal = n <= 3000 ? 1.5 : 3.0;
      print_now(Row(fmt::format("local tenant, no-change plan, {} x {}", n, g),
                    fmt::format("{:.2f} s wall ({:.1f} s tenant CPU), {} req{}", r.wall_s, r.parent_cpu_s, r.result["requests"], Failed(r)),
                    fmt::format("<= {} s wall", goal), r.ok && r.result["changes"] == "0" && r.wall_s <= goal));
    }
    auto [n, g] = Size(a.Get("apply", "1000x10"));
    int latency = a.Int("latency", 50);
    double walls[2] = {0, 0};
    uint64_t writes = 0;
    for (int k = 0; k < 2; ++k) {
      auto t = FreshTenant(identities, k ? latency : 0);
      if (!t) return 1;
      std::vector<std::string> args{"--child",  "--apply",         "--apps",       std::to_string(n),
                                    "--grants", std::to_string(g), "--identities", std::to_string(identities)};
      if (!parallelism.empty()) args.insert(args.end(), {"--parallelism", parallelism});
      for (auto& x : t->ChildArgs()) args.push_back(x);
      auto before = t->tenant->graph().Stats();
      ChildRun r = RunChild(args);
      auto after = t->tenant->graph().Stats();
      walls[k] = r.ok ? r.wall_s : -1;
      fmt::print("  (at {} ms: {})\n", k ? latency : 0, r.result["phases"]);
      if (k == 0) {
        writes = after.writes - before.writes;
        // The writes' rate while they are made: the apply's own wall time, not the manifest's load.
        double rate = static_cast<double>(writes) / std::max(1e-3, std::atof(r.result["apply_wall"].c_str()));
        print_now(Row(fmt::format("local tenant writes through $batch ({} x {} apply)", n, g),
                      fmt::format("{:.0f} writes/s ({} writes, {} req){}", rate, writes, r.result["requests"], Failed(r)), ">= 10,000 writes/s",
                      r.ok && rate >= 10000));
        fmt::print("  (the apply's steps through the client; bench_local_tenant measures the tenant's own rate)\n");
      }
    }
    double ratio = walls[0] > 0 ? walls[1] / walls[0] : 0;
    print_now(Row(fmt::format("apply {} x {} at {} ms latency vs at 0 ms", n, g, latency),
                  fmt::format("{:.1f} s vs {:.1f} s ({:.2f}x)", walls[1], walls[0], ratio), "<= 1.3x", walls[0] > 0 && walls[1] > 0 && ratio <= 1.3));
  }
  return 0;
}
