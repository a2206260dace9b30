// entragate plan PATH... [--env NAME] [--app KEY]... [-o plan.json [--allow-delete]] [--detailed-exitcode] [--format text|json|markdown]
#include <cstdio>
#include <fstream>
#include <memory>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/diag_json.h"
#include "cli/files.h"
#include "cli/pipeline.h"
#include "cli/terminal.h"
#include "engine/plan.h"
#include "engine/render.h"

namespace entragate::cli {

namespace {

struct PlanOptions {
  ManifestSelection manifest;
  std::string out;
  std::string format = "text";
  bool detailed_exitcode = false;
  bool allow_delete = false;
  bool purge_deleted = false;
  TargetOptions target;
};

// Deleting applications takes --allow-delete as well as the manifest's prune setting; say so where
// the deletes are shown, not only when apply refuses.
void NoteDeletes(const engine::Plan& plan, std::FILE* out) {
  std::string deletes = DescribeAppDeletes(plan);
  if (deletes.empty()) return;
  if (plan.allow_delete)
    fmt::print(out, "\nThe saved plan records --allow-delete: applying it deletes {}.\n", deletes);
  else
    fmt::print(out, "\nNote: this plan deletes applications ({}); apply will need --allow-delete (or plan -o FILE --allow-delete).\n", deletes);
}

int RunPlan(const PlanOptions& o, const GlobalOptions& g) {
  int exit_code = kExitOk;
  PlanProblems problems;
  auto planned = LoadAndPlan(o.manifest, o.target, UseColor(stderr, g.no_color), exit_code, o.purge_deleted, &problems);
  if (!planned) {
    // `plan --format markdown > plan.md` must have something to post when the plan cannot be made.
    fmt::print("{}", ProblemsDocument(problems.diagnostics, o.format, "plan"));
    return exit_code;
  }
  planned->plan.allow_delete = o.allow_delete && !o.out.empty();
  const engine::Plan& plan = planned->plan;
  engine::RenderOptions render{UseColor(stdout, g.no_color), "plan", {}};
  if (!o.out.empty()) render.full_plan_hint = fmt::format("the full plan is saved in `{}` (read it with `entragate show {}`)", o.out, o.out);
  if (o.format == "json") {
    // fmt::print throws on a failed write (a full disk behind `>`), which main reports as an error.
    engine::WritePlanJson(plan, [](std::string_view piece) { fmt::print("{}", piece); });
    fmt::print("\n");
  } else if (o.format == "markdown")
    fmt::print("{}", engine::RenderPlanMarkdown(plan, render));
  else
    fmt::print("{}", engine::RenderPlanText(plan, render));
  if (!o.out.empty()) {
    auto saved = [&](const TextSink& sink) {
      engine::WritePlanJson(plan, sink);
      sink("\n");
    };
    if (!WriteFileAtomically(o.out, saved)) {
      fmt::print(stderr, "entragate: cannot write the plan to '{}'\n", o.out);
      return kExitError;
    }
    if (o.format == "text") fmt::print("\nSaved the plan to {}. Apply exactly this plan with: entragate apply {}\n", o.out, o.out);
  }
  NoteDeletes(plan, o.format == "text" ? stdout : stderr);
  if (g.stats) PrintStats(*planned->target);
  return o.detailed_exitcode && !plan.empty() ? kExitChanges : kExitOk;
}

}  // namespace

void AddPlanCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto o = std::make_shared<PlanOptions>();
  CLI::App* cmd = app.add_subcommand("plan", "Show what apply would create, change, grant and revoke");
  AddManifestOptions(*cmd, o->manifest, true);
  cmd->add_option("-o,--out", o->out, "Also save the plan (JSON) to this file for `entragate apply FILE`");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json", "markdown"}))->capture_default_str();
  cmd->add_flag("--detailed-exitcode", o->detailed_exitcode, "Exit 0 when there are no changes, 2 when there are, 1 on error");
  cmd->add_flag("--purge-deleted", o->purge_deleted, "Delete for good (not restore) applications the manifest wants that are in deleted items");
  cmd->add_flag("--allow-delete", o->allow_delete, "With -o: record that applying the saved plan may delete applications");
  AddTargetOptions(*cmd, o->target);
  cmd->footer("Exit status: 0 success, 1 error; with --detailed-exitcode, 2 when the plan has changes.");
  cmd->callback([o, &globals, &exit_code] {
    o->target.verbose = globals.verbose;
    exit_code = RunPlan(*o, globals);
  });
}

}  // namespace entragate::cli
