// entragate validate PATH... — reads manifest sets and reports every problem, without a tenant.
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/diag_json.h"
#include "cli/terminal.h"
#include "engine/diag_render.h"
#include "engine/manifest.h"

namespace entragate::cli {

namespace {

struct ValidateOptions {
  std::vector<std::string> paths;
  std::string format = "text";
};

std::string Plural(size_t n, const char* one, const char* many) { return fmt::format("{} {}", n, n == 1 ? one : many); }

int RunValidate(const ValidateOptions& opts, const GlobalOptions& globals) {
  engine::Diagnostics all;
  std::vector<std::string> summaries;
  for (const auto& path : opts.paths) {
    engine::Diagnostics diags;
    engine::DesiredState state = engine::LoadManifest(path, diags);
    if (!diags.has_errors())
      summaries.push_back(fmt::format("{}: valid ({}, {}, {})", path, Plural(state.files.size(), "file", "files"),
                                      Plural(state.apps.size(), "app", "apps"),
                                      Plural(state.identities.size(), "identity", "identities")));
    all.Append(diags);
  }
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
  cmd->add_option("paths", opts->paths, "Manifest files or directories (each directory is one manifest set)")
      ->required()
      ->type_name("PATH...");
  cmd->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->footer("Exit status: 0 when every manifest set is valid, 1 otherwise.");
  cmd->callback([opts, &globals, &exit_code] { exit_code = RunValidate(*opts, globals); });
}

}  // namespace entragate::cli
