#include "emulator/graph/graph_query.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "crypto/base64.h"
#include "emulator/graph/json_read.h"

namespace entragate::emulator {

std::map<std::string, std::string> ParseQueryString(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    out[net::PercentDecode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : net::PercentDecode(part.substr(eq + 1));
  }
  return out;
}

namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<GraphError> ParseTop(const std::string& text, int& top) {
  try {
    size_t used = 0;
    long value = std::stol(text, &used);
    if (used == text.size() && value >= 1 && value <= 999) {
      top = static_cast<int>(value);
      return std::nullopt;
    }
  } catch (const std::exception&) {
  }
  return GraphError::BadRequest(fmt::format("Invalid page size specified: '{}'. Must be between 1 and 999 inclusive.", text));
}

}  // namespace

std::variant<QueryOptions, GraphError> ParseQueryOptions(const std::map<std::string, std::string>& params, const net::Request& request,
                                                         std::string_view filter_entity) {
  QueryOptions options;
  auto consistency = request.Header("ConsistencyLevel");
  options.advanced = consistency && *consistency == "eventual";
  for (const auto& [name, value] : params) {
    if (name == "$select") {
      options.select = SplitCommas(value);
    } else if (name == "$top") {
      if (auto error = ParseTop(value, options.top)) return *error;
    } else if (name == "$skiptoken") {
      auto decoded = crypto::Base64UrlDecode(value);
      if (!decoded.ok()) return GraphError::BadRequest("Invalid $skiptoken value.");
      options.skiptoken = decoded.value();
    } else if (name == "$count") {
      // Without ConsistencyLevel: eventual, Graph silently ignores $count=true (docs/graph-behaviour.md §3.2).
      options.count = value == "true" && options.advanced;
    } else if (name == "$search") {
      if (!options.advanced)
        return GraphError::UnsupportedQuery(
            "Request with $search query parameter only works through MSGraph with a special request header: "
            "'ConsistencyLevel: eventual'");
      return GraphError::UnsupportedQuery("$search is not supported by the entragate local tenant.");
    } else if (name == "$filter") {
      // handled below, once $count and the header are known
    } else if (!name.empty() && name[0] == '$') {
      return GraphError::BadRequest(fmt::format("Query option '{}' is not supported by the entragate local tenant.", name));
    }
  }
  if (auto f = params.find("$filter"); f != params.end()) {
    bool advanced = options.advanced && params.count("$count") && params.at("$count") == "true";
    auto parsed = ParseFilter(f->second, filter_entity, advanced);
    if (auto* error = std::get_if<FilterError>(&parsed))
      return error->syntax ? GraphError::BadRequest(error->message) : GraphError::UnsupportedQuery(error->message);
    options.filter = std::get<Filter>(std::move(parsed));
  }
  return options;
}

namespace {

std::string ReplaceSkiptoken(const std::string& url, const std::string& token) {
  auto q = url.find('?');
  std::string base = url.substr(0, q);
  std::string rebuilt;
  if (q != std::string::npos) {
    std::string_view query(url);
    query.remove_prefix(q + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view part = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      std::string name = net::PercentDecode(part.substr(0, part.find('=')));
      if (name == "$skiptoken" || part.empty()) continue;
      rebuilt += (rebuilt.empty() ? "" : "&") + std::string(part);
    }
  }
  rebuilt += (rebuilt.empty() ? "" : "&") + std::string("$skiptoken=") + token;
  return base + "?" + rebuilt;
}

}  // namespace

json::object CollectionPage(const std::vector<const json::object*>& items, const QueryOptions& options, const std::string& context,
                            const std::string& self_url) {
  json::object page;
  page["@odata.context"] = options.select.empty() ? context : fmt::format("{}({})", context, fmt::join(options.select, ","));
  if (options.count && options.skiptoken.empty()) page["@odata.count"] = items.size();  // first page only
  size_t start = 0;
  if (!options.skiptoken.empty()) {
    while (start < items.size() && StringAt(*items[start], "id") <= options.skiptoken) ++start;
  }
  json::array value;
  size_t end = std::min(items.size(), start + static_cast<size_t>(options.top));
  for (size_t i = start; i < end; ++i) value.push_back(Present(*items[i], options.select));
  if (end < items.size()) {
    std::string last = StringAt(*items[end - 1], "id");
    page["@odata.nextLink"] = ReplaceSkiptoken(self_url, crypto::Base64UrlEncode(last));
  }
  page["value"] = std::move(value);
  return page;
}

}  // namespace entragate::emulator
