// Problems rendered for a pull request and for a CI report: manifest text made inert, cut to size.
#include <doctest/doctest.h>

#include <string>

#include "engine/diag.h"
#include "engine/diag_render.h"

using namespace entragate::engine;

TEST_CASE("markdown errors: heading, place, code, and manifest text made inert") {
  Diagnostics d;
  d.Error("E0205", {"team/a.yaml", 4, 7, 3}, "unknown identity '<img src=x>@admins' in access", "did you mean 'admins'?");
  d.Error("E0401", {}, "cannot open the graph target: no credential");
  std::string md = RenderDiagnosticsMarkdown(d, "plan");
  CHECK(md.rfind("### entragate plan: 2 errors\n", 0) == 0);
  CHECK(md.find("- team/a.yaml:4:7: **error[E0205]**: unknown identity '&lt;img src=x&gt;&#64;admins' in access (did you mean 'admins'?)\n") !=
        std::string::npos);
  CHECK(md.find("- **error[E0401]**: cannot open the graph target") != std::string::npos);
  CHECK(md.find("<img") == std::string::npos);
  CHECK(md.find("@admins") == std::string::npos);
}

TEST_CASE("markdown errors stay under GitHub's comment limit") {
  Diagnostics d;
  for (int i = 0; i < 2000; ++i) d.Error("E0205", {"a.yaml", i + 1, 1, 1}, std::string(100, 'x'));
  std::string md = RenderDiagnosticsMarkdown(d, "drift");
  CHECK(md.size() < 65536);
  CHECK(md.find("more, left out to keep this comment under GitHub's size limit") != std::string::npos);
}

TEST_CASE("junit errors: one errored case, XML escaped") {
  Diagnostics d;
  d.Error("E0203", {"a.yaml", 2, 3, 1}, "unknown app role \"A&B\" <x>");
  std::string xml = RenderDiagnosticsJunit(d, "drift");
  CHECK(xml.find("tests=\"1\" failures=\"0\" errors=\"1\"") != std::string::npos);
  CHECK(xml.find("a.yaml:2:3: error[E0203]: unknown app role &quot;A&amp;B&quot; &lt;x&gt;") != std::string::npos);
  CHECK(xml.find("<x>") == std::string::npos);
}
