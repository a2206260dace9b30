// entragate drift PATH... [--env NAME] [--app KEY]... [--format text|json|markdown|junit] [--output FILE] — read-only, low priority.
#include <algorithm>
#include <fstream>
#include <map>
#include <memory>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/diag_json.h"
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

// The app a plan-time problem belongs to (an identity of its access that does not resolve, its
// adopted application missing, another owner's tag), by the manifest place the planner names; empty
// for problems of the whole set (the tenant guard), which stop the report.
std::string AppOf(const engine::DesiredState& desired, const engine::Diagnostic& d) {
  auto same = [&](const engine::SourceLoc& l) { return l.valid() && l.file == d.loc.file && l.line == d.loc.line && l.column == d.loc.column; };
  for (const auto& app : desired.apps) {
    if (same(app.loc) || (app.adopt && same(app.adopt->loc))) return app.key;
    if (app.access)
      for (const auto& g : *app.access)
        if (same(g.loc)) return app.key;
  }
  return {};
}

bool Emit(const DriftOptions& o, const std::string& text) {
  if (o.output.empty()) {
    fmt::print("{}", text);
    return true;
  }
  if (WriteFileAtomically(o.output, text)) return true;
  fmt::print(stderr, "entragate: cannot write '{}'\n", o.output);
  return false;
}

std::string DriftJson(const Planned& planned, const std::map<std::string, std::vector<const engine::Diagnostic*>>& errors) {
  boost::json::object j = engine::PlanToJson(planned.plan);
  j["drifted"] = !planned.plan.empty();
  boost::json::array apps, diagnostics;
  const auto& only = planned.desired.only_apps;
  for (const auto& app : planned.desired.apps) {
    if (!only.empty() && std::find(only.begin(), only.end(), app.key) == only.end()) continue;
    size_t changes = 0;
    for (const auto& c : planned.plan.changes) changes += c.app == app.key;
    boost::json::object a{{"key", app.key}, {"status", errors.count(app.key) ? "error" : changes ? "drifted" : "in_sync"}, {"changes", changes}};
    if (auto e = errors.find(app.key); e != errors.end()) {
      boost::json::array mine;
      for (const auto* d : e->second) mine.push_back(DiagnosticToJson(*d)), diagnostics.push_back(DiagnosticToJson(*d));
      a["diagnostics"] = std::move(mine);
    }
    apps.push_back(std::move(a));
  }
  j["error_count"] = diagnostics.size();
  j["apps"] = std::move(apps);
  j["diagnostics"] = std::move(diagnostics);
  return boost::json::serialize(j) + "\n";
}

int RunDrift(DriftOptions o, const GlobalOptions& g) {
  o.target.low_priority = true;  // scheduled scans yield to interactive work (x-ms-throttle-priority: Low)
  int exit_code = kExitOk;
  PlanProblems problems;
  problems.keep_plan_errors = true;  // one app that cannot be checked must not hide the others' drift
  auto planned = LoadAndPlan(o.manifest, o.target, UseColor(stderr, g.no_color), exit_code, false, &problems);
  std::map<std::string, std::vector<const engine::Diagnostic*>> errors;
  bool whole_set = !planned;
  if (planned)
    for (const auto& d : problems.diagnostics.items()) {
      if (d.severity != engine::Severity::kError) continue;
      std::string app = AppOf(planned->desired, d);
      if (app.empty()) whole_set = true;
      errors[app].push_back(&d);
    }
  if (whole_set) {
    if (std::string doc = ProblemsDocument(problems.diagnostics, o.format, "drift"); !doc.empty()) Emit(o, doc);
    return kExitError;
  }
  // What the planner made of an app it could not fully resolve is not that app's drift.
  std::erase_if(planned->plan.changes, [&](const engine::Change& c) { return errors.count(c.app) > 0; });
  engine::RenderOptions render{o.output.empty() && UseColor(stdout, g.no_color), "drift", {}};
  for (const auto& app : planned->desired.apps)
    if (planned->desired.only_apps.empty() ||
        std::find(planned->desired.only_apps.begin(), planned->desired.only_apps.end(), app.key) != planned->desired.only_apps.end())
      render.app_keys.push_back(app.key);
  for (const auto& [app, diags] : errors)
    for (const auto* d : diags) render.app_errors[app].push_back(fmt::format("{}: error[{}]: {}", d->loc.ToString(), d->code, d->message));
  std::string text;
  if (o.format == "json") {
    text = DriftJson(*planned, errors);
  } else if (o.format == "markdown") {
    text = engine::RenderPlanMarkdown(planned->plan, render);
  } else if (o.format == "junit") {
    text = engine::RenderPlanJunit(planned->plan, render);
  } else {
    text = engine::RenderPlanText(planned->plan, render);
    if (!errors.empty()) text += fmt::format("\nError: {} app(s) could not be checked; the report above covers the others:\n", errors.size());
    for (const auto& [app, lines] : render.app_errors) text += fmt::format("  {}: {}\n", app, fmt::join(lines, "; "));
  }
  if (!Emit(o, text)) return kExitError;
  if (g.stats) PrintStats(*planned->target);
  if (!errors.empty()) return kExitError;
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
  cmd->footer(
      "Exit status: 0 the tenant matches the manifest, 2 it drifted, 1 error (also when an app could not be checked;\n"
      "the report still covers the others).");
  cmd->callback([o, &globals, &exit_code] {
    o->target.verbose = globals.verbose;
    exit_code = RunDrift(*o, globals);
  });
}

}  // namespace entragate::cli
