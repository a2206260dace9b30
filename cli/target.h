#pragma once
// The tenant a command works on: the built-in local tenant (an in-process emulator on a loopback
// port, state under .entragate/local/) or Microsoft Graph with the credential chain. Wires the
// provider, the Graph client and the credential together; no Beast here.

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/progress.h"
#include "engine/provider.h"
#include "engine/result.h"
#include "net/http_message.h"

namespace entragate::emulator {
class LocalTenant;
}
namespace entragate::graph {
class GraphClient;
class Credential;
struct ClientStats;
}  // namespace entragate::graph

namespace entragate::cli {

struct TargetOptions {
  std::string kind;  ///< "local" or "graph"; empty: ENTRAGATE_TARGET, else local (see Open)
  std::string auth;  ///< graph: the one credential source (--auth); empty: ENTRAGATE_AUTH, else the chain
  std::string local_state = ".entragate/local";
  std::string seed;       ///< local: the seed used when the state is new
  std::string imds_host;  ///< local: which host IMDS answers as
  std::string cloud = "public";
  std::string graph_url, login_url, ca_file;
  bool low_priority = false;  ///< drift: the read goes at low throttle priority (engine::ReadOptions)
  bool verbose = false;       ///< log every HTTP exchange (secrets redacted) to stderr
  PacingOptions pacing;       ///< --graph-budget, --deadline
};

/// Registers --target, --auth, --seed, --local-state, --cloud, --graph-url, --login-url, --ca-file on a command.
void AddTargetOptions(CLI::App& cmd, TargetOptions& options);

class Target {
 public:
  /// Opens the target `options` names. Without --target and ENTRAGATE_TARGET the local tenant is
  /// the default only where nothing suggests Azure was meant: when the environment carries Azure
  /// credentials or CI is set, Open refuses (kInvalid, code "target_ambiguous") and names both choices.
  static engine::Result<std::unique_ptr<Target>> Open(const TargetOptions& options);
  ~Target();

  engine::Provider& provider();
  graph::GraphClient& client();
  emulator::LocalTenant* local();  ///< null on Microsoft Graph
  const std::string& kind() const;
  const std::string& tenant_id() const;
  const std::string& graph_root() const;
  const std::string& credential_name() const;
  /// The current access token for Graph (for `auth status`); never printed.
  engine::Result<std::string> GraphToken();
  /// A token for another resource, as the current credential (`token` on Microsoft Graph).
  engine::Result<std::string> TokenFor(const std::string& scope);
  /// HTTP(S) as the target's transport (fetching JWKS, managed-identity endpoints).
  engine::Result<net::Response> Fetch(const net::Request& request);
  graph::ClientStats Stats() const;

  struct Impl;  ///< public only so target.cpp's helpers can fill it

 private:
  explicit Target(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace entragate::cli
