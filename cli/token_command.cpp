// entragate token --identity NAME --resource URI_OR_APPID [--protocol imds|appservice]
// Proof that the policy works: obtains a token the way the identity's workload would, shows the
// decoded claims and checks the signature against the tenant's published keys, and says whether the
// platform handed out a token it had cached — or shows the refusal verbatim.
#include <memory>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/target.h"
#include "cli/terminal.h"
#include "crypto/jwt.h"
#include "crypto/keys.h"
#include "emulator/graph/graph_entities.h"
#include "emulator/local_tenant.h"
#include "emulator/identity/managed_identity_service.h"
#include "engine/graph_rules.h"
#include "providers/graph/credentials/managed_identity_credential.h"

namespace entragate::cli {

namespace json = boost::json;

namespace {

struct TokenOptions {
  std::string identity;
  std::string resource;
  std::string protocol = "appservice";
  TargetOptions target;
};

using Workload = emulator::ManagedIdentityWorkload;

net::Request ManagedIdentityRequest(const emulator::LocalTenantEndpoints& e, const Workload& w, const TokenOptions& o) {
  std::string resource = net::PercentEncode(o.resource);
  if (o.protocol == "imds") {
    std::string url = e.imds + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + resource;
    if (!w.client_id.empty()) url += "&client_id=" + w.client_id;
    return net::Request{"GET", url, {{"Metadata", "true"}}, "", ""};
  }
  std::string url = e.identity_endpoint + "?api-version=2019-08-01&resource=" + resource;
  if (!w.client_id.empty()) url += "&client_id=" + w.client_id;
  return net::Request{"GET", url, {{"X-IDENTITY-HEADER", e.identity_headers.at(w.host)}}, "", ""};
}

std::string Show(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : json::serialize(v); }

std::string HumanDuration(std::int64_t seconds) {
  if (seconds < 120) return fmt::format("{} s", seconds);
  if (seconds < 2 * 3600) return fmt::format("{} min", seconds / 60);
  return fmt::format("{} h {} min", seconds / 3600, seconds % 3600 / 60);
}

// Finds the signing key by kid in the tenant's JWKS and checks the signature.
std::string VerifySignature(Target& target, const std::string& authority, const std::string& tenant, const crypto::DecodedJwt& jwt) {
  std::string kid = jwt.header.contains("kid") ? Show(jwt.header.at("kid")) : "";
  auto keys = target.Fetch(net::Request{"GET", authority + "/" + tenant + "/discovery/v2.0/keys", {}, "", ""});
  if (!keys.ok() || keys->status != 200) return "not checked (the tenant's keys could not be fetched)";
  json::value jwks = json::parse(keys->body);
  for (const auto& k : jwks.at("keys").as_array()) {
    if (Show(k.at("kid")) != kid) continue;
    auto key = crypto::PublicKeyFromJwk(k.as_object());
    if (!key.ok()) return "not checked (" + key.error().message + ")";
    auto verified = crypto::VerifyJwtSignature(jwt, key.value(), crypto::JwtAlg::kRs256);
    return verified.ok() ? fmt::format("valid (RS256, key {} from the tenant's JWKS)", kid) : "INVALID: " + verified.error().message;
  }
  return fmt::format("INVALID: no key '{}' in the tenant's JWKS", kid);
}

void PrintToken(Target& target, const std::string& authority, const std::string& tenant, const std::string& token) {
  auto jwt = crypto::DecodeJwt(token);
  if (!jwt.ok()) {
    fmt::print("The token could not be decoded: {}\n", jwt.error().message);
    return;
  }
  fmt::print("  header: alg {}, kid {}\n", Show(jwt->header.at("alg")), jwt->header.contains("kid") ? Show(jwt->header.at("kid")) : "-");
  for (const char* claim : {"aud", "iss", "appid", "azp", "oid", "sub", "tid", "roles", "idtyp", "tenant_region_scope", "ver", "exp"})
    if (jwt->payload.contains(claim)) fmt::print("  {}: {}\n", claim, Show(jwt->payload.at(claim)));
  if (!jwt->payload.contains("roles")) fmt::print("  roles: (none)\n");
  if (!authority.empty()) fmt::print("  signature: {}\n", VerifySignature(target, authority, tenant, jwt.value()));
}

// The managed-identity endpoints hand out a token they already issued until shortly before it
// expires (`kept` held its id before the request). Says so, with what that means for a change of
// access made since.
void PrintCacheState(emulator::LocalTenant& local, const std::set<std::string>& kept, const std::string& token) {
  auto jwt = crypto::DecodeJwt(token);
  if (!jwt.ok()) return;
  const json::value* iat = jwt->payload.if_contains("iat");
  const json::value* exp = jwt->payload.if_contains("exp");
  const json::value* uti = jwt->payload.if_contains("uti");
  if (!iat || !iat->is_int64() || !exp || !exp->is_int64() || !uti || !uti->is_string()) return;
  const std::int64_t now = local.TenantNowSeconds();
  const std::string until = emulator::IsoTime(exp->as_int64() - emulator::kManagedIdentityCacheMargin);
  if (kept.count(std::string(uti->as_string()))) {
    fmt::print(
        "  cached: yes, issued {} ({} ago) and handed out again until {}; access changed since then reaches\n"
        "          this workload only after that\n",
        emulator::IsoTime(iat->as_int64()), HumanDuration(now - iat->as_int64()), until);
  } else {
    fmt::print("  cached: no, issued now; handed out again until {}\n", until);
  }
}

// A manifest app key (its uniqueName) stands for that application's first App ID URI, or appId.
std::string ResolveResource(emulator::LocalTenant& local, const std::string& resource) {
  if (resource.find("://") != std::string::npos || engine::IsGuid(resource)) return resource;
  return local.ResourceOfApp(resource).value_or(resource);
}

int RunLocal(TokenOptions o) {
  auto target = Target::Open(o.target);
  if (!target.ok()) {
    fmt::print(stderr, "entragate: {}\n", target.error().message);
    return kExitError;
  }
  auto workload = target.value()->local()->FindWorkload(o.identity);
  if (!workload.ok()) {
    fmt::print(stderr, "entragate: {}\n", workload.error().message);
    return kExitError;
  }
  if (o.protocol == "imds" && o.target.imds_host != workload->host) {
    // IMDS answers as one host: reopen the local tenant as the identity's host.
    target.value().reset();
    o.target.imds_host = workload->host;
    target = Target::Open(o.target);
    if (!target.ok()) return kExitError;
  }
  Target& t = *target.value();
  const auto& e = t.local()->endpoints();
  o.resource = ResolveResource(*t.local(), o.resource);
  fmt::print("Token for {} ({} managed identity on host {}) to {}, through the {} protocol:\n", o.identity, workload->kind, workload->host,
             o.resource, o.protocol == "imds" ? "IMDS" : "App Service");
  const std::set<std::string> kept = t.local()->identities().CachedTokenIds();
  auto response = t.Fetch(ManagedIdentityRequest(e, *workload, o));
  if (!response.ok()) {
    fmt::print(stderr, "entragate: {}\n", response.error().message);
    return kExitError;
  }
  json::value body = json::parse(response->body);
  if (response->status != 200) {
    const json::object& b = body.as_object();
    std::string text = b.contains("error_description") ? Show(b.at("error_description"))
                       : b.contains("message")         ? Show(b.at("message"))
                                                       : response->body;
    fmt::print("  refused (HTTP {}): {}\n", response->status, text);
    if (o.protocol == "appservice" && response->status == 500)
      fmt::print("  ({}. `--protocol imds` shows the identity platform's own answer.)\n", graph::kAppServiceTokenFailedHint);
    return kExitError;
  }
  PrintToken(t, e.authority, e.tenant_id, Show(body.at("access_token")));
  PrintCacheState(*t.local(), kept, Show(body.at("access_token")));
  return kExitOk;
}

int RunGraph(const TokenOptions& o) {
  auto target = Target::Open(o.target);
  if (!target.ok()) {
    fmt::print(stderr, "entragate: {}\n", target.error().message);
    return kExitError;
  }
  fmt::print("On Microsoft Graph, entragate can only get a token as the current credential ({}), not as '{}'.\n", target.value()->credential_name(),
             o.identity);
  std::string scope = o.resource + (o.resource.ends_with("/.default") ? "" : "/.default");
  auto token = target.value()->TokenFor(scope);
  if (!token.ok()) {
    fmt::print("  refused: {}\n", token.error().message);
    return kExitError;
  }
  PrintToken(*target.value(), "", "", token.value());
  return kExitOk;
}

}  // namespace

void AddTokenCommand(CLI::App& app, const GlobalOptions&, int& exit_code) {
  auto o = std::make_shared<TokenOptions>();
  CLI::App* cmd = app.add_subcommand("token", "Get a token as a managed identity and show its claims, or the refusal");
  cmd->add_option("--identity", o->identity, "Managed identity (display name) whose workload asks for the token")->required();
  cmd->add_option("--resource", o->resource, "The API: its App ID URI, its appId, or (local tenant) its manifest app key")->required();
  cmd->add_option("--protocol", o->protocol, "Managed-identity protocol")->check(CLI::IsMember({"imds", "appservice"}))->capture_default_str();
  AddTargetOptions(*cmd, o->target);
  cmd->footer("Exit status: 0 when a token was issued, 1 when it was refused or on error.");
  cmd->callback([o, &exit_code] {
    bool graph = o->target.kind == "graph" ||
                 (o->target.kind.empty() && std::getenv("ENTRAGATE_TARGET") && std::string(std::getenv("ENTRAGATE_TARGET")) == "graph");
    exit_code = graph ? RunGraph(*o) : RunLocal(*o);
  });
}

}  // namespace entragate::cli
