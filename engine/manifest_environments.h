#pragma once
// The environments of a manifest set (dev, test, prod, …): per environment a tenant guard, variables
// for ${var.NAME} and identity bindings. One set then describes several tenants, and a run is for
// one of them. Not for use outside engine/manifest*.cpp.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/model.h"
#include "engine/yaml_fields.h"

namespace entragate::engine::manifest_detail {

struct Environment {
  std::string name;
  SourceLoc loc;  ///< its key under environments
  std::optional<std::pair<std::string, SourceLoc>> tenant;
  std::map<std::string, std::string> vars;
  std::vector<Identity> identities;  ///< bindings: names the apps' access uses, per environment
};

/// Every environment the set declares, from whichever files declare them.
struct Environments {
  std::vector<Environment> list;  ///< in the order read
  SourceLoc loc;                  ///< the first `environments` key

  bool declared() const { return !list.empty(); }
  const Environment* Find(const std::string& name) const;
  std::vector<std::string> Names() const;
  /// identity name → the environments that bind it.
  std::map<std::string, std::vector<std::string>> Bindings() const;
};

/// Reads one file's top-level `environments` entry into `out`; an environment declared twice is E0106.
void ReadEnvironments(const YamlContext& ctx, const YamlEntry& top, Environments& out);

/// The environment a run is for. nullptr with no problem when the set declares none and none was
/// asked for; reports E0225 (none chosen, unknown, or asked of a set without environments).
const Environment* ChooseEnvironment(const Environments& envs, const std::optional<std::string>& wanted, const std::string& set_name, bool& ok,
                                     Diagnostics& diags);

/// `text` with each ${var.NAME} replaced by the chosen environment's value ($${ is a literal ${);
/// nullopt after reporting E0224 at `loc` for an unknown variable or a malformed reference.
std::optional<std::string> ExpandVars(const Environments& envs, const Environment* env, const std::string& text, const SourceLoc& loc,
                                      Diagnostics& diags);

/// Whether app `entry` belongs in `env`: its `environments` list names it, or it has none (all).
/// Reports E0226 for names the set does not declare, and for the list in a set without environments.
bool AppInEnvironment(const YamlContext& ctx, const YamlEntry& entry, const Environments& envs, const Environment* env);

}  // namespace entragate::engine::manifest_detail
