// The emulator's HTTP server and the Graph provider's HTTP transport, against each other over real
// loopback sockets. Nothing here touches an address other than 127.0.0.1 / localhost.

#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>

#include "crypto/keys.h"
#include "crypto/x509.h"
#include "emulator/http_server.h"
#include "net/http_message.h"
#include "providers/graph/transport/http_transport.h"

using entragate::emulator::HandlerResult;
using entragate::emulator::HttpServer;
using entragate::emulator::ServerOptions;
using entragate::emulator::ServerTls;
using entragate::engine::Error;
using entragate::graph::MakeHttpTransport;
using entragate::graph::Transport;
using entragate::graph::TransportOptions;
using entragate::net::Request;
using entragate::net::Response;
namespace crypto = entragate::crypto;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// --- run-time PKI (never stored in the repository) ----------------------------------------------

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "entragate-http-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  std::string Write(const char* name, const std::string& text) const {
    const auto file = path / name;
    std::ofstream(file) << text;
    return file.string();
  }
};

crypto::CertSpec Spec(const char* cn, std::vector<std::string> dns, std::vector<std::string> ips) {
  const std::int64_t now = std::time(nullptr);
  crypto::CertSpec spec;
  spec.common_name = cn;
  spec.not_before = now - 86'400;
  spec.not_after = now + 86'400;
  spec.dns_names = std::move(dns);
  spec.ip_addresses = std::move(ips);
  return spec;
}

std::string Pem(const crypto::Certificate& cert) { return crypto::CertificateToPem(cert); }
std::string Pem(const crypto::PKey& key) {
  auto pem = crypto::PrivateKeyToPem(key);
  return pem.ok() ? *pem : std::string();
}

struct Pki {
  TempDir dir;
  ServerTls server;          ///< localhost, 127.0.0.1, ::1 — issued by the trusted CA
  ServerTls localhost_only;  ///< names only localhost
  ServerTls untrusted;       ///< issued by a CA the client does not know
  std::string ca_file;       ///< the trusted CA

  Pki() {
    auto ca_key = crypto::GenerateRsaKey();
    auto other_key = crypto::GenerateRsaKey();
    auto leaf_key = crypto::GenerateRsaKey();
    if (!ca_key || !other_key || !leaf_key) return;
    auto ca = crypto::CreateCaCert(*ca_key, Spec("entragate test CA", {}, {}));
    auto other_ca = crypto::CreateCaCert(*other_key, Spec("some other CA", {}, {}));
    if (!ca || !other_ca) return;
    server = Issue(Spec("localhost", {"localhost"}, {"127.0.0.1", "::1"}), *ca, *ca_key, *leaf_key);
    localhost_only = Issue(Spec("localhost", {"localhost"}, {}), *ca, *ca_key, *leaf_key);
    untrusted = Issue(Spec("localhost", {"localhost"}, {"127.0.0.1"}), *other_ca, *other_key, *leaf_key);
    ca_file = dir.Write("ca.pem", Pem(*ca));
  }

  static ServerTls Issue(const crypto::CertSpec& spec, const crypto::Certificate& ca, const crypto::PKey& ca_key, const crypto::PKey& key) {
    auto cert = crypto::IssueServerCert(key, spec, ca, ca_key);
    return cert ? ServerTls{Pem(*cert), Pem(key)} : ServerTls{};
  }
};

const Pki& TestPki() {
  static const Pki pki;
  return pki;
}

// --- servers and clients ------------------------------------------------------------------------

/// Answers with what it received: "<method> <target>\n<X-Test header>\n<body>".
HandlerResult Echo(const Request& request) {
  Response response;
  response.status = request.method == "POST" ? 201 : 200;
  response.headers["Content-Type"] = "text/plain";
  response.headers["X-Echo-Peer"] = request.peer;
  response.body = request.method + " " + request.target + "\n" + request.Header("X-Test").value_or("") + "\n" + request.body;
  return {response, {}};
}

std::unique_ptr<HttpServer> StartServer(ServerOptions options, entragate::emulator::Handler handler = Echo) {
  auto server = HttpServer::Start(std::move(options), std::move(handler));
  REQUIRE_MESSAGE(server.ok(), server.error().message);
  return std::move(*server);
}

ServerOptions TlsOptions(const ServerTls& tls) {
  ServerOptions options;
  options.tls = tls;
  return options;
}

TransportOptions TrustingTestCa() {
  TransportOptions options;
  options.ca_file = TestPki().ca_file;
  return options;
}

std::string Url(const char* scheme, const HttpServer& server, const std::string& path, const char* host = "127.0.0.1") {
  return std::string(scheme) + "://" + host + ":" + std::to_string(server.port()) + path;
}

Request Get(std::string url) {
  Request request;
  request.method = "GET";
  request.target = std::move(url);
  return request;
}

Request Post(std::string url, std::string body) {
  Request request;
  request.method = "POST";
  request.target = std::move(url);
  request.headers["Content-Type"] = "application/json";
  request.body = std::move(body);
  return request;
}

/// Writes `bytes` on a fresh connection and returns everything the server sends until it closes.
std::string RawExchange(std::uint16_t port, const std::string& bytes) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  asio::write(socket, asio::buffer(bytes), ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);  // so a request cut short ends instead of waiting
  std::string answer;
  asio::read(socket, asio::dynamic_buffer(answer), ec);
  return answer;
}

// --- a CONNECT proxy ----------------------------------------------------------------------------

/// Tunnels to 127.0.0.1 only, whatever host the CONNECT names, and counts the tunnels.
class ConnectProxy {
 public:
  ConnectProxy() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(ioc_, Accept(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~ConnectProxy() {
    ioc_.stop();
    thread_.join();
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  int tunnels() const { return tunnels_.load(); }

 private:
  using Socket = std::shared_ptr<tcp::socket>;

  asio::awaitable<void> Accept() {
    for (;;) {
      auto client = std::make_shared<tcp::socket>(co_await acceptor_.async_accept(asio::use_awaitable));
      asio::co_spawn(ioc_, Serve(client), asio::detached);
    }
  }

  asio::awaitable<void> Serve(Socket client) {
    std::string head;
    co_await asio::async_read_until(*client, asio::dynamic_buffer(head), "\r\n\r\n", asio::use_awaitable);
    // "CONNECT host:port HTTP/1.1"
    const auto line_end = head.find("\r\n");
    const auto space = head.find(' ', 8);
    const auto colon = head.rfind(':', space);
    if (head.rfind("CONNECT ", 0) != 0 || space >= line_end || colon == std::string::npos) co_return;
    const auto port = static_cast<std::uint16_t>(std::stoi(head.substr(colon + 1, space - colon - 1)));
    auto upstream = std::make_shared<tcp::socket>(ioc_);
    co_await upstream->async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::use_awaitable);
    ++tunnels_;
    static constexpr std::string_view kEstablished = "HTTP/1.1 200 Connection established\r\n\r\n";
    co_await asio::async_write(*client, asio::buffer(kEstablished), asio::use_awaitable);
    asio::co_spawn(ioc_, Pump(client, upstream), asio::detached);
    asio::co_spawn(ioc_, Pump(upstream, client), asio::detached);
  }

  static asio::awaitable<void> Pump(Socket from, Socket to) {
    std::array<char, 16384> buffer;
    boost::system::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    while (!ec) {
      const std::size_t n = co_await from->async_read_some(asio::buffer(buffer), token);
      if (!ec) co_await asio::async_write(*to, asio::buffer(buffer.data(), n), token);
    }
    to->shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<int> tunnels_{0};
};

}  // namespace

// --- round trips --------------------------------------------------------------------------------

TEST_CASE("plain HTTP to loopback: GET and POST round trip with headers and body") {
  std::mutex mutex;
  Request seen;
  auto server = StartServer({}, [&](const Request& request) {
    std::lock_guard lock(mutex);
    seen = request;
    return Echo(request);
  });
  auto transport = MakeHttpTransport({});

  Request get = Get(Url("http", *server, "/v1.0/applications?$top=5"));
  get.headers["X-Test"] = "hello";
  auto got = transport->Send(get);
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->status == 200);
  CHECK(got->body == "GET /v1.0/applications?$top=5\nhello\n");
  CHECK(got->Header("content-type") == "text/plain");
  CHECK(got->Header("Content-Length") == std::to_string(got->body.size()));
  {
    std::lock_guard lock(mutex);
    CHECK(seen.target == "/v1.0/applications?$top=5");
    CHECK(seen.headers.find("x-test")->first == "X-Test");  // names as the client spelled them
    CHECK(seen.Header("Host") == "127.0.0.1:" + std::to_string(server->port()));
    CHECK(seen.peer.rfind("127.0.0.1:", 0) == 0);
    CHECK(got->Header("X-Echo-Peer") == seen.peer);
  }

  const std::string body = R"({"displayName":"testapp"})";
  auto posted = transport->Send(Post(Url("http", *server, "/v1.0/applications"), body));
  REQUIRE_MESSAGE(posted.ok(), posted.error().message);
  CHECK(posted->status == 201);
  CHECK(posted->body == "POST /v1.0/applications\n\n" + body);
  std::lock_guard lock(mutex);
  CHECK(seen.Header("Content-Length") == std::to_string(body.size()));
  CHECK(seen.Header("Content-Type") == "application/json");
}

TEST_CASE("plain HTTP to localhost is allowed") {
  auto server = StartServer({});
  auto got = MakeHttpTransport({})->Send(Get(Url("http", *server, "/x", "localhost")));
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->body == "GET /x\n\n");
}

TEST_CASE("HEAD gets the length without the body") {
  auto server = StartServer({});
  Request head = Get(Url("http", *server, "/abc"));
  head.method = "HEAD";
  auto got = MakeHttpTransport({})->Send(head);
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->body.empty());
  CHECK(got->Header("Content-Length") == std::to_string(std::string("HEAD /abc\n\n").size()));
}

TEST_CASE("HTTPS round trip with a CA generated at run time") {
  auto server = StartServer(TlsOptions(TestPki().server));
  auto transport = MakeHttpTransport(TrustingTestCa());
  for (const char* host : {"127.0.0.1", "localhost"}) {
    CAPTURE(host);
    auto got = transport->Send(Post(Url("https", *server, "/v1.0/applications", host), "{}"));
    REQUIRE_MESSAGE(got.ok(), got.error().message);
    CHECK(got->status == 201);
    CHECK(got->body == "POST /v1.0/applications\n\n{}");
  }
}

TEST_CASE("keep-alive: sequential requests share one connection") {
  for (const bool tls : {false, true}) {
    CAPTURE(tls);
    auto server = StartServer(tls ? TlsOptions(TestPki().server) : ServerOptions{});
    auto transport = MakeHttpTransport(TrustingTestCa());
    for (int i = 0; i < 10; ++i) {
      auto got = transport->Send(Get(Url(tls ? "https" : "http", *server, "/n/" + std::to_string(i))));
      REQUIRE_MESSAGE(got.ok(), got.error().message);
      CHECK(got->body == "GET /n/" + std::to_string(i) + "\n\n");
    }
    CHECK(server->connections_accepted() == 1);
  }
}

TEST_CASE("concurrent requests from several threads are all answered correctly") {
  auto server = StartServer(TlsOptions(TestPki().server));
  auto transport = MakeHttpTransport(TrustingTestCa());
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string body = std::to_string(t) + "-" + std::to_string(i);
        auto got = transport->Send(Post(Url("https", *server, "/t"), body));
        if (got.ok() && got->body == "POST /t\n\n" + body) ++correct;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(correct.load() == 160);
  CHECK(server->connections_accepted() <= 8);  // max_connections_per_host
}

// --- TLS verification ---------------------------------------------------------------------------

TEST_CASE("a certificate from an unknown CA is refused as invalid") {
  auto server = StartServer(TlsOptions(TestPki().untrusted));
  auto got = MakeHttpTransport(TrustingTestCa())->Send(Get(Url("https", *server, "/")));
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().kind == Error::Kind::kInvalid);
  const std::string prefix = "TLS certificate verification failed for 127.0.0.1:" + std::to_string(server->port()) + ": ";
  CHECK_MESSAGE(got.error().message.rfind(prefix, 0) == 0, got.error().message);
  CHECK_MESSAGE(got.error().message.find("not trusted") != std::string::npos, got.error().message);
  CHECK(got.error().message.find("mismatch") == std::string::npos);
}

TEST_CASE("a certificate for another host name is refused, distinguishably") {
  auto server = StartServer(TlsOptions(TestPki().localhost_only));
  auto transport = MakeHttpTransport(TrustingTestCa());
  auto by_name = transport->Send(Get(Url("https", *server, "/", "localhost")));
  CHECK_MESSAGE(by_name.ok(), by_name.error().message);

  auto by_ip = transport->Send(Get(Url("https", *server, "/")));
  REQUIRE_FALSE(by_ip.ok());
  CHECK(by_ip.error().kind == Error::Kind::kInvalid);
  CHECK(by_ip.error().message == "TLS certificate verification failed for 127.0.0.1:" + std::to_string(server->port()) +
                                     ": IP address mismatch (the certificate does not name this host)");
}

TEST_CASE("the system store does not trust the test CA") {
  auto server = StartServer(TlsOptions(TestPki().server));
  TransportOptions options;
  options.ca_file = std::nullopt;
  auto got = MakeHttpTransport(options)->Send(Get(Url("https", *server, "/")));
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().kind == Error::Kind::kInvalid);
}

TEST_CASE("an unreadable CA file is an invalid-configuration error") {
  TransportOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  auto server = StartServer(TlsOptions(TestPki().server));
  auto got = MakeHttpTransport(options)->Send(Get(Url("https", *server, "/")));
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().kind == Error::Kind::kInvalid);
  CHECK(got.error().message.rfind("cannot load CA file '/nonexistent/ca.pem'", 0) == 0);
}

// --- refusals and failures ----------------------------------------------------------------------

TEST_CASE("plain http to a non-loopback host is refused before connecting") {
  auto transport = MakeHttpTransport({});
  for (const char* url : {"http://example.com/", "http://10.0.0.1:8080/x", "http://[2001:db8::1]/", "http://localhost.example.com/"}) {
    CAPTURE(url);
    auto got = transport->Send(Get(url));
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().kind == Error::Kind::kInvalid);
    CHECK(got.error().message.rfind("refusing plain http to ", 0) == 0);
  }
}

TEST_CASE("bad URLs and headers are invalid, and messages never echo header values") {
  auto transport = MakeHttpTransport({});
  for (const char* url : {"/relative", "ftp://127.0.0.1/", "https://user:pw@127.0.0.1/", "not a url"}) {
    CAPTURE(url);
    auto got = transport->Send(Get(url));
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().kind == Error::Kind::kInvalid);
    CHECK(got.error().message.find("pw") == std::string::npos);
  }
  Request request = Get("http://127.0.0.1:1/");
  request.headers["Authorization"] = "Bearer secret\r\nX-Injected: 1";
  auto got = transport->Send(request);
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().kind == Error::Kind::kInvalid);
  CHECK(got.error().message.find("secret") == std::string::npos);
}

TEST_CASE("a connection dropped without an answer is transient") {
  std::atomic<int> drops{0};
  auto server = StartServer({}, [&](const Request& request) -> HandlerResult {
    if (request.target != "/drop") return Echo(request);
    ++drops;
    return {std::nullopt, {}};
  });
  auto transport = MakeHttpTransport({});
  const std::string where = "127.0.0.1:" + std::to_string(server->port());

  SUBCASE("on a fresh connection, once") {
    auto got = transport->Send(Post(Url("http", *server, "/drop"), "{}"));
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().kind == Error::Kind::kTransient);
    CHECK_MESSAGE(got.error().message.find(where) != std::string::npos, got.error().message);
    CHECK(drops.load() == 1);
  }
  SUBCASE("on a reused connection: GET is retried once on a new connection, POST never") {
    REQUIRE(transport->Send(Get(Url("http", *server, "/warm-up"))).ok());
    auto get = transport->Send(Get(Url("http", *server, "/drop")));
    CHECK(get.error().kind == Error::Kind::kTransient);
    CHECK(drops.load() == 2);

    REQUIRE(transport->Send(Get(Url("http", *server, "/warm-up"))).ok());
    auto post = transport->Send(Post(Url("http", *server, "/drop"), "{}"));
    CHECK(post.error().kind == Error::Kind::kTransient);
    CHECK(drops.load() == 3);
  }
}

TEST_CASE("a delayed answer arrives") {
  auto server = StartServer({}, [](const Request& request) {
    HandlerResult result = Echo(request);
    result.delay = std::chrono::milliseconds(50);
    return result;
  });
  auto got = MakeHttpTransport({})->Send(Get(Url("http", *server, "/slow")));
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->body == "GET /slow\n\n");
}

TEST_CASE("a request that outlives request_timeout is transient") {
  auto server = StartServer({}, [](const Request& request) {
    HandlerResult result = Echo(request);
    result.delay = std::chrono::seconds(5);
    return result;
  });
  TransportOptions options;
  options.request_timeout = std::chrono::milliseconds(200);
  auto got = MakeHttpTransport(options)->Send(Get(Url("http", *server, "/slow")));
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().kind == Error::Kind::kTransient);
  CHECK(got.error().message == "request to 127.0.0.1:" + std::to_string(server->port()) + " timed out after 200 ms");
}

TEST_CASE("a body over the limit gets 413") {
  ServerOptions options;
  options.max_body_bytes = 1024;
  auto server = StartServer(options);
  auto got = MakeHttpTransport({})->Send(Post(Url("http", *server, "/big"), std::string(4096, 'x')));
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->status == 413);

  const std::string answer = RawExchange(server->port(), "POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999\r\n\r\n");
  CHECK(answer.rfind("HTTP/1.1 413 ", 0) == 0);
}

TEST_CASE("malformed or oversized requests get 400 and garbage never hurts the server") {
  ServerOptions options;
  options.max_header_bytes = 1024;
  auto server = StartServer(options);
  CHECK(RawExchange(server->port(), "HELLO WORLD\r\n\r\n").rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK(RawExchange(server->port(), "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(2000, 'a') + "\r\n\r\n").rfind("HTTP/1.1 400 ", 0) == 0);
  CHECK(RawExchange(server->port(), "GET http://elsewhere/ HTTP/1.1\r\nHost: a\r\n\r\n").rfind("HTTP/1.1 400 ", 0) == 0);
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 7919) % 256));
  RawExchange(server->port(), garbage);
  RawExchange(server->port(), "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");  // cut short

  auto got = MakeHttpTransport({})->Send(Get(Url("http", *server, "/still-alive")));
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->status == 200);
}

TEST_CASE("Expect: 100-continue is answered before the body is read") {
  auto server = StartServer({});
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), server->port()});
  asio::write(socket, asio::buffer(std::string("POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")));
  std::string interim;
  asio::read_until(socket, asio::dynamic_buffer(interim), "\r\n\r\n");
  CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
  asio::write(socket, asio::buffer(std::string("hi")));
  std::string answer;
  asio::read_until(socket, asio::dynamic_buffer(answer), "POST /c\n\nhi");
  CHECK(answer.rfind("HTTP/1.1 201 ", 0) == 0);
}

TEST_CASE("a handler's exception becomes a 500") {
  auto server = StartServer({}, [](const Request&) -> HandlerResult { throw std::runtime_error("boom"); });
  auto got = MakeHttpTransport({})->Send(Get(Url("http", *server, "/")));
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->status == 500);
}

TEST_CASE("a header Beast cannot carry is dropped, not fatal") {
  auto server = StartServer({}, [](const Request& request) {
    HandlerResult result = Echo(request);
    result.response->headers["X-Huge"] = std::string(70000, 'h');
    return result;
  });
  auto got = MakeHttpTransport({})->Send(Get(Url("http", *server, "/")));
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->status == 200);
  CHECK_FALSE(got->Header("X-Huge").has_value());
}

TEST_CASE("idle connections and stalled TLS handshakes time out") {
  ServerOptions plain_options;
  plain_options.idle_timeout = std::chrono::seconds(1);
  ServerOptions tls_options = TlsOptions(TestPki().server);
  tls_options.idle_timeout = std::chrono::seconds(1);
  auto plain = StartServer(plain_options);
  auto tls = StartServer(tls_options);
  asio::io_context ioc;
  std::vector<tcp::socket> sockets;
  for (const auto* server : {plain.get(), tls.get()}) {
    sockets.emplace_back(ioc).connect({asio::ip::make_address("127.0.0.1"), server->port()});
    // A safety net so a broken timeout fails the test instead of hanging it.
    timeval limit{20, 0};
    ::setsockopt(sockets.back().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  }
  for (auto& socket : sockets) {
    std::array<char, 16> buffer;
    boost::system::error_code ec;
    socket.read_some(asio::buffer(buffer), ec);  // the client says nothing; the server gives up
    CHECK(ec == asio::error::eof);
  }
}

// --- proxy --------------------------------------------------------------------------------------

TEST_CASE("https goes through an HTTPS_PROXY CONNECT tunnel unless NO_PROXY matches") {
  ConnectProxy proxy;
  auto server = StartServer(TlsOptions(TestPki().server));
  TransportOptions options = TrustingTestCa();
  options.https_proxy = proxy.Url();

  SUBCASE("tunnelled, and the tunnel is kept alive") {
    auto transport = MakeHttpTransport(options);
    for (int i = 0; i < 3; ++i) {
      auto got = transport->Send(Get(Url("https", *server, "/via-proxy", "localhost")));
      REQUIRE_MESSAGE(got.ok(), got.error().message);
      CHECK(got->body == "GET /via-proxy\n\n");
    }
    CHECK(proxy.tunnels() == 1);
  }
  SUBCASE("a NO_PROXY entry that does not match still tunnels") {
    options.no_proxy = "example.com,.internal";
    REQUIRE(MakeHttpTransport(options)->Send(Get(Url("https", *server, "/", "localhost"))).ok());
    CHECK(proxy.tunnels() == 1);
  }
  SUBCASE("bypassed by NO_PROXY") {
    for (const char* no_proxy : {"localhost", " example.com , LOCALHOST ", ".localhost", "*"}) {
      CAPTURE(no_proxy);
      options.no_proxy = no_proxy;
      REQUIRE(MakeHttpTransport(options)->Send(Get(Url("https", *server, "/", "localhost"))).ok());
    }
    options.no_proxy = "127.0.0.1";
    REQUIRE(MakeHttpTransport(options)->Send(Get(Url("https", *server, "/"))).ok());
    CHECK(proxy.tunnels() == 0);
  }
  SUBCASE("plain http (loopback) never uses the proxy") {
    auto plain = StartServer({});
    REQUIRE(MakeHttpTransport(options)->Send(Get(Url("http", *plain, "/"))).ok());
    CHECK(proxy.tunnels() == 0);
  }
}

TEST_CASE("an unreachable proxy is transient and named") {
  auto server = StartServer(TlsOptions(TestPki().server));
  std::uint16_t dead_port = 0;
  {
    auto doomed = StartServer({});
    dead_port = doomed->port();
  }
  TransportOptions options = TrustingTestCa();
  options.https_proxy = "127.0.0.1:" + std::to_string(dead_port);
  auto got = MakeHttpTransport(options)->Send(Get(Url("https", *server, "/")));
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().kind == Error::Kind::kTransient);
  CHECK(got.error().message.rfind("cannot connect to proxy 127.0.0.1:" + std::to_string(dead_port) + ": ", 0) == 0);
}

TEST_CASE("TransportOptions::FromEnvironment") {
  ::setenv("HTTPS_PROXY", "http://upper:3128", 1);
  ::setenv("https_proxy", "http://lower:3128", 1);
  ::setenv("NO_PROXY", "", 1);
  ::setenv("no_proxy", "a.example,b.example", 1);
  ::setenv("SSL_CERT_FILE", "/tmp/ca.pem", 1);
  const TransportOptions options = TransportOptions::FromEnvironment();
  CHECK(options.https_proxy == "http://upper:3128");
  CHECK(options.no_proxy == "a.example,b.example");
  CHECK(options.ca_file == "/tmp/ca.pem");
  for (const char* name : {"HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE"}) ::unsetenv(name);
  const TransportOptions empty = TransportOptions::FromEnvironment();
  CHECK_FALSE(empty.https_proxy.has_value());
  CHECK(empty.no_proxy.empty());
  CHECK_FALSE(empty.ca_file.has_value());
}

// --- lifecycle ----------------------------------------------------------------------------------

TEST_CASE("Stop is idempotent and a stopped server refuses connections") {
  auto server = StartServer({});
  auto transport = MakeHttpTransport({});
  REQUIRE(transport->Send(Get(Url("http", *server, "/"))).ok());  // leaves an idle connection
  server->Stop();
  server->Stop();
  auto got = transport->Send(Get(Url("http", *server, "/")));
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().kind == Error::Kind::kTransient);
  CHECK_MESSAGE(got.error().message.rfind("cannot connect to 127.0.0.1:" + std::to_string(server->port()) + ": ", 0) == 0, got.error().message);
}

TEST_CASE("an idle connection the server closed is not used again, even for POST") {
  auto first = StartServer({});
  const std::uint16_t port = first->port();
  auto transport = MakeHttpTransport({});
  REQUIRE(transport->Send(Get(Url("http", *first, "/"))).ok());
  first->Stop();  // closes the idle keep-alive connection
  ServerOptions options;
  options.port = port;
  auto second = StartServer(options);
  auto got = transport->Send(Post(Url("http", *second, "/again"), "{}"));
  REQUIRE_MESSAGE(got.ok(), got.error().message);
  CHECK(got->body == "POST /again\n\n{}");
}

TEST_CASE("Start reports a taken port and bad TLS material") {
  auto server = StartServer({});
  ServerOptions taken;
  taken.port = server->port();
  auto clash = HttpServer::Start(taken, Echo);
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().kind == Error::Kind::kIo);

  auto bad_tls = HttpServer::Start(TlsOptions(ServerTls{"not a certificate", "not a key"}), Echo);
  REQUIRE_FALSE(bad_tls.ok());
  CHECK(bad_tls.error().kind == Error::Kind::kInvalid);
}
