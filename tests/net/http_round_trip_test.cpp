// The HTTP transport and server round trips: plain and TLS, HEAD, keep-alive and its reuse after
// the server closed a connection, many threads at once.

#include "tests/net/http_test_support.h"

using namespace http_test;

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

namespace {

// Sends `per_thread` POSTs from each of `threads` threads at once; returns how many came back with
// their own body echoed.
int PostFromThreads(Transport& transport, const std::string& url, int threads, int per_thread) {
  std::atomic<int> correct{0};
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const std::string body = std::to_string(t) + "-" + std::to_string(i);
        auto got = transport.Send(Post(url, body));
        if (got.ok() && got->body == "POST /t\n\n" + body) ++correct;
      }
    });
  }
  for (auto& thread : running) thread.join();
  return correct.load();
}

}  // namespace

TEST_CASE("concurrent requests from several threads are all answered correctly") {
  auto server = StartServer(TlsOptions(TestPki().server));
  auto transport = MakeHttpTransport(TrustingTestCa());
  CHECK(PostFromThreads(*transport, Url("https", *server, "/t"), 8, 20) == 160);
  CHECK(server->connections_accepted() <= 8);  // one per thread at most: idle connections are reused
}

TEST_CASE("requests beyond max_connections_per_host wait for a connection instead of opening more") {
  auto server = StartServer({});
  TransportOptions options;
  options.max_connections_per_host = 2;
  auto transport = MakeHttpTransport(options);
  CHECK(PostFromThreads(*transport, Url("http", *server, "/t"), 8, 10) == 80);
  CHECK(server->connections_accepted() <= 2);
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
