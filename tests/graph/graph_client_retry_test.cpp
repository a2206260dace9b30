// GraphClient's waits and retries: Retry-After, backoff, the shared throttle, the run's deadline,
// resource units, transport errors and replication.

#include "tests/graph/graph_client_test_support.h"

using namespace graph_client_test;

// --- waits ---------------------------------------------------------------------------------------

TEST_CASE("Retry-After in decimal seconds is waited out exactly, then the request goes again") {
  Harness h;
  auto client = h.Client();
  h.Queue(429, GraphError("TooManyRequests", "Please retry again later."), {{"Retry-After", "2.128"}});
  h.Queue(200, json::object{{"value", json::array{}}});
  auto r = client->Send(Get("/applications"));
  REQUIRE(r.ok());
  CHECK(h.clock.waits == std::vector<int64_t>{2128});
  auto s = client->stats();
  CHECK(s.http_requests == 2);
  CHECK(s.retries == 1);
  CHECK(s.throttled_responses == 1);
  CHECK(s.throttled_wait_ms == 2128);
  auto sent = h.transport.Sent();
  CHECK(sent[0].Header("client-request-id") != sent[1].Header("client-request-id"));
}

TEST_CASE("Retry-After as an HTTP-date is waited out until that date") {
  Harness h;
  auto client = h.Client();
  h.Queue(503, GraphError("ServiceUnavailable", "The service is temporarily unavailable."), {{"Retry-After", "Tue, 14 Nov 2023 22:13:23 GMT"}});
  h.Queue(200, json::object{});
  REQUIRE(client->Send(Get("/applications")).ok());
  CHECK(h.clock.waits == std::vector<int64_t>{3000});
  CHECK(client->stats().throttled_responses == 0);  // a 503 is not a throttle, though it made us wait
}

TEST_CASE("without Retry-After a 503 backs off with jitter between half and all of 500 ms") {
  Harness h;
  auto client = h.Client();
  h.Queue(503, GraphError("ServiceUnavailable", "x"));
  h.Queue(200, json::object{});
  REQUIRE(client->Send(Get("/applications")).ok());
  REQUIRE(h.clock.waits.size() == 1);
  CHECK(h.clock.waits[0] >= 250);
  CHECK(h.clock.waits[0] <= 500);
}

TEST_CASE("a 429 naming the app + tenant scope holds the scope: the next request waits too") {
  Harness h;
  auto client = h.Client();
  net::Headers scoped{{"Retry-After", "5"},
                      {"x-ms-throttle-scope", "Tenant_Application/ReadWrite/app/tenant"},
                      {"x-ms-throttle-information", "ResourceUnitLimitExceeded"}};
  h.Queue(429, GraphError("TooManyRequests", "Please retry again later."), scoped);
  h.Queue(200, json::object{});
  h.Queue(200, json::object{});
  REQUIRE(client->Send(Get("/applications")).ok());
  int64_t waited = 0;
  for (auto w : h.clock.waits) waited += w;
  CHECK(waited >= 5000);
  REQUIRE(client->Send(Get("/servicePrincipals")).ok());
  auto s = client->stats();
  CHECK(s.scope_holds == 1);
  CHECK(s.throttled_responses == 1);
  CHECK(s.waited_wall_ms >= 5000);
}

TEST_CASE("throttling is never a reason to give up while the deadline allows: twelve 429s in a row are waited out") {
  Harness h;
  auto client = h.Client();
  for (int i = 0; i < 12; ++i) h.Queue(429, GraphError("TooManyRequests", "Please retry again later."), {{"Retry-After", "1"}});
  h.Queue(200, json::object{});
  REQUIRE(client->Send(Get("/applications")).ok());
  CHECK(client->stats().throttled_responses == 12);
  CHECK(client->stats().retries == 12);
}

TEST_CASE("a 429 whose wait would pass the run's deadline is final and says so, transient errors keep their limit") {
  Harness h;
  auto client = h.Client([&](GraphClientOptions& o) {
    o.deadline_ms = h.clock.Now() + 3000;
    o.limits.max_attempts = 2;
  });
  h.Queue(429, GraphError("TooManyRequests", "Please retry again later."), {{"Retry-After", "5"}});
  auto r = client->Send(Get("/applications"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == Error::Kind::kThrottled);
  CHECK(r.error().message.find("would pass the run's deadline") != std::string::npos);
  h.Queue(503, GraphError("ServiceUnavailable", "x"));
  h.Queue(503, GraphError("ServiceUnavailable", "x"));
  auto t = client->Send(Get("/servicePrincipals"));
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message.find("gave up after 2 attempts") != std::string::npos);
}

TEST_CASE("every answer's x-ms-resource-unit is what --stats reports as spent, writes are counted") {
  Harness h;
  auto client = h.Client();
  h.Queue(200, json::object{}, {{"x-ms-resource-unit", "2"}});
  h.Queue(201, json::object{}, {{"x-ms-resource-unit", "1"}});
  REQUIRE(client->Send(Get("/applications")).ok());
  REQUIRE(client->Send(GraphRequest{"POST", "/applications", {}, json::value(json::object{}), false, std::nullopt}).ok());
  CHECK(client->stats().resource_units == 3);
  CHECK(client->stats().writes == 1);
}

TEST_CASE("after a transport error a GET is sent again, a POST is not") {
  Harness h;
  auto client = h.Client();
  h.transport.queue.push_back(engine::MakeError(Error::Kind::kTransient, "graph.test:443: read: connection reset"));
  h.Queue(200, json::object{});
  REQUIRE(client->Send(Get("/applications")).ok());
  CHECK(client->stats().retries == 1);

  h.transport.queue.push_back(engine::MakeError(Error::Kind::kTransient, "graph.test:443: read: connection reset"));
  auto created = client->Send(GraphRequest{"POST", "/applications", {}, json::value(json::object{{"displayName", "A"}}), false, std::nullopt});
  REQUIRE_FALSE(created.ok());
  CHECK(created.error().kind == Error::Kind::kTransient);
  CHECK(created.error().message ==
        "POST applications: graph.test:443: read: connection reset (transport error on a request that is not "
        "idempotent: it may have been executed, so it is not sent again)");
  CHECK(h.transport.Sent().size() == 3);
}

TEST_CASE("a POST marked idempotent is sent again after a transport error") {
  Harness h;
  auto client = h.Client();
  h.transport.queue.push_back(engine::MakeError(Error::Kind::kTransient, "timeout"));
  h.Queue(200, json::object{});
  GraphRequest safe{"POST", "/applications/x/microsoft.graph.doSomethingIdempotent", {}, json::value(json::object{}), false, true};
  REQUIRE(client->Send(safe).ok());
  CHECK(h.transport.Sent().size() == 2);
}

TEST_CASE("a transport refusal that is not transient (TLS, bad URL) is final at once") {
  Harness h;
  auto client = h.Client();
  h.transport.queue.push_back(engine::MakeError(Error::Kind::kInvalid, "graph.test:443: TLS: certificate verify failed"));
  auto r = client->Send(Get("/applications"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "GET applications: graph.test:443: TLS: certificate verify failed");
  CHECK(client->stats().retries == 0);
}

TEST_CASE("a 404 after a write is retried until the object has replicated, without the flag it is final") {
  Harness h;
  auto client = h.Client();
  for (int i = 0; i < 2; ++i)
    h.Queue(404,
            GraphError("Request_ResourceNotFound", "Resource 'x' does not exist or one of its queried reference-property objects are not present."));
  h.Queue(200, json::object{{"id", "x"}});
  GraphRequest read = Get("/applications/6c0ffee0-0000-4000-8000-000000000001");
  read.consistency_expected = true;
  auto r = client->Send(read);
  REQUIRE(r.ok());
  CHECK(client->stats().retries == 2);
  CHECK(h.clock.waits.size() == 2);

  h.Queue(404, GraphError("Request_ResourceNotFound", "Resource 'x' does not exist."));
  auto plain = client->Send(Get("/applications/6c0ffee0-0000-4000-8000-000000000001"));
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.error().kind == Error::Kind::kNotFound);
  CHECK(plain.error().code == "Request_ResourceNotFound");
  CHECK(client->stats().retries == 2);
}
