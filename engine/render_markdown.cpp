// The plan as a pull-request comment: the summary first, then what changes about access (who gains
// or loses which role, assignment switched on or off, apps deleted with who loses them), then one
// collapsed section per app. GitHub refuses comments over 65,536 characters, so past a budget the
// details are left out with a note saying how many and where the full plan is. Everything that comes
// from a manifest or the tenant is escaped: no HTML, no links, no @mentions.
#include <map>

#include <boost/json.hpp>
#include <ctime>

#include <fmt/format.h>

#include "engine/diag_render.h"
#include "engine/render.h"

namespace entragate::engine {

namespace json = boost::json;

namespace {

// Text from manifests or the tenant, made inert for GitHub-flavoured markdown (also inside tables).
std::string Inert(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '@': out += "&#64;"; break;
      case '`': out += "&#96;"; break;
      case '[': out += "&#91;"; break;
      case ']': out += "&#93;"; break;
      case '|': out += "&#124;"; break;
      case '*': out += "\\*"; break;
      case '_': out += "\\_"; break;
      case '~': out += "\\~"; break;
      case '#': out += "&#35;"; break;
      case '\n':
      case '\r': out += ' '; break;
      default: out += ch;
    }
  }
  return out;
}

std::string Field(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string Details(const Change& c, bool drift) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : c.after) {
    const json::value* b = c.before.if_contains(k);
    parts.push_back(b && *b != v
                        ? fmt::format("{}: {} → {}", Inert(k), Inert(DescribeValue(k, *b)), v.is_null() ? "(removed)" : Inert(DescribeValue(k, v)))
                        : fmt::format("{}: {}", Inert(k), Inert(DescribeValue(k, v))));
  }
  for (const auto& [k, v] : c.before)
    if (!c.after.contains(k)) parts.push_back(fmt::format("{}: {}", Inert(k), Inert(DescribeValue(k, v))));
  for (const auto& n : c.notes) parts.push_back("<i>" + Inert(n) + "</i>");
  if (drift && c.widens_access_drift) parts.push_back("<b>drift that widens access</b>");
  return fmt::format("{}", fmt::join(parts, "<br>"));
}

// One line per change that alters who can get a token.
std::vector<std::string> AccessLines(const Plan& plan, bool drift) {
  std::vector<std::string> out;
  for (const auto& c : plan.changes) {
    std::string app = Inert(c.app);
    switch (c.kind) {
      case StepKind::kGrant:
        out.push_back(fmt::format("- ➕ **{}** gets **{}** on **{}**", Inert(Field(c.after, "principal")), Inert(Field(c.after, "role")), app));
        break;
      case StepKind::kRevoke:
        out.push_back(fmt::format("- ➖ **{}** loses **{}** on **{}**{}", Inert(Field(c.before, "principal")), Inert(Field(c.before, "role")), app,
                                  drift ? " (granted outside the manifest: drift that widens access)" : ""));
        break;
      case StepKind::kCreateServicePrincipal:
      case StepKind::kUpdateServicePrincipal: {
        const json::value* required = c.after.if_contains("appRoleAssignmentRequired");
        if (!required || !required->is_bool()) break;
        bool on = required->as_bool();
        if (c.kind == StepKind::kCreateServicePrincipal)
          out.push_back(fmt::format(
              "- 🆕 **{}** gets a service principal: {}", app,
              on ? "assignment required (only the identities granted can get a token)" : "**any identity in the tenant can get a token**"));
        else
          out.push_back(fmt::format("- {} **{}**: assignment required switched **{}**{}", on ? "🔒" : "🔓", app, on ? "on" : "off",
                                    on ? " (only the identities granted can get a token)" : " (**any identity in the tenant can get a token**)"));
        break;
      }
      case StepKind::kDeleteApp: {
        std::string losers;
        for (const auto& n : c.notes)
          if (n.rfind("identities that lose access", 0) == 0) losers = ": " + Inert(n);
        out.push_back(fmt::format("- 🗑️ **{}** is deleted with its service principal{}", app, losers));
        break;
      }
      case StepKind::kRestoreApp:
        out.push_back(
            fmt::format("- ↺ **{}** is restored from deleted items with its appId `{}`; its service principal is not (it is "
                        "created again as the manifest says)",
                        app, Inert(Field(c.before, "appId"))));
        break;
      case StepKind::kPurgeDeletedApp:
        out.push_back(fmt::format("- 🗑️ **{}** is deleted for good from deleted items (it cannot be restored after this)", app));
        break;
      case StepKind::kAddOwner:
      case StepKind::kRemoveOwner: {
        bool add = c.kind == StepKind::kAddOwner;
        std::string of = Field(c.payload, "on") == "application" ? "the application" : "the service principal";
        out.push_back(fmt::format("- {} **{}** {} an owner of {} of **{}** (owners can change who gets tokens){}", add ? "👤" : "➖",
                                  Inert(Field(add ? c.after : c.before, "owner")), add ? "becomes" : "is no longer", of, app,
                                  !add && drift ? " (added outside the manifest: drift that widens access)" : ""));
        break;
      }
      default: break;
    }
  }
  return out;
}

std::string AppSection(const std::string& app, const std::vector<const Change*>& changes, bool drift) {
  PlanSummary s;
  for (const Change* c : changes) s.Add(c->action);
  std::string out =
      fmt::format("<details><summary><b>{}</b>: {}</summary>\n\n| | Address | Change | Manifest |\n|---|---|---|---|\n", Inert(app), s.ToString());
  for (const Change* c : changes)
    out += fmt::format("| `{}` | {} | {} | {} |\n", Symbol(c->action), Inert(c->address), Details(*c, drift),
                       c->source.valid() ? Inert(c->source.ToString()) : "");
  return out + "\n</details>\n";
}

}  // namespace

std::string MarkdownInert(std::string_view s) { return Inert(s); }

std::string RenderPlanMarkdown(const Plan& plan, const RenderOptions& options) {
  bool drift = options.title == "drift";
  std::string out = fmt::format("### entragate {}: {}\n\nTarget: {} tenant `{}`{}\n\n", Inert(options.title),
                                plan.empty() ? "no changes" : plan.Summary().ToString(), plan.target.kind == "local" ? "local" : "Microsoft Graph",
                                Inert(plan.target.tenant_id), plan.target.domain.empty() ? "" : " (`" + Inert(plan.target.domain) + "`)");
  if (!plan.environment.empty()) out += fmt::format("Environment: `{}`\n\n", Inert(plan.environment));
  if (!plan.only_apps.empty()) out += Inert(OnlyAppsNote(plan)) + "\n\n";
  std::string errors;
  if (!options.app_errors.empty()) {
    errors = fmt::format("\n#### Apps that could not be checked ({})\n\n", options.app_errors.size());
    for (const auto& [app, lines] : options.app_errors)
      for (const auto& line : lines) errors += fmt::format("- **{}**: {}\n", Inert(app), Inert(line));
  }
  if (!plan.warnings.empty()) {
    constexpr size_t kShownWarnings = 20;  // a comment, not a log: the rest are counted
    out += fmt::format("#### Warnings ({})\n\n", plan.warnings.size());
    for (size_t i = 0; i < plan.warnings.size() && i < kShownWarnings; ++i) out += "- ⚠️ " + Inert(plan.warnings[i]) + "\n";
    if (plan.warnings.size() > kShownWarnings) out += fmt::format("- … and {} more\n", plan.warnings.size() - kShownWarnings);
    out += "\n";
  }
  if (plan.empty()) return out + (errors.empty() ? "The tenant matches the manifest.\n" : "The other apps match the manifest.\n" + errors);
  const size_t budget = options.markdown_budget;
  std::string where = options.full_plan_hint.empty()
                          ? "save the full plan with `entragate plan -o plan.json` and read it with `entragate show plan.json`"
                          : options.full_plan_hint;
  std::vector<std::string> access = AccessLines(plan, drift);
  if (!access.empty()) {
    out += fmt::format("#### Access changes ({})\n\n", access.size());
    size_t shown = 0;
    for (const auto& line : access) {
      if (out.size() + line.size() > budget / 2) break;
      out += line + "\n";
      ++shown;
    }
    if (shown < access.size()) out += fmt::format("- … and {} more access changes not shown here ({})\n", access.size() - shown, where);
    out += "\n";
  }
  std::vector<const Change*> all;
  for (const auto& c : plan.changes) all.push_back(&c);
  if (std::string note = TokenLifetimeNote(all, std::time(nullptr)); !note.empty()) out += "> ⏳ " + Inert(note) + "\n\n";
  // Only `drift` calls anything drift: in a plan, a revoke is what the manifest asks for.
  int widening = 0;
  for (const auto& c : plan.changes) widening += drift && c.widens_access_drift;
  if (widening)
    out += fmt::format("> **{} change(s) revert drift that widens access** (identities can currently get tokens the manifest does not allow).\n\n",
                       widening);
  std::map<std::string, std::vector<const Change*>> by_app;
  for (const auto& c : plan.changes) by_app[c.app].push_back(&c);
  out += "#### Changes by app\n\n";
  size_t left_out = 0;
  for (const auto& [app, changes] : by_app) {
    std::string section = AppSection(app, changes, drift);
    if (left_out || out.size() + section.size() > budget) {
      ++left_out;
      continue;
    }
    out += section;
  }
  if (left_out)
    out += fmt::format("\n> The details of {} app(s) are left out to keep this comment under GitHub's size limit: {}.\n", left_out, where);
  return out + errors;
}

}  // namespace entragate::engine

namespace entragate::engine {

std::string RenderDiagnosticsMarkdown(const Diagnostics& all, std::string_view command) {
  constexpr size_t kBudget = 60000;  // GitHub refuses comments over 65,536 characters
  int errors = all.error_count();
  std::string out = fmt::format("### entragate {}: {} error{}\n\n", Inert(command), errors, errors == 1 ? "" : "s");
  out += fmt::format("entragate {} stopped before reporting any change; fix these and run it again:\n\n", Inert(command));
  size_t shown = 0;
  for (const auto& d : all.items()) {
    std::string where = d.loc.file.empty() ? std::string() : Inert(d.loc.ToString()) + ": ";
    std::string line = fmt::format("- {}**{}[{}]**: {}{}\n", where, d.severity == Severity::kError ? "error" : "warning", Inert(d.code),
                                   Inert(d.message), d.hint.empty() ? "" : " (" + Inert(d.hint) + ")");
    if (out.size() + line.size() > kBudget) break;
    out += line;
    ++shown;
  }
  if (shown < all.items().size())
    out += fmt::format("- … and {} more, left out to keep this comment under GitHub's size limit\n", all.items().size() - shown);
  return out;
}

}  // namespace entragate::engine
