// The README's manifest example is a manifest: it loads without a diagnostic, and says what the
// README says it says.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "engine/diag_render.h"
#include "engine/manifest.h"

using namespace entragate::engine;

TEST_CASE("the README's manifest example is valid") {
  std::ifstream in("README.md");
  std::stringstream text;
  text << in.rdbuf();
  std::string readme = text.str();
  auto section = readme.find("## The manifest (v1)");
  REQUIRE(section != std::string::npos);
  auto start = readme.find("```yaml\n", section);
  REQUIRE(start != std::string::npos);
  start += 8;
  auto end = readme.find("```", start);
  std::string yaml = readme.substr(start, end - start);
  Diagnostics diags;
  DesiredState s = LoadManifestTexts({{"README.md", yaml}}, diags);
  CHECK_MESSAGE(!diags.has_errors(), RenderDiagnostics(diags, false));
  REQUIRE(s.apps.size() == 1);
  CHECK(s.apps[0].key == "testapp");
  CHECK(s.apps[0].assignment_required == true);
  CHECK(s.tenant == "contoso.onmicrosoft.com");
}
