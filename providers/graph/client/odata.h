#pragma once
// OData text that carries caller data into a Graph URL (docs/graph-behaviour.md §3.4). A display name is data,
// never syntax: every value goes through ODataString (quotes doubled) and then through
// percent-encoding, so a name such as `x' or displayName eq 'y` or `a&$top=1` cannot change what a
// query means.

#include <string>
#include <string_view>

#include "providers/graph/client/room.h"

namespace entragate::graph {

/// An OData string literal: the value in single quotes, each single quote doubled.
/// ODataString("O'Neil") == "'O''Neil'".
std::string ODataString(std::string_view value);

/// A whole `$filter` expression percent-encoded as one query-string value (RFC 3986: everything but
/// unreserved characters, UTF-8 bytes included). Use it as `"?$filter=" + FilterUrlComponent(f)`.
std::string FilterUrlComponent(std::string_view filter);

/// A key-as-segment alternate key, ready to append to a collection path:
/// KeySegment("uniqueName", "it's") == "(uniqueName='it%27%27s')". The name is written as is (it is
/// a property name chosen by code, not data); the literal's content is percent-encoded, so `/`,
/// `?`, `#`, `%` and `)` in a value stay inside the key.
std::string KeySegment(std::string_view name, std::string_view value);

}  // namespace entragate::graph
