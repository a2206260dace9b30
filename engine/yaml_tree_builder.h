#pragma once
// Builds a YamlDocument from the conformant parser's events. Not for use outside
// engine/yaml_document.cpp and engine/yaml_tree.cpp.

#include <vector>

#include "engine/yaml_strict.h"
#include "engine/yaml_tree.h"

namespace entragate::engine::yaml_detail {

class TreeBuilder {
 public:
  /// The events of one document, checked already (yaml_document.cpp); their strings are moved out.
  static YamlDocument Build(std::vector<StrictEvent>&& events);
};

}  // namespace entragate::engine::yaml_detail
