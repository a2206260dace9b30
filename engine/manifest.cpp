// Manifest files → DesiredState: finding the files, reading each one's top level, merging them.
#include "engine/manifest.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <filesystem>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "crypto/hash.h"
#include "engine/graph_rules.h"
#include "engine/manifest_environments.h"
#include "engine/manifest_files.h"
#include "engine/manifest_reader.h"
#include "engine/yaml_document.h"
#include "engine/yaml_fields.h"

namespace entragate::engine {

std::string DerivedRoleId(const std::string& app_key, const std::string& role_value) {
  // The namespace is a valid constant, so this cannot fail.
  return crypto::Uuid5(kRoleIdNamespace, app_key + "/" + role_value).value();
}

namespace manifest_detail {

std::optional<Identity> ReadIdentity(const YamlContext& ctx, const YamlEntry& entry) {
  static const std::vector<IdentitySelector> kSelectors = {
      IdentitySelector::kManagedIdentity,  IdentitySelector::kResourceId, IdentitySelector::kAppId, IdentitySelector::kObjectId,
      IdentitySelector::kServicePrincipal, IdentitySelector::kGroup,      IdentitySelector::kUser};
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

namespace {

bool IsDomainName(const std::string& s) {
  static const std::regex kDomain("([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}");
  return std::regex_match(s, kDomain);
}

}  // namespace

std::optional<std::pair<std::string, SourceLoc>> ReadTenantValue(const YamlContext& ctx, const MapReader& r) {
  auto tenant = r.String("tenant");
  if (!tenant) return std::nullopt;
  const SourceLoc& loc = r.Find("tenant")->value_loc;
  if (!IsGuid(*tenant) && !IsDomainName(*tenant)) {
    ctx.diags.Error("E0214", loc, fmt::format("tenant '{}' is neither a tenant id (GUID) nor a domain name", *tenant));
    return std::nullopt;
  }
  return std::make_pair(LowerAscii(*tenant), loc);
}

}  // namespace manifest_detail

namespace {

// What one file contributes before merging.
struct Fragment {
  std::optional<std::pair<std::string, SourceLoc>> tenant;
  std::vector<Identity> identities;
  std::vector<App> apps;
  std::optional<Settings> settings;
};

void ReadSettings(const YamlContext& ctx, const MapReader& top, Fragment& out) {
  const YamlEntry* e = top.Typed("settings", YamlType::kMap);
  if (!e) return;
  Settings settings;
  settings.loc = e->key_loc;
  MapReader s(ctx, e->value, "settings", e->key_loc, {"owner", "prune"});
  if (auto owner = s.String("owner")) {
    settings.owner_loc = s.Find("owner")->value_loc;
    if (IsValidName(*owner))
      settings.owner = *owner;
    else
      ctx.diags.Error("E0202", settings.owner_loc,
                      fmt::format("invalid settings.owner '{}': use letters, digits, '.', '_' and '-', starting with a "
                                  "letter or digit, at most 120 characters",
                                  *owner));
  }
  if (const YamlEntry* prune = s.Typed("prune", YamlType::kMap)) {
    MapReader p(ctx, prune->value, "settings.prune", prune->key_loc, {"apps"});
    settings.prune_apps = p.Bool("apps").value_or(false);
    // Prune deletes only what this set created, so it must know whose set it is.
    if (settings.prune_apps && !s.Find("owner"))
      ctx.diags.Error("E0221", p.Find("apps")->value_loc, "settings.prune.apps is true, but settings.owner is not set",
                      "name who owns this set, e.g. owner: team-payments; prune then deletes only applications "
                      "entragate created for that owner");
  }
  out.settings = settings;
}

void ReadNamed(const YamlContext& ctx, const MapReader& top, const char* key, const char* what, const std::function<void(const YamlEntry&)>& read) {
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

// What the run resolves against: the set's environments and the one chosen (null: none declared).
struct Scope {
  const manifest_detail::Environments& envs;
  const manifest_detail::Environment* env;
};

const std::vector<std::string> kTopKeys = {"version", "tenant", "identities", "apps", "settings", "environments"};

Fragment ReadFile(const std::string& file, const std::string& text, const Scope& scope, Diagnostics& diags) {
  Fragment out;
  auto document = ParseYamlDocument(file, text, diags);
  if (!document) return out;
  const YamlNode& root = document->root();
  YamlContext ctx{file, diags, [&](const std::string& value, const SourceLoc& loc) {
                    return manifest_detail::ExpandVars(scope.envs, scope.env, value, loc, diags);
                  }};
  SourceLoc top_loc{file, 1, 1, 1};
  if (TypeOf(root) == YamlType::kNull) {
    diags.Error("E0104", top_loc, "the manifest is empty; it needs at least 'version: 1'");
    return out;
  }
  MapReader top(ctx, root, "the manifest", top_loc, kTopKeys);
  if (!top.is_map()) return out;
  if (auto version = top.Int("version", true); version && *version != 1) {
    diags.Error("E0105", top.Find("version")->value_loc, fmt::format("unsupported manifest version {}; this entragate reads version 1", *version));
  }
  if (auto tenant = manifest_detail::ReadTenantValue(ctx, top)) out.tenant = *tenant;
  ReadNamed(ctx, top, "identities", "identity name", [&](const YamlEntry& e) {
    if (auto id = manifest_detail::ReadIdentity(ctx, e)) out.identities.push_back(std::move(*id));
  });
  ReadNamed(ctx, top, "apps", "app key", [&](const YamlEntry& e) {
    if (manifest_detail::AppInEnvironment(ctx, e, scope.envs, scope.env)) out.apps.push_back(manifest_detail::ReadApp(ctx, e));
  });
  ReadSettings(ctx, top, out);
  return out;
}

// The first pass: only `environments`, which every file's strings may depend on. Problems of the
// YAML itself are left to the second pass, which reports them once.
void ReadFileEnvironments(const std::string& file, const std::string& text, manifest_detail::Environments& envs, Diagnostics& diags) {
  if (text.find("environments") == std::string::npos) return;  // cannot declare any
  Diagnostics parse;
  auto document = ParseYamlDocument(file, text, parse);
  if (!document || TypeOf(document->root()) != YamlType::kMap) return;
  Diagnostics keys;  // duplicate or odd keys: the second pass reports those
  YamlContext quiet{file, keys, nullptr};
  YamlContext ctx{file, diags, nullptr};
  for (const auto& e : MapEntries(quiet, document->root(), "the manifest", {file, 1, 1, 1}))
    if (e.key == "environments") return manifest_detail::ReadEnvironments(ctx, e, envs);
}

void Merge(Fragment&& f, DesiredState& state, Diagnostics& diags, std::map<std::string, SourceLoc>& app_locs) {
  if (f.tenant) {
    if (state.tenant && *state.tenant != f.tenant->first) {
      diags.Error("E0107", f.tenant->second,
                  fmt::format("tenant '{}' contradicts tenant '{}' given at {}", f.tenant->first, *state.tenant, state.tenant_loc.ToString()));
    } else if (!state.tenant) {
      state.tenant = f.tenant->first;
      state.tenant_loc = f.tenant->second;
    }
  }
  for (auto& id : f.identities) {
    auto [it, inserted] = state.identities.emplace(id.name, id);
    if (!inserted) diags.Error("E0106", id.loc, fmt::format("identity '{}' is defined twice: here and at {}", id.name, it->second.loc.ToString()));
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

// The chosen environment's tenant and identity bindings join what the files say.
void MergeEnvironment(const manifest_detail::Environment& env, DesiredState& state, Diagnostics& diags) {
  if (env.tenant) {
    if (state.tenant)
      diags.Error("E0223", env.tenant->second,
                  fmt::format("environment '{}' gives a tenant, and so does the top level at {}; with environments, give the "
                              "tenant in each environment only",
                              env.name, state.tenant_loc.ToString()));
    state.tenant = env.tenant->first;
    state.tenant_loc = env.tenant->second;
  }
  for (const auto& id : env.identities) {
    auto [it, inserted] = state.identities.emplace(id.name, id);
    if (!inserted) diags.Error("E0106", id.loc, fmt::format("identity '{}' is defined twice: here and at {}", id.name, it->second.loc.ToString()));
  }
}

DesiredState Finish(DesiredState state, Diagnostics& diags, const manifest_detail::Environments& envs) {
  // Sorted by key through their indexes, then each app moved once: an app is a large object.
  std::vector<size_t> order(state.apps.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return state.apps[a].key < state.apps[b].key; });
  std::vector<App> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(std::move(state.apps[i]));
  state.apps = std::move(sorted);
  manifest_detail::CheckReferences(state, diags, envs.Bindings());
  diags.Sort();
  for (const auto& d : diags.items())
    if (d.severity == Severity::kWarning) state.warnings.push_back(d);
  return state;
}

// Calls `read(name, text)` for each file of the set, in order; problems reading go to `diags`.
using ForEachFile = std::function<void(Diagnostics& diags, const std::function<void(const std::string&, const std::string&)>& read)>;

// Two passes over the files: the environments first (any file may declare them, and every file's
// strings may use their variables), then everything else, resolved for the chosen environment.
DesiredState Load(const ForEachFile& files, const std::string& set_name, const LoadOptions& options, Diagnostics& diags) {
  manifest_detail::Environments envs;
  Diagnostics reading;  // the second pass reports unreadable files once
  files(reading, [&](const std::string& name, const std::string& text) { ReadFileEnvironments(name, text, envs, diags); });
  DesiredState state;
  state.environments = envs.Names();
  bool chosen = true;
  const manifest_detail::Environment* env = manifest_detail::ChooseEnvironment(envs, options.environment, set_name, chosen, diags);
  if (!chosen) {
    diags.Sort();
    return state;
  }
  if (env) state.environment = env->name;
  Scope scope{envs, env};
  std::map<std::string, SourceLoc> app_locs;
  files(diags, [&](const std::string& name, const std::string& text) {
    state.files.push_back(name);
    Merge(ReadFile(name, text, scope, diags), state, diags, app_locs);
  });
  if (env) MergeEnvironment(*env, state, diags);
  return Finish(std::move(state), diags, envs);
}

// The files of every path, in order; a file reached twice (named, and inside a named directory) once.
std::vector<std::string> ListSet(const std::vector<std::string>& paths, Diagnostics& diags) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& path : paths)
    for (auto& file : manifest_detail::ListManifestFiles(path, diags)) {
      std::error_code ec;
      std::string key = std::filesystem::weakly_canonical(file, ec).string();
      if (seen.insert(ec ? file : key).second) out.push_back(std::move(file));
    }
  return out;
}

ForEachFile SetFiles(const std::vector<std::string>& files) {
  // One file at a time: its text and node tree are gone before the next file is read, so memory
  // grows with what the manifests say, not with how many files say it.
  return [&files](Diagnostics& diags, const std::function<void(const std::string&, const std::string&)>& read) {
    for (const auto& file : files)
      if (auto text = manifest_detail::ReadManifestFile(file, YamlLimits{}.max_bytes, diags)) read(file, *text);
  };
}

std::string SetName(const std::vector<std::string>& paths) { return paths.empty() ? std::string() : paths.front(); }

}  // namespace

DesiredState LoadManifestTexts(const std::vector<std::pair<std::string, std::string>>& files, Diagnostics& diags, const LoadOptions& options) {
  ForEachFile each = [&files](Diagnostics&, const std::function<void(const std::string&, const std::string&)>& read) {
    for (const auto& [name, text] : files) read(name, text);
  };
  return Load(each, files.empty() ? std::string() : files.front().first, options, diags);
}

DesiredState LoadManifestSet(const std::vector<std::string>& paths, const LoadOptions& options, Diagnostics& diags) {
  std::vector<std::string> files = ListSet(paths, diags);
  if (files.empty()) {
    diags.Sort();
    return {};
  }
  return Load(SetFiles(files), SetName(paths), options, diags);
}

DesiredState LoadManifest(const std::string& path, Diagnostics& diags) { return LoadManifestSet({path}, {}, diags); }

std::vector<std::string> ManifestEnvironments(const std::vector<std::string>& paths) {
  Diagnostics ignored;
  manifest_detail::Environments envs;
  std::vector<std::string> files = ListSet(paths, ignored);
  SetFiles(files)(ignored, [&](const std::string& name, const std::string& text) { ReadFileEnvironments(name, text, envs, ignored); });
  return envs.Names();
}

}  // namespace entragate::engine
