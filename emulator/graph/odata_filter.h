#pragma once
// The emulator's OData $filter subset. A filter is parsed once, checked against the per-resource
// support matrix of Microsoft Graph (docs/graph-behaviour.md §3.1–3.2) and then evaluated against stored JSON
// entities. Anything Graph would refuse is refused here too, so code tested against the emulator
// does not come to depend on a query the real service rejects. Pure: no I/O, no global state.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include "emulator/graph/room.h"

namespace entragate::emulator {

/// Bounds on the work a single $filter may ask for. The emulator must stay responsive to hostile
/// or runaway input; real Graph has limits of the same kind.
inline constexpr std::size_t kMaxFilterLength = 8 * 1024;  ///< characters, after percent-decoding
inline constexpr int kMaxFilterDepth = 64;                 ///< nested parentheses, `not`s and lambdas
inline constexpr int kMaxFilterClauses = 200;              ///< comparisons and function calls in total
inline constexpr int kMaxFilterInValues = 200;             ///< values in one `in (...)` list
/// Graph's own limit without advanced-query headers: values of one `in`, or operands of one `or`
/// chain (an `in` counting its values), at most this many.
inline constexpr int kMaxDefaultDisjunction = 15;

/// Why a $filter was refused. The HTTP status is 400 either way; the Graph error code is
/// Request_BadRequest when `syntax` is true and Request_UnsupportedQuery otherwise.
struct FilterError {
  std::string message;
  bool syntax = false;
};

namespace filter_detail {
struct Node;
}  // namespace filter_detail

class Filter;

/// Parses `text` (already percent-decoded) as a $filter on a collection of `entity_type`
/// ("application", "servicePrincipal", "user", "group", "appRoleAssignment" or "directoryRole"). `advanced` is
/// true when the request carries both `ConsistencyLevel: eventual` and `$count=true`; `ne`, `not`
/// and `endswith` are refused without it, and so is an `or`/`in` of more than 15 expressions.
std::variant<Filter, FilterError> ParseFilter(std::string_view text, std::string_view entity_type, bool advanced);

/// A validated filter. Cheap to copy; immutable, so one instance may be shared across threads.
class Filter {
 public:
  /// String comparisons ignore ASCII case, as Graph's directory queries do.
  bool Matches(const boost::json::object& entity) const;

  /// `property eq 'v'` or `property in ('v', ...)` with string values, ANDed at the top of the
  /// filter: an entity can match only if its property equals one of the values (ignoring case), so
  /// a store index on it narrows the candidates. Matches still decides.
  struct KeyTerm {
    std::string property;
    std::vector<std::string> values;
  };
  std::vector<KeyTerm> KeyTerms() const;

 private:
  friend std::variant<Filter, FilterError> ParseFilter(std::string_view, std::string_view, bool);
  explicit Filter(std::shared_ptr<const filter_detail::Node> root) : root_(std::move(root)) {}

  std::shared_ptr<const filter_detail::Node> root_;
};

}  // namespace entragate::emulator
