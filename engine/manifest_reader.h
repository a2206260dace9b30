#pragma once
// Internals of the manifest loader, shared by its translation units: reading one app, and the checks
// across the whole merged manifest. Not for use outside engine/manifest*.cpp.

#include "engine/model.h"
#include "engine/yaml_fields.h"

namespace entragate::engine::manifest_detail {

/// Reads `apps.<key>`; the app's key has been checked already.
App ReadApp(const YamlContext& ctx, const YamlEntry& entry);

/// Reads `identities.<name>`; nullopt when the selector is missing or ambiguous (reported).
std::optional<Identity> ReadIdentity(const YamlContext& ctx, const YamlEntry& entry);

/// Checks that span apps and identities, possibly from several files: references in `access`,
/// member types, duplicate role ids and identifier URIs, name clashes. Resolves Grant.principal_is_app.
/// `bindings` (identity name → environments binding it) explains a name the chosen environment lacks.
void CheckReferences(DesiredState& state, Diagnostics& diags, const std::map<std::string, std::vector<std::string>>& bindings = {});

/// `tenant` of a mapping (the top level, an environment): a GUID (lower-cased) or a domain name
/// (E0214 otherwise), with the value's location.
std::optional<std::pair<std::string, SourceLoc>> ReadTenantValue(const YamlContext& ctx, const MapReader& r);

}  // namespace entragate::engine::manifest_detail
