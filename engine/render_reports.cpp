// The JUnit XML rendering of a plan (CI drift reports).
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
    else out += ch;
  }
  return out;
}

}  // namespace

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
    for (const Change* c : changes) body += fmt::format("{} {}{}\n", Symbol(c->action), c->address, c->widens_access_drift ? " (widens access)" : "");
    out += fmt::format(">\n      <failure message=\"{} drifted: {} change(s)\" type=\"drift\">{}</failure>\n    </testcase>\n", Escape(app, true),
                       changes.size(), Escape(body, true));
  }
  return out + "  </testsuite>\n</testsuites>\n";
}

}  // namespace entragate::engine
