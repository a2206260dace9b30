#include "providers/graph/credentials/credential_chain.h"

#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/graph/credentials/azure_cli_credential.h"
#include "providers/graph/credentials/client_certificate_credential.h"
#include "providers/graph/credentials/client_secret_credential.h"
#include "providers/graph/credentials/github_oidc_credential.h"
#include "providers/graph/credentials/managed_identity_credential.h"
#include "providers/graph/credentials/process_runner.h"
#include "providers/graph/credentials/static_token_credential.h"
#include "providers/graph/credentials/workload_identity_credential.h"

namespace entragate::graph {

namespace {

using engine::Error;

/// Whether a token failure means "this source is not available here, try the next one" (Azure
/// Identity's CredentialUnavailableError) rather than "it is configured and failed".
using Unavailable = std::function<bool(const Error&)>;

/// One source's verdict: it applies (a credential, or an error when it is misconfigured), or it
/// does not and `skipped` says why and how to configure it.
struct Attempt {
  std::unique_ptr<Credential> credential;
  std::optional<Error> error;
  std::string skipped;
  Unavailable unavailable;  ///< null: every failure of this source is final

  static Attempt Chosen(std::unique_ptr<Credential> credential, Unavailable unavailable = nullptr) {
    return {std::move(credential), std::nullopt, {}, std::move(unavailable)};
  }
  static Attempt Failed(Error error) { return {nullptr, std::move(error), {}, nullptr}; }
  static Attempt Skipped(std::string why) { return {nullptr, std::nullopt, std::move(why), nullptr}; }
};

/// `probe`: whether the source may first check that it is reachable (the chain's IMDS probe); a
/// source picked by name is used as it is.
using Source = std::function<Attempt(const CredentialEnv&, bool probe)>;

std::vector<std::string> Missing(const CredentialEnv& env, std::initializer_list<const char*> names) {
  std::vector<std::string> out;
  for (const char* name : names) {
    if (!env.Get(name)) out.emplace_back(name);
  }
  return out;
}

std::string Listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// "<how to configure> (not set: B, C)".
std::string NeedsAll(std::string_view how, const std::vector<std::string>& missing) {
  return std::string(how) + " (not set: " + Listed(missing) + ")";
}

AppIdentity App(const CredentialEnv& env) { return {env.Authority(), *env.Get("AZURE_TENANT_ID"), *env.Get("AZURE_CLIENT_ID")}; }

Attempt TrySecret(const CredentialEnv& env, bool) {
  auto missing = Missing(env, {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"});
  if (!missing.empty()) {
    return Attempt::Skipped(NeedsAll("client secret: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET", missing));
  }
  return Attempt::Chosen(std::make_unique<ClientSecretCredential>(*env.transport, App(env), *env.Get("AZURE_CLIENT_SECRET"), env.now));
}

engine::Result<crypto::JwtAlg> AssertionAlg(const CredentialEnv& env) {
  const auto name = env.Get("ENTRAGATE_CLIENT_ASSERTION_ALG");
  if (!name) return crypto::JwtAlg::kRs256;
  if (auto alg = crypto::ParseJwtAlg(*name)) return *alg;
  return engine::MakeError(Error::Kind::kInvalid, "ENTRAGATE_CLIENT_ASSERTION_ALG must be RS256 or PS256, got '" + *name + "'");
}

Attempt TryCertificate(const CredentialEnv& env, bool) {
  auto missing = Missing(env, {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH"});
  if (!missing.empty()) {
    return Attempt::Skipped(
        NeedsAll("client certificate: set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
                 "AZURE_CLIENT_CERTIFICATE_PATH (one PEM file with the certificate and its private key; "
                 "AZURE_CLIENT_CERTIFICATE_PASSWORD if the key is encrypted)",
                 missing));
  }
  auto alg = AssertionAlg(env);
  if (!alg) return Attempt::Failed(alg.error());
  auto credential = ClientCertificateCredential::FromPemFile(*env.transport, App(env), *env.Get("AZURE_CLIENT_CERTIFICATE_PATH"),
                                                             env.Get("AZURE_CLIENT_CERTIFICATE_PASSWORD").value_or(""), *alg, env.now);
  if (!credential) return Attempt::Failed(credential.error());
  return Attempt::Chosen(std::move(credential).value());
}

Attempt TryWorkloadIdentity(const CredentialEnv& env, bool) {
  auto missing = Missing(env, {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"});
  if (!missing.empty()) {
    return Attempt::Skipped(
        NeedsAll("workload identity: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE "
                 "(the AKS workload identity webhook sets all three)",
                 missing));
  }
  return Attempt::Chosen(std::make_unique<WorkloadIdentityCredential>(*env.transport, App(env), *env.Get("AZURE_FEDERATED_TOKEN_FILE"), env.now));
}

Attempt TryGitHubOidc(const CredentialEnv& env, bool) {
  auto missing = Missing(env, {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"});
  if (!missing.empty()) {
    return Attempt::Skipped(
        NeedsAll("GitHub Actions OIDC: in a workflow with `permissions: id-token: write` (which sets "
                 "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN), set AZURE_TENANT_ID and "
                 "AZURE_CLIENT_ID of an app with a federated credential for the workflow",
                 missing));
  }
  return Attempt::Chosen(std::make_unique<GitHubOidcCredential>(*env.transport, App(env), *env.Get("ACTIONS_ID_TOKEN_REQUEST_URL"),
                                                                *env.Get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), env.now));
}

Attempt TryManagedIdentity(const CredentialEnv& env, bool probe) {
  const auto client_id = env.Get("AZURE_CLIENT_ID");
  const auto endpoint = env.Get("IDENTITY_ENDPOINT");
  const auto header = env.Get("IDENTITY_HEADER");
  if (endpoint && header) {
    return Attempt::Chosen(
        std::make_unique<ManagedIdentityCredential>(*env.transport, ManagedIdentityEndpoint::AppService(*endpoint, *header), client_id, env.now));
  }
  const std::string host = env.Get("AZURE_POD_IDENTITY_AUTHORITY_HOST").value_or(kDefaultImdsHost);
  if (!probe) {
    return Attempt::Chosen(std::make_unique<ManagedIdentityCredential>(*env.transport, ManagedIdentityEndpoint::Imds(host), client_id, env.now));
  }
  auto probed = ProbeImds(env.ProbeTransport(), host);
  if (!probed) {
    return Attempt::Skipped(
        fmt::format("managed identity: IDENTITY_ENDPOINT and IDENTITY_HEADER are not both set (App Service, "
                    "Functions, Container Apps set them), and there is no IMDS at {} ({}); run on an Azure "
                    "host with a managed identity",
                    host, probed.error().message));
  }
  // The probe only shows something answers; the token request goes through the main transport.
  return Attempt::Chosen(std::make_unique<ManagedIdentityCredential>(*env.transport, ManagedIdentityEndpoint::Imds(host), client_id, env.now),
                         ImdsUnavailable);
}

Attempt TryAzureCli(const CredentialEnv& env, bool) {
  const auto az = FindOnPath("az", env.Get("PATH").value_or(""));
  if (!az) {
    return Attempt::Skipped("Azure CLI: `az` is not on PATH; install the Azure CLI and run `az login`");
  }
  return Attempt::Chosen(std::make_unique<AzureCliCredential>(env.run, *az), AzureCliNotSignedIn);
}

Attempt TryStaticToken(const CredentialEnv& env, bool) {
  auto token = env.Get("ENTRAGATE_ACCESS_TOKEN");
  if (!token) {
    return Attempt::Skipped("access token: set ENTRAGATE_ACCESS_TOKEN to a Microsoft Graph access token (not set)");
  }
  return Attempt::Chosen(std::make_unique<StaticTokenCredential>(*token, env.now));
}

Error NothingApplies(const std::vector<std::string>& reasons) {
  std::string message = "no credential is configured; checked, in order:";
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    message += "\n  " + std::to_string(i + 1) + ". " + reasons[i];
  }
  Error error = engine::MakeError(Error::Kind::kAuth, std::move(message));
  error.code = "no_credential";
  return error;
}

struct NamedSource {
  const char* name;  ///< as --auth spells it
  Source source;
};

const NamedSource kSources[] = {{"secret", TrySecret},     {"certificate", TryCertificate},          {"workload-identity", TryWorkloadIdentity},
                                {"github", TryGitHubOidc}, {"managed-identity", TryManagedIdentity}, {"azure-cli", TryAzureCli},
                                {"token", TryStaticToken}};

/// The sources that apply, tried in order at the first token: one that is unavailable here gives
/// way to the next; the first to deliver a token is used from then on (so the source in use has
/// one name), and any other failure is final.
class ChainCredential : public Credential {
 public:
  struct Entry {
    std::string skipped;  ///< did not apply: why (no candidate)
    std::unique_ptr<Credential> credential;
    Unavailable unavailable;
  };

  explicit ChainCredential(std::vector<Entry> entries) : entries_(std::move(entries)) {}

  engine::Result<AccessToken> GetToken(const std::string& scope) override {
    std::unique_lock lock(mutex_);
    if (chosen_) {
      Credential* chosen = chosen_;
      lock.unlock();
      return chosen->GetToken(scope);
    }
    std::vector<std::string> lines;
    for (Entry& entry : entries_) {
      if (!entry.credential) {
        lines.push_back(entry.skipped);
        continue;
      }
      auto token = entry.credential->GetToken(scope);
      if (token) {
        chosen_ = entry.credential.get();
        return token;
      }
      if (!entry.unavailable || !entry.unavailable(token.error())) return token.error();
      lines.push_back(token.error().message + " — not available here, so the next source was tried");
    }
    std::string message = "no credential source could get a token; tried, in order:";
    for (std::size_t i = 0; i < lines.size(); ++i) message += "\n  " + std::to_string(i + 1) + ". " + lines[i];
    Error error = engine::MakeError(Error::Kind::kAuth, std::move(message));
    error.code = "no_credential";
    return error;
  }

  /// The source in use; before the first token, the first that applies.
  std::string Name() const override {
    std::lock_guard lock(mutex_);
    if (chosen_) return chosen_->Name();
    for (const Entry& entry : entries_)
      if (entry.credential) return entry.credential->Name();
    return "credential chain";
  }

 private:
  std::vector<Entry> entries_;
  mutable std::mutex mutex_;
  Credential* chosen_ = nullptr;
};

}  // namespace

const std::vector<std::string>& CredentialSourceNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& s : kSources) out.emplace_back(s.name);
    return out;
  }();
  return names;
}

engine::Result<std::unique_ptr<Credential>> DefaultCredentialChain(const CredentialEnv& env) {
  if (!env.transport) {
    return engine::MakeError(Error::Kind::kInternal, "credential chain: no transport");
  }
  std::vector<ChainCredential::Entry> entries;
  std::vector<std::string> reasons;
  bool any = false;
  for (const NamedSource& named : kSources) {
    Attempt attempt = named.source(env, true);
    if (attempt.error) return *attempt.error;
    if (attempt.credential)
      any = true;
    else
      reasons.push_back(attempt.skipped);
    entries.push_back({std::move(attempt.skipped), std::move(attempt.credential), std::move(attempt.unavailable)});
  }
  if (!any) return NothingApplies(reasons);
  return std::unique_ptr<Credential>(std::make_unique<ChainCredential>(std::move(entries)));
}

engine::Result<std::unique_ptr<Credential>> SelectedCredential(const CredentialEnv& env, std::string_view name) {
  if (!env.transport) {
    return engine::MakeError(Error::Kind::kInternal, "credential chain: no transport");
  }
  for (const NamedSource& named : kSources) {
    if (name != named.name) continue;
    Attempt attempt = named.source(env, false);
    if (attempt.error) return *attempt.error;
    if (attempt.credential) return std::move(attempt.credential);
    Error error = engine::MakeError(Error::Kind::kAuth, fmt::format("--auth {}: {}", name, attempt.skipped));
    error.code = "no_credential";
    return error;
  }
  return engine::MakeError(Error::Kind::kInvalid,
                           fmt::format("unknown credential source '{}': use one of {}", name, Listed(CredentialSourceNames())));
}

}  // namespace entragate::graph
