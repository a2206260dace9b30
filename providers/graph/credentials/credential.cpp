#include "providers/graph/credentials/credential.h"

#include <chrono>
#include <cstdlib>

#include "providers/graph/credentials/process_runner.h"

namespace entragate::graph {

namespace {

using engine::Error;

constexpr std::chrono::milliseconds kProgramTimeout{60000};
constexpr std::chrono::milliseconds kProbeConnectTimeout{1000};
constexpr std::chrono::milliseconds kProbeRequestTimeout{3000};
constexpr std::size_t kMaxStderrLines = 3;
constexpr std::size_t kMaxStderrChars = 500;

std::string BaseName(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The first few non-blank lines of a failed program's standard error: enough to say "run az
// login", short enough for one error message.
std::string StderrExcerpt(std::string_view err) {
  std::string out;
  std::size_t lines = 0;
  while (!err.empty() && lines < kMaxStderrLines) {
    const auto end = err.find_first_of("\r\n");
    std::string_view line = err.substr(0, end);
    err = end == std::string_view::npos ? std::string_view() : err.substr(end + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (!out.empty()) out += " / ";
    out += line;
    ++lines;
  }
  if (out.size() > kMaxStderrChars) out = out.substr(0, kMaxStderrChars) + "...";
  return out;
}

engine::Result<std::string> RunCapturingStdout(const std::vector<std::string>& argv) {
  ProcessOptions options;
  options.timeout = kProgramTimeout;
  auto ran = RunProcess(argv, options);
  if (!ran) return ran.error();
  if (ran->exit_code != 0) {
    std::string message = BaseName(argv[0]) + " exited with status " + std::to_string(ran->exit_code);
    const std::string excerpt = StderrExcerpt(ran->err);
    if (!excerpt.empty()) message += ": " + excerpt;
    return engine::MakeError(Error::Kind::kAuth, std::move(message));
  }
  return std::move(ran->out);
}

std::optional<std::string> ProcessGetEnv(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return std::nullopt;
  return std::string(value);
}

}  // namespace

Credential::~Credential() = default;

std::optional<std::string> CredentialEnv::Get(const char* name) const {
  if (!getenv) return std::nullopt;
  auto value = getenv(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

std::string CredentialEnv::Authority() const { return authority.empty() ? cloud.login_host : authority; }

Transport& CredentialEnv::ProbeTransport() const { return probe_transport ? *probe_transport : *transport; }

CredentialEnv CredentialEnv::FromProcess(Transport& transport, Cloud cloud) {
  CredentialEnv env;
  env.getenv = ProcessGetEnv;
  env.now = SystemNow;
  env.run = RunCapturingStdout;
  env.transport = &transport;
  env.authority = cloud.login_host;
  env.cloud = std::move(cloud);
  // IMDS is plain http on a link-local address: no CA file, no proxy.
  TransportOptions probe;
  probe.connect_timeout = kProbeConnectTimeout;
  probe.request_timeout = kProbeRequestTimeout;
  env.probe_transport = MakeHttpTransport(probe);
  return env;
}

std::string ScopeToResource(std::string_view scope) {
  constexpr std::string_view kSuffix = "/.default";
  if (scope.size() > kSuffix.size() && scope.substr(scope.size() - kSuffix.size()) == kSuffix) {
    scope.remove_suffix(kSuffix.size());
  }
  return std::string(scope);
}

std::int64_t SystemNow() { return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace entragate::graph
