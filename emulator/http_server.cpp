#include "emulator/http_server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "crypto/hash.h"
#include "emulator/graph/graph_entities.h"
#include "emulator/graph/graph_errors.h"

namespace entragate::emulator {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using base::Error;
using base::MakeError;

using TcpStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// After an error response the client may still be sending the rejected body. Closing with unread
// input makes the kernel send RST, which can destroy the response before the client reads it, so
// the rest is read and dropped for a while first (a "lingering close").
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerMaxBytes = 16u << 20;
// A client that never answers our close_notify must not keep the connection for the idle time.
constexpr std::chrono::seconds kTlsShutdownTime{2};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  /// Thread-safe: closes the connection on its own strand.
  virtual void PostClose() = 0;
};

/// What connections share with the server. Outlives every connection: the io_context (which owns
/// the last references to connections) is destroyed first.
struct ServerCore {
  ServerOptions options;
  Handler handler;
  std::unique_ptr<ssl::context> tls;
  std::atomic<std::uint64_t> accepted{0};

  std::mutex mutex;
  bool stopping = false;
  std::unordered_map<const ConnectionBase*, std::weak_ptr<ConnectionBase>> live;

  /// False once stopping: the caller must then drop the connection.
  bool Register(const std::shared_ptr<ConnectionBase>& connection) {
    std::lock_guard lock(mutex);
    if (stopping) return false;
    live.emplace(connection.get(), connection);
    return true;
  }
  void Unregister(const ConnectionBase* connection) {
    std::lock_guard lock(mutex);
    live.erase(connection);
  }
  std::vector<std::shared_ptr<ConnectionBase>> BeginStop() {
    std::lock_guard lock(mutex);
    stopping = true;
    std::vector<std::shared_ptr<ConnectionBase>> out;
    for (auto& [key, weak] : live) {
      if (auto strong = weak.lock()) out.push_back(std::move(strong));
    }
    return out;
  }
};

std::string FormatPeer(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

bool IsHttpParseError(const beast::error_code& ec) { return ec.category() == http::make_error_code(http::error::bad_target).category(); }

bool ExpectsContinue(const http::request<http::string_body>& request) {
  auto it = request.find(http::field::expect);
  return it != request.end() && beast::iequals(it->value(), "100-continue");
}

net::Request ToNetRequest(http::request<http::string_body>&& in, std::string peer) {
  net::Request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  for (const auto& field : in) {
    std::string name(field.name_string());
    auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second.append(", ").append(field.value());
  }
  out.body = std::move(in.body());
  out.peer = std::move(peer);
  return out;
}

// Beast stores field offsets in 16 bits and throws beyond that.
constexpr std::size_t kMaxHeaderField = 60000;

// Headers describing the framing are computed by Beast from the actual body and connection state;
// a handler's copies could contradict them. CR/LF would let a value smuggle in extra headers.
bool IsHandlerHeaderAllowed(std::string_view name, std::string_view value) {
  if (name.size() > kMaxHeaderField || value.size() > kMaxHeaderField) return false;
  for (std::string_view framing : {"content-length", "transfer-encoding", "connection"}) {
    if (beast::iequals(name, framing)) return false;
  }
  auto unsafe = [](char c) { return c == '\r' || c == '\n' || c == '\0'; };
  return !name.empty() && std::none_of(name.begin(), name.end(), unsafe) && std::none_of(value.begin(), value.end(), unsafe);
}

// Graph's error shape, request ids included, whatever the failure: clients of every endpoint here
// (Graph, login, managed identity) read that body or at least survive it.
net::Response ErrorResponse(int status, std::string code, std::string message, const net::Request* request = nullptr) {
  auto uuid = crypto::NewUuid4();
  std::string request_id = uuid.ok() ? uuid.value() : "00000000-0000-0000-0000-000000000000";
  std::string client_request_id = request ? request->Header("client-request-id").value_or(request_id) : request_id;
  net::Response response =
      RenderGraphError(GraphError{status, std::move(code), std::move(message), {}, {}}, request_id, client_request_id, IsoNow().substr(0, 19));
  response.headers["request-id"] = request_id;
  response.headers["client-request-id"] = client_request_id;
  return response;
}

http::response<http::string_body> ToBeastResponse(net::Response in, unsigned version, bool head, bool keep_alive) {
  http::response<http::string_body> out;
  out.version(version);
  // Codes outside 200..999 cannot be framed as a final response.
  out.result(in.status >= 200 && in.status <= 999 ? static_cast<unsigned>(in.status) : 500u);
  for (const auto& [name, value] : in.headers) {
    if (IsHandlerHeaderAllowed(name, value)) out.insert(name, value);
  }
  const auto status = out.result();
  const bool bodiless = status == http::status::no_content || status == http::status::not_modified;
  if (!bodiless) out.body() = std::move(in.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  // HEAD: the length GET would have had, without the bytes.
  if (head && !bodiless) out.body().clear();
  return out;
}

// An exception inside a handler fails that request with a 500, never the server: the store undoes
// a write that threw, and the connection carries on.
HandlerResult CallHandler(const Handler& handler, const net::Request& request) {
  try {
    return handler(request);
  } catch (...) {
    return {ErrorResponse(500, "InternalServerError", "The server encountered an internal error while handling the request.", &request), {}};
  }
}

/// One client connection. Every member runs on the connection's strand.
template <class Stream>
class Connection final : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Connection(ServerCore& core, tcp::socket socket, std::string peer)
      : core_(core), stream_(MakeStream(core, std::move(socket))), peer_(std::move(peer)), delay_timer_(stream_.get_executor()) {}
  ~Connection() override { core_.Unregister(this); }

  void Start() {
    if (!core_.Register(this->shared_from_this())) return;  // stopping: the socket dies with us
    asio::dispatch(stream_.get_executor(), Bind(&Connection::Begin));
  }

  void PostClose() override { asio::post(stream_.get_executor(), Bind(&Connection::Close)); }

 private:
  static Stream MakeStream(ServerCore& core, tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *core.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  template <class Member>
  auto Bind(Member member) {
    return beast::bind_front_handler(member, this->shared_from_this());
  }

  TcpStream& Tcp() { return beast::get_lowest_layer(stream_); }
  void ArmIdleTimer() { Tcp().expires_after(core_.options.idle_timeout); }

  void Begin() {
    if constexpr (kTls) {
      ArmIdleTimer();
      stream_.async_handshake(ssl::stream_base::server, Bind(&Connection::OnHandshake));
    } else {
      ReadHeader();
    }
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) return Close();
    ReadHeader();
  }

  void ReadHeader() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(core_.options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(core_.options.max_body_bytes);
    ArmIdleTimer();
    http::async_read_header(stream_, buffer_, *parser_, Bind(&Connection::OnHeader));
  }

  // curl and others wait (up to a second) for "100 Continue" before sending a large body.
  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    if (!ExpectsContinue(parser_->get())) return ReadBody();
    ArmIdleTimer();
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()), Bind(&Connection::OnContinueSent));
  }

  void OnContinueSent(beast::error_code ec, std::size_t) {
    if (ec) return Close();
    ReadBody();
  }

  void ReadBody() {
    ArmIdleTimer();
    http::async_read(stream_, buffer_, *parser_, Bind(&Connection::OnRequest));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Reject(ErrorResponse(413, "RequestEntityTooLarge", "the request body is too large"));
    }
    if (ec == http::error::header_limit) {
      return Reject(ErrorResponse(400, "BadRequest", "the request header is too large"));
    }
    // A message cut short by the client's close is not worth answering.
    if (IsHttpParseError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Reject(ErrorResponse(400, "BadRequest", "malformed HTTP request"));
    }
    Close();
  }

  void OnRequest(beast::error_code ec, std::size_t) {
    if (ec) return OnReadError(ec);
    if (closed_) return;    // Stop() came first: the answer would be dropped anyway
    Tcp().expires_never();  // the handler's own delay must not count as idle time
    const auto target = parser_->get().target();
    if (target.empty() || target.front() != '/') {
      return Reject(ErrorResponse(400, "BadRequest", "the request target must be an absolute path"));
    }
    version_ = parser_->get().version();
    head_ = parser_->get().method() == http::verb::head;
    keep_alive_ = parser_->get().keep_alive();
    const net::Request request = ToNetRequest(parser_->release(), peer_);
    HandlerResult result = CallHandler(core_.handler, request);
    if (result.delay <= std::chrono::milliseconds::zero()) return Answer(std::move(result.response));
    pending_ = std::move(result.response);
    delay_timer_.expires_after(result.delay);
    delay_timer_.async_wait(Bind(&Connection::OnDelayed));
  }

  void OnDelayed(beast::error_code) { Answer(std::move(pending_)); }

  void Answer(std::optional<net::Response> response) {
    if (closed_) return;
    if (!response) return Close();  // fault injection: the client never sees an answer
    response_ = ToBeastResponse(std::move(*response), version_, head_, keep_alive_);
    ArmIdleTimer();
    http::async_write(stream_, response_, Bind(&Connection::OnWritten));
  }

  void OnWritten(beast::error_code ec, std::size_t) {
    if (ec) return Close();
    if (response_.keep_alive()) return ReadHeader();
    CloseGracefully();
  }

  /// Answers with `response` and closes, draining what the client still sends.
  void Reject(net::Response response) {
    response_ = ToBeastResponse(std::move(response), 11, false, false);
    ArmIdleTimer();
    http::async_write(stream_, response_, Bind(&Connection::OnRejectWritten));
  }

  void OnRejectWritten(beast::error_code ec, std::size_t) {
    if (ec) return Close();
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Tcp().expires_after(kLingerTime);
    Drain();
  }

  // Raw bytes, below TLS: they are thrown away unread.
  void Drain() { Tcp().async_read_some(asio::buffer(drain_), Bind(&Connection::OnDrained)); }

  void OnDrained(beast::error_code ec, std::size_t bytes) {
    drained_ += bytes;
    if (ec || closed_ || drained_ > kLingerMaxBytes) return Close();
    Drain();
  }

  void CloseGracefully() {
    if constexpr (kTls) {
      Tcp().expires_after(kTlsShutdownTime);
      stream_.async_shutdown(Bind(&Connection::OnTlsShutdown));
    } else {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      Close();
    }
  }

  void OnTlsShutdown(beast::error_code) { Close(); }

  void Close() {
    if (closed_) return;
    closed_ = true;
    delay_timer_.cancel();
    Tcp().close();
  }

  ServerCore& core_;
  Stream stream_;
  std::string peer_;
  asio::steady_timer delay_timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::optional<net::Response> pending_;  ///< held while a handler's delay runs
  unsigned version_ = 11;
  bool head_ = false;
  bool keep_alive_ = false;
  bool closed_ = false;
  std::array<char, 4096> drain_{};
  std::size_t drained_ = 0;
};

base::Result<tcp::endpoint> ResolveListenEndpoint(asio::io_context& ioc, const ServerOptions& options) {
  beast::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (!ec) return tcp::endpoint(address, options.port);
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(options.host, std::to_string(options.port), tcp::resolver::passive | tcp::resolver::address_configured, ec);
  if (ec || results.empty()) {
    return MakeError(Error::Kind::kInvalid, "cannot listen on '" + options.host + "': " + (ec ? ec.message() : "no address"));
  }
  return results.begin()->endpoint();
}

base::Result<std::unique_ptr<ssl::context>> MakeTlsContext(const ServerTls& tls) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  beast::error_code ec;
  context->use_certificate_chain(asio::buffer(tls.cert_chain_pem), ec);
  if (ec) return MakeError(Error::Kind::kInvalid, "cannot use the TLS certificate chain: " + ec.message());
  context->use_private_key(asio::buffer(tls.private_key_pem), ssl::context::pem, ec);
  if (ec) return MakeError(Error::Kind::kInvalid, "cannot use the TLS private key: " + ec.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return MakeError(Error::Kind::kInvalid, "the TLS private key does not match the certificate");
  }
  return context;
}

}  // namespace

struct HttpServer::Impl {
  // Declaration order is destruction order in reverse: connections (owned by handlers queued in
  // ioc) must die before the core they point into.
  ServerCore core;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::vector<std::thread> threads;
  std::once_flag stop_once;

  Impl(ServerOptions options, Handler handler) : ioc(std::max(options.threads, 1)), acceptor(asio::make_strand(ioc)) {
    core.options = std::move(options);
    core.handler = std::move(handler);
  }

  base::Status Listen() {
    auto endpoint = ResolveListenEndpoint(ioc, core.options);
    if (!endpoint) return endpoint.error();
    beast::error_code ec;
    const std::string where = FormatPeer(*endpoint);
    if (acceptor.open(endpoint->protocol(), ec); ec) return ListenError("open a socket for", where, ec);
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (acceptor.bind(*endpoint, ec); ec) return ListenError("bind", where, ec);
    if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
      return ListenError("listen on", where, ec);
    }
    port = acceptor.local_endpoint(ec).port();
    return base::Ok{};
  }

  static Error ListenError(std::string_view what, const std::string& where, const beast::error_code& ec) {
    return MakeError(Error::Kind::kIo, "cannot " + std::string(what) + " " + where + ": " + ec.message());
  }

  void Run() {
    Accept();
    for (int i = 0; i < std::max(core.options.threads, 1); ++i) {
      threads.emplace_back([this] { RunWorker(); });
    }
  }

  // An exception escaping a completion handler would otherwise end the process; the connection
  // it belonged to is released with the handler, the others carry on.
  void RunWorker() {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (...) {
      }
    }
  }

  void Accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) StartConnection(std::move(socket));
      // Errors such as EMFILE are usually temporary; retrying at once would spin.
      if (ec) return RetryAcceptLater();
      Accept();
    });
  }

  void RetryAcceptLater() {
    auto timer = std::make_shared<asio::steady_timer>(acceptor.get_executor(), std::chrono::milliseconds(100));
    timer->async_wait([this, timer](beast::error_code ec) {
      if (!ec && acceptor.is_open()) Accept();
    });
  }

  void StartConnection(tcp::socket socket) {
    ++core.accepted;
    beast::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    std::string peer = ec ? std::string("unknown") : FormatPeer(remote);
    socket.set_option(tcp::no_delay(true), ec);
    if (core.tls) {
      std::make_shared<Connection<TlsStream>>(core, std::move(socket), std::move(peer))->Start();
    } else {
      std::make_shared<Connection<TcpStream>>(core, std::move(socket), std::move(peer))->Start();
    }
  }

  void Stop() {
    std::call_once(stop_once, [this] {
      asio::post(acceptor.get_executor(), [this] {
        beast::error_code ignored;
        acceptor.close(ignored);
      });
      for (auto& connection : core.BeginStop()) connection->PostClose();
      for (auto& thread : threads) {
        if (thread.joinable()) thread.join();
      }
    });
  }
};

base::Result<std::unique_ptr<HttpServer>> HttpServer::Start(ServerOptions options, Handler handler) {
  if (!handler) return MakeError(Error::Kind::kInvalid, "the HTTP server needs a handler");
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  if (impl->core.options.tls) {
    auto context = MakeTlsContext(*impl->core.options.tls);
    if (!context) return context.error();
    impl->core.tls = std::move(*context);
  }
  if (auto listening = impl->Listen(); !listening) return listening.error();
  impl->Run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

std::uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop() { impl_->Stop(); }

std::uint64_t HttpServer::connections_accepted() const { return impl_->core.accepted.load(); }

}  // namespace entragate::emulator
