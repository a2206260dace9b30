// Markdown (pull-request comments) and JUnit XML (CI drift reports) renderings of a plan.
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/render.h"

namespace entragate::engine {

namespace json = boost::json;

namespace {

std::string Escape(std::string_view s, bool xml) {
  std::string out;
  for (char ch : s) {
    if (xml && ch == '&') out += "&amp;";
    else if (xml && ch == '<') out += "&lt;";
    else if (xml && ch == '>') out += "&gt;";
    else if (xml && ch == '"') out += "&quot;";
    else if (!xml && ch == '|') out += "\\|";
    else if (!xml && ch == '\n') out += " ";
    else out += ch;
  }
  return out;
}

std::string Details(const Change& c) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : c.after) {
    const json::value* b = c.before.if_contains(k);
    parts.push_back(b ? fmt::format("`{}`: {} → {}", k, DescribeValue(k, *b), v.is_null() ? "(removed)" : DescribeValue(k, v))
                      : fmt::format("`{}`: {}", k, DescribeValue(k, v)));
  }
  for (const auto& [k, v] : c.before)
    if (!c.after.contains(k)) parts.push_back(fmt::format("`{}`: {}", k, DescribeValue(k, v)));
  for (const auto& n : c.notes) parts.push_back("_" + n + "_");
  if (c.widens_access_drift) parts.push_back("**drift that widens access**");
  return fmt::format("{}", fmt::join(parts, "<br>"));
}

}  // namespace

std::string RenderPlanMarkdown(const Plan& plan, const RenderOptions& options) {
  std::string out = fmt::format("### entragate {}: {}\n\nTarget: {} tenant `{}`{}\n\n", options.title,
                                plan.empty() ? "no changes" : plan.Summary().ToString(),
                                plan.target.kind == "local" ? "local" : "Microsoft Graph", plan.target.tenant_id,
                                plan.target.domain.empty() ? "" : " (`" + plan.target.domain + "`)");
  if (plan.empty()) return out + "The tenant matches the manifest.\n";
  out += "| | Address | Change | Manifest |\n|---|---|---|---|\n";
  for (const auto& c : plan.changes)
    out += fmt::format("| `{}` | `{}` | {} | {} |\n", static_cast<char>(c.action), Escape(c.address, false), Escape(Details(c), false),
                       c.source.valid() ? "`" + c.source.ToString() + "`" : "");
  int widening = 0;
  for (const auto& c : plan.changes) widening += c.widens_access_drift;
  if (widening) out += fmt::format("\n> **{} change(s) revert drift that widens access** (identities can currently get tokens the manifest does not allow).\n", widening);
  return out;
}

std::string RenderPlanJunit(const Plan& plan, const RenderOptions& options) {
  std::map<std::string, std::vector<const Change*>> by_app;
  for (const auto& key : options.app_keys) by_app[key];
  for (const auto& c : plan.changes) by_app[c.app].push_back(&c);
  int failures = 0;
  for (const auto& [app, changes] : by_app) failures += !changes.empty();
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"entragate {}\" tests=\"{}\" failures=\"{}\">\n", options.title, by_app.size(), failures);
  out += fmt::format("  <testsuite name=\"entragate.{}.{}\" tests=\"{}\" failures=\"{}\">\n", options.title, Escape(plan.target.tenant_id, true),
                     by_app.size(), failures);
  for (const auto& [app, changes] : by_app) {
    out += fmt::format("    <testcase classname=\"entragate.app\" name=\"{}\"", Escape(app, true));
    if (changes.empty()) {
      out += "/>\n";
      continue;
    }
    std::string body;
    for (const Change* c : changes) body += fmt::format("{} {}{}\n", static_cast<char>(c->action), c->address, c->widens_access_drift ? " (widens access)" : "");
    out += fmt::format(">\n      <failure message=\"{} drifted: {} change(s)\" type=\"drift\">{}</failure>\n    </testcase>\n", Escape(app, true),
                       changes.size(), Escape(body, true));
  }
  return out + "  </testsuite>\n</testsuites>\n";
}

}  // namespace entragate::engine
