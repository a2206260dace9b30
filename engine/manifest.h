#pragma once
// Manifest v1 → DesiredState. The only reader of manifest YAML. Every problem found in one run is
// reported with its location; the returned state is meaningful only when diags has no errors.

#include <optional>
#include <string>
#include <vector>

#include "engine/diag.h"
#include "engine/model.h"

namespace entragate::engine {

struct LoadOptions {
  /// The environment to resolve: required when the set declares environments, refused when it
  /// declares none (E0225).
  std::optional<std::string> environment;
};

/// Reads a manifest set: each path is a file, or every *.yaml / *.yml below a directory at any depth
/// (sorted by relative path, hidden entries skipped); all of them merged into one set, in the order
/// the paths are given (a file reached twice is read once), one file at a time. Files that cannot be
/// read are reported (E0001, E0002, E0003, E0009), never skipped silently. When the set declares
/// environments, the state is that of `options.environment`: its tenant, variables and identities,
/// and only the apps that belong to it.
DesiredState LoadManifestSet(const std::vector<std::string>& paths, const LoadOptions& options, Diagnostics& diags);
DesiredState LoadManifest(const std::string& path, Diagnostics& diags);  ///< one path, no environment

/// One in-memory file per entry (name, text), merged in the given order. For tests and tools.
DesiredState LoadManifestTexts(const std::vector<std::pair<std::string, std::string>>& files, Diagnostics& diags, const LoadOptions& options = {});

/// The environments the set at `paths` declares, in order; empty when none (or it cannot be read).
std::vector<std::string> ManifestEnvironments(const std::vector<std::string>& paths);

/// The namespace of derived role ids: id = UUIDv5(kRoleIdNamespace, "<app key>/<role value>").
inline constexpr const char* kRoleIdNamespace = "4f1c8f0e-9b7a-5d2e-8c61-2a0e5b7d9c34";

/// The id a role gets when the manifest does not give one.
std::string DerivedRoleId(const std::string& app_key, const std::string& role_value);

}  // namespace entragate::engine
