#include "providers/graph/provider/reader_support.h"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "providers/graph/client/odata.h"

namespace entragate::graph {

std::vector<std::string> InQueries(const std::string& base, const std::string& property, std::vector<std::string> values, const std::string& extra) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < values.size(); i += kInChunk) {
    std::vector<std::string> quoted;
    for (size_t j = i; j < std::min(values.size(), i + kInChunk); ++j) quoted.push_back(ODataString(values[j]));
    std::string filter = fmt::format("{} in ({}){}", property, fmt::join(quoted, ","), extra);
    out.push_back(base + (base.find('?') == std::string::npos ? "?" : "&") + "$filter=" + FilterUrlComponent(filter));
  }
  return out;
}

std::string JsonString(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool JsonBool(const boost::json::object& o, const char* key, bool fallback) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

}  // namespace entragate::graph
