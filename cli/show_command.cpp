// entragate show PLANFILE [--format text|markdown|json]: a saved plan, rendered without touching a
// tenant — for reviewers, and for the full plan a cut pull-request comment points to.
#include <memory>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/saved_plan.h"
#include "cli/terminal.h"
#include "engine/plan_graph.h"
#include "engine/render.h"

namespace entragate::cli {

namespace {

struct ShowOptions {
  std::string path;
  std::string format = "text";
};

int RunShow(const ShowOptions& o, const GlobalOptions& g) {
  auto plan = ReadSavedPlan(o.path);
  if (!plan.ok()) {
    fmt::print(stderr, "entragate: {}\n", plan.error().message);
    return kExitError;
  }
  if (auto graph = engine::ValidateStepGraph(plan.value()); !graph.ok()) {
    fmt::print(stderr, "entragate: {}: {}\n", o.path, graph.error().message);
    return kExitError;
  }
  engine::RenderOptions render{UseColor(stdout, g.no_color), "plan"};
  if (o.format == "json")
    fmt::print("{}\n", boost::json::serialize(engine::PlanToJson(plan.value())));
  else if (o.format == "markdown")
    fmt::print("{}", engine::RenderPlanMarkdown(plan.value(), render));
  else
    fmt::print("{}", engine::RenderPlanText(plan.value(), render));
  return kExitOk;
}

}  // namespace

void AddShowCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto o = std::make_shared<ShowOptions>();
  CLI::App* cmd = app.add_subcommand("show", "Render a plan saved with plan -o, without contacting a tenant");
  cmd->add_option("plan", o->path, "A plan saved with entragate plan -o FILE")->required();
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"text", "json", "markdown"}))->capture_default_str();
  cmd->footer("Exit status: 0 when the plan was shown, 1 when the file is not a readable entragate plan.");
  cmd->callback([o, &globals, &exit_code] { exit_code = RunShow(*o, globals); });
}

}  // namespace entragate::cli
