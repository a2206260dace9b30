#include "cli/target.h"

#include <chrono>
#include <cstdlib>
#include <thread>

#include <unistd.h>
#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "emulator/faults.h"
#include "emulator/local_tenant.h"
#include "engine/graph_rules.h"
#include "providers/graph/client/graph_client.h"
#include "providers/graph/credentials/caching_credential.h"
#include "providers/graph/credentials/client_secret_credential.h"
#include "providers/graph/credentials/cloud.h"
#include "providers/graph/credentials/credential_chain.h"
#include "providers/graph/credentials/token_info.h"
#include "providers/graph/graph_stack.h"
#include "providers/graph/provider/graph_provider.h"
#include "providers/graph/transport/http_transport.h"
#include "providers/graph/transport/logging_transport.h"

namespace entragate::cli {

using engine::Error;

void AddTargetOptions(CLI::App& cmd, TargetOptions& o) {
  cmd.add_option("--target", o.kind,
                 "local (the built-in local tenant) or graph (Microsoft Graph); also ENTRAGATE_TARGET. Required where the "
                 "environment carries Azure credentials or CI is set")
      ->check(CLI::IsMember({"local", "graph"}));
  cmd.add_option("--auth", o.auth, "Graph: use only this credential source (also ENTRAGATE_AUTH); default: the chain")
      ->check(CLI::IsMember(graph::CredentialSourceNames()));
  cmd.add_option("--seed", o.seed, "Local tenant: seed file used when its state is new");
  cmd.add_option("--local-state", o.local_state, "Local tenant: state directory")->capture_default_str();
  cmd.add_option("--cloud", o.cloud, "Graph: public, usgov, usgov-dod or china")->capture_default_str();
  cmd.add_option("--graph-url", o.graph_url, "Graph: override the Graph root (e.g. a proxy or emulator)");
  cmd.add_option("--login-url", o.login_url, "Graph: override the login host (also AZURE_AUTHORITY_HOST)");
  cmd.add_option("--ca-file", o.ca_file, "Trust this CA file for HTTPS (also SSL_CERT_FILE)");
  AddPacingOptions(cmd, o.pacing);
}

struct Target::Impl {
  std::string kind, tenant_id, graph_root, credential_name, scope;
  std::unique_ptr<emulator::LocalTenant> local;
  std::unique_ptr<graph::Transport> transport;
  std::unique_ptr<graph::Credential> credential;  ///< while opening; then the stack holds it
  graph::GraphStack stack;
};

namespace {

std::optional<std::string> NonEmpty(const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); }

std::optional<std::string> Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? std::optional<std::string>(v) : std::nullopt;
}

// Variables whose presence says this environment is set up to reach Azure: with any of them (or
// in CI), quietly defaulting to a throw-away local tenant would turn a pipeline green without ever
// touching the tenant it was meant for.
constexpr const char* kAzureSignals[] = {"AZURE_CLIENT_ID",
                                         "AZURE_TENANT_ID",
                                         "AZURE_CLIENT_SECRET",
                                         "AZURE_CLIENT_CERTIFICATE_PATH",
                                         "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                                         "AZURE_FEDERATED_TOKEN_FILE",
                                         "AZURE_USERNAME",
                                         "AZURE_PASSWORD",
                                         "AZURE_POD_IDENTITY_AUTHORITY_HOST",
                                         "ACTIONS_ID_TOKEN_REQUEST_URL",
                                         "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                                         "IDENTITY_ENDPOINT",
                                         "IDENTITY_HEADER",
                                         "MSI_ENDPOINT",
                                         "MSI_SECRET",
                                         "ENTRAGATE_ACCESS_TOKEN",
                                         "ENTRAGATE_AUTH"};

// CI=true is what GitHub Actions, GitLab, Azure Pipelines and most runners set; "false" and "0" are
// an explicit no.
std::optional<std::string> CiSetting() {
  auto ci = Env("CI");
  if (!ci || engine::LowerAscii(*ci) == "false" || *ci == "0") return std::nullopt;
  return ci;
}

engine::Result<std::string> ResolveKind(const TargetOptions& o) {
  if (!o.kind.empty()) return o.kind;
  if (auto env = Env("ENTRAGATE_TARGET")) {
    if (*env != "local" && *env != "graph")
      return engine::MakeError(Error::Kind::kInvalid, fmt::format("ENTRAGATE_TARGET is '{}': use local or graph", *env));
    return *env;
  }
  std::vector<std::string> signals;
  for (const char* name : kAzureSignals)
    if (Env(name)) signals.emplace_back(name);
  if (!o.auth.empty()) signals.emplace_back("--auth");
  if (auto ci = CiSetting()) signals.push_back("CI=" + *ci);
  if (signals.empty()) return std::string("local");
  Error error = engine::MakeError(
      Error::Kind::kInvalid, fmt::format("no target chosen, and this environment is set up for Azure or CI ({}): refusing to guess between the local "
                                         "tenant and Microsoft Graph. Pass --target local (the built-in local tenant) or --target graph (Microsoft "
                                         "Graph), or set ENTRAGATE_TARGET=local or ENTRAGATE_TARGET=graph",
                                         fmt::join(signals, ", ")));
  error.code = "target_ambiguous";
  return error;
}

std::string TenantFromToken(graph::Credential& credential, const std::string& scope) {
  auto token = credential.GetToken(scope);
  if (!token.ok()) return {};
  auto info = graph::DecodeTokenInfo(token->token);
  return info.ok() ? info->tenant_id : std::string();
}

}  // namespace

namespace {

engine::Status OpenLocal(const TargetOptions& o, Target::Impl& t) {
  if (!o.auth.empty())
    return engine::MakeError(Error::Kind::kInvalid,
                             "--auth chooses how to sign in to Microsoft Graph; the local tenant always signs in as its operator "
                             "application (drop --auth, or pass --target graph)");
  emulator::LocalTenantOptions options;
  options.state_dir = o.local_state;
  options.seed_file = o.seed;
  options.imds_host = o.imds_host;
  std::error_code ec;
  std::filesystem::create_directories(o.local_state, ec);
  auto started = emulator::LocalTenant::Start(options);
  if (!started.ok()) return started.error();
  t.local = std::move(started).value();
  const auto& e = t.local->endpoints();
  t.transport = graph::MakeHttpTransport(graph::TransportOptions{});
  if (o.verbose) t.transport = graph::MakeLoggingTransport(std::move(t.transport));
  t.credential = std::make_unique<graph::CachingCredential>(
      std::make_unique<graph::ClientSecretCredential>(*t.transport, graph::AppIdentity{e.authority, e.tenant_id, e.client_id}, e.client_secret,
                                                      graph::SystemNow),
      graph::SystemNow);
  t.kind = "local";
  t.tenant_id = e.tenant_id;
  t.graph_root = e.graph;
  t.credential_name = "the local tenant's operator application (client secret)";
  t.scope = "https://graph.microsoft.com/.default";
  return engine::Ok{};
}

// The local tenant enforces the limits it was configured with and no others (none, unless a test
// gives it some), so the client paces to exactly those instead of the small tier Graph's answers
// would have to raise: an apply against the local tenant runs as fast as the local tenant goes.
graph::GraphBudget LocalBudget(emulator::LocalTenant& local) {
  emulator::LimitBudget limits = local.faults().config().Budget();
  graph::GraphBudget budget = graph::UnmeteredBudget();
  if (limits.resource_units > 0) budget.resource_units = static_cast<double>(limits.resource_units), budget.ru_window_ms = limits.ru_window_ms;
  if (limits.writes > 0) budget.writes = static_cast<double>(limits.writes), budget.write_window_ms = limits.write_window_ms;
  return budget;
}

engine::Status OpenGraph(const TargetOptions& o, Target::Impl& t) {
  graph::GetEnv getenv = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v && *v ? std::optional<std::string>(v) : std::nullopt;
  };
  auto cloud = graph::ResolveCloud(o.cloud, NonEmpty(o.graph_url), NonEmpty(o.login_url), getenv);
  if (!cloud.ok()) return cloud.error();
  graph::TransportOptions transport = graph::TransportOptions::FromEnvironment();
  if (!o.ca_file.empty()) transport.ca_file = o.ca_file;
  t.transport = graph::MakeHttpTransport(transport);
  if (o.verbose) t.transport = graph::MakeLoggingTransport(std::move(t.transport));
  graph::CredentialEnv env = graph::CredentialEnv::FromProcess(*t.transport, cloud.value());
  std::string auth = o.auth.empty() ? Env("ENTRAGATE_AUTH").value_or("") : o.auth;
  auto chain = auth.empty() ? graph::DefaultCredentialChain(env) : graph::SelectedCredential(env, auth);
  if (!chain.ok()) return chain.error();
  t.credential = std::make_unique<graph::CachingCredential>(std::move(chain).value(), graph::SystemNow);
  t.kind = "graph";
  t.graph_root = cloud->GraphBaseUrl();
  t.scope = cloud->GraphScope();
  t.tenant_id = TenantFromToken(*t.credential, t.scope);
  t.credential_name = t.credential->Name();  // after the first token: the chain has settled on a source
  return engine::Ok{};
}

}  // namespace

engine::Result<std::unique_ptr<Target>> Target::Open(const TargetOptions& options) {
  auto impl = std::make_unique<Impl>();
  auto resolved = ResolveKind(options);
  if (!resolved.ok()) return resolved.error();
  const std::string kind = resolved.value();
  if (kind != "local" && kind != "graph")
    return engine::MakeError(Error::Kind::kInvalid, fmt::format("unknown target '{}': use local or graph", kind));
  auto opened = kind == "local" ? OpenLocal(options, *impl) : OpenGraph(options, *impl);
  if (!opened.ok()) return opened.error();
  graph::GraphClientOptions client_options;
  client_options.graph_root = impl->graph_root;
  if (auto paced = ApplyPacing(options.pacing, client_options, isatty(fileno(stderr)) == 1); !paced.ok()) return paced.error();
  if (impl->local && !client_options.budget) client_options.budget = LocalBudget(*impl->local);
  impl->stack = graph::MakeGraphStack(*impl->transport, std::move(impl->credential), impl->scope, std::move(client_options));
  return std::unique_ptr<Target>(new Target(std::move(impl)));
}

Target::Target(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Target::~Target() = default;

engine::Provider& Target::provider() { return *impl_->stack.provider; }
graph::GraphClient& Target::client() { return *impl_->stack.client; }
emulator::LocalTenant* Target::local() { return impl_->local.get(); }
const std::string& Target::kind() const { return impl_->kind; }
const std::string& Target::tenant_id() const { return impl_->tenant_id; }
const std::string& Target::graph_root() const { return impl_->graph_root; }
const std::string& Target::credential_name() const { return impl_->credential_name; }
graph::ClientStats Target::Stats() const { return impl_->stack.client->stats(); }

engine::Result<std::string> Target::TokenFor(const std::string& scope) {
  auto token = impl_->stack.credential->GetToken(scope);
  if (!token.ok()) return token.error();
  return token->token;
}

engine::Result<net::Response> Target::Fetch(const net::Request& request) { return impl_->transport->Send(request); }

engine::Result<std::string> Target::GraphToken() {
  auto token = impl_->stack.credential->GetToken(impl_->scope);
  if (!token.ok()) return token.error();
  return token->token;
}

}  // namespace entragate::cli
