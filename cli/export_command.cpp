// entragate export --app-id GUID... | --display-name NAME... | --unique-name KEY... | --tag TAG... | --all
//                  [-o DIR|FILE]
// Existing applications → manifest v1 files, so that they can be adopted: `plan` on the export finds
// nothing to change. Notes (skipped apps, what a manifest cannot state) go to stderr.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/files.h"
#include "cli/pipeline.h"
#include "cli/target.h"
#include "cli/terminal.h"
#include "engine/diag_render.h"
#include "engine/export.h"
#include "engine/graph_rules.h"
#include "engine/manifest.h"
#include "providers/graph/provider/export_reader.h"

namespace fs = std::filesystem;

namespace entragate::cli {

namespace {

struct ExportOptions {
  graph::ExportSelection selection;
  std::string out;
  std::string format = "text";
  TargetOptions target;
};

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// -o names a file when it ends in .yaml/.yml and is not a directory; otherwise a directory.
bool IsFileTarget(const std::string& out) {
  std::error_code ec;
  if (fs::is_directory(out, ec)) return false;
  auto ext = fs::path(out).extension();
  return ext == ".yaml" || ext == ".yml";
}

// The export must load without a diagnostic; anything else is a bug here, and nothing is written.
bool Validates(const std::vector<engine::ExportedFile>& files, bool color) {
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& f : files) texts.emplace_back(f.name, f.text);
  engine::Diagnostics diags;
  engine::LoadManifestTexts(texts, diags);
  if (!diags.has_errors()) return true;
  std::fputs(engine::RenderDiagnostics(diags, color).c_str(), stderr);
  fmt::print(stderr, "entragate: the export does not validate (a bug in entragate export, please report it); nothing was written\n");
  return false;
}

// Other manifest files in the directory are merged with the export by plan: say so.
void NoteOtherFiles(const fs::path& dir, const std::vector<engine::ExportedFile>& files) {
  std::set<std::string> written;
  for (const auto& f : files) written.insert(f.name);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    auto ext = entry.path().extension();
    if ((ext == ".yaml" || ext == ".yml") && !written.count(name))
      fmt::print(stderr, "note: {} also holds {}, which plan reads together with the export\n", dir.string(), name);
  }
}

int Write(const ExportOptions& o, const std::vector<engine::ExportedFile>& files) {
  if (o.out.empty()) {
    fmt::print("{}", files.front().text);
    return kExitOk;
  }
  if (IsFileTarget(o.out)) {
    if (!WriteFileAtomically(o.out, files.front().text)) {
      fmt::print(stderr, "entragate: cannot write '{}'\n", o.out);
      return kExitError;
    }
    fmt::print(stderr, "Exported to {}\n", o.out);
    return kExitOk;
  }
  std::error_code ec;
  fs::create_directories(o.out, ec);
  for (const auto& f : files)
    if (!WriteFileAtomically((fs::path(o.out) / f.name).string(), f.text)) {
      fmt::print(stderr, "entragate: cannot write '{}'\n", (fs::path(o.out) / f.name).string());
      return kExitError;
    }
  NoteOtherFiles(o.out, files);
  fmt::print(stderr, "Exported {} file{} to {}\n", files.size(), files.size() == 1 ? "" : "s", o.out);
  return kExitOk;
}

// --format json: what was written, for scripts (the manifests themselves are in the files).
std::string ReportJson(const ExportOptions& o, const engine::ExportSource& source, const engine::ExportOutput& out) {
  bool one_file = IsFileTarget(o.out);
  boost::json::array files, apps, notes;
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& f : out.files) {
    files.push_back(boost::json::string(one_file ? o.out : (fs::path(o.out) / f.name).string()));
    texts.emplace_back(f.name, f.text);
  }
  engine::Diagnostics diags;
  for (const auto& app : engine::LoadManifestTexts(texts, diags).apps) apps.push_back(boost::json::string(app.key));
  for (const auto& n : out.notes) notes.push_back(boost::json::string(n));
  return boost::json::serialize(boost::json::object{{"format_version", "1"},
                                                    {"origin", source.origin},
                                                    {"tenant_id", source.tenant_id},
                                                    {"exported_at", source.exported_at},
                                                    {"files", files},
                                                    {"apps", apps},
                                                    {"notes", notes}}) +
         "\n";
}

int RunExport(const ExportOptions& o, const GlobalOptions& g) {
  if (o.format == "json" && o.out.empty()) {
    fmt::print(stderr, "entragate: export --format json prints a report of what was written: give -o DIR or -o FILE.yaml for the manifests\n");
    return kExitError;
  }
  const auto& s = o.selection;
  if (!s.all && s.app_ids.empty() && s.display_names.empty() && s.unique_names.empty() && s.tags.empty()) {
    fmt::print(stderr, "entragate: say what to export: --app-id, --display-name, --unique-name, --tag or --all\n");
    return kExitError;
  }
  for (const auto& id : s.app_ids)
    if (!engine::IsGuid(id)) {
      fmt::print(stderr, "entragate: --app-id '{}' is not a GUID (an application's client id)\n", id);
      return kExitError;
    }
  auto target = Target::Open(o.target);
  if (!target.ok()) {
    fmt::print(stderr, "entragate: cannot open the {} target: {}\n", o.target.kind.empty() ? "default" : o.target.kind, target.error().message);
    return kExitError;
  }
  auto source = graph::ReadForExport((*target)->client(), s, (*target)->tenant_id());
  if (!source.ok()) {
    const auto& e = source.error();
    fmt::print(stderr, "entragate: reading the tenant failed: {}{}{}\n", e.code.empty() ? "" : e.code + ": ", e.message,
               e.request_id.empty() ? "" : " (request-id " + e.request_id + ")");
    return kExitError;
  }
  source->origin = (*target)->kind() == "local" ? "the local tenant" : fmt::format("Microsoft Graph ({})", (*target)->graph_root());
  source->exported_at = UtcNow();
  bool one_file = o.out.empty() || IsFileTarget(o.out);
  engine::ExportOutput out = engine::ExportManifests(*source, one_file ? engine::ExportLayout::kOneFile : engine::ExportLayout::kFilePerApp);
  for (const auto& note : out.notes) fmt::print(stderr, "note: {}\n", note);
  if (g.stats) PrintStats(**target);
  if (out.files.empty()) {
    fmt::print(stderr, "entragate: nothing to export\n");
    return kExitError;
  }
  if (!Validates(out.files, UseColor(stderr, g.no_color))) return kExitError;
  int written = Write(o, out.files);
  if (written == kExitOk && o.format == "json") fmt::print("{}", ReportJson(o, *source, out));
  return written;
}

}  // namespace

void AddExportCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand("export", "Write manifests for existing applications, to adopt them");
  auto* by_id = cmd->add_option("--app-id", o->selection.app_ids, "Applications by application (client) id");
  auto* by_name = cmd->add_option("--display-name", o->selection.display_names, "Applications by display name");
  auto* by_key = cmd->add_option("--unique-name", o->selection.unique_names, "Applications by uniqueName");
  auto* by_tag = cmd->add_option("--tag", o->selection.tags, "Applications carrying the tag (e.g. entragate:managed)");
  auto* all = cmd->add_flag("--all", o->selection.all, "Every application registered in the tenant");
  for (auto* selector : {by_id, by_name, by_key, by_tag}) all->excludes(selector);
  cmd->add_option("-o,--out", o->out,
                  "A directory (one file per app, shared identities in _identities.yaml) or a .yaml file; default standard output");
  cmd->add_option("--format", o->format, "json: with -o, print a report of the files, apps and notes on standard output")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  AddTargetOptions(*cmd, o->target);
  cmd->footer(
      "Managed identities, apps in deleted items, apps registered in another tenant and Microsoft's first-party apps are\n"
      "skipped with a note.\n"
      "Exit status: 0 exported, 1 error or nothing to export.");
  cmd->callback([o, &globals, &exit_code] {
    o->target.verbose = globals.verbose;
    exit_code = RunExport(*o, globals);
  });
}

}  // namespace entragate::cli
