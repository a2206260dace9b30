#include "providers/graph/client/odata.h"

#include "net/http_message.h"

namespace entragate::graph {

namespace {

// The literal's content without its quotes: the OData rule for a quote inside a string.
std::string DoubleQuotes(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  return out;
}

}  // namespace

std::string ODataString(std::string_view value) { return "'" + DoubleQuotes(value) + "'"; }

std::string FilterUrlComponent(std::string_view filter) { return net::PercentEncode(filter); }

std::string KeySegment(std::string_view name, std::string_view value) {
  // Quotes that delimit the literal stay literal; the doubled quotes inside are encoded like any
  // other data, so the server decodes the segment first and then reads one well-formed literal.
  return "(" + std::string(name) + "='" + net::PercentEncode(DoubleQuotes(value)) + "')";
}

}  // namespace entragate::graph
