// Manifest files → DesiredState: finding the files, reading each one's top level, merging them.
#include "engine/manifest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "crypto/hash.h"
#include "engine/graph_rules.h"
#include "engine/manifest_reader.h"
#include "engine/yaml_document.h"
#include "engine/yaml_fields.h"

namespace fs = std::filesystem;

namespace entragate::engine {

std::string DerivedRoleId(const std::string& app_key, const std::string& role_value) {
  // The namespace is a valid constant, so this cannot fail.
  return crypto::Uuid5(kRoleIdNamespace, app_key + "/" + role_value).value();
}

namespace manifest_detail {

bool IsValidName(const std::string& name) {
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9._-]{0,119}");
  return std::regex_match(name, kName);
}

std::optional<Identity> ReadIdentity(const YamlContext& ctx, const YamlEntry& entry) {
  static const std::vector<IdentitySelector> kSelectors = {
      IdentitySelector::kManagedIdentity, IdentitySelector::kResourceId, IdentitySelector::kAppId,
      IdentitySelector::kObjectId, IdentitySelector::kServicePrincipal, IdentitySelector::kGroup,
      IdentitySelector::kUser};
  std::vector<std::string> keys;
  for (auto s : kSelectors) keys.push_back(ToYamlKey(s));
  std::string what = fmt::format("identity '{}'", entry.key);
  MapReader r(ctx, entry.value, what, entry.key_loc, keys);
  if (!r.is_map()) return std::nullopt;
  std::vector<const YamlEntry*> given;
  for (const auto& e : r.entries())
    if (std::find(keys.begin(), keys.end(), e.key) != keys.end()) given.push_back(&e);
  if (given.size() != 1) {
    if (given.empty())
      ctx.diags.Error("E0207", entry.key_loc, fmt::format("{} needs one selector: {}", what, fmt::join(keys, ", ")));
    else
      ctx.diags.Error("E0206", given[1]->key_loc,
                      fmt::format("{} has more than one selector ('{}' and '{}'); give exactly one", what, given[0]->key, given[1]->key));
    return std::nullopt;
  }
  Identity id;
  id.name = entry.key;
  id.loc = entry.key_loc;
  id.selector = kSelectors[std::find(keys.begin(), keys.end(), given[0]->key) - keys.begin()];
  auto value = r.String(given[0]->key);
  if (!value) return std::nullopt;
  id.value = *value;
  bool guid_only = id.selector == IdentitySelector::kAppId || id.selector == IdentitySelector::kObjectId;
  if (guid_only && !IsGuid(id.value)) {
    ctx.diags.Error("E0201", given[0]->value_loc, fmt::format("'{}' is not a GUID ({} of {})", id.value, given[0]->key, what));
    return std::nullopt;
  }
  if (IsGuid(id.value)) id.value = LowerAscii(id.value);
  return id;
}

}  // namespace manifest_detail

namespace {

using manifest_detail::IsValidName;

// What one file contributes before merging.
struct Fragment {
  std::optional<std::pair<std::string, SourceLoc>> tenant;
  std::vector<Identity> identities;
  std::vector<App> apps;
  std::optional<Settings> settings;
};

bool IsDomainName(const std::string& s) {
  static const std::regex kDomain("([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}");
  return std::regex_match(s, kDomain);
}

void ReadTenant(const YamlContext& ctx, const MapReader& top, Fragment& out) {
  auto tenant = top.String("tenant");
  if (!tenant) return;
  const SourceLoc& loc = top.Find("tenant")->value_loc;
  if (!IsGuid(*tenant) && !IsDomainName(*tenant)) {
    ctx.diags.Error("E0214", loc, fmt::format("tenant '{}' is neither a tenant id (GUID) nor a domain name", *tenant));
    return;
  }
  out.tenant = {IsGuid(*tenant) ? LowerAscii(*tenant) : LowerAscii(*tenant), loc};
}

void ReadSettings(const YamlContext& ctx, const MapReader& top, Fragment& out) {
  const YamlEntry* e = top.Typed("settings", YamlType::kMap);
  if (!e) return;
  Settings settings;
  settings.loc = e->key_loc;
  MapReader s(ctx, e->value, "settings", e->key_loc, {"owner", "prune"});
  settings.owner = s.String("owner").value_or("");
  if (const YamlEntry* prune = s.Typed("prune", YamlType::kMap)) {
    MapReader p(ctx, prune->value, "settings.prune", prune->key_loc, {"apps"});
    settings.prune_apps = p.Bool("apps").value_or(false);
  }
  out.settings = settings;
}

void ReadNamed(const YamlContext& ctx, const MapReader& top, const char* key, const char* what,
               const std::function<void(const YamlEntry&)>& read) {
  const YamlEntry* e = top.Typed(key, YamlType::kMap);
  if (!e) return;
  for (const auto& entry : MapEntries(ctx, e->value, key, e->value_loc)) {
    if (!IsValidName(entry.key)) {
      ctx.diags.Error("E0202", entry.key_loc,
                      fmt::format("invalid {} '{}': use letters, digits, '.', '_' and '-', starting with a letter or "
                                  "digit, at most 120 characters",
                                  what, entry.key));
      continue;
    }
    read(entry);
  }
}

Fragment ReadFile(const std::string& file, const std::string& text, Diagnostics& diags) {
  Fragment out;
  auto root = ParseYamlDocument(file, text, diags);
  if (!root) return out;
  YamlContext ctx{file, diags};
  SourceLoc top_loc{file, 1, 1, 1};
  if (TypeOf(*root) == YamlType::kNull) {
    diags.Error("E0104", top_loc, "the manifest is empty; it needs at least 'version: 1'");
    return out;
  }
  MapReader top(ctx, *root, "the manifest", top_loc, {"version", "tenant", "identities", "apps", "settings"});
  if (!top.is_map()) return out;
  if (auto version = top.Int("version", true); version && *version != 1) {
    diags.Error("E0105", top.Find("version")->value_loc,
                fmt::format("unsupported manifest version {}; this entragate reads version 1", *version));
  }
  ReadTenant(ctx, top, out);
  ReadNamed(ctx, top, "identities", "identity name", [&](const YamlEntry& e) {
    if (auto id = manifest_detail::ReadIdentity(ctx, e)) out.identities.push_back(std::move(*id));
  });
  ReadNamed(ctx, top, "apps", "app key", [&](const YamlEntry& e) { out.apps.push_back(manifest_detail::ReadApp(ctx, e)); });
  ReadSettings(ctx, top, out);
  return out;
}

void Merge(Fragment&& f, DesiredState& state, Diagnostics& diags, std::map<std::string, SourceLoc>& app_locs) {
  if (f.tenant) {
    if (state.tenant && *state.tenant != f.tenant->first) {
      diags.Error("E0107", f.tenant->second,
                  fmt::format("tenant '{}' contradicts tenant '{}' given at {}", f.tenant->first, *state.tenant,
                              state.tenant_loc.ToString()));
    } else if (!state.tenant) {
      state.tenant = f.tenant->first;
      state.tenant_loc = f.tenant->second;
    }
  }
  for (auto& id : f.identities) {
    auto [it, inserted] = state.identities.emplace(id.name, id);
    if (!inserted)
      diags.Error("E0106", id.loc, fmt::format("identity '{}' is defined twice: here and at {}", id.name, it->second.loc.ToString()));
  }
  for (auto& app : f.apps) {
    auto [it, inserted] = app_locs.emplace(app.key, app.loc);
    if (!inserted) {
      diags.Error("E0106", app.loc, fmt::format("app '{}' is defined twice: here and at {}", app.key, it->second.ToString()));
      continue;
    }
    state.apps.push_back(std::move(app));
  }
  if (f.settings) {
    if (state.settings.loc.valid())
      diags.Error("E0106", f.settings->loc, fmt::format("settings are defined twice: here and at {}", state.settings.loc.ToString()));
    else
      state.settings = *f.settings;
  }
}

// Reads at most one byte past the limit, so a huge file or a device (/dev/zero) cannot exhaust memory.
std::optional<std::string> ReadWholeFile(const fs::path& path, Diagnostics& diags) {
  const size_t limit = YamlLimits{}.max_bytes;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.Error("E0001", {path.string(), 0, 0, 0}, fmt::format("cannot read '{}'", path.string()));
    return std::nullopt;
  }
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    diags.Error("E0001", {path.string(), 0, 0, 0}, fmt::format("cannot read '{}'", path.string()));
    return std::nullopt;
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > limit) {
    diags.Error("E0003", {path.string(), 0, 0, 0},
                fmt::format("file is larger than {} bytes, the limit for a manifest file", limit));
    return std::nullopt;
  }
  return text;
}

std::vector<fs::path> ManifestFiles(const std::string& path, Diagnostics& diags) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    diags.Error("E0001", {path, 0, 0, 0}, fmt::format("cannot read '{}': no such file or directory", path));
    return {};
  }
  if (!fs::is_directory(status)) return {fs::path(path)};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    auto ext = entry.path().extension();
    if ((ext == ".yaml" || ext == ".yml") && entry.is_regular_file()) files.push_back(entry.path());
  }
  if (ec) diags.Error("E0001", {path, 0, 0, 0}, fmt::format("cannot list '{}': {}", path, ec.message()));
  std::sort(files.begin(), files.end());
  if (files.empty() && !ec)
    diags.Error("E0002", {path, 0, 0, 0}, fmt::format("no manifest files (*.yaml, *.yml) in directory '{}'", path));
  return files;
}

DesiredState Finish(DesiredState state, Diagnostics& diags) {
  std::sort(state.apps.begin(), state.apps.end(), [](const App& a, const App& b) { return a.key < b.key; });
  manifest_detail::CheckReferences(state, diags);
  diags.Sort();
  return state;
}

}  // namespace

DesiredState LoadManifestTexts(const std::vector<std::pair<std::string, std::string>>& files, Diagnostics& diags) {
  DesiredState state;
  std::map<std::string, SourceLoc> app_locs;
  for (const auto& [name, text] : files) {
    state.files.push_back(name);
    Merge(ReadFile(name, text, diags), state, diags, app_locs);
  }
  return Finish(std::move(state), diags);
}

DesiredState LoadManifest(const std::string& path, Diagnostics& diags) {
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& file : ManifestFiles(path, diags))
    if (auto text = ReadWholeFile(file, diags)) texts.emplace_back(file.string(), std::move(*text));
  return LoadManifestTexts(texts, diags);
}

}  // namespace entragate::engine
