// What the HTTP transport refuses before connecting, and how failed or slow exchanges are reported.

#include "tests/net/http_test_support.h"

using namespace http_test;

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
