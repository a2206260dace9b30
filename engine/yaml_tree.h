#pragma once
// The node tree of one manifest file, as YAML 1.2 reads it: built from the events of libfyaml, the
// conformant parser (yaml_strict.h), by yaml_document.cpp. Mappings keep their entries in document
// order (duplicates too: the reader reports them), scalars their text after escapes and folding,
// every node its 1-based position. An alias is the node it names, shared. The nodes belong to the
// YamlDocument and are never copied; the reader holds references into it.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace entragate::engine {

namespace yaml_detail {
class TreeBuilder;
}

class YamlNode {
 public:
  enum class Kind : char { kUndefined, kNull, kScalar, kSequence, kMap };

  YamlNode() = default;
  YamlNode(YamlNode&&) = default;  // only while a document is built (its vector never grows)
  YamlNode& operator=(YamlNode&&) = default;
  YamlNode(const YamlNode&) = delete;  // nodes are referred to, never copied
  YamlNode& operator=(const YamlNode&) = delete;

  Kind kind() const { return kind_; }
  /// Undefined: a key the mapping does not have (operator[]), or an index past the end.
  bool IsDefined() const { return kind_ != Kind::kUndefined; }
  bool IsNull() const { return kind_ == Kind::kNull; }
  bool IsScalar() const { return kind_ == Kind::kScalar; }
  bool IsSequence() const { return kind_ == Kind::kSequence; }
  bool IsMap() const { return kind_ == Kind::kMap; }
  explicit operator bool() const { return IsDefined(); }

  /// A scalar's text; empty for anything else.
  const std::string& Scalar() const { return text_; }
  /// A plain scalar without a tag: the core schema decides its type (yaml_document.h TypeOf).
  bool plain() const { return plain_; }
  bool quoted() const { return quoted_; }  ///< single- or double-quoted
  bool block() const { return block_; }    ///< literal or folded (| or >)
  /// The explicit tag, resolved ("tag:yaml.org,2002:int" for !!int, "!local" as written); empty: none.
  const std::string& tag() const { return tag_; }
  /// 1-based; 0 for an undefined node and a tagged empty value. A quoted scalar's column is its
  /// opening quote; a block scalar's position is its first content line, not its indicator.
  int line() const { return line_; }
  int column() const { return column_; }

  /// Items of a sequence, entries of a mapping; 0 for anything else.
  size_t size() const { return kind_ == Kind::kMap ? children_.size() / 2 : children_.size(); }
  const YamlNode& item(size_t i) const;   ///< sequences
  const YamlNode& key(size_t i) const;    ///< mappings
  const YamlNode& value(size_t i) const;  ///< mappings
  /// The value of the first entry whose key is the scalar `name`; undefined when there is none.
  const YamlNode& operator[](std::string_view name) const;

  /// A sequence's items, for range-for.
  class Iterator {
   public:
    explicit Iterator(const YamlNode* const* at) : at_(at) {}
    const YamlNode& operator*() const { return **at_; }
    Iterator& operator++() { return ++at_, *this; }
    bool operator!=(const Iterator& o) const { return at_ != o.at_; }

   private:
    const YamlNode* const* at_;
  };
  Iterator begin() const { return Iterator(kind_ == Kind::kSequence ? children_.data() : nullptr); }
  Iterator end() const { return Iterator(kind_ == Kind::kSequence ? children_.data() + children_.size() : nullptr); }

  static const YamlNode& Undefined();

 private:
  friend class yaml_detail::TreeBuilder;
  Kind kind_ = Kind::kUndefined;
  bool plain_ = false, quoted_ = false, block_ = false;
  int line_ = 0, column_ = 0;
  std::string text_, tag_;
  std::vector<const YamlNode*> children_;  ///< mappings: key, value, key, value, …
};

/// One file's tree. Move-only: its nodes point at each other.
class YamlDocument {
 public:
  YamlDocument() = default;
  YamlDocument(YamlDocument&& o) noexcept : nodes_(std::move(o.nodes_)), root_(std::exchange(o.root_, nullptr)) {}
  YamlDocument& operator=(YamlDocument&& o) noexcept {
    nodes_ = std::move(o.nodes_);
    root_ = std::exchange(o.root_, nullptr);
    return *this;
  }
  YamlDocument(const YamlDocument&) = delete;
  YamlDocument& operator=(const YamlDocument&) = delete;

  /// The document's node; a Null node for an empty (or comment-only) file.
  const YamlNode& root() const { return root_ ? *root_ : YamlNode::Undefined(); }
  const YamlNode& operator*() const { return root(); }
  const YamlNode* operator->() const { return &root(); }

 private:
  friend class yaml_detail::TreeBuilder;
  std::vector<YamlNode> nodes_;  ///< reserved once, before the first node: addresses never move
  const YamlNode* root_ = nullptr;
};

}  // namespace entragate::engine
