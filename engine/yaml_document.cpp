#include "engine/yaml_document.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "engine/yaml_bytes.h"
#include "engine/yaml_core_schema.h"
#include "engine/yaml_strict.h"
#include "engine/yaml_tree_builder.h"

namespace entragate::engine {

namespace {

using yaml_detail::StrictEvent;

class Refused : public std::runtime_error {
 public:
  Refused(std::string code, const StrictEvent& at, const std::string& what)
      : std::runtime_error(what), code_(std::move(code)), line_(at.line), column_(at.column) {}
  const std::string& code() const { return code_; }
  SourceLoc Loc(const std::string& file) const { return {file, line_, column_, 1}; }

 private:
  std::string code_;
  int line_, column_;
};

// The tree shares aliased nodes, so building it never explodes, but anything that later walks it
// visits an alias as often as it is referenced: count the nodes as if aliases were expanded, and
// refuse documents where that count runs away, before the tree is built.
void CheckExpansion(const std::vector<StrictEvent>& events, const YamlLimits& limits) {
  struct Frame {
    const std::string* anchor;
    size_t count;
  };
  std::vector<Frame> stack;
  std::unordered_map<std::string, size_t> anchored_size;
  size_t total = 0;
  // Counts saturate at the limit, so the sums cannot overflow.
  auto add = [&](const StrictEvent& at, size_t n) {
    total = std::min(total + n, limits.max_expanded_nodes + 1);
    for (auto& f : stack) f.count = std::min(f.count + n, limits.max_expanded_nodes + 1);
    if (total > limits.max_expanded_nodes)
      throw Refused("E0005", at,
                    fmt::format("YAML aliases expand to more than {} nodes; refusing to read this "
                                "document (an alias expansion bomb?)",
                                limits.max_expanded_nodes));
  };
  for (const auto& e : events) {
    switch (e.kind) {
      case StrictEvent::Kind::kMapStart:
      case StrictEvent::Kind::kSeqStart:
        add(e, 1);
        stack.push_back({&e.anchor, 1});
        break;
      case StrictEvent::Kind::kMapEnd:
      case StrictEvent::Kind::kSeqEnd:
        if (!stack.empty()) {
          if (!stack.back().anchor->empty()) anchored_size[*stack.back().anchor] = stack.back().count;
          stack.pop_back();
        }
        break;
      case StrictEvent::Kind::kScalar:
      case StrictEvent::Kind::kNull:
        add(e, 1);
        if (!e.anchor.empty()) anchored_size[e.anchor] = 1;
        break;
      case StrictEvent::Kind::kAlias: {
        // An alias inside the node it names makes the tree a cycle: no walk of it would end.
        if (std::any_of(stack.begin(), stack.end(), [&](const Frame& f) { return *f.anchor == e.anchor; }))
          throw Refused("E0005", e, fmt::format("the alias *{} is inside the node it refers to (a cycle); refusing to read this document", e.anchor));
        auto it = anchored_size.find(e.anchor);
        add(e, it == anchored_size.end() ? 1 : it->second);
        break;
      }
    }
  }
}

}  // namespace

std::optional<YamlDocument> ParseYamlDocument(const std::string& file, const std::string& text, Diagnostics& diags, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    diags.Error("E0003", {file, 0, 0, 0}, fmt::format("file is {} bytes; a manifest file may be at most {} bytes", text.size(), limits.max_bytes));
    return std::nullopt;
  }
  diags.AddSource(file, text);
  if (!CheckManifestBytes(file, text, diags)) return std::nullopt;
  auto strict = yaml_detail::ReadStrictEvents(file, text, diags, limits.max_depth);
  if (!strict) return std::nullopt;
  try {
    CheckExpansion(*strict, limits);
  } catch (const Refused& e) {
    diags.Error(e.code(), e.Loc(file), e.what());
    return std::nullopt;
  }
  return yaml_detail::TreeBuilder::Build(std::move(*strict));
}

YamlType TypeOf(const YamlNode& node) {
  switch (node.kind()) {
    case YamlNode::Kind::kUndefined:
    case YamlNode::Kind::kNull: return YamlType::kNull;
    case YamlNode::Kind::kSequence: return YamlType::kSequence;
    case YamlNode::Kind::kMap: return YamlType::kMap;
    case YamlNode::Kind::kScalar: break;
  }
  using namespace yaml_detail;
  const std::string& s = node.Scalar();
  // A core-schema tag (!!int 42) asks for that type; any other tag, or quotes, make a string.
  const std::string& tag = node.tag();
  static const std::string kCore = "tag:yaml.org,2002:";
  if (!node.plain()) {
    if (tag == kCore + "null" && IsCoreNull(s)) return YamlType::kNull;
    if (tag == kCore + "bool" && IsCoreBool(s)) return YamlType::kBool;
    if (tag == kCore + "int" && IsCoreInt(s)) return YamlType::kInt;
    if (tag == kCore + "float" && (IsCoreFloat(s) || IsCoreInt(s))) return YamlType::kFloat;
    return YamlType::kString;
  }
  if (IsCoreNull(s)) return YamlType::kNull;
  if (IsCoreBool(s)) return YamlType::kBool;
  if (IsCoreInt(s)) return YamlType::kInt;
  if (IsCoreFloat(s)) return YamlType::kFloat;
  return YamlType::kString;
}

const char* Describe(YamlType t) {
  switch (t) {
    case YamlType::kNull: return "nothing (null)";
    case YamlType::kBool: return "a boolean";
    case YamlType::kInt: return "an integer";
    case YamlType::kFloat: return "a number";
    case YamlType::kString: return "a string";
    case YamlType::kSequence: return "a list";
    case YamlType::kMap: return "a mapping";
  }
  return "?";
}

SourceLoc LocOf(const std::string& file, const YamlNode& node, const SourceLoc& fallback) {
  if (!node.IsDefined() || node.IsNull() || node.line() < 1) return fallback.valid() ? fallback : SourceLoc{file, 1, 1, 1};
  SourceLoc loc{file, node.line(), node.column(), 1};
  if (node.IsScalar()) {
    // Underline the scalar as written; quoted scalars are two columns wider than their value.
    bool quoted = !node.plain() && node.tag().empty();
    loc.length = std::max<int>(1, static_cast<int>(node.Scalar().size()) + (quoted ? 2 : 0));
  }
  return loc;
}

}  // namespace entragate::engine
