// Reading a large directory set costs memory in proportion to what the files say, not a fixed
// buffer per file: 2,000 small manifests once took ~2 GB (a 1 MiB read buffer kept per file). A
// binary of its own, so the process's peak resident size measures this load and nothing else.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <sys/resource.h>
#include <unistd.h>

#include "engine/diag_render.h"
#include "engine/manifest.h"

namespace fs = std::filesystem;
using namespace entragate::engine;

namespace {

long PeakResidentKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

}  // namespace

TEST_CASE("2,000 manifest files are read in bounded memory") {
  fs::path dir = fs::temp_directory_path() / ("entragate-memory-" + std::to_string(::getpid()));
  fs::create_directories(dir / "teams");
  constexpr int kFiles = 2000;
  for (int i = 0; i < kFiles; ++i) {
    std::ofstream(dir / "teams" / ("app-" + std::to_string(i) + ".yaml"))
        << "version: 1\napps:\n  app-" << i << ":\n    displayName: App " << i
        << "\n    appRoles:\n      App.Use: { allowedMemberTypes: [ Application ] }\n    assignmentRequired: true\n"
           "    access: {}\n";
  }
  long before = PeakResidentKiB();
  Diagnostics diags;
  DesiredState state = LoadManifest(dir.string(), diags);
  long grown = PeakResidentKiB() - before;
  fs::remove_all(dir);
  REQUIRE_MESSAGE(!diags.has_errors(), RenderDiagnostics(diags, false));
  CHECK(state.apps.size() == kFiles);
  MESSAGE("peak resident size grew by " << grown / 1024 << " MiB reading " << kFiles << " files");
  // The files hold ~400 KB of text; the model and parser state are a few KiB per app. A buffer of
  // 1 MiB per file would need 2,000 MiB.
  CHECK(grown < 64 * 1024);
}
