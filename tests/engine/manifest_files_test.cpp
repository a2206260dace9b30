// Which files make up a manifest set: directories are read recursively, hidden entries skipped,
// symbolic links followed to regular files and directories only, and anything else (FIFO, socket,
// device) refused at once without being opened.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/diag_render.h"
#include "engine/manifest.h"

namespace fs = std::filesystem;
using namespace entragate::engine;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("entragate-files-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name) << text;
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  static inline int counter = 0;
};

std::string AppText(const std::string& key) { return "version: 1\napps:\n  " + key + ":\n    displayName: " + key + "\n"; }

std::vector<std::string> Relative(const DesiredState& s, const TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& f : s.files) out.push_back(fs::path(f).lexically_relative(dir.path).generic_string());
  return out;
}

}  // namespace

TEST_CASE("a directory set is every *.yaml and *.yml below it, in order of relative path, hidden entries skipped") {
  TempDir dir;
  dir.Write("settings.yaml", "version: 1\nsettings:\n  owner: team-a\n  prune: { apps: true }\n");
  dir.Write("teams/payments.yaml", AppText("payments"));
  dir.Write("teams/reporting/api.yml", AppText("reporting"));
  dir.Write("a-b.yaml", AppText("ab"));
  dir.Write("a/z.yaml", AppText("az"));
  dir.Write(".git/config.yaml", "not: [a manifest");
  dir.Write(".entragate/local/state.yaml", "neither");
  dir.Write(".draft.yaml", "nor");
  dir.Write("teams/README.md", "not YAML");
  Diagnostics diags;
  DesiredState s = LoadManifest(dir.path.string(), diags);
  REQUIRE_MESSAGE(!diags.has_errors(), RenderDiagnostics(diags, false));
  // Compared component by component: "a/z.yaml" (directory a) before "a-b.yaml".
  CHECK(Relative(s, dir) == std::vector<std::string>{"a/z.yaml", "a-b.yaml", "settings.yaml", "teams/payments.yaml", "teams/reporting/api.yml"});
  // The pruning set sees the apps kept in subdirectories: nothing is planned away by omission.
  CHECK(s.settings.prune_apps);
  CHECK(s.settings.owner == "team-a");
  CHECK(s.FindApp("payments") != nullptr);
  CHECK(s.FindApp("reporting") != nullptr);
  CHECK(s.apps.size() == 4);
}

TEST_CASE("a FIFO given as the path is refused at once, not waited on") {
  TempDir dir;
  std::string fifo = dir / "policies.yaml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  Diagnostics diags;
  LoadManifest(fifo, diags);  // before, this blocked forever waiting for a writer
  REQUIRE(diags.items().size() == 1);
  CHECK(diags.items()[0].code == "E0009");
  CHECK(diags.items()[0].message == "'" + fifo + "' is a FIFO (named pipe); manifests are read only from regular files and directories");
}

TEST_CASE("a FIFO or socket inside a directory set is refused, the regular files are still read") {
  TempDir dir;
  dir.Write("a.yaml", AppText("a"));
  std::string fifo = dir / "teams/pipe.yaml";
  fs::create_directories(dir.path / "teams");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  REQUIRE(::mkfifo((dir / "teams/not-yaml").c_str(), 0600) == 0);  // not a manifest name: ignored
  std::string sock = dir / "s.yml";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(sock.size() < sizeof addr.sun_path);
  std::copy(sock.begin(), sock.end(), addr.sun_path);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  Diagnostics diags;
  DesiredState s = LoadManifest(dir.path.string(), diags);
  ::close(fd);
  REQUIRE(diags.items().size() == 2);
  diags.Sort();
  CHECK(diags.items()[0].message == "'" + sock + "' is a socket; manifests are read only from regular files and directories");
  CHECK(diags.items()[1].message == "'" + fifo + "' is a FIFO (named pipe); manifests are read only from regular files and directories");
  CHECK(diags.items()[0].code == "E0009");
  CHECK(s.FindApp("a") != nullptr);
}

TEST_CASE("symbolic links are followed to files and directories, loops are read once, broken links are errors") {
  TempDir outside, dir;
  outside.Write("shared.yaml", AppText("shared"));
  outside.Write("more/extra.yaml", AppText("extra"));
  dir.Write("own.yaml", AppText("own"));
  fs::create_symlink(outside.path / "shared.yaml", dir.path / "shared.yaml");
  fs::create_directory_symlink(outside.path / "more", dir.path / "more");
  fs::create_directory_symlink(dir.path, dir.path / "loop");  // the set contains itself
  SUBCASE("links") {
    Diagnostics diags;
    DesiredState s = LoadManifest(dir.path.string(), diags);
    REQUIRE_MESSAGE(!diags.has_errors(), RenderDiagnostics(diags, false));
    CHECK(s.apps.size() == 3);
    CAPTURE(fmt::format("{}", fmt::join(Relative(s, dir), " ")));
    CHECK(Relative(s, dir) == std::vector<std::string>{"more/extra.yaml", "own.yaml", "shared.yaml"});
  }
  SUBCASE("a broken link named like a manifest") {
    fs::create_symlink(outside.path / "gone.yaml", dir.path / "gone.yaml");
    Diagnostics diags;
    LoadManifest(dir.path.string(), diags);
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].code == "E0001");
    CHECK(diags.items()[0].message == "cannot read '" + (dir / "gone.yaml") + "': a broken symbolic link");
  }
  SUBCASE("a link to a FIFO") {
    std::string fifo = outside / "pipe";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    fs::create_symlink(fifo, dir.path / "pipe.yaml");
    Diagnostics diags;
    LoadManifest(dir.path.string(), diags);
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].code == "E0009");
  }
}
