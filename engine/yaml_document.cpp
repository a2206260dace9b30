#include "engine/yaml_document.h"

#include <algorithm>
#include <optional>
#include <regex>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "engine/yaml_bytes.h"
#include "engine/yaml_core_schema.h"
#include "engine/yaml_strict.h"

namespace entragate::engine {

namespace {

using yaml_detail::StrictEvent;

class Refused : public std::runtime_error {
 public:
  Refused(std::string code, const YAML::Mark& mark, const std::string& what) : std::runtime_error(what), code_(std::move(code)), mark_(mark) {}
  const std::string& code() const { return code_; }
  const YAML::Mark& mark() const { return mark_; }

 private:
  std::string code_;
  YAML::Mark mark_;
};

YAML::Mark MarkAt(const StrictEvent& e) {
  YAML::Mark mark;
  mark.line = e.line - 1;
  mark.column = e.column - 1;
  return mark;
}

// yaml-cpp shares aliased nodes, so parsing never explodes, but anything that later walks the tree
// visits an alias as often as it is referenced: count the conformant parser's nodes as if aliases
// were expanded, and refuse documents where that count runs away, before yaml-cpp reads them.
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
      throw Refused("E0005", MarkAt(at),
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
          throw Refused("E0005", MarkAt(e),
                        fmt::format("the alias *{} is inside the node it refers to (a cycle); refusing to read this document", e.anchor));
        auto it = anchored_size.find(e.anchor);
        add(e, it == anchored_size.end() ? 1 : it->second);
        break;
      }
    }
  }
}

// The tree yaml-cpp built must say what YAML 1.2 says: walked in document order, every node matches
// the conformant parser's next event. An alias matches its node without a walk (its anchor's node
// was compared where it stood).
class TreeMatcher {
 public:
  explicit TreeMatcher(const std::vector<StrictEvent>& expected) : expected_(expected) {}

  void Match(const YAML::Node& root) {
    // "..." or a comment alone: YAML 1.2 sees no document, yaml-cpp an empty one. Same meaning.
    if (expected_.empty() && root.IsNull()) return;
    Walk(root);
    if (next_ < expected_.size()) Disagree(expected_[next_], Show(expected_[next_]), "nothing");
  }

 private:
  void Walk(const YAML::Node& node) {
    const StrictEvent* want = Next(node);
    if (want->kind == StrictEvent::Kind::kAlias) return;
    switch (node.Type()) {
      case YAML::NodeType::Sequence:
        Expect(*want, node, StrictEvent::Kind::kSeqStart);
        for (const auto& item : node) Walk(item);
        Expect(*Next(node), node, StrictEvent::Kind::kSeqEnd);
        return;
      case YAML::NodeType::Map:
        Expect(*want, node, StrictEvent::Kind::kMapStart);
        for (const auto& entry : node) {
          Walk(entry.first);
          Walk(entry.second);
        }
        Expect(*Next(node), node, StrictEvent::Kind::kMapEnd);
        return;
      case YAML::NodeType::Scalar: {
        bool plain = node.Tag() == "?";
        if (want->kind != StrictEvent::Kind::kScalar || want->plain != plain || want->value != node.Scalar())
          Disagree(*want, Show(*want), Show(Seen(node)));
        return;
      }
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: Expect(*want, node, StrictEvent::Kind::kNull); return;
    }
  }
  const StrictEvent* Next(const YAML::Node& node) {
    if (next_ >= expected_.size()) {
      StrictEvent got = Seen(node);
      Disagree(got, "nothing more", Show(got));
    }
    return &expected_[next_++];
  }
  static void Expect(const StrictEvent& want, const YAML::Node& node, StrictEvent::Kind kind) {
    if (want.kind != kind) Disagree(want, Show(want), Show(Seen(node, kind)));
  }
  // What yaml-cpp read at `node`, as an event (`kind` for the end of a collection).
  static StrictEvent Seen(const YAML::Node& node, std::optional<StrictEvent::Kind> kind = std::nullopt) {
    StrictEvent e;
    e.line = node.Mark().line + 1;
    e.column = node.Mark().column + 1;
    switch (node.Type()) {
      case YAML::NodeType::Sequence: e.kind = StrictEvent::Kind::kSeqStart; break;
      case YAML::NodeType::Map: e.kind = StrictEvent::Kind::kMapStart; break;
      case YAML::NodeType::Scalar:
        e.kind = StrictEvent::Kind::kScalar;
        e.plain = node.Tag() == "?";
        e.value = node.Scalar();
        break;
      default: e.kind = StrictEvent::Kind::kNull;
    }
    if (kind) e.kind = *kind;
    return e;
  }
  [[noreturn]] static void Disagree(const StrictEvent& at, const std::string& want, const std::string& got) {
    throw Refused("E0004", MarkAt(at),
                  fmt::format("unsupported YAML: YAML 1.2 reads {} here, but entragate's reader would read {}; "
                              "write this value more simply (one line, plain or quoted, without rare escapes "
                              "such as \\N)",
                              want, got));
  }
  static std::string Show(const StrictEvent& e) {
    if (e.kind != StrictEvent::Kind::kScalar) return yaml_detail::Describe(e);
    std::string text = e.value.size() > 40 ? e.value.substr(0, 40) + "…" : e.value;
    return fmt::format("{} '{}'", yaml_detail::Describe(e), text);
  }

  const std::vector<StrictEvent>& expected_;
  size_t next_ = 0;
};

SourceLoc MarkLoc(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {file, 1, 1, 1};
  return {file, mark.line + 1, mark.column + 1, 1};
}

// yaml-cpp's messages start with "yaml-cpp: error at line …"; the location is printed separately.
std::string CleanParserMessage(const YAML::ParserException& e) { return e.msg.empty() ? e.what() : e.msg; }

}  // namespace

std::optional<YAML::Node> ParseYamlDocument(const std::string& file, const std::string& text, Diagnostics& diags, const YamlLimits& limits) {
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
    YAML::Node root = YAML::Load(text);
    TreeMatcher(*strict).Match(root);
    return root;
  } catch (const Refused& e) {
    diags.Error(e.code(), MarkLoc(file, e.mark()), e.what());
  } catch (const YAML::ParserException& e) {
    diags.Error("E0004", MarkLoc(file, e.mark), fmt::format("invalid YAML: {}", CleanParserMessage(e)));
  } catch (const YAML::Exception& e) {
    diags.Error("E0004", MarkLoc(file, e.mark), fmt::format("invalid YAML: {}", e.msg));
  }
  return std::nullopt;
}

YamlType TypeOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return YamlType::kNull;
    case YAML::NodeType::Sequence: return YamlType::kSequence;
    case YAML::NodeType::Map: return YamlType::kMap;
    case YAML::NodeType::Scalar: break;
  }
  using namespace yaml_detail;
  const std::string& s = node.Scalar();
  // A core-schema tag (!!int 42) asks for that type; any other tag, or quotes, make a string.
  const std::string& tag = node.Tag();
  static const std::string kCore = "tag:yaml.org,2002:";
  if (tag != "?") {
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

SourceLoc LocOf(const std::string& file, const YAML::Node& node, const SourceLoc& fallback) {
  if (!node.IsDefined() || node.IsNull() || node.Mark().is_null()) return fallback.valid() ? fallback : SourceLoc{file, 1, 1, 1};
  SourceLoc loc{file, node.Mark().line + 1, node.Mark().column + 1, 1};
  if (node.IsScalar()) {
    // Underline the scalar as written; quoted scalars are two columns wider than their value.
    bool quoted = node.Tag() == "!";
    loc.length = std::max<int>(1, static_cast<int>(node.Scalar().size()) + (quoted ? 2 : 0));
  }
  return loc;
}

}  // namespace entragate::engine
