#include "providers/graph/transport/http_endpoint.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <utility>

#include <boost/url.hpp>

#include "providers/graph/transport/http_transport.h"

namespace entragate::graph {
namespace http_detail {
namespace {

namespace urls = boost::urls;
using engine::MakeError;
using engine::Result;
using Kind = engine::Error::Kind;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string HostPort(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<std::string> HostOf(const urls::url_view& url, bool& ip_literal) {
  ip_literal = true;
  switch (url.host_type()) {
    case urls::host_type::ipv4: return url.host_ipv4_address().to_string();
    case urls::host_type::ipv6: return url.host_ipv6_address().to_string();
    case urls::host_type::name: break;
    default: return MakeError(Kind::kInvalid, "unsupported host in URL");
  }
  ip_literal = false;
  std::string host = Lower(url.host_name());
  const bool valid = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
  if (!valid) return MakeError(Kind::kInvalid, "invalid host name in URL");
  return host;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

/// One NO_PROXY entry without brackets or port, lower case, leading dot removed.
std::string NormalizeNoProxyEntry(std::string_view entry) {
  if (!entry.empty() && entry.front() == '[') {
    entry = entry.substr(1, entry.find(']') == std::string_view::npos ? entry.size() : entry.find(']') - 1);
  } else if (std::count(entry.begin(), entry.end(), ':') == 1) {
    entry = entry.substr(0, entry.find(':'));
  }
  if (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
  return Lower(entry);
}

}  // namespace

std::string Endpoint::Display() const { return HostPort(host, port); }

Result<Endpoint> ParseEndpoint(std::string_view text, std::string_view what) {
  auto parsed = urls::parse_uri(text);
  if (!parsed) return MakeError(Kind::kInvalid, std::string(what) + " is not an absolute URL");
  const urls::url_view url = *parsed;
  Endpoint out;
  out.scheme = Lower(url.scheme());
  if (out.scheme != "http" && out.scheme != "https") {
    return MakeError(Kind::kInvalid, std::string(what) + ": unsupported scheme '" + out.scheme + "'");
  }
  if (url.has_userinfo()) {
    return MakeError(Kind::kInvalid, std::string(what) + ": credentials in the URL are not supported");
  }
  auto host = HostOf(url, out.ip_literal);
  if (!host) return MakeError(Kind::kInvalid, std::string(what) + ": " + host.error().message);
  out.host = std::move(*host);
  const std::uint16_t default_port = out.scheme == "https" ? 443 : 80;
  out.port = url.has_port() && !url.port().empty() ? url.port_number() : default_port;
  if (out.port == 0) return MakeError(Kind::kInvalid, std::string(what) + ": invalid port");
  const std::string bracketed = out.ip_literal && out.host.find(':') != std::string::npos ? "[" + out.host + "]" : out.host;
  out.host_header = out.port == default_port ? bracketed : bracketed + ":" + std::to_string(out.port);
  out.target = std::string(url.encoded_target());
  if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");
  return out;
}

bool IsInstanceMetadataService(const Endpoint& endpoint) { return endpoint.ip_literal && endpoint.host == "169.254.169.254"; }

bool BypassesProxy(const std::string& host, std::string_view no_proxy) {
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    const std::string_view raw = Trim(no_proxy.substr(0, comma));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    if (raw == "*") return true;
    const std::string entry = NormalizeNoProxyEntry(raw);
    if (entry.empty()) continue;
    if (host == entry) return true;
    if (host.size() > entry.size() && host.ends_with(entry) && host[host.size() - entry.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

Result<Endpoint> ParseProxy(std::string text) {
  if (text.find("://") == std::string::npos) text.insert(0, "http://");
  auto proxy = ParseEndpoint(text, "https_proxy");
  if (!proxy) return proxy.error();
  if (proxy->scheme != "http") {
    return MakeError(Kind::kInvalid, "https_proxy: only http:// proxies are supported");
  }
  return proxy;
}

bool IsToken(std::string_view text) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kSpecials.find(c) != std::string_view::npos;
  });
}

bool IsSafeHeaderValue(std::string_view value) {
  return value.size() <= kMaxHeaderField && std::none_of(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool IsIdempotent(std::string_view method) {
  for (std::string_view safe : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}) {
    if (method == safe) return true;
  }
  return false;
}

}  // namespace http_detail

namespace {

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace

TransportOptions TransportOptions::FromEnvironment() {
  TransportOptions options;
  options.https_proxy = Env("HTTPS_PROXY");
  if (!options.https_proxy) options.https_proxy = Env("https_proxy");
  options.no_proxy = Env("NO_PROXY").value_or(Env("no_proxy").value_or(""));
  options.ca_file = Env("SSL_CERT_FILE");
  return options;
}

}  // namespace entragate::graph
