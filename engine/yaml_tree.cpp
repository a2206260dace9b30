#include "engine/yaml_tree.h"

#include <unordered_map>

#include "engine/yaml_tree_builder.h"

namespace entragate::engine {

const YamlNode& YamlNode::Undefined() {
  static const YamlNode kUndefined;
  return kUndefined;
}

const YamlNode& YamlNode::item(size_t i) const { return kind_ == Kind::kSequence && i < children_.size() ? *children_[i] : Undefined(); }
const YamlNode& YamlNode::key(size_t i) const { return kind_ == Kind::kMap && 2 * i < children_.size() ? *children_[2 * i] : Undefined(); }
const YamlNode& YamlNode::value(size_t i) const { return kind_ == Kind::kMap && 2 * i + 1 < children_.size() ? *children_[2 * i + 1] : Undefined(); }

const YamlNode& YamlNode::operator[](std::string_view name) const {
  if (kind_ != Kind::kMap) return Undefined();
  for (size_t i = 0; i + 1 < children_.size(); i += 2)
    if (children_[i]->IsScalar() && children_[i]->text_ == name) return *children_[i + 1];
  return Undefined();
}

namespace yaml_detail {

YamlDocument TreeBuilder::Build(std::vector<StrictEvent>&& events) {
  YamlDocument doc;
  // Every event but the ends of collections and aliases makes one node; one more for an empty file.
  doc.nodes_.reserve(events.size() + 1);
  std::vector<YamlNode*> open;
  std::unordered_map<std::string, const YamlNode*> anchors;
  auto attach = [&](const YamlNode* n) {
    if (open.empty())
      doc.root_ = doc.root_ ? doc.root_ : n;
    else
      open.back()->children_.push_back(n);
  };
  for (StrictEvent& e : events) {
    using K = StrictEvent::Kind;
    if (e.kind == K::kMapEnd || e.kind == K::kSeqEnd) {
      if (!open.empty()) open.pop_back();
      continue;
    }
    if (e.kind == K::kAlias) {
      // The parser refuses an alias without its anchor; the expansion check, one inside its node.
      auto it = anchors.find(e.anchor);
      attach(it == anchors.end() ? &YamlNode::Undefined() : it->second);
      continue;
    }
    YamlNode& n = doc.nodes_.emplace_back();
    n.line_ = e.line;
    n.column_ = e.column;
    switch (e.kind) {
      case K::kMapStart: n.kind_ = YamlNode::Kind::kMap; break;
      case K::kSeqStart: n.kind_ = YamlNode::Kind::kSequence; break;
      case K::kNull: n.kind_ = YamlNode::Kind::kNull; break;
      default:
        n.kind_ = YamlNode::Kind::kScalar;
        n.plain_ = e.plain;
        n.quoted_ = e.quoted;
        n.block_ = e.block;
        n.text_ = std::move(e.value);
        n.tag_ = std::move(e.tag);
    }
    attach(&n);
    if (!e.anchor.empty()) anchors[e.anchor] = &n;
    if (n.IsMap() || n.IsSequence()) open.push_back(&n);
  }
  if (!doc.root_) {
    YamlNode& empty = doc.nodes_.emplace_back();
    empty.kind_ = YamlNode::Kind::kNull;
    empty.line_ = empty.column_ = 1;
    doc.root_ = &empty;
  }
  return doc;
}

}  // namespace yaml_detail
}  // namespace entragate::engine
