// The JUnit XML rendering of a plan (CI drift reports).
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/diag_render.h"
#include "engine/render.h"

namespace entragate::engine {

namespace json = boost::json;

namespace {

std::string Escape(std::string_view s, bool xml) {
  std::string out;
  for (char ch : s) {
    if (xml && ch == '&')
      out += "&amp;";
    else if (xml && ch == '<')
      out += "&lt;";
    else if (xml && ch == '>')
      out += "&gt;";
    else if (xml && ch == '"')
      out += "&quot;";
    else
      out += ch;
  }
  return out;
}

// "field: before → after" for each field a change touches, so a CI report says what drifted, not
// only where.
std::string Differences(const Change& c) {
  std::string out;
  for (const auto& [k, v] : c.after) {
    const json::value* b = c.before.if_contains(k);
    out +=
        fmt::format("    {}: {} → {}\n", std::string_view(k), b ? DescribeValue(k, *b) : "(none)", v.is_null() ? "(removed)" : DescribeValue(k, v));
  }
  for (const auto& [k, v] : c.before)
    if (!c.after.contains(k)) out += fmt::format("    {}: {} → (removed)\n", std::string_view(k), DescribeValue(k, v));
  return out;
}

std::string JunitHeader(std::string_view title, std::string_view tenant, size_t tests, int failures, int errors) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"entragate {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n", Escape(title, true), tests, failures, errors);
  out += fmt::format("  <testsuite name=\"entragate.{}{}{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n", Escape(title, true),
                     tenant.empty() ? "" : ".", Escape(tenant, true), tests, failures, errors);
  return out;
}

}  // namespace

std::string RenderPlanJunit(const Plan& plan, const RenderOptions& options) {
  std::map<std::string, std::vector<const Change*>> by_app;
  for (const auto& key : options.app_keys) by_app[key];
  for (const auto& [key, why] : options.app_errors) by_app[key];
  for (const auto& c : plan.changes) by_app[c.app].push_back(&c);
  int failures = 0, errors = 0;
  for (const auto& [app, changes] : by_app) {
    bool errored = options.app_errors.count(app) > 0;
    errors += errored;
    failures += !errored && !changes.empty();
  }
  std::string out = JunitHeader(options.title, plan.target.tenant_id, by_app.size(), failures, errors);
  for (const auto& [app, changes] : by_app) {
    out += fmt::format("    <testcase classname=\"entragate.app\" name=\"{}\"", Escape(app, true));
    if (auto e = options.app_errors.find(app); e != options.app_errors.end()) {
      std::string body;
      for (const auto& line : e->second) body += line + "\n";
      out += fmt::format(">\n      <error message=\"{} could not be checked: {}\" type=\"error\">{}</error>\n    </testcase>\n", Escape(app, true),
                         Escape(e->second.empty() ? std::string() : e->second.front(), true), Escape(body, true));
      continue;
    }
    if (changes.empty()) {
      out += "/>\n";
      continue;
    }
    std::string body;
    for (const Change* c : changes)
      body += fmt::format("{} {}{}\n", Symbol(c->action), c->address, c->widens_access_drift ? " (widens access)" : "") + Differences(*c);
    out += fmt::format(">\n      <failure message=\"{} drifted: {} change(s)\" type=\"drift\">{}</failure>\n    </testcase>\n", Escape(app, true),
                       changes.size(), Escape(body, true));
  }
  return out + "  </testsuite>\n</testsuites>\n";
}

std::string RenderDiagnosticsJunit(const Diagnostics& all, std::string_view command) {
  std::string body;
  for (const auto& d : all.items())
    body += fmt::format("{}{}[{}]: {}{}\n", d.loc.file.empty() ? "" : d.loc.ToString() + ": ", d.severity == Severity::kError ? "error" : "warning",
                        d.code, d.message, d.hint.empty() ? "" : " (" + d.hint + ")");
  std::string first = all.items().empty() ? std::string() : all.items().front().message;
  return JunitHeader(command, "", 1, 0, 1) +
         fmt::format(
             "    <testcase classname=\"entragate\" name=\"{}\">\n      <error message=\"{} error(s): {}\" type=\"error\">{}</error>\n    </testcase>\n",
             Escape(command, true), all.error_count(), Escape(first, true), Escape(body, true)) +
         "  </testsuite>\n</testsuites>\n";
}

}  // namespace entragate::engine
