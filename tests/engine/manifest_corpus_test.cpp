// Every file under tests/manifests/invalid names, in its first line, the error the loader must report
// and where ("# expect: E0203 7:7"); the same files feed the JSON Schema test (tests/js), so loader and
// schema are checked against one corpus. Valid files and every example must load without a problem.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "engine/diag_render.h"
#include "engine/manifest.h"

namespace fs = std::filesystem;
using namespace entragate::engine;

namespace {

const fs::path kRoot = ENTRAGATE_SOURCE_DIR;

struct Expectation {
  std::string code;
  int line = 0, column = 0;
};

Expectation ReadExpectation(const fs::path& file) {
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  static const std::regex kExpect("# expect: (E[0-9]{4}) ([0-9]+):([0-9]+)");
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_search(first, m, kExpect), file.string() << " lacks an '# expect:' header");
  return {m[1], std::stoi(m[2]), std::stoi(m[3])};
}

std::vector<fs::path> YamlFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ".yaml" && e.path().parent_path().filename() != "seeds") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("every invalid corpus file reports its expected error at its expected place") {
  auto files = YamlFiles(kRoot / "tests/manifests/invalid");
  REQUIRE(files.size() >= 30);
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    Expectation want = ReadExpectation(file);
    Diagnostics diags;
    LoadManifest(file.string(), diags);
    bool found = false;
    for (const auto& d : diags.items()) found = found || (d.code == want.code && d.loc.line == want.line && d.loc.column == want.column);
    CHECK_MESSAGE(found, "expected " << want.code << " at " << want.line << ":" << want.column << ", got:\n" << RenderDiagnostics(diags, false));
  }
}

TEST_CASE("every valid corpus file and every example loads without a diagnostic") {
  std::vector<fs::path> sets;
  for (const auto& f : YamlFiles(kRoot / "tests/manifests/valid")) sets.push_back(f);
  for (const auto& e : fs::directory_iterator(kRoot / "examples"))
    if (e.is_directory() && e.path().filename() != "seeds") sets.push_back(e.path());
  REQUIRE(sets.size() >= 10);
  for (const auto& set : sets) {
    CAPTURE(set.string());
    // A set with environments loads once per environment it declares.
    std::vector<std::optional<std::string>> environments;
    for (const auto& name : ManifestEnvironments({set.string()})) environments.emplace_back(name);
    if (environments.empty()) environments.emplace_back(std::nullopt);
    for (const auto& environment : environments) {
      CAPTURE(environment.value_or("(none)"));
      Diagnostics diags;
      DesiredState state = LoadManifestSet({set.string()}, LoadOptions{environment}, diags);
      CHECK_MESSAGE(diags.items().empty(), RenderDiagnostics(diags, false));
      CHECK_FALSE(state.apps.empty());
    }
  }
}
