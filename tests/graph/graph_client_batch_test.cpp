// GraphClient's $batch: packing, order, sub-request retries, lone requests, lost envelopes.

#include "tests/graph/graph_client_test_support.h"

using namespace graph_client_test;

// --- $batch ----------------------------------------------------------------------------------------

TEST_CASE("45 requests travel in 3 batches of 20, 20 and 5, results come back in input order") {
  Harness h;
  auto client = h.Client();
  h.transport.responder = [](const std::string& method, const std::string& url, const net::Headers&) {
    return Answer{200, json::object{{"echo", method + " " + url}}, {}};
  };
  std::vector<GraphRequest> requests;
  for (int i = 0; i < 45; ++i) requests.push_back(Get("/applications?$filter=" + std::to_string(i)));
  auto results = client->SendBatch(requests);
  REQUIRE(results.size() == 45);
  for (int i = 0; i < 45; ++i) {
    CAPTURE(i);
    REQUIRE(results[i].ok());
    CHECK(results[i]->body.at("echo").as_string() == "GET /applications?$filter=" + std::to_string(i));
    CHECK(results[i]->request_id == "envelope-id");  // sub-responses without their own take the envelope's
  }
  auto sent = h.transport.Sent();
  REQUIRE(sent.size() == 3);
  std::multiset<size_t> sizes;
  for (const auto& r : sent) {
    CHECK(r.method == "POST");
    CHECK(r.target == kRoot + "/$batch");
    CHECK(r.Header("Content-Type") == "application/json");
    CHECK(r.Header("Authorization") == "Bearer " + kToken);
    sizes.insert(SubUrls(r).size());
  }
  CHECK(sizes == std::multiset<size_t>{5, 20, 20});
  auto s = client->stats();
  CHECK(s.http_requests == 3);
  CHECK(s.batches == 3);
  CHECK(s.batch_subrequests == 45);
  CHECK(s.retries == 0);
  CHECK(s.by_kind == std::map<std::string, uint64_t>{{"GET applications", 45}, {"POST $batch", 3}});
}

TEST_CASE("throttled and transient sub-requests are retried alone, after the largest Retry-After, final answers stay") {
  Harness h;
  auto client = h.Client();
  std::map<std::string, int> seen;
  h.transport.responder = [&](const std::string&, const std::string& url, const net::Headers&) {
    int n = ++seen[url];
    if (url == "/r/2" && n == 1) return Throttled("1.5");
    if (url == "/r/4" && n == 1) return Throttled("3");
    if (url == "/r/5" && n == 1) return Answer{503, GraphError("ServiceUnavailable", "x"), {}};
    if (url == "/r/3") return Answer{404, GraphError("Request_ResourceNotFound", "gone", "rid-3"), {}};
    return Answer{200, json::object{{"url", url}}, {}};
  };
  std::vector<GraphRequest> requests;
  for (int i = 1; i <= 6; ++i) requests.push_back(Get("/r/" + std::to_string(i)));
  auto results = client->SendBatch(requests);
  auto sent = h.transport.Sent();
  REQUIRE(sent.size() == 2);
  CHECK(SubUrls(sent[1]) == std::vector<std::string>{"/r/2", "/r/4", "/r/5"});
  CHECK(h.clock.waits == std::vector<int64_t>{3000});  // one wait, the largest; the 503's backoff fits inside it
  for (int i : {0, 1, 3, 4, 5}) {
    CAPTURE(i);
    REQUIRE(results[i].ok());
    CHECK(results[i]->body.at("url").as_string() == "/r/" + std::to_string(i + 1));
  }
  REQUIRE_FALSE(results[2].ok());
  CHECK(results[2].error().kind == Error::Kind::kNotFound);
  CHECK(results[2].error().request_id == "rid-3");
  auto s = client->stats();
  CHECK(s.retries == 3);
  CHECK(s.throttled_responses == 2);
  CHECK(s.batch_subrequests == 9);
}

TEST_CASE("a lone request, or a lone retry, goes without an envelope") {
  Harness h;
  auto client = h.Client();
  int calls = 0;
  h.transport.responder = [&](const std::string&, const std::string& url, const net::Headers&) {
    if (url == "/r/1" && ++calls == 1) return Throttled("1");
    return Answer{200, json::object{}, {}};
  };
  auto results = client->SendBatch({Get("/r/1"), Get("/r/2")});
  REQUIRE(results[0].ok());
  auto sent = h.transport.Sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].method == "GET");
  CHECK(sent[1].target == kRoot + "/r/1");
  REQUIRE(client->SendBatch({Get("/r/3")})[0].ok());
  CHECK(h.transport.Sent().back().target == kRoot + "/r/3");
  CHECK(client->stats().batches == 1);
}

TEST_CASE("a sub-request with a body carries Content-Type, a batch of POSTs is not re-sent when its envelope is lost") {
  Harness h;
  auto client = h.Client();
  h.transport.queue.push_back(engine::MakeError(Error::Kind::kTransient, "graph.test:443: read: end of stream"));
  std::vector<GraphRequest> creates;
  for (int i = 0; i < 3; ++i)
    creates.push_back(
        GraphRequest{"POST", "/applications", {}, json::value(json::object{{"displayName", "n" + std::to_string(i)}}), false, std::nullopt});
  auto results = client->SendBatch(creates);
  REQUIRE(h.transport.Sent().size() == 1);
  json::value batch = json::parse(h.transport.Sent()[0].body);
  for (const auto& sub : batch.at("requests").as_array()) {
    CHECK(sub.at("headers").at("Content-Type").as_string() == "application/json");
    CHECK(sub.at("body").at("displayName").is_string());
  }
  for (const auto& r : results) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == Error::Kind::kTransient);
    CHECK(r.error().message.rfind("POST applications in POST $batch: graph.test:443: read: end of stream", 0) == 0);
  }
}

TEST_CASE("a sub-response missing from the batch answer is an unknown outcome: a GET is asked again") {
  Harness h;
  auto client = h.Client();
  json::array partial{json::object{{"id", "1"}, {"status", 200}, {"body", json::object{{"n", 1}}}}};
  h.Queue(200, json::object{{"responses", partial}});
  h.Queue(200, json::object{{"n", 2}});
  auto results = client->SendBatch({Get("/r/1"), Get("/r/2")});
  REQUIRE(results[0].ok());
  REQUIRE(results[1].ok());
  CHECK(results[1]->body.at("n").as_int64() == 2);
  CHECK(h.transport.Sent()[1].target == kRoot + "/r/2");
}
