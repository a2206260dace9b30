// entragate apply PATH | PLAN.json [--auto-approve]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <filesystem>
#include <sstream>

#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/pipeline.h"
#include "cli/terminal.h"
#include "engine/executor.h"
#include "engine/manifest.h"
#include "engine/planner.h"
#include "engine/render.h"

namespace entragate::cli {

namespace {

struct ApplyOptions {
  std::string path;
  bool auto_approve = false;
  TargetOptions target;
};

bool Confirm() {
  fmt::print("\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ");
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "yes";
}

void ShowProgress(const engine::Progress& p, bool tty) {
  if (p.running.empty()) {
    if (tty) fmt::print(stderr, "\r\x1b[K");
    return;
  }
  std::string what = p.running.size() == 1 ? p.running[0]->id : fmt::format("{} and {} more", p.running[0]->id, p.running.size() - 1);
  if (tty)
    fmt::print(stderr, "\r\x1b[K[{}/{}] {}", p.finished, p.total, what);
  else
    fmt::print(stderr, "[{}/{}] applying {}\n", p.finished, p.total, what);
}

int Execute(Planned& planned, const GlobalOptions& g) {
  bool tty = isatty(fileno(stderr)) == 1;
  std::fflush(stdout);  // the plan first, then progress on stderr
  engine::ExecutionReport report =
      engine::Execute(planned.plan, planned.observed, planned.target->provider(), [tty](const engine::Progress& p) {
        NoteProgress(p.finished, p.total);
        ShowProgress(p, tty);
      });
  fmt::print("\n{}", engine::RenderExecution(report, UseColor(stdout, g.no_color)));
  if (g.stats) PrintStats(*planned.target);
  return report.ok() ? kExitOk : kExitError;
}

std::optional<engine::Plan> ReadSavedPlan(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec || !v.is_object() || !v.as_object().contains("format_version")) return std::nullopt;
  auto plan = engine::PlanFromJson(v.as_object());
  if (!plan.ok()) {
    fmt::print(stderr, "entragate: {}: {}\n", path, plan.error().message);
    return std::nullopt;
  }
  return plan.value();
}

// A saved plan is applied only to the tenant, manifest and tenant state it was made from.
int ApplySaved(const engine::Plan& saved, const ApplyOptions& o, const GlobalOptions& g) {
  if (saved.manifest_files.empty()) return kExitError;
  if (ManifestDigest(saved.manifest_files) != saved.manifest_digest) {
    fmt::print(stderr, "entragate: the saved plan is stale: the manifest files changed since it was made. Run entragate plan again.\n");
    return kExitError;
  }
  TargetOptions target = o.target;
  if (target.kind.empty()) target.kind = saved.target.kind;
  int exit_code = kExitOk;
  auto planned = LoadAndPlan(saved.manifest_path, target, UseColor(stderr, g.no_color), exit_code);
  if (!planned) return exit_code;
  if (planned->desired.files != saved.manifest_files) {
    fmt::print(stderr, "entragate: the saved plan is stale: the manifest's files changed since it was made. Run entragate plan again.\n");
    return kExitError;
  }
  if (planned->observed.tenant_id != saved.target.tenant_id) {
    fmt::print(stderr, "entragate: the saved plan is for tenant {}, but the target is tenant {}\n", saved.target.tenant_id, planned->observed.tenant_id);
    return kExitError;
  }
  if (engine::ObservedDigest(planned->observed) != saved.observed_digest) {
    fmt::print(stderr, "entragate: the saved plan is stale: the tenant changed since it was made. Run entragate plan again.\n");
    return kExitError;
  }
  planned->plan.changes = saved.changes;
  fmt::print("{}", engine::RenderPlanText(planned->plan, {UseColor(stdout, g.no_color), "apply (saved plan)", {}}));
  return Execute(*planned, g);
}

int RunApply(const ApplyOptions& o, const GlobalOptions& g) {
  if (o.path.size() > 5 && o.path.substr(o.path.size() - 5) == ".json") {
    auto saved = ReadSavedPlan(o.path);
    if (!saved) {
      fmt::print(stderr, "entragate: '{}' is not a saved entragate plan\n", o.path);
      return kExitError;
    }
    return ApplySaved(*saved, o, g);  // approving the saved plan is what `plan -o` then `apply FILE` means
  }
  int exit_code = kExitOk;
  auto planned = LoadAndPlan(o.path, o.target, UseColor(stderr, g.no_color), exit_code);
  if (!planned) return exit_code;
  fmt::print("{}", engine::RenderPlanText(planned->plan, {UseColor(stdout, g.no_color), "apply", {}}));
  if (planned->plan.empty()) return kExitOk;
  if (!o.auto_approve) {
    if (isatty(fileno(stdin)) != 1) {
      fmt::print(stderr, "entragate: apply needs confirmation: run it in a terminal, or pass --auto-approve\n");
      return kExitError;
    }
    if (!Confirm()) {
      fmt::print("Apply cancelled.\n");
      return kExitError;
    }
  }
  return Execute(*planned, g);
}

}  // namespace

void AddApplyCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto o = std::make_shared<ApplyOptions>();
  CLI::App* cmd = app.add_subcommand("apply", "Make the tenant match the manifest (or apply a saved plan)");
  cmd->add_option("path", o->path, "Manifest file or directory, or a plan saved with plan -o")->required();
  cmd->add_flag("--auto-approve", o->auto_approve, "Do not ask for confirmation (required when not in a terminal)");
  AddTargetOptions(*cmd, o->target);
  cmd->footer("Exit status: 0 when every step succeeded (or nothing was to do), 1 otherwise.");
  cmd->callback([o, &globals, &exit_code] {
    o->target.verbose = globals.verbose;
    exit_code = RunApply(*o, globals);
  });
}

}  // namespace entragate::cli
