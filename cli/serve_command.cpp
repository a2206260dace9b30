// entragate serve — the local tenant as a process: prints one JSON line with its endpoints and
// credentials on stdout, logs to stderr, and stops cleanly on SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <memory>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "emulator/local_tenant.h"
#include "providers/graph/transport/http_transport.h"

namespace entragate::cli {

namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:0";
  std::string state_dir;
  std::string seed_file;
  bool tls = false;
  std::string imds_host;
  int64_t latency_ms = 0;
  std::string faults;
  std::string graph_limits = "off";
  uint16_t identity_port = 0;
  std::string issuer_ca;
};

bool SplitListen(const std::string& listen, std::string& host, uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    int p = std::stoi(listen.substr(colon + 1));
    if (p < 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return !host.empty();
}

int RunServe(const ServeOptions& opts) {
  emulator::LocalTenantOptions options;
  if (!SplitListen(opts.listen, options.host, options.port)) {
    fmt::print(stderr, "entragate serve: --listen takes HOST:PORT, not '{}'\n", opts.listen);
    return kExitError;
  }
  options.state_dir = opts.state_dir;
  options.seed_file = opts.seed_file;
  options.tls = opts.tls;
  options.imds_host = opts.imds_host;
  options.latency_ms = opts.latency_ms;
  // Before the spec, so that ru-bucket / write-quota given there refine the preset.
  options.faults = "limits=" + opts.graph_limits + (opts.faults.empty() ? "" : "," + opts.faults);
  options.identity_port = opts.identity_port;
  graph::TransportOptions transport_options = graph::TransportOptions::FromEnvironment();
  if (!opts.issuer_ca.empty()) transport_options.ca_file = opts.issuer_ca;
  std::shared_ptr<graph::Transport> transport = graph::MakeHttpTransport(transport_options);
  options.fetch = [transport](const net::Request& r) { return transport->Send(r); };
  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  auto tenant = emulator::LocalTenant::Start(options);
  if (!tenant.ok()) {
    fmt::print(stderr, "entragate serve: {}\n", tenant.error().message);
    return kExitError;
  }
  const auto& e = tenant.value()->endpoints();
  fmt::print("{}\n", boost::json::serialize(e.ToJson()));
  std::fflush(stdout);
  fmt::print(stderr, "entragate: local tenant {} serving Graph at {} (state in {}); Ctrl-C stops it\n", e.tenant_id, e.graph, e.state_dir);
  int signal = 0;
  sigwait(&stop, &signal);
  fmt::print(stderr, "entragate: stopping ({})\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  tenant.value()->Stop();
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the local tenant: Microsoft Graph, token and managed-identity endpoints");
  cmd->add_option("--listen", opts->listen, "Address for Graph and login (loopback by default)")->capture_default_str();
  cmd->add_option("--identity-port", opts->identity_port, "Port of the managed-identity endpoints (0: any)");
  cmd->add_option("--state", opts->state_dir, "State directory (default: a new temporary directory)");
  cmd->add_option("--seed", opts->seed_file, "Seed file for a new tenant (default: the built-in seed)");
  cmd->add_flag("--tls", opts->tls, "Serve Graph and login over HTTPS with a CA generated in the state directory");
  cmd->add_option("--imds-host", opts->imds_host, "Which seeded host the IMDS endpoint answers as");
  cmd->add_option("--latency", opts->latency_ms, "Added latency per Graph request, in milliseconds");
  cmd->add_option("--issuer-ca", opts->issuer_ca, "CA file to trust for external token issuers (federated credentials)");
  cmd->add_option("--faults", opts->faults, "Fault injection spec, e.g. throttle=0.1,retry-after=0.5,lag=2000,seed=7");
  cmd->add_option("--graph-limits", opts->graph_limits,
                  "Microsoft Graph's throttling limits for a tenant of this size: per app + tenant RU bucket (small 3,500, "
                  "medium 5,000, large 8,000 RU / 10 s) and write quota (3,000 / 150 s)")
      ->check(CLI::IsMember({"small", "medium", "large", "off"}))
      ->capture_default_str();
  cmd->footer("Prints one line of JSON (endpoints, tenant id, operator credentials, admin key) on stdout, then logs on stderr.");
  cmd->callback([opts, &exit_code] { exit_code = RunServe(*opts); });
}

}  // namespace entragate::cli
