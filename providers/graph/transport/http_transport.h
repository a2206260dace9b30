#pragma once
// The Graph provider's door to the network: one method, Send(request) → response. Retry, paging and
// credentials live above it and never see a socket; Beast, Asio and OpenSSL stay in the .cpp.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "engine/result.h"
#include "net/http_message.h"
#include "providers/graph/transport/room.h"

namespace entragate::graph {

struct TransportOptions {
  /// PEM file of the CAs to trust instead of the system store. Unset: OpenSSL's defaults, which
  /// honour SSL_CERT_FILE / SSL_CERT_DIR, then the system store.
  std::optional<std::string> ca_file;
  /// Name resolution, TCP connect, proxy CONNECT and TLS handshake together.
  std::chrono::milliseconds connect_timeout{10000};
  /// Sending the request and receiving the whole response, per attempt.
  std::chrono::milliseconds request_timeout{100000};
  /// Connections (busy and idle) per scheme+host+port; a Send beyond it waits for one to free up.
  /// As many as `apply --parallelism` may have requests in flight: Graph limits what a client
  /// spends (the pacer's buckets), not how many connections it opens, and each request in flight
  /// needs a connection of its own (HTTP/1.1).
  int max_connections_per_host = 64;
  /// "http://host:port" (or "host:port") of a proxy that tunnels https with CONNECT. Plain http
  /// (loopback only) never goes through it. Proxy credentials are not supported.
  std::optional<std::string> https_proxy;
  /// Comma list of hosts that bypass the proxy: "*", an exact host, or a domain ("example.com"
  /// and ".example.com" both match example.com and its subdomains). Case-insensitive; IPv6 may be
  /// bracketed; no CIDR ranges. Loopback is not exempt unless listed.
  std::string no_proxy;

  /// HTTPS_PROXY (else https_proxy), NO_PROXY (else no_proxy), SSL_CERT_FILE; empty means unset.
  static TransportOptions FromEnvironment();
};

class Transport {
 public:
  virtual ~Transport() = default;
  /// `request.target` is an absolute URL ("https://graph.microsoft.com/v1.0/applications").
  /// Thread-safe. Any HTTP status is a successful Send; errors are only for exchanges that did not
  /// produce a response:
  ///  - kInvalid: a bad URL or header, plain http to a non-loopback host (refused before any
  ///    connection), TLS verification or handshake failure, a response over 64 MiB, a proxy
  ///    refusal;
  ///  - kTransient: resolve/connect/send/receive failures and timeouts, a connection closed before
  ///    the response, a malformed response;
  ///  - kAuth: the proxy asks for credentials.
  /// Messages name host:port and the step that failed, never request headers or bodies.
  /// A reused keep-alive connection found dead before any response byte is retried once on a new
  /// connection, for idempotent methods only (GET, HEAD, OPTIONS, PUT, DELETE): a POST the server
  /// may have executed is never sent twice.
  virtual engine::Result<net::Response> Send(const net::Request& request) = 0;
};

std::unique_ptr<Transport> MakeHttpTransport(TransportOptions options);

}  // namespace entragate::graph
