// entragate version [--format json], and --version: the version, the commit and how it was built.
#include <memory>
#include <string>

#include <CLI/Version.hpp>
#include <boost/json.hpp>
#include <boost/version.hpp>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "cli/build_info.h"
#include "cli/commands.h"
#include "cli/docs.h"
#include "cli/git_commit.h"
#include "cli/version.h"
#include "engine/yaml_document.h"

namespace entragate::cli {

namespace {

std::string Compiler() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

// The versions of the headers compiled against; OpenSSL is also asked which library is loaded.
struct Library {
  const char* name;
  std::string version;
};
std::vector<Library> Libraries() {
  return {
      {"boost", fmt::format("{}.{}.{}", BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100)},
      {"yaml-cpp", kYamlCppVersion},
      {"fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
      {"openssl", OPENSSL_VERSION_STR},
      {"cli11", CLI11_VERSION},
  };
}

std::string Commit() { return std::string(kGitCommit) + (kGitDirty ? "-dirty" : ""); }

std::string VersionText() {
  std::string libs;
  for (const auto& l : Libraries()) libs += fmt::format("{}{} {}", libs.empty() ? "" : ", ", l.name, l.version);
  return fmt::format(
      "entragate {}\n"
      "commit:     {}\n"
      "build type: {}\n"
      "compiler:   {}\n"
      "built with: {}\n"
      "runtime:    openssl {}, libfyaml {}",
      kVersion, Commit(), kBuildType, Compiler(), libs, OpenSSL_version(OPENSSL_VERSION_STRING), engine::YamlParserVersion());
}

std::string VersionJson() {
  boost::json::object libs;
  for (const auto& l : Libraries()) libs[l.name] = l.version;
  boost::json::object doc{
      {"format_version", "1"},
      {"version", kVersion},
      {"commit", kGitCommit},
      {"dirty", kGitDirty},
      {"build_type", kBuildType},
      {"compiler", Compiler()},
      {"libraries", libs},
      {"runtime", boost::json::object{{"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)}, {"libfyaml", engine::YamlParserVersion()}}},
  };
  return boost::json::serialize(doc);
}

}  // namespace

void AddVersionCommand(CLI::App& app, int& exit_code) {
  app.set_version_flag("--version", [] { return VersionText(); });
  auto format = std::make_shared<std::string>("text");
  CLI::App* cmd = app.add_subcommand("version", "Show the version, the git commit, the build type and the library versions");
  cmd->add_option("--format", *format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->callback([format, &exit_code] {
    fmt::print("{}\n", *format == "json" ? VersionJson() : VersionText());
    exit_code = kExitOk;
  });
  AddDocsCommands(app, exit_code);
}

}  // namespace entragate::cli
