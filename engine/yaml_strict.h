#pragma once
// The YAML parser of manifests: libfyaml, which passes the whole YAML test suite. Its events, reduced
// to what the reader needs, are checked (alias expansion) and made into the node tree (yaml_tree.h).
// Not for use outside engine/yaml_document.cpp and engine/yaml_tree.cpp.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/diag.h"

namespace entragate::engine::yaml_detail {

/// One node event of the document, reduced to what the manifest reader depends on.
struct StrictEvent {
  enum class Kind : char { kMapStart, kMapEnd, kSeqStart, kSeqEnd, kScalar, kNull, kAlias };
  Kind kind = Kind::kNull;
  bool plain = false;        ///< scalars: plain and untagged, so the core schema decides their type
  bool quoted = false;       ///< scalars: single- or double-quoted (the position is the opening quote)
  bool block = false;        ///< scalars: literal or folded (| or >): the position is the content's
  std::string value;         ///< scalars: the text after YAML 1.2 escapes and folding
  std::string tag;           ///< scalars: the explicit tag, resolved; empty: none
  std::string anchor;        ///< the node's anchor name; for an alias, the anchor it refers to
  int line = 1, column = 1;  ///< 1-based; 0 when the parser gives none (a tagged empty value)
};

/// The events of the first document of `text`, or nullopt after reporting E0004 (a YAML 1.2
/// error, located), E0005 (nesting deeper than max_depth) or E0006 (several documents).
std::optional<std::vector<StrictEvent>> ReadStrictEvents(const std::string& file, std::string_view text, Diagnostics& diags, int max_depth);

}  // namespace entragate::engine::yaml_detail
