// entragate validate PATH... [--env NAME] — reads a manifest set and reports every problem in every
// environment, without a tenant.
#include <algorithm>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/diag_json.h"
#include "cli/pipeline.h"
#include "cli/terminal.h"
#include "engine/diag_render.h"
#include "engine/manifest.h"

namespace entragate::cli {

namespace {

struct ValidateOptions {
  ManifestSelection manifest;
  std::string format = "text";
};

std::string Plural(size_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }

// The same problem found in several environments (a file's syntax, an app they share) is one problem.
// Every environment reads the same files, so the first one brought the source lines along.
void AppendNew(engine::Diagnostics& all, const engine::Diagnostics& more, bool first) {
  if (first) return all.Append(more);
  engine::Diagnostics fresh;
  for (const auto& d : more.items()) {
    bool seen = std::any_of(all.items().begin(), all.items().end(), [&](const engine::Diagnostic& x) {
      return x.code == d.code && x.message == d.message && x.loc.ToString() == d.loc.ToString();
    });
    if (seen) continue;
    if (d.severity == engine::Severity::kError)
      fresh.Error(d.code, d.loc, d.message, d.hint);
    else
      fresh.Warning(d.code, d.loc, d.message, d.hint);
  }
  all.Append(fresh);
}

// Every environment the set declares (or the one --env names), so a change that breaks prod is
// found while validating, not while applying.
int RunValidate(const ValidateOptions& opts, const GlobalOptions& globals) {
  engine::Diagnostics all;
  std::vector<std::string> summaries;
  std::vector<std::optional<std::string>> environments;
  if (auto env = opts.manifest.Environment()) {
    environments.push_back(env);
  } else {
    for (auto& name : engine::ManifestEnvironments(opts.manifest.paths)) environments.emplace_back(std::move(name));
    if (environments.empty()) environments.emplace_back(std::nullopt);
  }
  std::string set = fmt::format("{}", fmt::join(opts.manifest.paths, " "));
  for (const auto& env : environments) {
    engine::Diagnostics diags;
    engine::DesiredState state = engine::LoadManifestSet(opts.manifest.paths, {env}, diags);
    if (!diags.has_errors())
      summaries.push_back(fmt::format("{}{}: valid ({}, {}, {})", set, env ? " [environment " + *env + "]" : "",
                                      Plural(state.files.size(), "file", "files"), Plural(state.apps.size(), "app", "apps"),
                                      Plural(state.identities.size(), "identity", "identities")));
    AppendNew(all, diags, &env == &environments.front());
  }
  all.Sort();
  if (opts.format == "json") {
    fmt::print("{}\n", DiagnosticsToJson(all));
  } else {
    std::fputs(engine::RenderDiagnostics(all, UseColor(stderr, globals.no_color)).c_str(), stderr);
    for (const auto& s : summaries) fmt::print("{}\n", s);
    if (all.has_errors()) fmt::print(stderr, "{} found\n", Plural(static_cast<size_t>(all.error_count()), "error", "errors"));
  }
  return all.has_errors() ? kExitError : kExitOk;
}

}  // namespace

void AddValidateCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto opts = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand("validate", "Check manifests for errors without contacting a tenant");
  AddManifestOptions(*cmd, opts->manifest, false);
  cmd->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->footer(
      "Checks every environment the set declares, unless --env (or ENTRAGATE_ENV) names one. Exit status: 0 when the set "
      "is valid, 1 otherwise.");
  cmd->callback([opts, &globals, &exit_code] { exit_code = RunValidate(*opts, globals); });
}

}  // namespace entragate::cli
