#pragma once
// The steps plan, apply and drift share: load the manifests, open the target, read, plan.

#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/target.h"
#include "engine/diag.h"
#include "engine/model.h"
#include "engine/observed.h"
#include "engine/plan.h"

namespace entragate::cli {

/// What a command reads as its manifest set: PATH..., --env (or ENTRAGATE_ENV) and --app.
struct ManifestSelection {
  std::vector<std::string> paths;
  std::string environment;        ///< empty: ENTRAGATE_ENV, else none
  std::vector<std::string> apps;  ///< --app KEY...: plan only these (prune never runs); empty: all

  /// --env, or ENTRAGATE_ENV when --env is not given; nullopt when neither.
  std::optional<std::string> Environment() const;
};

/// Adds the PATH... positional (required unless `paths_optional`), --env and, with `apps`, --app.
void AddManifestOptions(CLI::App& cmd, ManifestSelection& s, bool apps, bool paths_optional = false);

/// Loads the set for its environment; prints diagnostics to stderr and returns nullopt on errors.
std::optional<engine::DesiredState> LoadSelection(const ManifestSelection& s, bool color, engine::Diagnostics* problems = nullptr);

struct Planned {
  engine::DesiredState desired;
  engine::ObservedState observed;
  engine::Plan plan;
  std::unique_ptr<Target> target;
};

/// What a command wants to know of the problems LoadAndPlan met, to report them in its own format.
struct PlanProblems {
  /// Every problem, as printed on stderr; a target that cannot be opened is E0401, a tenant that
  /// cannot be read E0402 (no location).
  engine::Diagnostics diagnostics;
  /// Problems only the tenant reveals (E03xx) still return the plan, for a report that names the apps
  /// they belong to (drift). Never for a plan that is shown for apply.
  bool keep_plan_errors = false;
};

/// Loads PATH, opens the target, reads and plans; the plan names the manifest by canonical paths. Prints diagnostics (to stderr) and returns
/// nullptr on any problem, with `exit_code` set; with `problems`, they are recorded there too.
/// `purge_deleted`: a deleted application the manifest wants is deleted for good, not restored.
std::unique_ptr<Planned> LoadAndPlan(const ManifestSelection& manifest, const TargetOptions& target, bool color, int& exit_code,
                                     bool purge_deleted = false, PlanProblems* problems = nullptr);

/// `path` made absolute with symlinks, `.` and `..` resolved (as given when that fails).
std::string CanonicalPath(const std::string& path);

/// SHA-256 over the manifest files' names and contents, for saved-plan staleness.
std::string ManifestDigest(const std::vector<std::string>& files);

/// The applications the plan deletes, for people: "app.old (Old API, appId …), app.x (…)"; empty
/// when it deletes none.
std::string DescribeAppDeletes(const engine::Plan& plan);

/// Prints request statistics (--stats) to stderr.
void PrintStats(Target& target);

}  // namespace entragate::cli
