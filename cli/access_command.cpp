// entragate access APP [PATH] | access --all [PATH] | access --identity NAME [PATH] — who can obtain a
// token for an app right now, with which roles, and why; with PATH, also what the manifest changes.
// The review itself is the engine's (engine/access_review.h); this file wires and prints.
#include <algorithm>
#include <memory>
#include <optional>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/commands.h"
#include "cli/files.h"
#include "cli/pipeline.h"
#include "cli/target.h"
#include "cli/terminal.h"
#include "engine/access_render.h"
#include "engine/access_review.h"
#include "engine/render.h"
#include "engine/diag.h"

namespace entragate::cli {

namespace json = boost::json;

namespace {

struct AccessOptions;
ManifestSelection Selection(const AccessOptions& o);

struct AccessOptions {
  std::vector<std::string> args;   ///< APP [PATH...], or with --all / --identity: [PATH...]
  std::string app;                 ///< access APP: the one app (manifest key, uniqueName, appId or display name)
  std::vector<std::string> apps;   ///< --app KEY...: only these apps (with --all or --identity)
  std::vector<std::string> paths;  ///< the manifest set, read as one (as plan reads it)
  std::string path;                ///< the same, as shown in the report
  std::string environment;         ///< --env (else ENTRAGATE_ENV), for a PATH with environments
  std::string identity;
  bool all = false;
  bool include_unmanaged = false;
  std::string format = "table";
  std::string output;
  TargetOptions target;
};

// --env picks the set's environment as for plan.
ManifestSelection Selection(const AccessOptions& o) {
  ManifestSelection s;
  s.paths = o.paths;
  s.environment = o.environment;
  s.apps = o.apps;
  return s;
}

// The target, and with PATH the plan, an access review reads from.
struct Opened {
  std::unique_ptr<Planned> planned;
  std::unique_ptr<Target> own;
  Target* target = nullptr;
};

std::optional<Opened> Open(const AccessOptions& o, const GlobalOptions& g, int& exit_code) {
  Opened out;
  if (!o.paths.empty()) {
    out.planned = LoadAndPlan(Selection(o), o.target, UseColor(stderr, g.no_color), exit_code);
    if (!out.planned) return std::nullopt;
    out.target = out.planned->target.get();
    return out;
  }
  auto opened = Target::Open(o.target);
  if (!opened.ok()) {
    fmt::print(stderr, "entragate: {}\n", opened.error().message);
    exit_code = kExitError;
    return std::nullopt;
  }
  out.own = std::move(opened).value();
  out.target = out.own.get();
  return out;
}

// `only_apps`: names to read instead of every managed app (access APP); else with PATH the
// manifest's apps are read too, adopted ones included.
std::optional<engine::AccessSnapshot> ReadSnapshot(const AccessOptions& o, Opened& opened, std::vector<std::string> only_apps = {}) {
  engine::AccessReadOptions read;
  read.include_unmanaged = o.include_unmanaged;
  read.only_apps = std::move(only_apps);
  if (opened.planned && read.only_apps.empty())
    for (const auto& [key, app] : opened.planned->observed.apps) read.extra_app_ids.push_back(app.app_id);
  auto snapshot = opened.target->provider().ReadAccess(read);
  if (!snapshot.ok()) {
    fmt::print(stderr, "entragate: {}\n", snapshot.error().message);
    return std::nullopt;
  }
  snapshot->tenant_id = opened.target->tenant_id();
  return std::move(snapshot).value();
}

engine::AccessReview Review(const engine::AccessSnapshot& snapshot, const Opened& opened, const std::string& path,
                            const std::vector<std::string>& only_apps) {
  engine::AccessReview review = opened.planned ? engine::BuildAccessReview(snapshot, &opened.planned->plan, &opened.planned->observed, only_apps)
                                               : engine::BuildAccessReview(snapshot, nullptr, nullptr, only_apps);
  review.manifest = path;
  return review;
}

// With PATH, an --app or APP that is a manifest key means that app whatever its uniqueName (an
// adopted app may have none): its appId as the tenant read it, else the key (an app the plan creates).
std::vector<std::string> AsAppIds(const std::vector<std::string>& names, const Opened& opened) {
  if (!opened.planned) return names;
  const auto& observed = opened.planned->observed.apps;
  std::vector<std::string> out;
  for (const auto& n : names) {
    auto it = observed.find(n);
    out.push_back(it != observed.end() && !it->second.app_id.empty() ? it->second.app_id : n);
  }
  return out;
}

// Every --app must name an app of the review; with PATH the set already refused unknown keys (E0227).
bool CheckSelected(const AccessOptions& o, const engine::AccessReview& review, const engine::AccessSnapshot& snapshot) {
  if (!o.paths.empty()) return true;
  std::vector<std::string> keys;
  for (const auto& a : snapshot.apps) keys.push_back(a.unique_name.empty() ? a.display_name : a.unique_name);
  for (const auto& want : o.apps) {
    if (std::any_of(review.apps.begin(), review.apps.end(), [&](const engine::AccessAppReview& r) { return r.Is(want); })) continue;
    std::string hint = engine::DidYouMean(want, keys);
    fmt::print(stderr, "entragate: --app {}: no such application among those the review reads{}{}\n", want,
               o.include_unmanaged ? "" : " (managed ones; --include-unmanaged for the rest)", hint.empty() ? "" : " (" + hint + ")");
    return false;
  }
  return true;
}

int Emit(const std::string& text, const std::string& output) {
  if (output.empty()) return fmt::print("{}", text), kExitOk;
  if (!WriteFileAtomically(output, text)) return fmt::print(stderr, "entragate: cannot write {}\n", output), kExitError;
  fmt::print(stderr, "Wrote the access review to {}\n", output);
  return kExitOk;
}

int RunAll(const AccessOptions& o, const GlobalOptions& g) {
  int exit_code = kExitOk;
  auto opened = Open(o, g, exit_code);
  if (!opened) return exit_code;
  auto snapshot = ReadSnapshot(o, *opened);
  if (!snapshot) return kExitError;
  engine::AccessReview review = Review(*snapshot, *opened, o.path, AsAppIds(o.apps, *opened));
  if (!CheckSelected(o, review, *snapshot)) return kExitError;
  std::string text;
  if (o.format == "json")
    text = json::serialize(engine::AccessReviewJson(review)) + "\n";
  else if (o.format == "csv")
    text = engine::RenderAccessCsv(review);
  else if (o.format == "markdown")
    text = engine::RenderAccessMarkdown(review);
  else if (o.format == "html")
    text = engine::RenderAccessHtml(review);
  else
    text = engine::RenderAccessTable(review);
  return Emit(text, o.output);
}

// NAME: a manifest identity (with PATH), then any identity the review names (id, UPN, display
// name), then a look-up in the tenant (an identity that holds nothing is still found).
engine::Result<engine::AccessPrincipal> Resolve(const std::string& name, const engine::AccessSnapshot& snapshot, Opened& opened) {
  std::string id = name;
  if (opened.planned)
    if (auto it = opened.planned->observed.identities.find(name); it != opened.planned->observed.identities.end() && !it->second.object_id.empty())
      id = it->second.object_id;
  std::string ambiguous;
  if (auto p = engine::FindReviewPrincipal(snapshot, id, ambiguous)) return *p;
  if (!ambiguous.empty()) return engine::MakeError(engine::Error::Kind::kInvalid, ambiguous);
  return opened.target->provider().FindPrincipal(id);
}

int RunIdentity(const AccessOptions& o, const GlobalOptions& g) {
  int exit_code = kExitOk;
  auto opened = Open(o, g, exit_code);
  if (!opened) return exit_code;
  auto snapshot = ReadSnapshot(o, *opened);
  if (!snapshot) return kExitError;
  auto who = Resolve(o.identity, *snapshot, *opened);
  if (!who.ok()) return fmt::print(stderr, "entragate: {}\n", who.error().message), kExitError;
  engine::AccessReview review = Review(*snapshot, *opened, o.path, AsAppIds(o.apps, *opened));
  if (!CheckSelected(o, review, *snapshot)) return kExitError;
  auto reach = engine::ReachOf(review, who.value());
  const auto& p = who.value();
  std::string type = p.sp_type.empty() ? p.type : p.sp_type;
  if (o.format == "json") {
    json::array apps;
    for (const auto& e : reach) {
      json::object entry{{"app", e.app_key}, {"appId", e.app_id}, {"role", e.role}, {"why", e.why}};
      if (review.with_plan) entry["change"] = e.mark == engine::AccessMark::kNone ? "none" : engine::ToString(e.mark);
      apps.push_back(std::move(entry));
    }
    json::object out{{"format_version", "1"}, {"principalId", p.id}, {"principalType", p.type}, {"displayName", p.display_name}, {"reachable", apps}};
    if (!p.upn.empty()) out["userPrincipalName"] = p.upn;
    return Emit(json::serialize(out) + "\n", o.output);
  }
  std::string text = fmt::format("{} ({}{}) can obtain tokens for these applications:\n", p.display_name, type, p.upn.empty() ? "" : ", " + p.upn);
  if (reach.empty()) text += "  (none)\n";
  for (const auto& e : reach)
    text += fmt::format("  {:<2}{:<28} {:<24} {}\n", engine::AccessSymbol(e.mark, false), e.app_key, e.role.empty() ? "-" : e.role, e.why);
  if (p.type == "ServicePrincipal")
    text += "Service principals get no app-only token roles through groups: only roles assigned to the service principal itself count.\n";
  return Emit(text, o.output);
}

// One app: the review restricted to it (read alone), with PATH followed by what the manifest changes.
int RunApp(const AccessOptions& o, const GlobalOptions& g) {
  int exit_code = kExitOk;
  auto opened = Open(o, g, exit_code);
  if (!opened) return exit_code;
  auto snapshot = ReadSnapshot(o, *opened, AsAppIds({o.app}, *opened));
  if (!snapshot) return kExitError;
  std::vector<std::string> app_ids;
  for (const auto& a : snapshot->apps) app_ids.push_back(a.app_id);
  if (app_ids.empty()) return fmt::print(stderr, "entragate: no application '{}'\n", o.app), kExitError;
  engine::AccessReview review = Review(*snapshot, *opened, o.path, app_ids);
  if (review.apps.size() != 1) return fmt::print(stderr, "entragate: no application '{}'\n", o.app), kExitError;
  if (o.format == "json") return Emit(json::serialize(engine::AccessReviewJson(review)) + "\n", o.output);
  std::string text = engine::RenderAccessTable(review);
  if (review.with_plan) text += fmt::format("\nIn words, applying it:\n{}", engine::RenderAccessChanges(review.apps.front()));
  return Emit(text, o.output);
}

}  // namespace

void AddAccessCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto o = std::make_shared<AccessOptions>();
  CLI::App* cmd = app.add_subcommand("access", "Who can obtain a token for which app, and why (or what an identity can reach)");
  cmd->add_option("args", o->args,
                  "APP [PATH...]: the app (manifest key, appId or display name) and a manifest set; with --all or --identity: [PATH...]")
      ->expected(0, -1);
  cmd->add_flag("--all", o->all, "Every managed application against every identity that can get a token for it");
  cmd->add_option("--app", o->apps,
                  "Only this app (with PATH: its manifest key; else its uniqueName or appId); repeatable; implies --all unless --identity is given")
      ->allow_extra_args(false)
      ->type_name("KEY");
  cmd->add_flag("--include-unmanaged", o->include_unmanaged, "With --all or --identity: applications entragate does not manage too");
  cmd->add_option("--env", o->environment, "With PATH: the environment to read it for (default: $ENTRAGATE_ENV)");
  cmd->add_option(
      "--identity", o->identity,
      "Instead: every application this identity can reach, with roles and why (manifest identity, service principal or managed identity name, UPN, group name, object id)");
  cmd->add_option("--format", o->format, "Output format (csv, markdown, html: with --all)")
      ->check(CLI::IsMember({"table", "json", "csv", "markdown", "html"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Write the report to this file (atomically) instead of standard output");
  AddTargetOptions(*cmd, o->target);
  cmd->callback([o, &globals, &exit_code] {
    o->target.verbose = globals.verbose;
    auto refuse = [&](const std::string& why) {
      fmt::print(stderr, "entragate access: {}\n", why);
      exit_code = kExitError;
    };
    if (o->all && !o->identity.empty()) return refuse("give --all or --identity NAME, not both");
    if (!o->apps.empty() && o->identity.empty()) o->all = true;
    if (o->all || !o->identity.empty()) {
      o->paths = o->args;
      if (!o->identity.empty() && (o->format == "csv" || o->format == "markdown" || o->format == "html"))
        return refuse("--identity prints --format table or json");
      o->path = fmt::format("{}", fmt::join(o->paths, " "));
      exit_code = o->all ? RunAll(*o, globals) : RunIdentity(*o, globals);
      return;
    }
    if (o->args.empty()) return refuse("give an APP, --all, or --identity NAME");
    if (o->format != "table" && o->format != "json") return refuse("--format " + o->format + " needs --all (an APP prints table or json)");
    if (o->include_unmanaged) return refuse("--include-unmanaged needs --all or --identity");
    o->app = o->args[0];
    o->paths.assign(o->args.begin() + 1, o->args.end());
    o->path = fmt::format("{}", fmt::join(o->paths, " "));
    exit_code = RunApp(*o, globals);
  });
}

}  // namespace entragate::cli
