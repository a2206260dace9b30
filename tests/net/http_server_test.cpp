// The emulator's HTTP server: refused and malformed requests, 100-continue, handler failures, time
// limits, and its lifecycle (Start, Stop).

#include "tests/net/http_test_support.h"

using namespace http_test;

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
