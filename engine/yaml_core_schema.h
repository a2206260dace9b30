#pragma once
// YAML 1.2's core schema: which plain scalars are null, booleans, integers and floats. Every plain
// scalar of a manifest is typed here, so these are plain character tests rather than regexes.
// Used by the reader (engine/yaml_document.cpp) and the exporter, which quotes strings that would
// read as something else (engine/export_yaml.cpp); not for use elsewhere.

#include <string_view>

namespace entragate::engine::yaml_detail {

bool IsCoreNull(std::string_view s);   ///< ~ null Null NULL, or nothing
bool IsCoreBool(std::string_view s);   ///< true True TRUE false False FALSE
bool IsCoreInt(std::string_view s);    ///< [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
bool IsCoreFloat(std::string_view s);  ///< [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?.inf | .nan (3 spellings each)

}  // namespace entragate::engine::yaml_detail
