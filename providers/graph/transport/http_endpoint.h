#pragma once
// What HttpTransport decides before it opens a connection, with no Beast or Asio in sight: the
// endpoint a URL names, whether it is reached through the proxy (HTTPS_PROXY, NO_PROXY), and the
// checks on the method and on header names and values. http_transport.cpp, the only client-side
// file with sockets, is its user.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "providers/graph/transport/room.h"

namespace entragate::graph::http_detail {

struct Endpoint {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< lower case, percent-decoded, IPv6 without brackets
  std::uint16_t port = 0;
  bool ip_literal = false;
  std::string host_header;  ///< host[:port] as it goes into the Host header
  std::string target;       ///< origin-form, never empty

  std::string Display() const;  ///< host:port, IPv6 bracketed
  std::string PoolKey() const { return scheme + "://" + Display(); }
};

/// `what` names the URL in messages ("request URL", "https_proxy").
engine::Result<Endpoint> ParseEndpoint(std::string_view text, std::string_view what);

// Azure's instance metadata service (managed identity on VMs) is plain http at this link-local
// address by design (docs/graph-behaviour.md §8.1); it is reachable only from inside the host.
bool IsInstanceMetadataService(const Endpoint& endpoint);

/// The https_proxy setting, "http://host:port" or "host:port"; only http:// proxies.
engine::Result<Endpoint> ParseProxy(std::string text);

/// Whether `host` (lower case) bypasses the proxy by the `no_proxy` list (TransportOptions::no_proxy).
bool BypassesProxy(const std::string& host, std::string_view no_proxy);

// RFC 9110 token characters: what a method or header name may contain.
bool IsToken(std::string_view text);

// Beast stores field offsets in 16 bits and throws beyond that.
inline constexpr std::size_t kMaxHeaderField = 60000;

/// No CR, LF or NUL, and no longer than kMaxHeaderField.
bool IsSafeHeaderValue(std::string_view value);

/// GET, HEAD, OPTIONS, PUT and DELETE: sending one twice has the effect of sending it once.
bool IsIdempotent(std::string_view method);

}  // namespace entragate::graph::http_detail
