#pragma once
// Typed, located access to the mappings of a manifest. Every wrong type, duplicate key, unknown key
// and missing key becomes a diagnostic; callers get either a value or nothing and carry on, so one
// run reports every problem.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/diag.h"
#include "engine/yaml_document.h"

namespace entragate::engine {

/// Where the reader is: the file (for locations) and where problems go.
struct YamlContext {
  std::string file;
  Diagnostics& diags;
  /// Applied to every string value read through MapReader::String and StringItems (not to keys):
  /// the manifest's ${var.NAME}. Returns nullopt after reporting a problem.
  std::function<std::optional<std::string>(const std::string& text, const SourceLoc& loc)> expand = nullptr;

  SourceLoc Loc(const YamlNode& node, const SourceLoc& fallback = {}) const { return LocOf(file, node, fallback); }
};

struct YamlEntry {
  std::string key;
  SourceLoc key_loc;
  const YamlNode& value;
  SourceLoc value_loc;  ///< the key's location when the value is null
};

/// The entries of a mapping with free-form keys (apps, identities, roles). Reports E0102 when `node`
/// is not a mapping and E0103 for a key given twice (the first one wins).
std::vector<YamlEntry> MapEntries(const YamlContext& ctx, const YamlNode& node, std::string_view what, const SourceLoc& where);

/// A mapping with a fixed set of keys. `where` is the position of the key that owns the mapping: a
/// missing key is reported there. Unknown keys (E0101, with "did you mean") and duplicates are
/// reported on construction; getters report wrong types (E0102), missing required keys (E0104) and
/// empty strings (E0219).
class MapReader {
 public:
  MapReader(const YamlContext& ctx, const YamlNode& node, std::string what, const SourceLoc& where, std::vector<std::string> allowed);

  bool is_map() const { return is_map_; }
  const std::vector<YamlEntry>& entries() const { return entries_; }
  const YamlEntry* Find(std::string_view key) const;

  std::optional<std::string> String(std::string_view key, bool required = false) const;
  std::optional<bool> Bool(std::string_view key) const;
  std::optional<long long> Int(std::string_view key, bool required = false) const;
  /// The entry when its value has the given type (kMap or kSequence), else nullptr (reported).
  const YamlEntry* Typed(std::string_view key, YamlType type, bool required = false) const;
  /// A list of strings; reports non-string items and duplicates (E0110).
  std::optional<std::vector<std::pair<std::string, SourceLoc>>> StringList(std::string_view key) const;

  const std::string& what() const { return what_; }
  const SourceLoc& where() const { return where_; }

 private:
  const YamlEntry* Require(std::string_view key, bool required) const;
  bool Expect(const YamlEntry& e, YamlType type) const;

  const YamlContext& ctx_;
  std::string what_;
  SourceLoc where_;
  bool is_map_ = false;
  std::vector<YamlEntry> entries_;
};

/// Reports E0102 unless `node` has `type`; "in <what>" names the place.
bool ExpectType(const YamlContext& ctx, const YamlNode& node, YamlType type, std::string_view what, const SourceLoc& loc);

/// The items of a list of strings (E0102 for other items, E0110 for duplicates), with locations.
std::vector<std::pair<std::string, SourceLoc>> StringItems(const YamlContext& ctx, const YamlNode& seq, std::string_view what);

}  // namespace entragate::engine
