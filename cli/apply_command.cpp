// entragate apply PATH... [--env NAME] [--app KEY]... | PLAN.json [--auto-approve] [--allow-delete]
#include <algorithm>
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
#include "cli/interrupt.h"
#include "cli/progress.h"
#include "cli/pipeline.h"
#include "cli/saved_plan.h"
#include "cli/terminal.h"
#include "engine/executor.h"
#include "engine/manifest.h"
#include "engine/plan_compare.h"
#include "engine/plan_graph.h"
#include "engine/planner.h"
#include "engine/render.h"

namespace entragate::cli {

namespace {

struct ApplyOptions {
  ManifestSelection manifest;
  bool auto_approve = false;
  bool allow_delete = false;
  bool purge_deleted = false;
  size_t parallelism = 64;
  TargetOptions target;
};

// One $batch envelope per provider call: calls are what the executor pipelines, and an interrupt
// waits for the calls in flight only.
constexpr size_t kStepsPerCall = 20;

// Names the tenant again right where the operator says yes: the last chance to notice the wrong one.
bool Confirm(const engine::Plan& plan) {
  fmt::print("\nDo you want to perform these actions on the {}{}?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
             engine::DescribeTarget(plan.target), plan.environment.empty() ? "" : ", environment " + plan.environment);
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

// Deleting applications takes two keys: settings.prune.apps in the manifest, and --allow-delete
// from the person applying (now, or when the saved plan was made).
bool DeletesAllowed(const engine::Plan& plan, bool allow_delete) {
  std::string deletes = DescribeAppDeletes(plan);
  if (deletes.empty() || allow_delete) return true;
  fmt::print(stderr,
             "entragate: this plan deletes applications: {}. Deleting applications needs --allow-delete on apply (or plan -o FILE "
             "--allow-delete), in addition to settings.prune.apps in the manifest. Nothing was changed.\n",
             deletes);
  return false;
}

int Execute(Planned& planned, const GlobalOptions& g, size_t parallelism) {
  if (auto graph = engine::ValidateStepGraph(planned.plan); !graph.ok()) {
    fmt::print(stderr, "entragate: this plan cannot be applied: {}. Nothing was changed.\n", graph.error().message);
    return kExitError;
  }
  bool tty = isatty(fileno(stderr)) == 1;
  std::fflush(stdout);  // the plan first, then progress on stderr
  engine::ExecuteOptions options;
  options.on_progress = [tty](const engine::Progress& p) {
    NoteProgress(p.finished, p.total);
    ShowProgress(p, tty);
  };
  options.should_stop = [] { return InterruptScope::Requested(); };
  options.max_steps_per_call = kStepsPerCall;
  options.parallelism = parallelism;
  engine::ExecutionReport report;
  bool interrupted = false;
  {
    InterruptScope interrupts;
    report = engine::Execute(planned.plan, planned.observed, planned.target->provider(), options);
    interrupted = InterruptScope::Requested();
  }
  fmt::print("\n{}", engine::RenderExecution(report, UseColor(stdout, g.no_color)));
  if (interrupted) fmt::print("Interrupted: steps not started can be applied by running apply again.\n");
  if (g.stats) PrintStats(*planned.target);
  if (interrupted) return kExitInterrupted;
  return report.ok() ? kExitOk : kExitError;
}

// A saved plan is applied only to the tenant, manifest and tenant state it was made from, and only
// when planning again gives the same plan: what runs is always what the manifest asks for now, and
// a hand-edited step, payload or ordering is refused before anything is written.
int ApplySaved(const engine::Plan& saved, const ApplyOptions& o, const GlobalOptions& g) {
  if (saved.manifest_files.empty()) {
    fmt::print(stderr, "entragate: the saved plan names no manifest files\n");
    return kExitError;
  }
  if (ManifestDigest(saved.manifest_files) != saved.manifest_digest) {
    fmt::print(stderr, "entragate: the saved plan is stale: the manifest files changed since it was made. Run entragate plan again.\n");
    return kExitError;
  }
  TargetOptions target = o.target;
  if (target.kind.empty()) target.kind = saved.target.kind;
  // The saved plan names its environment and apps; asking for others now would apply a plan made for them.
  if (!o.manifest.apps.empty()) {
    fmt::print(stderr, "entragate: --app cannot be given with a saved plan: it applies the apps it was made for{}\n",
               saved.only_apps.empty() ? " (all)" : fmt::format(" ({})", fmt::join(saved.only_apps, ", ")));
    return kExitError;
  }
  if (auto env = o.manifest.Environment(); env && *env != saved.environment) {
    fmt::print(stderr, "entragate: the saved plan is for {}, but environment '{}' was asked for (--env or ENTRAGATE_ENV)\n",
               saved.environment.empty() ? "a manifest set without environments" : "environment '" + saved.environment + "'", *env);
    return kExitError;
  }
  ManifestSelection manifest;
  manifest.paths = saved.manifest_paths.empty() ? std::vector<std::string>{saved.manifest_path} : saved.manifest_paths;
  manifest.environment = saved.environment;
  manifest.apps = saved.only_apps;
  int exit_code = kExitOk;
  auto planned = LoadAndPlan(manifest, target, UseColor(stderr, g.no_color), exit_code, saved.purge_deleted);
  if (!planned) return exit_code;
  if (planned->plan.manifest_files != saved.manifest_files) {
    fmt::print(stderr, "entragate: the saved plan is stale: the manifest's files changed since it was made. Run entragate plan again.\n");
    return kExitError;
  }
  if (planned->observed.tenant_id != saved.target.tenant_id) {
    fmt::print(stderr, "entragate: the saved plan is for tenant {}, but the target is tenant {}\n", saved.target.tenant_id,
               planned->observed.tenant_id);
    return kExitError;
  }
  if (engine::ObservedDigest(planned->observed) != saved.observed_digest) {
    fmt::print(stderr, "entragate: the saved plan is stale: the tenant changed since it was made. Run entragate plan again.\n");
    return kExitError;
  }
  if (auto difference = engine::FirstPlanDifference(saved, planned->plan)) {
    fmt::print(stderr,
               "entragate: the saved plan is not the plan the manifest and tenant give: {}. Nothing was changed. Make a new plan with "
               "entragate plan -o FILE.\n",
               *difference);
    return kExitError;
  }
  fmt::print("{}", engine::RenderPlanText(planned->plan, {UseColor(stdout, g.no_color), "apply (saved plan)", {}}));
  if (!DeletesAllowed(planned->plan, o.allow_delete || saved.allow_delete)) return kExitError;
  return Execute(*planned, g, o.parallelism);
}

bool IsSavedPlanPath(const std::string& path) { return path.size() > 5 && path.substr(path.size() - 5) == ".json"; }

int RunApply(const ApplyOptions& o, const GlobalOptions& g) {
  const auto& paths = o.manifest.paths;
  if (std::any_of(paths.begin(), paths.end(), IsSavedPlanPath)) {
    if (paths.size() != 1) {
      fmt::print(stderr, "entragate: apply takes one saved plan, or manifest files and directories, not both\n");
      return kExitError;
    }
    auto saved = ReadSavedPlan(paths.front());
    if (!saved.ok()) {
      fmt::print(stderr, "entragate: {}\n", saved.error().message);
      return kExitError;
    }
    return ApplySaved(*saved, o, g);  // approving the saved plan is what `plan -o` then `apply FILE` means
  }
  int exit_code = kExitOk;
  auto planned = LoadAndPlan(o.manifest, o.target, UseColor(stderr, g.no_color), exit_code, o.purge_deleted);
  if (!planned) return exit_code;
  fmt::print("{}", engine::RenderPlanText(planned->plan, {UseColor(stdout, g.no_color), "apply", {}}));
  if (planned->plan.empty()) return kExitOk;
  if (!DeletesAllowed(planned->plan, o.allow_delete)) return kExitError;
  if (!o.auto_approve) {
    if (isatty(fileno(stdin)) != 1) {
      fmt::print(stderr, "entragate: apply needs confirmation: run it in a terminal, or pass --auto-approve\n");
      return kExitError;
    }
    if (!Confirm(planned->plan)) {
      fmt::print("Apply cancelled.\n");
      return kExitError;
    }
  }
  return Execute(*planned, g, o.parallelism);
}

}  // namespace

void AddApplyCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto o = std::make_shared<ApplyOptions>();
  CLI::App* cmd = app.add_subcommand("apply", "Make the tenant match the manifest (or apply a saved plan)");
  AddManifestOptions(*cmd, o->manifest, true);  // PATH... may also be one plan saved with plan -o
  cmd->add_flag("--auto-approve", o->auto_approve, "Do not ask for confirmation (required when not in a terminal)");
  cmd->add_flag("--purge-deleted", o->purge_deleted, "Delete for good (not restore) applications the manifest wants that are in deleted items");
  cmd->add_flag("--allow-delete", o->allow_delete, "Allow deleting applications (settings.prune.apps must ask for it too)");
  cmd->add_option("--parallelism", o->parallelism,
                  "Graph $batch requests in flight at most; fewer while answers slow down (a busy tenant, or Graph's budget)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  AddTargetOptions(*cmd, o->target);
  cmd->footer(
      "Exit status: 0 when every step succeeded (or nothing was to do), 1 otherwise, 130 when interrupted (Ctrl-C: steps in flight "
      "finish, no new ones start; a second Ctrl-C stops at once).");
  cmd->callback([o, &globals, &exit_code] {
    o->target.verbose = globals.verbose;
    exit_code = RunApply(*o, globals);
  });
}

}  // namespace entragate::cli
