// entragate auth status — which credential is used, and what its Graph token says (never the token).
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/target.h"
#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/token_info.h"

namespace entragate::cli {

void AddAuthCommand(CLI::App& app, const GlobalOptions&, int& exit_code) {
  auto target = std::make_shared<TargetOptions>();
  CLI::App* auth = app.add_subcommand("auth", "Credentials");
  auth->require_subcommand(1);
  CLI::App* status = auth->add_subcommand("status", "Show which credential is used and the tenant, client id and roles of its token");
  AddTargetOptions(*status, *target);
  status->callback([target, &exit_code] {
    auto t = Target::Open(*target);
    if (!t.ok()) {
      fmt::print(stderr, "entragate: {}\n", t.error().message);
      exit_code = kExitError;
      return;
    }
    fmt::print("Target: {} ({})\nCredential: {}\n", t.value()->kind() == "local" ? "local tenant" : "Microsoft Graph", t.value()->graph_root(),
               t.value()->credential_name());
    auto token = t.value()->GraphToken();
    if (!token.ok()) {
      fmt::print("Token: not obtained: {}\n", token.error().message);
      exit_code = kExitError;
      return;
    }
    auto info = graph::DecodeTokenInfo(token.value());
    if (!info.ok()) {
      fmt::print("Token: obtained, but its claims could not be read: {}\n", info.error().message);
      exit_code = kExitOk;
      return;
    }
    for (const auto& line : graph::RenderTokenInfo(info.value(), graph::SystemNow())) fmt::print("{}\n", line);
    exit_code = kExitOk;
  });
}

}  // namespace entragate::cli
