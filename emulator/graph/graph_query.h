#pragma once
// OData system query options as Graph applies them to directory collections: $select, $top (≤ 999),
// $skiptoken paging with whole @odata.nextLink URLs, $count (only with ConsistencyLevel: eventual),
// and $filter through the emulator's filter subset (odata_filter.h).

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

#include "emulator/graph/graph_entities.h"
#include "emulator/graph/odata_filter.h"
#include "net/http_message.h"
#include "emulator/graph/room.h"

namespace entragate::emulator {

struct QueryOptions {
  std::vector<std::string> select;
  int top = 100;          ///< Graph's default page size for directory collections
  std::string skiptoken;  ///< the last id of the previous page
  std::optional<Filter> filter;
  bool count = false;     ///< $count=true honoured (advanced query)
  bool advanced = false;  ///< ConsistencyLevel: eventual present
};

/// Splits "a=1&b=2" into decoded parameters (names keep their '$').
std::map<std::string, std::string> ParseQueryString(std::string_view query);

std::variant<QueryOptions, GraphError> ParseQueryOptions(const std::map<std::string, std::string>& params, const net::Request& request,
                                                         std::string_view filter_entity);

/// One page of `items` (already filtered, sorted by id) as a collection response. `self_url` is the
/// request's absolute URL; the next link replaces its $skiptoken.
json::object CollectionPage(const std::vector<const json::object*>& items, const QueryOptions& options, const std::string& context,
                            const std::string& self_url);

}  // namespace entragate::emulator
