// What reading a large manifest set costs: N small files (one app each, in subdirectories of 100)
// are written to a scratch directory and loaded once; prints the time and how much the process's
// peak resident size grew.
//
//   bench_manifest_read [--files 2000]
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include "engine/manifest.h"

namespace fs = std::filesystem;

namespace {

long PeakResidentKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  int files = 2000;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--files") files = std::atoi(argv[i + 1]);
  fs::path dir = fs::temp_directory_path() / fmt::format("entragate-bench-manifests-{}", ::getpid());
  for (int i = 0; i < files; ++i) {
    fs::path sub = dir / fmt::format("team-{:03}", i / 100);
    fs::create_directories(sub);
    std::ofstream(sub / fmt::format("app-{}.yaml", i)) << fmt::format(
        "version: 1\napps:\n  app-{0}:\n    displayName: App {0}\n    appRoles:\n"
        "      App.Use: {{ allowedMemberTypes: [ Application ] }}\n    assignmentRequired: true\n"
        "    access: {{}}\n",
        i);
  }
  long before = PeakResidentKiB();
  auto start = std::chrono::steady_clock::now();
  entragate::engine::Diagnostics diags;
  auto state = entragate::engine::LoadManifest(dir.string(), diags);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  long grown = PeakResidentKiB() - before;
  fs::remove_all(dir);
  if (diags.has_errors()) return fmt::print(stderr, "bench_manifest_read: the generated set did not load\n"), 1;
  fmt::print("{} files, {} apps: loaded in {} ms; peak resident size grew by {:.1f} MiB\n", files, state.apps.size(), ms, grown / 1024.0);
  return 0;
}
