#pragma once
// Small pieces the provider's readers share: `in (...)` filters chunked as Graph allows, and
// reading a string or boolean member of a Graph object without throwing.

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "providers/graph/provider/room.h"

namespace entragate::graph {

/// Values per `in (...)`: Graph limits the number of expressions in one filter.
inline constexpr size_t kInChunk = 15;

/// `base` (which may already carry a query) with `$filter=property in ('a','b',…)<extra>`, one query
/// per chunk of distinct values, each escaped and percent-encoded.
std::vector<std::string> InQueries(const std::string& base, const std::string& property, std::vector<std::string> values,
                                   const std::string& extra = "");

/// The string member `key` of `o`, or "" when it is absent or not a string.
std::string JsonString(const boost::json::object& o, const char* key);
/// The boolean member `key` of `o`, or `fallback` when it is absent or not a boolean.
bool JsonBool(const boost::json::object& o, const char* key, bool fallback = false);

}  // namespace entragate::graph
