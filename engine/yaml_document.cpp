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

// libfyaml 0.7.12 (Debian 12's) misreads an empty block scalar (`key: |` with nothing indented
// below it) inside an indented collection: it takes the sibling lines that follow as the scalar's
// text, so `description: |` could swallow the app's `access:`. YAML 1.2 says such a scalar is empty
// because its content must be indented more than its parent. Refuse what the parser read that way.
void CheckBlockScalars(const std::vector<StrictEvent>& events, std::string_view text) {
  using K = StrictEvent::Kind;
  if (std::none_of(events.begin(), events.end(), [](const StrictEvent& e) { return e.block; })) return;
  std::vector<std::string_view> lines;
  for (size_t at = 0; at <= text.size();) {
    size_t end = std::min(text.find('\n', at), text.size());
    lines.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  std::vector<int> parents;  // the columns of the open collections
  for (const auto& e : events) {
    if (e.kind == K::kMapStart || e.kind == K::kSeqStart) parents.push_back(e.column);
    if ((e.kind == K::kMapEnd || e.kind == K::kSeqEnd) && !parents.empty()) parents.pop_back();
    if (!e.block || parents.empty() || e.line < 1) continue;
    bool has_text = e.value.find_first_not_of('\n') != std::string::npos;
    for (size_t i = static_cast<size_t>(e.line - 1); has_text && i < lines.size(); ++i) {
      size_t spaces = lines[i].find_first_not_of(' ');
      // Only spaces make an empty line; a tab after them is text (YAML test suite Y79Y).
      if (spaces == std::string_view::npos || lines[i].substr(spaces).find_first_not_of('\r') == std::string_view::npos) continue;
      if (static_cast<int>(spaces) >= parents.back()) break;  // indented past its parent: real content
      StrictEvent at = e;
      at.line = e.line > 1 ? e.line - 1 : e.line;  // the line with the | or >
      size_t indicator = e.line > 1 ? lines[static_cast<size_t>(e.line - 2)].find_last_of("|>") : std::string_view::npos;
      at.column = indicator == std::string_view::npos ? 1 : static_cast<int>(indicator) + 1;
      throw Refused("E0004", at,
                    "unsupported YAML: this block scalar (| or >) has no text indented below it, and the YAML parser would "
                    "read the lines after it as its text; write an empty value as \"\" or indent its text");
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
    CheckBlockScalars(*strict, text);
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
  // A block scalar's text starts below its | or >, and runs over lines: its key says it better.
  if (node.block() && fallback.valid()) return fallback;
  SourceLoc loc{file, node.line(), node.column(), 1};
  if (node.IsScalar()) {
    // Underline the scalar as written; quoted scalars are two columns wider than their value.
    bool quoted = node.quoted();
    loc.length = std::max<int>(1, static_cast<int>(node.Scalar().size()) + (quoted ? 2 : 0));
  }
  return loc;
}

}  // namespace entragate::engine
