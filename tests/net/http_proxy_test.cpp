// The HTTP transport through an HTTPS_PROXY CONNECT tunnel (NO_PROXY), and TransportOptions from the
// environment.

#include "tests/net/http_test_support.h"

using namespace http_test;

namespace {

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
