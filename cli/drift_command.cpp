// entragate drift PATH... [--env NAME] [--app KEY]... [--format text|json|markdown|junit] [--output FILE] — read-only, low priority.
#include <algorithm>
#include <fstream>
#include <memory>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/files.h"
#include "cli/pipeline.h"
#include "cli/terminal.h"
#include "engine/render.h"

namespace entragate::cli {

namespace {

struct DriftOptions {
  ManifestSelection manifest;
  std::string format = "text";
  std::string output;
  TargetOptions target;
};

int RunDrift(DriftOptions o, const GlobalOptions& g) {
  o.target.low_priority = true;  // scheduled scans yield to interactive work (x-ms-throttle-priority: Low)
  int exit_code = kExitOk;
  auto planned = LoadAndPlan(o.manifest, o.target, UseColor(stderr, g.no_color), exit_code);
  if (!planned) return exit_code;
  engine::RenderOptions render{o.output.empty() && UseColor(stdout, g.no_color), "drift", {}};
  for (const auto& app : planned->desired.apps)
    if (planned->desired.only_apps.empty() ||
        std::find(planned->desired.only_apps.begin(), planned->desired.only_apps.end(), app.key) != planned->desired.only_apps.end())
      render.app_keys.push_back(app.key);
  std::string text;
  if (o.format == "json") {
    boost::json::object j = engine::PlanToJson(planned->plan);
    j["drifted"] = !planned->plan.empty();
    text = boost::json::serialize(j) + "\n";
  } else if (o.format == "markdown") {
    text = engine::RenderPlanMarkdown(planned->plan, render);
  } else if (o.format == "junit") {
    text = engine::RenderPlanJunit(planned->plan, render);
  } else {
    text = engine::RenderPlanText(planned->plan, render);
  }
  if (o.output.empty()) {
    fmt::print("{}", text);
  } else if (!WriteFileAtomically(o.output, text)) {
    fmt::print(stderr, "entragate: cannot write '{}'\n", o.output);
    return kExitError;
  }
  if (g.stats) PrintStats(*planned->target);
  return planned->plan.empty() ? kExitOk : kExitChanges;
}

}  // namespace

void AddDriftCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto o = std::make_shared<DriftOptions>();
  CLI::App* cmd = app.add_subcommand("drift", "Report whether the tenant still matches the manifest (read-only)");
  AddManifestOptions(*cmd, o->manifest, true);
  cmd->add_option("--format", o->format, "Report format")->check(CLI::IsMember({"text", "json", "markdown", "junit"}))->capture_default_str();
  cmd->add_option("--output", o->output, "Write the report to FILE instead of standard output");
  AddTargetOptions(*cmd, o->target);
  cmd->footer("Exit status: 0 the tenant matches the manifest, 2 it drifted, 1 error.");
  cmd->callback([o, &globals, &exit_code] {
    o->target.verbose = globals.verbose;
    exit_code = RunDrift(*o, globals);
  });
}

}  // namespace entragate::cli
