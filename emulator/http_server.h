#pragma once
// The emulator's HTTP/1.1 server (plain or TLS). It only moves bytes: every request is handed to
// one Handler as a net::Request and its net::Response is written back. Beast and Asio stay in the
// .cpp so the emulator's handlers and tests compile without them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "net/http_message.h"

namespace entragate::emulator {

struct ServerTls {
  std::string cert_chain_pem;   ///< leaf first, then any intermediates
  std::string private_key_pem;  ///< unencrypted, the leaf's key
};

struct ServerOptions {
  std::string host = "127.0.0.1";           ///< address (or name resolving to one) to listen on
  std::uint16_t port = 0;                   ///< 0: the kernel picks one; see HttpServer::port()
  std::optional<ServerTls> tls;             ///< absent: plain HTTP
  std::size_t max_body_bytes = 4 << 20;     ///< larger request bodies get 413 and a close
  std::size_t max_header_bytes = 16 << 10;  ///< larger request headers get 400 and a close
  int threads = 2;                          ///< at least 1
  /// How long a connection may sit without progress: waiting for a request, reading one, writing
  /// a response, or doing the TLS handshake. Then it is closed.
  std::chrono::seconds idle_timeout{30};
};

struct HandlerResult {
  /// nullopt: close the connection without answering, to emulate "the write was committed but
  /// the client never saw the answer".
  std::optional<net::Response> response;
  /// Waited out (without holding a thread) before answering or closing.
  std::chrono::milliseconds delay{0};
};

/// Called concurrently from several threads, once per request. `target` is origin-form
/// ("/v1.0/applications?$top=5"), header names are as the client spelled them, and `peer` is the
/// client's "address:port". An exception becomes a 500 response. Content-Length, Connection and
/// Transfer-Encoding are the server's business: such headers from the handler are ignored.
using Handler = std::function<HandlerResult(const net::Request&)>;

class HttpServer {
 public:
  /// Listens and starts the worker threads. kInvalid for an unusable host or TLS material, kIo
  /// when the address cannot be bound (e.g. the port is taken).
  static base::Result<std::unique_ptr<HttpServer>> Start(ServerOptions options, Handler handler);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();  ///< Stop()s

  std::uint16_t port() const;
  /// Stops accepting, closes every connection (requests being handled finish first, their
  /// answers are dropped) and joins the threads. Idempotent. Must not be called from a Handler:
  /// it waits for the handlers' threads.
  void Stop();
  /// Connections accepted since Start (TLS handshakes not necessarily completed).
  std::uint64_t connections_accepted() const;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace entragate::emulator
