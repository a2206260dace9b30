// environments: reading them, choosing the one a run is for, ${var.NAME} and per-environment apps.
#include "engine/manifest_environments.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/manifest_reader.h"

namespace entragate::engine::manifest_detail {

const Environment* Environments::Find(const std::string& name) const {
  auto it = std::find_if(list.begin(), list.end(), [&](const Environment& e) { return e.name == name; });
  return it == list.end() ? nullptr : &*it;
}

std::vector<std::string> Environments::Names() const {
  std::vector<std::string> out;
  for (const auto& e : list) out.push_back(e.name);
  return out;
}

std::map<std::string, std::vector<std::string>> Environments::Bindings() const {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& e : list)
    for (const auto& id : e.identities) out[id.name].push_back(e.name);
  return out;
}

namespace {

// Variables are text; a number or a boolean is taken as written, so `replicas: 3` reads as "3".
void ReadVars(const YamlContext& ctx, const YamlEntry& e, Environment& env) {
  std::string what = fmt::format("vars of environment '{}'", env.name);
  for (const auto& v : MapEntries(ctx, e.value, what, e.value_loc)) {
    if (!IsValidName(v.key)) {
      ctx.diags.Error("E0202", v.key_loc,
                      fmt::format("invalid variable name '{}': use letters, digits, '.', '_' and '-', starting with a letter or digit", v.key));
      continue;
    }
    YamlType t = TypeOf(v.value);
    if (t == YamlType::kMap || t == YamlType::kSequence || t == YamlType::kNull) {
      ctx.diags.Error("E0102", v.value_loc, fmt::format("'{}' in {}: expected a string, found {}", v.key, what, Describe(t)),
                      t == YamlType::kNull ? "write \"\" for an empty value" : "");
      continue;
    }
    env.vars[v.key] = v.value.Scalar();
  }
}

void ReadOne(const YamlContext& ctx, const YamlEntry& entry, Environments& out) {
  if (const Environment* first = out.Find(entry.key)) {
    ctx.diags.Error("E0106", entry.key_loc, fmt::format("environment '{}' is defined twice: here and at {}", entry.key, first->loc.ToString()));
    return;
  }
  Environment env;
  env.name = entry.key;
  env.loc = entry.key_loc;
  MapReader r(ctx, entry.value, fmt::format("environment '{}'", entry.key), entry.key_loc, {"tenant", "vars", "identities"});
  if (TypeOf(entry.value) != YamlType::kNull && !r.is_map()) return;
  env.tenant = ReadTenantValue(ctx, r);
  if (const YamlEntry* vars = r.Typed("vars", YamlType::kMap)) ReadVars(ctx, *vars, env);
  if (const YamlEntry* ids = r.Typed("identities", YamlType::kMap)) {
    for (const auto& e : MapEntries(ctx, ids->value, fmt::format("identities of environment '{}'", env.name), ids->value_loc)) {
      if (!IsValidName(e.key)) {
        ctx.diags.Error("E0202", e.key_loc,
                        fmt::format("invalid identity name '{}': use letters, digits, '.', '_' and '-', starting with a letter or "
                                    "digit, at most 120 characters",
                                    e.key));
        continue;
      }
      if (auto id = ReadIdentity(ctx, e)) env.identities.push_back(std::move(*id));
    }
  }
  out.list.push_back(std::move(env));
}

}  // namespace

void ReadEnvironments(const YamlContext& ctx, const YamlEntry& e, Environments& out) {
  if (!out.loc.valid()) out.loc = e.key_loc;
  for (const auto& entry : MapEntries(ctx, e.value, "environments", e.value_loc)) {
    if (!IsValidName(entry.key)) {
      ctx.diags.Error(
          "E0202", entry.key_loc,
          fmt::format("invalid environment name '{}': use letters, digits, '.', '_' and '-', starting with a letter or digit", entry.key));
      continue;
    }
    ReadOne(ctx, entry, out);
  }
}

const Environment* ChooseEnvironment(const Environments& envs, const std::optional<std::string>& wanted, const std::string& set_name, bool& ok,
                                     Diagnostics& diags) {
  ok = true;
  if (!envs.declared()) {
    if (!wanted) return nullptr;
    ok = false;
    diags.Error("E0225", {set_name, 0, 0, 0}, fmt::format("environment '{}' was asked for, but this manifest set declares no environments", *wanted),
                "leave out --env and ENTRAGATE_ENV, or declare the environment under environments:");
    return nullptr;
  }
  std::vector<std::string> names = envs.Names();
  if (!wanted) {
    ok = false;
    diags.Error("E0225", envs.loc,
                fmt::format("this manifest set declares environments ({}); choose one with --env NAME or ENTRAGATE_ENV", fmt::join(names, ", ")));
    return nullptr;
  }
  const Environment* env = envs.Find(*wanted);
  if (!env) {
    ok = false;
    std::string hint = DidYouMean(*wanted, names);
    diags.Error("E0225", envs.loc, fmt::format("unknown environment '{}'; this manifest set declares {}", *wanted, fmt::join(names, ", ")), hint);
  }
  return env;
}

std::optional<std::string> ExpandVars(const Environments& envs, const Environment* env, const std::string& text, const SourceLoc& loc,
                                      Diagnostics& diags) {
  if (text.find("${") == std::string::npos) return text;
  std::string out;
  bool ok = true;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    size_t close = text.find('}', i);
    std::string ref = close == std::string::npos ? text.substr(i) : text.substr(i, close - i + 1);
    if (close == std::string::npos || ref.compare(0, 6, "${var.") != 0 || ref.size() == 7) {
      diags.Error("E0224", loc, fmt::format("'{}' is not a variable reference; write ${{var.NAME}}", ref), "for a literal ${ write $${");
      ok = false;
      if (close == std::string::npos) break;
      i = close + 1;
      continue;
    }
    std::string name = ref.substr(6, ref.size() - 7);
    i = close + 1;
    if (env && env->vars.count(name)) {
      out += env->vars.at(name);
      continue;
    }
    ok = false;
    std::vector<std::string> elsewhere, known;
    for (const auto& e : envs.list)
      if (e.vars.count(name)) elsewhere.push_back(e.name);
    if (env)
      for (const auto& [k, v] : env->vars) known.push_back(k);
    if (!env)
      diags.Error("E0224", loc, fmt::format("unknown variable '{}': this manifest set declares no environments, so it has no variables", name),
                  "variables are given per environment, under environments.NAME.vars");
    else if (!elsewhere.empty())
      diags.Error("E0224", loc,
                  fmt::format("variable '{}' is not defined in environment '{}' (only in {})", name, env->name, fmt::join(elsewhere, ", ")),
                  fmt::format("add it under environments.{}.vars", env->name));
    else
      diags.Error("E0224", loc, fmt::format("unknown variable '{}' in environment '{}'", name, env->name), DidYouMean(name, known));
  }
  if (!ok) return std::nullopt;
  return out;
}

bool AppInEnvironment(const YamlContext& ctx, const YamlEntry& entry, const Environments& envs, const Environment* env) {
  if (TypeOf(entry.value) != YamlType::kMap || !entry.value["environments"]) return true;
  YamlContext plain{ctx.file, ctx.diags, nullptr};  // environment names are never variables
  const YamlNode& list = entry.value["environments"];
  SourceLoc at = plain.Loc(list);
  std::string what = fmt::format("environments of app '{}'", entry.key);
  if (!ExpectType(plain, list, YamlType::kSequence, what, at)) return true;
  bool in = false;
  std::vector<std::string> names = envs.Names();
  for (const auto& [name, loc] : StringItems(plain, list, what)) {
    if (!envs.declared()) {
      ctx.diags.Error("E0226", loc, fmt::format("app '{}' lists environment '{}', but this manifest set declares no environments", entry.key, name));
      continue;
    }
    if (!envs.Find(name)) {
      ctx.diags.Error("E0226", loc, fmt::format("unknown environment '{}' in {}; this manifest set declares {}", name, what, fmt::join(names, ", ")),
                      DidYouMean(name, names));
      continue;
    }
    if (env && name == env->name) in = true;
  }
  return in || !env;
}

}  // namespace entragate::engine::manifest_detail
