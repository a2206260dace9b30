#include "providers/graph/transport/http_transport.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "providers/graph/transport/http_endpoint.h"

namespace entragate::graph {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using engine::Error;
using engine::MakeError;
using engine::Result;
using Kind = engine::Error::Kind;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using BeastRequest = http::request<http::string_body>;
using namespace http_detail;

constexpr std::uint64_t kMaxResponseBody = 64u << 20;
constexpr std::uint32_t kMaxResponseHeader = 64u << 10;

std::string Millis(std::chrono::milliseconds duration) { return std::to_string(duration.count()) + " ms"; }

bool IsLoopback(const Endpoint& endpoint) {
  if (!endpoint.ip_literal) return endpoint.host == "localhost";
  beast::error_code ec;
  const auto address = asio::ip::make_address(endpoint.host, ec);
  return !ec && address.is_loopback();
}

// --- messages -----------------------------------------------------------------------------------

Result<BeastRequest> BuildRequest(const net::Request& in, const Endpoint& endpoint) {
  if (!IsToken(in.method)) return MakeError(Kind::kInvalid, "invalid HTTP method");
  BeastRequest out;
  out.method_string(in.method);
  out.target(endpoint.target);
  out.version(11);
  for (const auto& [name, value] : in.headers) {
    if (!IsToken(name) || name.size() > kMaxHeaderField) return MakeError(Kind::kInvalid, "invalid HTTP header name");
    if (!IsSafeHeaderValue(value)) return MakeError(Kind::kInvalid, "invalid value for HTTP header " + name);
    // Framing and the connection are ours to decide.
    if (beast::iequals(name, "host") || beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding") ||
        beast::iequals(name, "connection")) {
      continue;
    }
    out.insert(name, value);
  }
  out.set(http::field::host, endpoint.host_header);
  if (out.find(http::field::user_agent) == out.end()) out.set(http::field::user_agent, "entragate");
  out.body() = in.body;
  out.prepare_payload();
  return out;
}

net::Response ToNetResponse(http::response<http::string_body>&& in) {
  net::Response out;
  out.status = static_cast<int>(in.result_int());
  for (const auto& field : in) {
    auto [it, inserted] = out.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    if (!inserted) it->second.append(", ").append(field.value());
  }
  out.body = std::move(in.body());
  return out;
}

// --- TLS ----------------------------------------------------------------------------------------

// Asio's check only makes the handshake fail; recording the reason in the verify context lets
// the error say "hostname mismatch" instead of a bare "certificate verify failed".
auto HostNameCheck(const Endpoint& endpoint) {
  return [check = ssl::host_name_verification(endpoint.host), ip = endpoint.ip_literal](bool preverified, ssl::verify_context& context) {
    if (!preverified) return false;
    if (check(preverified, context)) return true;
    X509_STORE_CTX_set_error(context.native_handle(), ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
    return false;
  };
}

std::string VerifyFailureHint(long code) {
  switch (code) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return " (the certificate does not name this host)";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return " (the issuing CA is not trusted)";
    default: return "";
  }
}

std::optional<Error> ConfigureTls(ssl::context& context, const TransportOptions& options) {
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (options.ca_file) {
    context.load_verify_file(*options.ca_file, ec);
    if (ec) return MakeError(Kind::kInvalid, "cannot load CA file '" + *options.ca_file + "': " + ec.message());
  } else {
    context.set_default_verify_paths(ec);
    if (ec) return MakeError(Kind::kInvalid, "cannot load the system CA store: " + ec.message());
  }
  return std::nullopt;
}

// --- name resolution ----------------------------------------------------------------------------

using ResolveOutcome = std::pair<beast::error_code, std::vector<tcp::endpoint>>;

ResolveOutcome ResolveNow(const std::string& host, std::uint16_t port) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  ResolveOutcome out;
  const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_service, out.first);
  for (const auto& entry : results) out.second.push_back(entry.endpoint());
  return out;
}

/// getaddrinfo cannot be cancelled, so it runs on a detached thread of its own: on timeout the
/// caller moves on, and the thread finishes (and frees the shared state) whenever the system
/// resolver gives up.
Result<std::vector<tcp::endpoint>> ResolveName(const std::string& host, std::uint16_t port, Clock::time_point deadline,
                                               std::chrono::milliseconds budget) {
  auto promise = std::make_shared<std::promise<ResolveOutcome>>();
  auto future = promise->get_future();
  try {
    std::thread([promise, host, port] { promise->set_value(ResolveNow(host, port)); }).detach();
  } catch (const std::system_error& e) {
    return MakeError(Kind::kTransient, "cannot resolve " + host + ": " + e.what());
  }
  if (future.wait_until(deadline) != std::future_status::ready) {
    return MakeError(Kind::kTransient, "resolving " + host + " timed out after " + Millis(budget));
  }
  auto [ec, endpoints] = future.get();
  if (ec) return MakeError(Kind::kTransient, "cannot resolve " + host + ": " + ec.message());
  if (endpoints.empty()) return MakeError(Kind::kTransient, "cannot resolve " + host + ": no address");
  return endpoints;
}

// --- one connection -----------------------------------------------------------------------------

struct ExchangeOutcome {
  beast::error_code ec;
  bool writing = true;  ///< the failure happened while sending
  bool got_response_bytes = false;
  bool keep_alive = false;
  net::Response response;
};

/// A keep-alive connection with its own io_context, driven synchronously by the calling thread;
/// every step runs against a deadline enforced by beast::tcp_stream.
class Connection {
 public:
  explicit Connection(ssl::context& tls_context) : tls_context_(tls_context), plain_(std::make_unique<beast::tcp_stream>(ioc_)) {}

  bool reused = false;

  /// Resolve, connect, tunnel through `proxy` (may be null) and handshake TLS for https.
  engine::Status Open(const Endpoint& target, const Endpoint* proxy, Clock::time_point deadline, std::chrono::milliseconds budget) {
    const Endpoint& first_hop = proxy ? *proxy : target;
    auto endpoints = Resolve(first_hop, deadline, budget, target.scheme == "http");
    if (!endpoints) return endpoints.error();
    plain_->expires_at(deadline);  // one budget for connect, CONNECT and handshake together
    if (auto connected = Connect(*endpoints, first_hop, proxy != nullptr, budget); !connected) return connected;
    if (proxy) {
      if (auto tunnel = Tunnel(target, *proxy, budget); !tunnel) return tunnel;
    }
    if (target.scheme == "https") return Handshake(target, budget);
    return engine::Ok{};
  }

  ExchangeOutcome Exchange(BeastRequest& request, bool head, Clock::time_point deadline) {
    Lowest().expires_at(deadline);
    return tls_ ? ExchangeOn(*tls_, request, head) : ExchangeOn(*plain_, request, head);
  }

  /// An idle keep-alive connection must have nothing to read: readable means the server closed
  /// it (EOF, close_notify) or broke the protocol, so it must not carry a request.
  bool IsStale() {
    if (buffer_.size() != 0) return true;
    pollfd poll_fd{Lowest().socket().native_handle(), POLLIN, 0};
    return ::poll(&poll_fd, 1, 0) != 0;
  }

 private:
  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  /// Runs one asynchronous operation to completion on this thread.
  template <class Initiate>
  beast::error_code Run(Initiate&& initiate) {
    beast::error_code result;
    std::forward<Initiate>(initiate)([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  Result<std::vector<tcp::endpoint>> Resolve(const Endpoint& host, Clock::time_point deadline, std::chrono::milliseconds budget, bool loopback_only) {
    if (host.ip_literal) return std::vector<tcp::endpoint>{{asio::ip::make_address(host.host), host.port}};
    auto endpoints = ResolveName(host.host, host.port, deadline, budget);
    if (!endpoints) return endpoints;
    // "localhost" earns plain http only if it really is loopback here.
    if (loopback_only) {
      std::erase_if(*endpoints, [](const tcp::endpoint& e) { return !e.address().is_loopback(); });
      if (endpoints->empty()) return MakeError(Kind::kInvalid, host.host + " resolves to no loopback address");
    }
    return endpoints;
  }

  engine::Status Connect(const std::vector<tcp::endpoint>& endpoints, const Endpoint& hop, bool is_proxy, std::chrono::milliseconds budget) {
    const std::string what = (is_proxy ? "proxy " : "") + hop.Display();
    const auto ec = Run([&](auto handler) { plain_->async_connect(endpoints, std::move(handler)); });
    if (ec == beast::error::timeout) {
      return MakeError(Kind::kTransient, "connecting to " + what + " timed out after " + Millis(budget));
    }
    if (ec) return MakeError(Kind::kTransient, "cannot connect to " + what + ": " + ec.message());
    beast::error_code ignored;
    plain_->socket().set_option(tcp::no_delay(true), ignored);
    return engine::Ok{};
  }

  engine::Status Tunnel(const Endpoint& target, const Endpoint& proxy, std::chrono::milliseconds budget) {
    const std::string authority = target.Display();
    const std::string where = "proxy " + proxy.Display() + " (CONNECT " + authority + ")";
    http::request<http::empty_body> connect{http::verb::connect, authority, 11};
    connect.set(http::field::host, authority);
    auto ec = Run([&](auto handler) { http::async_write(*plain_, connect, std::move(handler)); });
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel starts right after it
    if (!ec) ec = Run([&](auto handler) { http::async_read(*plain_, buffer_, parser, std::move(handler)); });
    if (ec == beast::error::timeout) return MakeError(Kind::kTransient, where + " timed out after " + Millis(budget));
    if (ec) return MakeError(Kind::kTransient, where + " failed: " + ec.message());
    const unsigned status = parser.get().result_int();
    if (status / 100 == 2 && buffer_.size() == 0) return engine::Ok{};
    const std::string refused = where + " answered " + std::to_string(status);
    if (status == 407) return MakeError(Kind::kAuth, refused + ": proxy authentication is not supported");
    return MakeError(status >= 500 ? Kind::kTransient : Kind::kInvalid, refused);
  }

  engine::Status Handshake(const Endpoint& target, std::chrono::milliseconds budget) {
    tls_ = std::make_unique<TlsStream>(std::move(*plain_), tls_context_);
    plain_.reset();
    SSL* ssl_handle = tls_->native_handle();
    // SNI carries names only (RFC 6066 §3).
    if (!target.ip_literal) SSL_set_tlsext_host_name(ssl_handle, target.host.c_str());
    tls_->set_verify_mode(ssl::verify_peer);
    tls_->set_verify_callback(HostNameCheck(target));
    const auto ec = Run([&](auto handler) { tls_->async_handshake(ssl::stream_base::client, std::move(handler)); });
    if (!ec) return engine::Ok{};
    const std::string where = target.Display();
    if (const long verify = SSL_get_verify_result(ssl_handle); verify != X509_V_OK) {
      return MakeError(Kind::kInvalid,
                       "TLS certificate verification failed for " + where + ": " + X509_verify_cert_error_string(verify) + VerifyFailureHint(verify));
    }
    if (ec == beast::error::timeout) {
      return MakeError(Kind::kTransient, "TLS handshake with " + where + " timed out after " + Millis(budget));
    }
    // Protocol-level refusals (no common version, not TLS at all) will not heal on retry.
    const Kind kind = ec.category() == asio::error::get_ssl_category() ? Kind::kInvalid : Kind::kTransient;
    return MakeError(kind, "TLS handshake with " + where + " failed: " + ec.message());
  }

  template <class Stream>
  ExchangeOutcome ExchangeOn(Stream& stream, BeastRequest& request, bool head) {
    ExchangeOutcome out;
    out.ec = Run([&](auto handler) { http::async_write(stream, request, std::move(handler)); });
    if (out.ec) return out;
    out.writing = false;
    for (;;) {
      http::response_parser<http::string_body> parser;
      parser.header_limit(kMaxResponseHeader);
      parser.body_limit(kMaxResponseBody);
      if (head) parser.skip(true);
      out.ec = Run([&](auto handler) { http::async_read(stream, buffer_, parser, std::move(handler)); });
      out.got_response_bytes = out.got_response_bytes || parser.got_some();
      if (out.ec) return out;
      const unsigned status = parser.get().result_int();
      if (status / 100 == 1 && status != 101) continue;  // interim (100 Continue, 103): the answer follows
      out.keep_alive = parser.keep_alive();
      out.response = ToNetResponse(parser.release());
      return out;
    }
  }

  ssl::context& tls_context_;
  asio::io_context ioc_{1};
  std::unique_ptr<beast::tcp_stream> plain_;  ///< until the TLS handshake adopts it
  std::unique_ptr<TlsStream> tls_;
  beast::flat_buffer buffer_;
};

// --- the pool -----------------------------------------------------------------------------------

/// Connections per scheme+host+port: idle ones to reuse, and a cap on how many exist at once.
class Pool {
 public:
  explicit Pool(int max_per_key) : max_per_key_(std::max(max_per_key, 1)) {}

  /// An idle connection (reused), nullptr as permission to open a new one, or nullopt when no
  /// connection freed up before `deadline`. `fresh` discards the idle ones: they are as old as one
  /// that just turned out dead.
  std::optional<std::unique_ptr<Connection>> Acquire(const std::string& key, Clock::time_point deadline, bool fresh) {
    std::vector<std::unique_ptr<Connection>> discarded;  // destroyed after the lock is released
    std::unique_lock lock(mutex_);
    Slot& slot = slots_[key];
    for (;;) {
      while (!slot.idle.empty()) {
        auto connection = std::move(slot.idle.back());
        slot.idle.pop_back();
        if (!fresh && !connection->IsStale()) return connection;
        --slot.open;
        discarded.push_back(std::move(connection));
      }
      if (slot.open < max_per_key_) {
        ++slot.open;
        return std::unique_ptr<Connection>();
      }
      if (freed_.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
    }
  }

  /// Gives back what Acquire handed out; a null `connection` frees the slot.
  void Release(const std::string& key, std::unique_ptr<Connection> connection) {
    {
      std::lock_guard lock(mutex_);
      Slot& slot = slots_[key];
      if (connection) {
        slot.idle.push_back(std::move(connection));
      } else {
        --slot.open;
      }
    }
    freed_.notify_one();
  }

 private:
  struct Slot {
    int open = 0;  ///< busy + idle
    std::vector<std::unique_ptr<Connection>> idle;
  };
  const int max_per_key_;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::unordered_map<std::string, Slot> slots_;
};

// --- the transport ------------------------------------------------------------------------------

Error ExchangeError(const ExchangeOutcome& outcome, const std::string& where, std::chrono::milliseconds budget) {
  const auto& ec = outcome.ec;
  if (ec == beast::error::timeout) {
    return MakeError(Kind::kTransient, "request to " + where + " timed out after " + Millis(budget));
  }
  if (outcome.writing) return MakeError(Kind::kTransient, "sending the request to " + where + " failed: " + ec.message());
  if (ec == http::error::body_limit) {
    return MakeError(Kind::kInvalid, "the response from " + where + " is larger than 64 MiB");
  }
  if (!outcome.got_response_bytes) {
    return MakeError(Kind::kTransient, where + " closed the connection before responding (" + ec.message() + ")");
  }
  if (ec == http::error::header_limit) return MakeError(Kind::kInvalid, "the response header from " + where + " is too large");
  if (ec.category() == http::make_error_code(http::error::bad_target).category() && ec != http::error::partial_message) {
    return MakeError(Kind::kTransient, "malformed response from " + where + ": " + ec.message());
  }
  return MakeError(Kind::kTransient, "receiving the response from " + where + " failed: " + ec.message());
}

class HttpTransport final : public Transport {
 public:
  explicit HttpTransport(TransportOptions options) : options_(std::move(options)), pool_(options_.max_connections_per_host) {
    setup_error_ = ConfigureTls(tls_context_, options_);
    if (options_.https_proxy && !options_.https_proxy->empty()) {
      auto proxy = ParseProxy(*options_.https_proxy);
      if (proxy)
        proxy_ = std::move(*proxy);
      else
        proxy_error_ = proxy.error();
    }
  }

  Result<net::Response> Send(const net::Request& request) override {
    try {
      return SendOrThrow(request);
    } catch (const std::exception& e) {  // e.g. bad_alloc: errors stay values
      return MakeError(Kind::kInternal, std::string("HTTP transport failure: ") + e.what());
    }
  }

 private:
  Result<net::Response> SendOrThrow(const net::Request& request) {
    auto target = ParseEndpoint(request.target, "request URL");
    if (!target) return target.error();
    if (target->scheme == "http" && !IsLoopback(*target) && !IsInstanceMetadataService(*target)) {
      return MakeError(Kind::kInvalid, "refusing plain http to " + target->Display() +
                                           ": use https (plain http is allowed only to loopback addresses and Azure IMDS)");
    }
    if (target->scheme == "https" && setup_error_) return *setup_error_;
    const bool proxied = UsesProxy(*target);
    if (proxied && proxy_error_) return *proxy_error_;
    auto beast_request = BuildRequest(request, *target);
    if (!beast_request) return beast_request.error();
    const Endpoint* proxy = proxied ? &*proxy_ : nullptr;
    Attempt first = Try(*target, proxy, *beast_request, /*fresh=*/false);
    if (!first.retryable || !IsIdempotent(request.method)) return std::move(first.result);
    return std::move(Try(*target, proxy, *beast_request, /*fresh=*/true).result);
  }

  struct Attempt {
    Result<net::Response> result;
    bool retryable = false;  ///< failed on a reused connection before any response byte
  };

  bool UsesProxy(const Endpoint& target) const {
    if (target.scheme != "https" || !(proxy_ || proxy_error_)) return false;
    return !BypassesProxy(target.host, options_.no_proxy);
  }

  Attempt Try(const Endpoint& target, const Endpoint* proxy, BeastRequest& request, bool fresh) {
    const std::string key = target.PoolKey();
    auto acquired = pool_.Acquire(key, Clock::now() + options_.request_timeout, fresh);
    if (!acquired) {
      return {MakeError(Kind::kTransient, "timed out waiting for a free connection to " + target.Display())};
    }
    std::unique_ptr<Connection> connection = std::move(*acquired);
    if (!connection) {
      connection = std::make_unique<Connection>(tls_context_);
      auto opened = connection->Open(target, proxy, Clock::now() + options_.connect_timeout, options_.connect_timeout);
      if (!opened) {
        pool_.Release(key, nullptr);
        return {opened.error()};
      }
    }
    const bool head = request.method() == http::verb::head;
    ExchangeOutcome outcome = connection->Exchange(request, head, Clock::now() + options_.request_timeout);
    if (outcome.ec) {
      const bool retryable = connection->reused && !outcome.got_response_bytes && outcome.ec != beast::error::timeout;
      pool_.Release(key, nullptr);
      return {ExchangeError(outcome, target.Display(), options_.request_timeout), retryable};
    }
    connection->reused = true;
    pool_.Release(key, outcome.keep_alive ? std::move(connection) : nullptr);
    return {std::move(outcome.response)};
  }

  TransportOptions options_;
  ssl::context tls_context_{ssl::context::tls_client};
  std::optional<Error> setup_error_;  ///< reported by every https Send
  std::optional<Endpoint> proxy_;
  std::optional<Error> proxy_error_;  ///< reported by every Send that would use the proxy
  Pool pool_;
};

}  // namespace

std::unique_ptr<Transport> MakeHttpTransport(TransportOptions options) { return std::make_unique<HttpTransport>(std::move(options)); }

}  // namespace entragate::graph
