#pragma once
// Inside the emulator's $filter (emulator/graph/odata_filter.h): the parsed tree, and the two passes that
// build and check it — odata_filter_parse.cpp (lexer and recursive-descent parser) and
// odata_filter_support.cpp (Graph's per-resource support matrix). Both report a refusal by throwing
// Failure, which ParseFilter turns back into a FilterError; nothing outside these files sees it.

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/graph/odata_filter.h"
#include "emulator/graph/room.h"

namespace entragate::emulator::filter_detail {

enum class Op {
  kAnd,
  kOr,
  kNot,  // boolean structure
  kEq,
  kNe,
  kGe,
  kLe,
  kGt,
  kLt,
  kIn,  // property op literal
  kStartsWith,
  kEndsWith,
  kOtherFunction,  // fn(property, literal)
  kAny,
  kAll,  // collection/any(v: body)
};

struct Literal {
  enum class Kind { kString, kBool, kNull, kNumber };
  Kind kind = Kind::kNull;
  std::string text;  ///< the string value (quotes removed, '' undone); a GUID or number as written
  bool boolean = false;
};

struct Node {
  Op op = Op::kAnd;
  std::string property{};          ///< leaf: property path or range variable; lambda: collection
  bool on_range_variable = false;  ///< a leaf inside a lambda that tests the element itself
  std::vector<Literal> values{};   ///< leaf operands; several only for `in`
  std::vector<Node> children{};    ///< and/or: operands; not: one; lambda: the body
};

struct Failure {
  FilterError error;
};

[[noreturn]] inline void FailSyntax(const std::string& detail) { throw Failure{{"Invalid filter clause: " + detail, true}}; }
[[noreturn]] inline void FailLimit(const std::string& message) { throw Failure{{message, false}}; }

// String comparisons ignore ASCII case, as Graph's directory queries do.
inline char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
inline bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == Lower(y); });
}
inline bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}
inline bool IEndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && IEquals(s.substr(s.size() - suffix.size()), suffix);
}
inline bool IsComparison(Op op) { return op >= Op::kEq && op <= Op::kIn; }

/// The tree of `text`, syntax and size limits checked; throws Failure.
Node ParseTree(std::string_view text);

/// Refuses (throws Failure) what Graph does not support on `entity_type`; `advanced`: the request
/// is an advanced query. May annotate the tree (e.g. the property names' spelling).
void CheckSupported(Node& root, std::string_view entity_type, bool advanced);

}  // namespace entragate::emulator::filter_detail
