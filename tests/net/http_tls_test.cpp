// The HTTP transport's TLS verification: unknown CA, wrong host name, the system store, a bad CA file.

#include "tests/net/http_test_support.h"

using namespace http_test;

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
