#pragma once
// Plain HTTP request/response values shared by the emulator's server and the Graph provider's client
// transport. No Beast, no Asio: protocol logic (Graph handlers, retry policy, credentials) works on
// these and never touches sockets.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace entragate::net {

/// Header names compare case-insensitively, as HTTP requires; one value per name (repeated
/// headers are joined with ", " on receipt, which is equivalent for every header we use).
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;  ///< "GET", "POST", …
  std::string target;  ///< origin-form on the server side ("/v1.0/applications?$top=5"); absolute URL on the client side
  Headers headers;
  std::string body;
  std::string peer;  ///< server side: the client's address, for logs

  std::optional<std::string> Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const;
};

/// Percent-decoding of a URL component; '+' is left alone (it is not a space outside forms).
std::string PercentDecode(std::string_view text);
/// Percent-encoding of a URL component: everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);
/// application/x-www-form-urlencoded body → ordered name/value pairs ('+' is a space here).
std::vector<std::pair<std::string, std::string>> ParseForm(std::string_view body);
std::string EncodeForm(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace entragate::net
