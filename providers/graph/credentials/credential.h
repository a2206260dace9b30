#pragma once
// Where the Graph provider's access tokens come from. A Credential is one source (a client
// secret, a certificate, managed identity, the Azure CLI, ...); credential_chain.h tries the
// sources the environment configures, or uses the one --auth names. Everything a source reads from the outside world —
// environment, clock, child processes, the network — comes through CredentialEnv, so tests can
// drive every source without touching the real process environment.
//
// Secrets, client assertions and tokens never appear in an error message: messages name the
// source, the HTTP status and the identity platform's one-line explanation, nothing more.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "providers/graph/credentials/cloud.h"
#include "providers/graph/credentials/room.h"
#include "providers/graph/transport/http_transport.h"

namespace entragate::graph {

struct AccessToken {
  std::string token;            ///< the bearer token; never logged
  std::int64_t expires_on = 0;  ///< unix seconds
};

class Credential {
 public:
  virtual ~Credential();
  /// `scope` is "{resource}/.default" (client credentials have no other kind). Thread-safe.
  /// Errors are prefixed with Name().
  virtual engine::Result<AccessToken> GetToken(const std::string& scope) = 0;
  /// Which source this is and which setting chose it, e.g. "client secret (AZURE_CLIENT_SECRET)".
  virtual std::string Name() const = 0;
};

/// Unix seconds.
using Clock = std::function<std::int64_t()>;
/// Runs a program (argv[0] is a path; no shell, no PATH search) and returns its standard output.
/// A non-zero exit is an error whose message carries the first lines of its standard error.
using RunProgram = std::function<engine::Result<std::string>(const std::vector<std::string>& argv)>;

struct CredentialEnv {
  GetEnv getenv;
  Clock now;
  RunProgram run;
  Transport* transport = nullptr;  ///< not owned; outlives every credential made from this env
  Cloud cloud;
  /// Login host root the token endpoints live under ("https://login.microsoftonline.com", or the
  /// local tenant's); empty: cloud.login_host.
  std::string authority;
  /// Used only to probe IMDS, with a short connect timeout so a machine without IMDS is not held
  /// up; null: `transport`.
  std::shared_ptr<Transport> probe_transport;

  /// The variable's value; nullopt when unset or empty (Azure SDKs treat both alike).
  std::optional<std::string> Get(const char* name) const;
  std::string Authority() const;
  Transport& ProbeTransport() const;

  /// The real process: ::getenv, the system clock, fork/exec with a 60 s limit, and a probe
  /// transport with a 1 s connect timeout. `cloud` should come from ResolveCloud, which has
  /// already applied AZURE_AUTHORITY_HOST.
  static CredentialEnv FromProcess(Transport& transport, Cloud cloud);
};

/// "https://graph.microsoft.com/.default" → "https://graph.microsoft.com": the `resource` of the
/// managed-identity and Azure CLI protocols. A scope without the suffix is returned unchanged.
std::string ScopeToResource(std::string_view scope);

/// The system clock in unix seconds.
std::int64_t SystemNow();

}  // namespace entragate::graph
