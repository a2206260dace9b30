#include "engine/yaml_fields.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

namespace entragate::engine {

bool ExpectType(const YamlContext& ctx, const YamlNode& node, YamlType type, std::string_view what, const SourceLoc& loc) {
  YamlType actual = TypeOf(node);
  if (actual == type) return true;
  std::string hint;
  if (type == YamlType::kString && actual != YamlType::kMap && actual != YamlType::kSequence && actual != YamlType::kNull)
    hint = fmt::format("quote it to make it a string: \"{}\"", node.Scalar());
  if (type == YamlType::kBool && actual == YamlType::kString) hint = "write true or false, without quotes";
  if (type == YamlType::kInt && actual == YamlType::kString) hint = "write the number without quotes";
  ctx.diags.Error("E0102", loc, fmt::format("{}: expected {}, found {}", what, Describe(type), Describe(actual)), hint);
  return false;
}

std::vector<YamlEntry> MapEntries(const YamlContext& ctx, const YamlNode& node, std::string_view what, const SourceLoc& where) {
  std::vector<YamlEntry> out;
  if (!ExpectType(ctx, node, YamlType::kMap, what, where)) return out;
  out.reserve(node.size());
  // Duplicates are found by a scan in the small maps of an app, by an index in `apps` (10,000 keys
  // would cost 50 million comparisons).
  constexpr size_t kScanned = 16;
  std::unordered_map<std::string_view, size_t> index;
  if (node.size() > kScanned) index.reserve(node.size());
  for (size_t i = 0; i < node.size(); ++i) {
    const YamlNode& k = node.key(i);
    SourceLoc key_loc = ctx.Loc(k, where);
    if (!k.IsScalar()) {
      ctx.diags.Error("E0102", key_loc, fmt::format("{}: a key must be a plain name, found {}", what, Describe(TypeOf(k))));
      continue;
    }
    const std::string& key = k.Scalar();
    const YamlEntry* first = nullptr;
    if (node.size() > kScanned) {
      auto [at, added] = index.emplace(key, out.size());
      if (!added) first = &out[at->second];
    } else if (auto it = std::find_if(out.begin(), out.end(), [&](const YamlEntry& e) { return e.key == key; }); it != out.end()) {
      first = &*it;
    }
    if (first) {
      ctx.diags.Error("E0103", key_loc, fmt::format("duplicate key '{}' in {}; it was first given at {}", key, what, first->key_loc.ToString()));
      continue;
    }
    out.push_back({key, key_loc, node.value(i), ctx.Loc(node.value(i), key_loc)});
  }
  return out;
}

MapReader::MapReader(const YamlContext& ctx, const YamlNode& node, std::string what, const SourceLoc& where, std::vector<std::string> allowed)
    : ctx_(ctx), what_(std::move(what)), where_(where) {
  is_map_ = TypeOf(node) == YamlType::kMap;
  entries_ = MapEntries(ctx, node, what_, where);
  for (const auto& e : entries_) {
    if (std::find(allowed.begin(), allowed.end(), e.key) != allowed.end()) continue;
    ctx.diags.Error("E0101", e.key_loc, fmt::format("unknown key '{}' in {}", e.key, what_), DidYouMean(e.key, allowed));
  }
}

const YamlEntry* MapReader::Find(std::string_view key) const {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const YamlEntry& e) { return e.key == key; });
  return it == entries_.end() ? nullptr : &*it;
}

const YamlEntry* MapReader::Require(std::string_view key, bool required) const {
  const YamlEntry* e = Find(key);
  if (!e && required && is_map_) ctx_.diags.Error("E0104", where_, fmt::format("missing required key '{}' in {}", key, what_));
  return e;
}

bool MapReader::Expect(const YamlEntry& e, YamlType type) const {
  // The message is made only when it is needed: this runs for every field of every app.
  return TypeOf(e.value) == type || ExpectType(ctx_, e.value, type, fmt::format("'{}' in {}", e.key, what_), e.value_loc);
}

std::optional<std::string> MapReader::String(std::string_view key, bool required) const {
  const YamlEntry* e = Require(key, required);
  if (!e || !Expect(*e, YamlType::kString)) return std::nullopt;
  std::optional<std::string> value = e->value.Scalar();
  if (ctx_.expand && !value->empty()) value = ctx_.expand(*value, e->value_loc);
  if (!value) return std::nullopt;
  if (value->empty()) {
    ctx_.diags.Error("E0219", e->value_loc, fmt::format("'{}' in {} must not be empty", key, what_));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> MapReader::Bool(std::string_view key) const {
  const YamlEntry* e = Require(key, false);
  if (!e || !Expect(*e, YamlType::kBool)) return std::nullopt;
  return e->value.Scalar()[0] == 't' || e->value.Scalar()[0] == 'T';
}

std::optional<long long> MapReader::Int(std::string_view key, bool required) const {
  const YamlEntry* e = Require(key, required);
  if (!e || !Expect(*e, YamlType::kInt)) return std::nullopt;
  try {
    return std::stoll(e->value.Scalar(), nullptr, 0);
  } catch (const std::exception&) {
    ctx_.diags.Error("E0102", e->value_loc, fmt::format("'{}' in {}: {} is out of range", key, what_, e->value.Scalar()));
    return std::nullopt;
  }
}

const YamlEntry* MapReader::Typed(std::string_view key, YamlType type, bool required) const {
  const YamlEntry* e = Require(key, required);
  return e && Expect(*e, type) ? e : nullptr;
}

std::optional<std::vector<std::pair<std::string, SourceLoc>>> MapReader::StringList(std::string_view key) const {
  const YamlEntry* e = Typed(key, YamlType::kSequence);
  if (!e) return std::nullopt;
  return StringItems(ctx_, e->value, fmt::format("'{}' in {}", key, what_));
}

std::vector<std::pair<std::string, SourceLoc>> StringItems(const YamlContext& ctx, const YamlNode& seq, std::string_view what) {
  std::vector<std::pair<std::string, SourceLoc>> out;
  std::set<std::string> seen;
  SourceLoc list_loc = ctx.Loc(seq);
  for (const auto& item : seq) {
    SourceLoc loc = ctx.Loc(item, list_loc);
    if (TypeOf(item) != YamlType::kString && !ExpectType(ctx, item, YamlType::kString, fmt::format("an item of {}", what), loc)) continue;
    std::optional<std::string> value = item.Scalar();
    if (ctx.expand && !value->empty()) value = ctx.expand(*value, loc);
    if (!value) continue;
    if (value->empty()) {
      ctx.diags.Error("E0219", loc, fmt::format("an item of {} must not be empty", what));
      continue;
    }
    if (!seen.insert(*value).second) {
      ctx.diags.Error("E0110", loc, fmt::format("'{}' is listed twice in {}", *value, what));
      continue;
    }
    out.emplace_back(std::move(*value), loc);
  }
  return out;
}

}  // namespace entragate::engine
