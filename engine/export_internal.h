#pragma once
// Internals shared by export.cpp (what of each app a manifest can state) and export_yaml.cpp (the
// text). Not for use outside engine/export*.cpp.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "engine/export.h"
#include "engine/graph_rules.h"
#include "engine/model.h"

namespace entragate::engine::export_detail {

std::string Str(const boost::json::object& o, std::string_view key);
std::vector<std::string> Strings(const boost::json::value* v);

/// Local names in use. Compared ignoring case: app keys become file names, and some file systems
/// ignore case.
class NameBook {
 public:
  bool Has(const std::string& name) const { return used_.count(LowerAscii(name)) > 0; }
  /// `base`, or `base-2`, `base-3`, … when taken; the result is taken from then on.
  std::string Take(const std::string& base);

 private:
  std::set<std::string> used_;
};

struct RoleOut {
  std::string value, id, display_name, description;
  std::vector<std::string> types;  ///< allowedMemberTypes, sorted
  bool enabled = true;
};

struct ClaimOut {
  std::string name;
  bool essential = false;
  std::optional<std::string> source;
  std::vector<std::string> additional_properties;  ///< sorted

  bool Plain() const { return !essential && !source && additional_properties.empty(); }
};

/// Token type ("accessToken", …) → its claims, sorted by name; token types without claims are absent.
using ClaimsOut = std::vector<std::pair<std::string, std::vector<ClaimOut>>>;

/// An assignment the manifest states: `app_key` when the principal is an exported app's own service
/// principal, else `object_id` names an identity.
struct GrantOut {
  std::string role;
  std::string app_key;
  std::string object_id;
};

/// One exported app, as the manifest will state it. An absent optional is a field left out.
struct AppDoc {
  const ExportApp* src = nullptr;
  std::string key;
  bool adopt = false;                         ///< no usable uniqueName: `adopt: { appId }`
  std::string app_id;                         ///< lower case
  std::vector<std::string> notes;             ///< also written as comments above the app
  std::optional<std::vector<RoleOut>> roles;  ///< sorted by value
  std::optional<ClaimsOut> claims;
  std::optional<std::vector<std::string>> uris;  ///< with {appId} and {tenantId} put back
  std::vector<std::string> left_out_uris;        ///< shown in a comment when `uris` is left out
  std::vector<GrantOut> grants;
  std::optional<std::map<std::string, std::vector<std::string>>> access;  ///< role value → names, sorted
  /// Owners a manifest can state (GrantOut without a role); absent when there are none or one
  /// cannot be stated (then the field is left out and said in a note).
  std::optional<std::vector<GrantOut>> owner_refs, sp_owner_refs;
  std::optional<std::vector<std::string>> owners, sp_owners;  ///< names, sorted
};

struct IdentityOut {
  std::string name;
  IdentitySelector selector = IdentitySelector::kObjectId;
  std::string value;
  std::set<std::string> apps;  ///< keys of the apps whose access names it
};

/// The files of an export (export_yaml.cpp).
std::vector<ExportedFile> RenderFiles(const ExportSource& source, const std::vector<AppDoc>& docs,
                                      const std::map<std::string, IdentityOut>& identities, ExportLayout layout);

}  // namespace entragate::engine::export_detail
