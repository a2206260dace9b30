#include "engine/yaml_document.h"

#include <regex>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include "engine/yaml_bytes.h"
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

// Walks the parser's events without building a tree. yaml-cpp shares aliased nodes, so parsing never
// explodes, but anything that later walks the tree would visit an alias as often as it is referenced:
// count nodes as if aliases were expanded, and refuse documents where that count runs away.
// With `expected` (the conformant parser's events), every event must also match the next expected
// one, so the tree yaml-cpp builds from the same events says what YAML 1.2 says.
class ExpansionCounter : public YAML::EventHandler {
 public:
  ExpansionCounter(const YamlLimits& limits, const std::vector<StrictEvent>* expected = nullptr) : limits_(limits), expected_(expected) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Match(mark, StrictEvent::Kind::kNull);
    Leaf(mark, anchor);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor, const std::string& value) override {
    Match(mark, StrictEvent::Kind::kScalar, tag == "?", &value);
    Leaf(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Match(mark, StrictEvent::Kind::kAlias);
    auto it = anchored_size_.find(anchor);
    Add(mark, it == anchored_size_.end() ? 1 : it->second);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Match(mark, StrictEvent::Kind::kSeqStart);
    Open(mark, anchor);
  }
  void OnSequenceEnd() override {
    Match(YAML::Mark::null_mark(), StrictEvent::Kind::kSeqEnd);
    Close();
  }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Match(mark, StrictEvent::Kind::kMapStart);
    Open(mark, anchor);
  }
  void OnMapEnd() override {
    Match(YAML::Mark::null_mark(), StrictEvent::Kind::kMapEnd);
    Close();
  }

  /// Throws when yaml-cpp stopped short of the conformant parser's events.
  void Finish() const {
    if (expected_ && next_ < expected_->size()) Disagree((*expected_)[next_], Show((*expected_)[next_]), "nothing");
  }

 private:
  struct Frame {
    YAML::anchor_t anchor;
    size_t count;
  };

  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    Add(mark, 1);
    if (anchor) anchored_size_[anchor] = 1;
  }
  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    Add(mark, 1);
    if (static_cast<int>(stack_.size()) >= limits_.max_depth)
      throw Refused("E0005", mark, fmt::format("YAML nesting is deeper than {} levels; refusing to read it", limits_.max_depth));
    stack_.push_back({anchor, 1});
  }
  void Close() {
    Frame done = stack_.back();
    stack_.pop_back();
    if (done.anchor) anchored_size_[done.anchor] = done.count;
  }
  // Counts saturate at the limit, so the sums cannot overflow.
  void Add(const YAML::Mark& mark, size_t n) {
    total_ = std::min(total_ + n, limits_.max_expanded_nodes + 1);
    for (auto& f : stack_) f.count = std::min(f.count + n, limits_.max_expanded_nodes + 1);
    if (total_ > limits_.max_expanded_nodes)
      throw Refused("E0005", mark,
                    fmt::format("YAML aliases expand to more than {} nodes; refusing to read this "
                                "document (an alias expansion bomb?)",
                                limits_.max_expanded_nodes));
  }

  void Match(const YAML::Mark& mark, StrictEvent::Kind kind, bool plain = false, const std::string* value = nullptr) {
    if (!expected_) return;
    // "..." or a comment alone: YAML 1.2 sees no document, yaml-cpp an empty one. Same meaning.
    if (expected_->empty() && next_ == 0 && kind == StrictEvent::Kind::kNull) return;
    StrictEvent got{kind, plain, value ? *value : std::string(), mark.line + 1, mark.column + 1};
    if (next_ >= expected_->size()) Disagree(got, "nothing more", Show(got));
    const StrictEvent& want = (*expected_)[next_++];
    bool same = want.kind == kind && (kind != StrictEvent::Kind::kScalar || (want.plain == plain && want.value == *value));
    if (!same) Disagree(want, Show(want), Show(got));
  }
  [[noreturn]] static void Disagree(const StrictEvent& at, const std::string& want, const std::string& got) {
    YAML::Mark mark;
    mark.line = at.line - 1;
    mark.column = at.column - 1;
    throw Refused("E0004", mark,
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

  const YamlLimits& limits_;
  const std::vector<StrictEvent>* expected_;
  size_t next_ = 0;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, size_t> anchored_size_;
  size_t total_ = 0;
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
    std::istringstream first_pass(text);
    YAML::Parser parser(first_pass);
    ExpansionCounter counter(limits, &*strict);
    parser.HandleNextDocument(counter);
    counter.Finish();
    ExpansionCounter second(limits);
    if (parser.HandleNextDocument(second)) {
      diags.Error("E0006", {file, 1, 1, 1}, "a manifest file holds one YAML document, but this one has several ('---' separators)");
      return std::nullopt;
    }
    YAML::Node root = YAML::Load(text);
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
  static const std::regex kNull("~|null|Null|NULL|");
  static const std::regex kBool("true|True|TRUE|false|False|FALSE");
  static const std::regex kInt("[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  const std::string& s = node.Scalar();
  // A core-schema tag (!!int 42) asks for that type; any other tag, or quotes, make a string.
  const std::string& tag = node.Tag();
  static const std::string kCore = "tag:yaml.org,2002:";
  if (tag != "?") {
    if (tag == kCore + "null" && std::regex_match(s, kNull)) return YamlType::kNull;
    if (tag == kCore + "bool" && std::regex_match(s, kBool)) return YamlType::kBool;
    if (tag == kCore + "int" && std::regex_match(s, kInt)) return YamlType::kInt;
    if (tag == kCore + "float" && (std::regex_match(s, kFloat) || std::regex_match(s, kInt))) return YamlType::kFloat;
    return YamlType::kString;
  }
  if (std::regex_match(s, kNull)) return YamlType::kNull;
  if (std::regex_match(s, kBool)) return YamlType::kBool;
  if (std::regex_match(s, kInt)) return YamlType::kInt;
  if (std::regex_match(s, kFloat)) return YamlType::kFloat;
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
