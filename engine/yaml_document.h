#pragma once
// Turns one manifest file's text into its YAML 1.2 node tree (yaml_tree.h), refusing what would hurt:
// files over the size limit, bytes that are not UTF-8 text, anything YAML 1.2 rejects, alias
// expansion bombs, absurd nesting, several documents in one file. Every refusal is a located
// diagnostic. The only place that parses manifest text.

#include <optional>
#include <string>

#include "engine/diag.h"
#include "engine/yaml_tree.h"

namespace entragate::engine {

struct YamlLimits {
  size_t max_bytes = 1 << 20;          ///< 1 MiB: far beyond any real manifest
  size_t max_expanded_nodes = 100000;  ///< nodes seen through aliases, counted as if expanded
  int max_depth = 64;
};

/// Parses `text` (the contents of `file`). On failure reports E0003–E0008 and returns nullopt.
/// An empty or comment-only file yields a Null root.
std::optional<YamlDocument> ParseYamlDocument(const std::string& file, const std::string& text, Diagnostics& diags, const YamlLimits& limits = {});

/// YAML 1.2 core-schema type of a node, as a JSON conversion would see it. A quoted scalar is always
/// a string; a plain one may be null, a boolean, an integer or a float.
enum class YamlType { kNull, kBool, kInt, kFloat, kString, kSequence, kMap };
/// The version of the YAML parser library loaded at run time (libfyaml), for `entragate version`.
std::string YamlParserVersion();

YamlType TypeOf(const YamlNode& node);
const char* Describe(YamlType t);  ///< "a string", "a mapping", …

/// The 1-based location of a node; for a null or missing one, `fallback` (an empty value is best
/// shown at its key).
SourceLoc LocOf(const std::string& file, const YamlNode& node, const SourceLoc& fallback = {});

}  // namespace entragate::engine
