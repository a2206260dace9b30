// entragate access APP [PATH...] [--env NAME] [--app KEY]... | access --identity NAME — who can obtain a token for an app right
// now, with which roles, and why; with PATH, also what the manifest intends and the difference.
#include <memory>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "cli/target.h"
#include "cli/terminal.h"
#include "providers/graph/access_reader.h"

namespace entragate::cli {

namespace json = boost::json;

namespace {

struct AccessOptions {
  std::string app;
  ManifestSelection manifest;
  std::string identity;
  std::string format = "table";
  TargetOptions target;
};

std::string Why(const graph::AppAccess& a) {
  if (!a.has_service_principal) return "no service principal: no token can be issued for this app in this tenant";
  if (a.assignment_required) return "assignment required: yes — only the identities below can obtain a token";
  return "assignment required: no — any service principal in the tenant can obtain a token (with no roles); the identities below also get roles";
}

void PrintTable(const graph::AppAccess& a) {
  fmt::print("Access to {} (appId {}{})\n{}\n", a.display_name, a.app_id, a.unique_name.empty() ? "" : ", uniqueName " + a.unique_name, Why(a));
  if (a.holders.empty()) {
    fmt::print("  (no assignments)\n");
    return;
  }
  fmt::print("\n  {:<28} {:<17} {:<24} {}\n", "IDENTITY", "TYPE", "ROLE", "SINCE");
  for (const auto& h : a.holders) fmt::print("  {:<28} {:<17} {:<24} {}\n", h.display_name, h.principal_type, h.role, h.since);
}

json::object ToJson(const graph::AppAccess& a) {
  json::array holders;
  for (const auto& h : a.holders)
    holders.push_back(json::object{{"principalId", h.principal_id}, {"principalType", h.principal_type}, {"displayName", h.display_name},
                                   {"role", h.role}, {"appRoleId", h.role_id}, {"since", h.since}});
  return json::object{{"app", json::object{{"objectId", a.object_id}, {"appId", a.app_id}, {"uniqueName", a.unique_name}, {"displayName", a.display_name}}},
                      {"hasServicePrincipal", a.has_service_principal}, {"assignmentRequired", a.assignment_required},
                      {"anyServicePrincipalCanGetToken", a.has_service_principal && !a.assignment_required}, {"why", Why(a)},
                      {"holders", holders}};
}

// What the manifest changes about access to this app: the plan's grants, revokes and the switch.
json::object Intended(const Planned& planned, const graph::AppAccess& now, std::string& text) {
  std::string key = now.unique_name;
  json::array grants, revokes;
  std::optional<bool> required;
  for (const auto& c : planned.plan.changes) {
    if (c.app != key) continue;
    if (c.kind == engine::StepKind::kGrant) {
      grants.push_back(json::object{{"principal", c.after.at("principal")}, {"role", c.after.at("role")}});
      text += fmt::format("  + {} gets {}\n", std::string(c.after.at("principal").as_string()), std::string(c.after.at("role").as_string()));
    } else if (c.kind == engine::StepKind::kRevoke) {
      revokes.push_back(json::object{{"principal", c.before.at("principal")}, {"role", c.before.at("role")}});
      text += fmt::format("  - {} loses {}\n", std::string(c.before.at("principal").as_string()), std::string(c.before.at("role").as_string()));
    } else if (c.kind == engine::StepKind::kUpdateServicePrincipal || c.kind == engine::StepKind::kCreateServicePrincipal) {
      required = c.after.at("appRoleAssignmentRequired").as_bool();
    }
  }
  if (required && *required != now.assignment_required)
    text += *required ? "  assignment becomes required: identities without an assignment lose access\n"
                      : "  assignment stops being required: every service principal in the tenant can get a token\n";
  if (text.empty()) text = "  no change to who can obtain a token\n";
  json::object out{{"grants", grants}, {"revokes", revokes}};
  if (required) out["assignmentRequired"] = *required;
  return out;
}

int RunApp(AccessOptions o, const GlobalOptions& g) {
  int exit_code = kExitOk;
  std::unique_ptr<Planned> planned;
  std::unique_ptr<Target> own;
  Target* target = nullptr;
  if (!o.manifest.paths.empty()) {
    planned = LoadAndPlan(o.manifest, o.target, UseColor(stderr, g.no_color), exit_code);
    if (!planned) return exit_code;
    target = planned->target.get();
  } else {
    auto opened = Target::Open(o.target);
    if (!opened.ok()) return fmt::print(stderr, "entragate: {}\n", opened.error().message), kExitError;
    own = std::move(opened).value();
    target = own.get();
  }
  auto access = graph::ReadAppAccess(target->client(), o.app);
  if (!access.ok()) return fmt::print(stderr, "entragate: {}\n", access.error().message), kExitError;
  std::string intended_text;
  json::object intended = planned ? Intended(*planned, access.value(), intended_text) : json::object{};
  if (o.format == "json") {
    json::object j = ToJson(access.value());
    if (planned) j["intended"] = intended;
    fmt::print("{}\n", json::serialize(j));
  } else {
    PrintTable(access.value());
    if (planned) fmt::print("\nWhat {} changes:\n{}", fmt::join(o.manifest.paths, " "), intended_text);
  }
  return kExitOk;
}

int RunIdentity(const AccessOptions& o) {
  auto target = Target::Open(o.target);
  if (!target.ok()) return fmt::print(stderr, "entragate: {}\n", target.error().message), kExitError;
  auto reach = graph::ReadIdentityReach(target.value()->client(), o.identity);
  if (!reach.ok()) return fmt::print(stderr, "entragate: {}\n", reach.error().message), kExitError;
  const auto& r = reach.value();
  if (o.format == "json") {
    json::array apps;
    for (const auto& e : r.reachable)
      apps.push_back(json::object{{"app", e.app_display_name}, {"appId", e.app_id}, {"uniqueName", e.unique_name}, {"role", e.role}, {"why", e.why}});
    fmt::print("{}\n", json::serialize(json::object{{"principalId", r.principal_id}, {"principalType", r.principal_type},
                                                    {"displayName", r.display_name}, {"reachable", apps}}));
    return kExitOk;
  }
  fmt::print("{} ({}) can obtain tokens for these managed applications:\n", r.display_name, r.principal_type);
  if (r.reachable.empty()) fmt::print("  (none)\n");
  for (const auto& e : r.reachable)
    fmt::print("  {:<28} {:<24} {}\n", e.unique_name.empty() ? e.app_display_name : e.unique_name, e.role.empty() ? "-" : e.role, e.why);
  return kExitOk;
}

}  // namespace

void AddAccessCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto o = std::make_shared<AccessOptions>();
  CLI::App* cmd = app.add_subcommand("access", "Who can obtain a token for an app, and why (or what an identity can reach)");
  cmd->add_option("app", o->app, "The app: manifest key (uniqueName), appId or display name");
  AddManifestOptions(*cmd, o->manifest, true, true);  // with PATH...: also what the manifest changes about access
  cmd->add_option("--identity", o->identity, "Instead: every managed application this identity can reach, with roles");
  cmd->add_option("--format", o->format, "Output format")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  AddTargetOptions(*cmd, o->target);
  cmd->callback([o, &globals, &exit_code] {
    o->target.verbose = globals.verbose;
    if (o->identity.empty() == o->app.empty()) {
      fmt::print(stderr, "entragate access: give an APP, or --identity NAME\n");
      exit_code = kExitError;
      return;
    }
    exit_code = o->identity.empty() ? RunApp(*o, globals) : RunIdentity(*o);
  });
}

}  // namespace entragate::cli
