#include "cli/pipeline.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "crypto/hash.h"
#include "engine/diag_render.h"
#include "engine/manifest.h"
#include "engine/planner.h"
#include "providers/graph/client/graph_client.h"

namespace entragate::cli {

std::string CanonicalPath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  return ec ? path : canonical.string();
}

std::string ManifestDigest(const std::vector<std::string>& files) {
  std::string all;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    all += f + '\0' + text.str() + '\0';
  }
  return crypto::HexEncode(crypto::Sha256(all));
}

std::optional<std::string> ManifestSelection::Environment() const {
  if (!environment.empty()) return environment;
  const char* env = std::getenv("ENTRAGATE_ENV");
  if (env && *env) return std::string(env);
  return std::nullopt;
}

void AddManifestOptions(CLI::App& cmd, ManifestSelection& s, bool apps, bool paths_optional) {
  auto* paths = cmd.add_option("path", s.paths, "Manifest files or directories, read together as one manifest set")->type_name("PATH...");
  if (!paths_optional) paths->required();
  cmd.add_option("--env", s.environment, "The environment of the manifest set to use (required when it declares environments); also ENTRAGATE_ENV");
  if (apps)
    cmd.add_option("--app", s.apps, "Only this app (manifest key); repeatable. Other apps are left alone and prune does not run")
        ->allow_extra_args(false)
        ->type_name("KEY");
}

namespace {

// An --app that names no app of the set is a typo until proven otherwise: refuse (E0227), naming the keys.
void CheckSelectedApps(const ManifestSelection& s, const engine::DesiredState& desired, engine::Diagnostics& diags) {
  std::vector<std::string> keys;
  for (const auto& app : desired.apps) keys.push_back(app.key);
  for (const auto& wanted : s.apps) {
    if (std::find(keys.begin(), keys.end(), wanted) != keys.end()) continue;
    std::string hint = engine::DidYouMean(wanted, keys);
    diags.Error("E0227", {},
                fmt::format("--app {}: no such app in the manifest set{}; its apps are: {}", wanted,
                            desired.environment.empty() ? "" : " for environment " + desired.environment,
                            keys.empty() ? "(none)" : fmt::format("{}", fmt::join(keys, ", "))),
                hint);
  }
}

}  // namespace

std::optional<engine::DesiredState> LoadSelection(const ManifestSelection& s, bool color, engine::Diagnostics* problems) {
  engine::Diagnostics diags;
  engine::DesiredState desired = engine::LoadManifestSet(s.paths, {s.Environment()}, diags);
  if (!diags.has_errors()) CheckSelectedApps(s, desired, diags);
  if (!diags.items().empty()) std::fputs(engine::RenderDiagnostics(diags, color).c_str(), stderr);
  if (diags.has_errors()) {
    if (problems) problems->Append(diags);
    return std::nullopt;
  }
  desired.only_apps = s.apps;
  std::sort(desired.only_apps.begin(), desired.only_apps.end());
  desired.only_apps.erase(std::unique(desired.only_apps.begin(), desired.only_apps.end()), desired.only_apps.end());
  return desired;
}

std::unique_ptr<Planned> LoadAndPlan(const ManifestSelection& manifest, const TargetOptions& target_options, bool color, int& exit_code,
                                     bool purge_deleted, PlanProblems* problems) {
  auto out = std::make_unique<Planned>();
  engine::Diagnostics diags;
  auto desired = LoadSelection(manifest, color, problems ? &problems->diagnostics : nullptr);
  if (!desired) {
    exit_code = kExitError;
    return nullptr;
  }
  out->desired = std::move(*desired);
  auto target = Target::Open(target_options);
  if (!target.ok()) {
    std::string what =
        fmt::format("cannot open the {} target: {}", target_options.kind.empty() ? "default" : target_options.kind, target.error().message);
    fmt::print(stderr, "entragate: {}\n", what);
    if (problems) problems->diagnostics.Error("E0401", {}, what);
    exit_code = kExitError;
    return nullptr;
  }
  out->target = std::move(target).value();
  auto observed = out->target->provider().Read(out->desired, {target_options.low_priority});
  if (!observed.ok()) {
    const auto& e = observed.error();
    std::string what = fmt::format("reading the tenant failed: {}{}{}", e.code.empty() ? "" : e.code + ": ", e.message,
                                   e.request_id.empty() ? "" : " (request-id " + e.request_id + ")");
    fmt::print(stderr, "entragate: {}\n", what);
    if (problems) problems->diagnostics.Error("E0402", {}, what);
    exit_code = kExitError;
    return nullptr;
  }
  out->observed = std::move(observed).value();
  if (out->observed.tenant_id.empty()) out->observed.tenant_id = out->target->tenant_id();
  out->desired.settings.purge_deleted = purge_deleted;
  out->plan = engine::ComputePlan(out->desired, out->observed, diags);
  out->plan.purge_deleted = purge_deleted;
  if (diags.has_errors()) {
    diags.Sort();
    std::fputs(engine::RenderDiagnostics(diags, color).c_str(), stderr);
    if (problems) problems->diagnostics.Append(diags);
    if (!problems || !problems->keep_plan_errors) {
      exit_code = kExitError;
      return nullptr;
    }
  } else if (!diags.items().empty()) {
    std::fputs(engine::RenderDiagnostics(diags, color).c_str(), stderr);  // warnings
  }
  out->plan.target = {out->target->kind(), out->observed.tenant_id, out->target->graph_root(),
                      out->observed.tenant_domains.empty() ? std::string() : out->observed.tenant_domains.front()};
  // Absolute, canonical paths, so a saved plan applies from any working directory and names exactly
  // the files it was made from (a symlink changed later does not redirect it).
  out->plan.manifest_paths.clear();
  for (const auto& p : manifest.paths) out->plan.manifest_paths.push_back(CanonicalPath(p));
  out->plan.manifest_path = out->plan.manifest_paths.front();
  out->plan.manifest_files.clear();
  for (const auto& f : out->desired.files) out->plan.manifest_files.push_back(CanonicalPath(f));
  out->plan.manifest_digest = ManifestDigest(out->plan.manifest_files);
  return out;
}

std::string DescribeAppDeletes(const engine::Plan& plan) {
  std::vector<std::string> apps;
  for (const auto& c : plan.changes) {
    if (c.kind != engine::StepKind::kDeleteApp) continue;
    const auto* name = c.before.if_contains("displayName");
    const auto* app_id = c.before.if_contains("appId");
    std::vector<std::string> what;
    if (name && name->is_string()) what.emplace_back(name->as_string());
    if (app_id && app_id->is_string()) what.push_back("appId " + std::string(app_id->as_string()));
    apps.push_back(what.empty() ? c.address : fmt::format("{} ({})", c.address, fmt::join(what, ", ")));
  }
  return fmt::format("{}", fmt::join(apps, ", "));
}

void PrintStats(Target& target) {
  graph::ClientStats s = target.Stats();
  fmt::print(stderr, "stats: {} HTTP requests ({} $batch carrying {} requests), {} retries, {} throttled answers (429)\n", s.http_requests, s.batches,
             s.batch_subrequests, s.retries, s.throttled_responses);
  fmt::print(stderr, "stats: Graph budget spent: {} resource units, {} writes; {:.1f} s of wall time waiting on Graph's limits\n", s.resource_units,
             s.writes, static_cast<double>(s.waited_wall_ms) / 1000);
  for (const auto& [kind, n] : s.by_kind) fmt::print(stderr, "  {:>5}  {}\n", n, kind);
}

}  // namespace entragate::cli
