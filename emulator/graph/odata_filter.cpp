#include "emulator/graph/odata_filter.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "emulator/graph/odata_filter_tree.h"

namespace entragate::emulator {

namespace {

using filter_detail::Failure;
using filter_detail::IEndsWith;
using filter_detail::IEquals;
using filter_detail::IStartsWith;
using filter_detail::Literal;
using filter_detail::Lower;
using filter_detail::Node;
using filter_detail::Op;

int ICompare(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(Lower(a[i]));
    const auto y = static_cast<unsigned char>(Lower(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

// ---------------------------------------------------------------------------------------------
// Evaluation. A missing property behaves as null (OData: null ne 'x' is true).

bool IsNull(const boost::json::value* v) { return v == nullptr || v->is_null(); }

bool CompareString(Op op, std::string_view actual, std::string_view expected) {
  switch (op) {
    case Op::kEq: return IEquals(actual, expected);
    case Op::kNe: return !IEquals(actual, expected);
    case Op::kGe: return ICompare(actual, expected) >= 0;
    case Op::kLe: return ICompare(actual, expected) <= 0;
    case Op::kGt: return ICompare(actual, expected) > 0;
    case Op::kLt: return ICompare(actual, expected) < 0;
    case Op::kStartsWith: return IStartsWith(actual, expected);
    case Op::kEndsWith: return IEndsWith(actual, expected);
    default: return false;
  }
}

bool CompareOne(Op op, const boost::json::value* v, const Literal& lit) {
  if (lit.kind == Literal::Kind::kNull) {
    if (op == Op::kEq) return IsNull(v);
    return op == Op::kNe && !IsNull(v);
  }
  if (lit.kind == Literal::Kind::kBool) {
    if (v == nullptr || !v->is_bool()) return op == Op::kNe;
    if (op == Op::kEq) return v->get_bool() == lit.boolean;
    return op == Op::kNe && v->get_bool() != lit.boolean;
  }
  if (v == nullptr || !v->is_string()) return op == Op::kNe;
  const boost::json::string& s = v->get_string();
  return CompareString(op, std::string_view(s.data(), s.size()), lit.text);
}

bool EvalLeaf(const Node& leaf, const boost::json::value* v) {
  if (leaf.op != Op::kIn) return CompareOne(leaf.op, v, leaf.values.front());
  for (const Literal& lit : leaf.values) {
    if (CompareOne(Op::kEq, v, lit)) return true;
  }
  return false;
}

bool Eval(const Node& node, const boost::json::object& entity, const boost::json::value* element);

bool EvalLambda(const Node& lambda, const boost::json::object& entity) {
  const boost::json::value* v = entity.if_contains(lambda.property);
  if (v == nullptr || !v->is_array()) return lambda.op == Op::kAll;
  for (const boost::json::value& item : v->get_array()) {
    const bool hit = Eval(lambda.children.front(), entity, &item);
    if (lambda.op == Op::kAny && hit) return true;
    if (lambda.op == Op::kAll && !hit) return false;
  }
  return lambda.op == Op::kAll;
}

bool Eval(const Node& node, const boost::json::object& entity, const boost::json::value* element) {
  switch (node.op) {
    case Op::kAnd:
      for (const Node& child : node.children) {
        if (!Eval(child, entity, element)) return false;
      }
      return true;
    case Op::kOr:
      for (const Node& child : node.children) {
        if (Eval(child, entity, element)) return true;
      }
      return false;
    case Op::kNot: return !Eval(node.children.front(), entity, element);
    case Op::kAny:
    case Op::kAll: return EvalLambda(node, entity);
    default: return EvalLeaf(node, node.on_range_variable ? element : entity.if_contains(node.property));
  }
}

// Graph counts an `in` list as one expression per value, and an `or` chain as the sum of its
// operands (docs/graph-behaviour.md §13.3). The largest such group in the tree.
int LargestDisjunction(const Node& node) {
  auto width = [](const Node& n) { return n.op == Op::kIn ? static_cast<int>(n.values.size()) : 1; };
  int largest = node.op == Op::kIn ? width(node) : 0;
  if (node.op == Op::kOr) {
    int sum = 0;
    for (const Node& child : node.children) sum += width(child);
    largest = sum;
  }
  for (const Node& child : node.children) largest = std::max(largest, LargestDisjunction(child));
  return largest;
}

}  // namespace

bool Filter::Matches(const boost::json::object& entity) const { return root_ != nullptr && Eval(*root_, entity, nullptr); }

namespace {

void CollectKeyTerms(const Node& node, std::vector<Filter::KeyTerm>& out) {
  if (node.op == Op::kAnd) {
    for (const Node& child : node.children) CollectKeyTerms(child, out);
    return;
  }
  if ((node.op != Op::kEq && node.op != Op::kIn) || node.on_range_variable || node.values.empty()) return;
  Filter::KeyTerm term{node.property, {}};
  for (const Literal& v : node.values) {
    if (v.kind != Literal::Kind::kString) return;  // null or a boolean: no key to look up
    term.values.push_back(v.text);
  }
  out.push_back(std::move(term));
}

}  // namespace

std::vector<Filter::KeyTerm> Filter::KeyTerms() const {
  std::vector<KeyTerm> out;
  if (root_ != nullptr) CollectKeyTerms(*root_, out);
  return out;
}

std::variant<Filter, FilterError> ParseFilter(std::string_view text, std::string_view entity_type, bool advanced) {
  if (text.size() > kMaxFilterLength) {
    return FilterError{"The $filter expression is longer than " + std::to_string(kMaxFilterLength) + " characters.", false};
  }
  try {
    Node root = filter_detail::ParseTree(text);
    filter_detail::CheckSupported(root, entity_type, advanced);
    // Advanced queries trade this limit for one on the URL's length.
    if (const int n = LargestDisjunction(root); !advanced && n > kMaxDefaultDisjunction) {
      return FilterError{"Too many child clauses specified in search filter expression containing 'OR' operators: " + std::to_string(n) +
                             ". Max allowed: " + std::to_string(kMaxDefaultDisjunction) + ".",
                         false};
    }
    return Filter(std::make_shared<const Node>(std::move(root)));
  } catch (const Failure& failure) {
    return failure.error;
  }
}

}  // namespace entragate::emulator
