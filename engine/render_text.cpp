#include <ctime>

#include <fmt/format.h>

#include <boost/json.hpp>

#include "engine/render.h"

namespace entragate::engine {

namespace json = boost::json;

namespace {

struct Colors {
  const char *green, *yellow, *red, *cyan, *magenta, *bold, *dim, *reset;
};

Colors ColorsFor(bool on) {
  if (on) return {"\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[36m", "\x1b[35m", "\x1b[1m", "\x1b[2m", "\x1b[0m"};
  return {"", "", "", "", "", "", "", ""};
}

const char* ColorOf(Action a, const Colors& c) {
  switch (a) {
    case Action::kCreate: return c.green;
    case Action::kUpdate: return c.yellow;
    case Action::kDelete: return c.red;
    case Action::kGrant: return c.cyan;
    case Action::kRevoke: return c.magenta;
    case Action::kRestore: return c.green;
  }
  return c.reset;
}

std::string FieldLines(const Change& c) {
  std::string out;
  std::vector<std::string> keys;
  for (const auto& [k, v] : c.before) keys.emplace_back(k);
  for (const auto& [k, v] : c.after)
    if (!c.before.contains(k)) keys.emplace_back(k);
  for (const auto& k : keys) {
    const json::value* b = c.before.if_contains(k);
    const json::value* a = c.after.if_contains(k);
    if (c.action == Action::kCreate || c.action == Action::kGrant)
      out += fmt::format("      {}: {}\n", k, DescribeValue(k, *a));
    else if (c.action == Action::kRestore)  // what comes back
      out += fmt::format("      {}: {}\n", k, DescribeValue(k, a ? *a : *b));
    else if (c.action == Action::kDelete || c.action == Action::kRevoke)
      out += fmt::format("      {}: {}\n", k, DescribeValue(k, *b));
    else
      out += fmt::format("      {}: {} → {}\n", k, b && !b->is_null() ? DescribeValue(k, *b) : "(none)",
                         a && !a->is_null() ? DescribeValue(k, *a) : "(removed)");
  }
  return out;
}

}  // namespace

std::string DescribeValue(std::string_view field, const json::value& v) {
  if (field.rfind("role[", 0) == 0 && v.is_object()) {
    const json::object& r = v.as_object();
    if (r.size() == 1 && r.contains("isEnabled")) return r.at("isEnabled").as_bool() ? "enabled" : "disabled";
    std::vector<std::string> types;
    if (r.contains("allowedMemberTypes"))
      for (const auto& t : r.at("allowedMemberTypes").as_array()) types.emplace_back(t.as_string());
    bool enabled = !r.contains("isEnabled") || r.at("isEnabled").as_bool();
    return fmt::format("{} [{}] {}{}", r.contains("displayName") ? ShortJson(r.at("displayName")) : "\"\"", fmt::join(types, ", "),
                       enabled ? "enabled" : "disabled", r.contains("id") ? fmt::format(", id {}", std::string(r.at("id").as_string())) : "");
  }
  if (field == "optionalClaims" && v.is_object()) {
    std::vector<std::string> parts;
    for (const auto& [token, list] : v.as_object()) {
      std::vector<std::string> names;
      if (list.is_array())
        for (const auto& c : list.as_array())
          if (c.is_object() && c.as_object().contains("name")) names.emplace_back(c.at("name").as_string());
      if (!names.empty()) parts.push_back(fmt::format("{}: {}", std::string(token), fmt::join(names, ", ")));
    }
    return parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, "; "));
  }
  return ShortJson(v);
}

std::string ShortJson(const json::value& v) {
  if (v.is_null()) return "null";
  if (v.is_array() && v.as_array().empty()) return "[]";
  std::string s = json::serialize(v);
  return s.size() > 160 ? s.substr(0, 157) + "…" : s;
}

std::string OnlyAppsNote(const Plan& plan) {
  return fmt::format("Only {} {} (--app): other apps are left as they are, and prune does not run.", plan.only_apps.size() == 1 ? "app" : "apps",
                     fmt::join(plan.only_apps, ", "));
}

std::string DescribeTarget(const PlanTarget& target) {
  return fmt::format("{} tenant {}{}{}", target.kind == "local" ? "local" : "Microsoft Graph",
                     target.tenant_id.empty() ? "(unknown)" : target.tenant_id, target.domain.empty() ? "" : " (" + target.domain + ")",
                     target.endpoint.empty() ? "" : " at " + target.endpoint);
}

std::string RenderPlanText(const Plan& plan, const RenderOptions& options) {
  Colors c = ColorsFor(options.color);
  std::string out = fmt::format("{}entragate {}{}{} — target: {}\n\n", c.bold, options.title,
                                plan.environment.empty() ? "" : " (environment " + plan.environment + ")", c.reset, DescribeTarget(plan.target));
  if (!plan.only_apps.empty()) out += OnlyAppsNote(plan) + "\n\n";
  if (plan.empty()) return out + "No changes. The tenant matches the manifest.\n";
  for (const auto& ch : plan.changes) {
    std::string where = ch.source.valid() ? fmt::format("  {}# {}{}", c.dim, ch.source.ToString(), c.reset) : "";
    out += fmt::format("  {}{} {}{}{}\n", ColorOf(ch.action, c), Symbol(ch.action), ch.address, c.reset, where);
    out += FieldLines(ch);
    for (const auto& note : ch.notes) out += fmt::format("      {}({}){}\n", c.dim, note, c.reset);
    if (ch.widens_access_drift) out += fmt::format("      {}! drift that widens access{}\n", c.red, c.reset);
  }
  for (const auto& w : plan.warnings) out += fmt::format("\n{}warning:{} {}\n", c.yellow, c.reset, w);
  std::vector<const Change*> all;
  for (const auto& ch : plan.changes) all.push_back(&ch);
  if (std::string note = TokenLifetimeNote(all, std::time(nullptr)); !note.empty()) out += fmt::format("\n{}note:{} {}\n", c.yellow, c.reset, note);
  return out + fmt::format("\n{}Plan:{} {}.\n", c.bold, c.reset, plan.Summary().ToString());
}

std::string RenderExecution(const ExecutionReport& report, bool color) {
  Colors c = ColorsFor(color);
  std::string out;
  for (const auto& s : report.steps) {
    switch (s.status) {
      case StepStatus::kDone: out += fmt::format("  {}done{}      {}\n", c.green, c.reset, s.change->id); break;
      case StepStatus::kUnchanged: out += fmt::format("  {}unchanged{} {}\n", c.dim, c.reset, s.change->id); break;
      case StepStatus::kFailed:
        out += fmt::format("  {}failed{}    {}: {}{}{}\n", c.red, c.reset, s.change->id, s.error.code.empty() ? "" : s.error.code + ": ",
                           s.error.message, s.error.request_id.empty() ? "" : " (request-id " + s.error.request_id + ")");
        break;
      case StepStatus::kSkipped: out += fmt::format("  {}skipped{}   {} (waits for {})\n", c.yellow, c.reset, s.change->id, s.blocked_by); break;
      case StepStatus::kNotStarted: out += fmt::format("  {}not started{} {}\n", c.yellow, c.reset, s.change->id); break;
    }
  }
  std::vector<const Change*> taken;
  for (const auto& s : report.steps)
    if (s.status == StepStatus::kDone) taken.push_back(s.change);
  if (std::string note = TokenLifetimeNote(taken, std::time(nullptr)); !note.empty()) out += fmt::format("\n{}note:{} {}\n", c.yellow, c.reset, note);
  const char* how = report.stopped ? "interrupted" : report.ok() ? "complete" : "incomplete";
  std::string not_started = report.stopped || report.not_started ? fmt::format(", {} not started", report.not_started) : "";
  return out + fmt::format("\n{}Apply {}:{} {} done, {} already in effect, {} failed, {} skipped{}.\n", c.bold, how, c.reset, report.done,
                           report.unchanged, report.failed, report.skipped, not_started);
}

}  // namespace entragate::engine
