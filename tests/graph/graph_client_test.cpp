// GraphClient against a scripted Transport: exact requests out, canned answers in. Headers, error
// mapping, Retry-After, the shared throttle, $batch packing and sub-request retries, paging.
// Time is a fake clock that the injected sleep advances, so nothing waits and every wait is recorded.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <set>

#include <boost/json.hpp>

#include "providers/graph/client/graph_client.h"

using namespace entragate;
namespace json = boost::json;
using engine::Error;
using graph::GraphClient;
using graph::GraphClientOptions;
using graph::GraphRequest;

namespace {

const std::string kRoot = "https://graph.test/v1.0";
const std::string kToken = "eyJ0eXAi.secret-token.sig";
constexpr int64_t kNow = 1700000000000;  // Tue, 14 Nov 2023 22:13:20 GMT

/// One answer, whether to a plain request or to a $batch sub-request.
struct Answer {
  int status = 200;
  json::value body;
  net::Headers headers;
};
using Responder = std::function<Answer(const std::string& method, const std::string& url, const net::Headers& headers)>;

/// Records every request; answers from a queue, or through a Responder that also unpacks $batch
/// (sub-responses returned in reverse order, as Graph may).
struct Scripted : graph::Transport {
  std::mutex mutex;
  std::vector<net::Request> sent;
  std::deque<engine::Result<net::Response>> queue;
  Responder responder;

  engine::Result<net::Response> Send(const net::Request& r) override {
    std::lock_guard lock(mutex);
    sent.push_back(r);
    if (responder) return Serve(r);
    if (queue.empty()) return engine::MakeError(Error::Kind::kInternal, "script ran out");
    auto next = queue.front();
    queue.pop_front();
    return next;
  }

  net::Response Serve(const net::Request& r) {
    std::string url = r.target.substr(kRoot.size());
    if (url != "/$batch") return ToHttp(responder(r.method, url, r.headers));
    json::array responses;
    json::value batch = json::parse(r.body);
    for (const auto& sub : batch.at("requests").as_array()) {
      net::Headers headers;
      if (const json::value* h = sub.as_object().if_contains("headers"))
        for (const auto& [k, v] : h->as_object()) headers[std::string(k)] = std::string(v.as_string());
      Answer a = responder(std::string(sub.at("method").as_string()), std::string(sub.at("url").as_string()), headers);
      json::object out_headers;
      for (const auto& [k, v] : a.headers) out_headers[k] = v;
      responses.push_back(json::object{{"id", sub.at("id")}, {"status", a.status}, {"headers", out_headers}, {"body", a.body}});
    }
    std::reverse(responses.begin(), responses.end());
    return ToHttp({200, json::object{{"responses", responses}}, {{"request-id", "envelope-id"}}});
  }

  static net::Response ToHttp(const Answer& a) {
    net::Response out;
    out.status = a.status;
    out.headers = a.headers;
    out.body = a.body.is_null() ? "" : json::serialize(a.body);
    return out;
  }

  std::vector<net::Request> Sent() {
    std::lock_guard lock(mutex);
    return sent;
  }
};

struct FakeClock {
  std::mutex mutex;
  int64_t now = kNow;
  std::vector<int64_t> waits;
  int64_t Now() {
    std::lock_guard lock(mutex);
    return now;
  }
  void Sleep(int64_t ms) {
    std::lock_guard lock(mutex);
    waits.push_back(ms);
    now += ms;
  }
};

struct Harness {
  Scripted transport;
  FakeClock clock;
  int token_calls = 0;
  bool token_fails = false;

  std::unique_ptr<GraphClient> Client(const std::function<void(GraphClientOptions&)>& adjust = {}) {
    GraphClientOptions o;
    o.graph_root = kRoot;
    o.now_ms = [this] { return clock.Now(); };
    o.sleep = [this](int64_t ms) { clock.Sleep(ms); };
    o.jitter_seed = 7;
    if (adjust) adjust(o);
    return std::make_unique<GraphClient>(
        transport,
        [this]() -> engine::Result<std::string> {
          ++token_calls;
          if (token_fails) return engine::MakeError(Error::Kind::kAuth, "AADSTS7000215: Invalid client secret provided.");
          return kToken;
        },
        o);
  }
  void Queue(int status, json::value body = nullptr, net::Headers headers = {}) {
    transport.queue.push_back(Scripted::ToHttp({status, std::move(body), std::move(headers)}));
  }
};

json::object GraphError(const std::string& code, const std::string& message, const std::string& request_id = "") {
  json::object inner{{"date", "2023-11-14T22:13:20"}};
  if (!request_id.empty()) inner["request-id"] = request_id;
  return json::object{{"error", json::object{{"code", code}, {"message", message}, {"innerError", inner}}}};
}

Answer Throttled(const std::string& retry_after) {
  return {429, GraphError("TooManyRequests", "Please retry again later."), {{"Retry-After", retry_after}}};
}

GraphRequest Get(const std::string& path) { return GraphRequest{"GET", path, {}, std::nullopt, false, std::nullopt}; }

bool IsGuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

std::vector<std::string> SubUrls(const net::Request& envelope) {
  std::vector<std::string> urls;
  json::value batch = json::parse(envelope.body);
  for (const auto& sub : batch.at("requests").as_array()) urls.emplace_back(sub.at("url").as_string());
  return urls;
}

}  // namespace

// --- what every request carries ------------------------------------------------------------------

TEST_CASE("every request carries the bearer token and a fresh client-request-id, normal priority by default") {
  Harness h;
  auto client = h.Client();
  h.Queue(200, json::object{{"value", json::array{}}});
  h.Queue(200, json::object{{"value", json::array{}}});
  REQUIRE(client->Send(Get("/applications?$select=id")).ok());
  REQUIRE(client->Send(Get("/servicePrincipals")).ok());
  auto sent = h.transport.Sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].method == "GET");
  CHECK(sent[0].target == kRoot + "/applications?$select=id");
  CHECK(sent[0].Header("Authorization") == "Bearer " + kToken);
  CHECK(IsGuid(sent[0].Header("client-request-id").value_or("")));
  CHECK(IsGuid(sent[1].Header("client-request-id").value_or("")));
  CHECK(sent[0].Header("client-request-id") != sent[1].Header("client-request-id"));
  CHECK_FALSE(sent[0].Header("x-ms-throttle-priority").has_value());
  CHECK_FALSE(sent[0].Header("Content-Type").has_value());
  CHECK(sent[0].body.empty());
  CHECK(h.token_calls == 2);
}

TEST_CASE("low priority marks every request and every batch sub-request") {
  Harness h;
  auto client = h.Client([](GraphClientOptions& o) { o.low_priority = true; });
  h.transport.responder = [](const std::string&, const std::string&, const net::Headers&) { return Answer{200, json::object{}, {}}; };
  REQUIRE(client->Send(Get("/applications")).ok());
  auto results = client->SendBatch({Get("/applications"), Get("/servicePrincipals")});
  REQUIRE(results[1].ok());
  auto sent = h.transport.Sent();
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].Header("x-ms-throttle-priority") == "Low");
  CHECK(sent[1].Header("x-ms-throttle-priority") == "Low");
  json::value batch = json::parse(sent[1].body);
  for (const auto& sub : batch.at("requests").as_array()) {
    CHECK(sub.at("headers").at("x-ms-throttle-priority").as_string() == "Low");
    CHECK(IsGuid(std::string(sub.at("headers").at("client-request-id").as_string())));
    CHECK_FALSE(sub.at("headers").as_object().contains("Authorization"));  // only the envelope carries it
  }
}

TEST_CASE("a body is sent as JSON with its Content-Type, caller headers pass through") {
  Harness h;
  auto client = h.Client();
  h.Queue(201, json::object{{"id", "1"}});
  GraphRequest upsert{
      "PATCH",     "/applications(uniqueName='a')", {{"Prefer", "create-if-missing"}}, json::value(json::object{{"displayName", "A"}}), false,
      std::nullopt};
  auto r = client->Send(upsert);
  REQUIRE(r.ok());
  CHECK(r->status == 201);
  CHECK(r->body.at("id").as_string() == "1");
  auto sent = h.transport.Sent();
  CHECK(sent[0].Header("Content-Type") == "application/json");
  CHECK(sent[0].Header("Prefer") == "create-if-missing");
  CHECK(json::parse(sent[0].body) == json::value(json::object{{"displayName", "A"}}));
}

// --- errors --------------------------------------------------------------------------------------

TEST_CASE("a final error carries Graph's code, message, status and request-id, and no secrets") {
  Harness h;
  auto client = h.Client();
  h.Queue(400, GraphError("Request_BadRequest", "One or more property values specified are invalid."), {{"request-id", "rid-1"}});
  GraphRequest create{"POST", "/applications", {}, json::value(json::object{{"displayName", "s3cr3t-body"}}), false, std::nullopt};
  auto r = client->Send(create);
  REQUIRE_FALSE(r.ok());
  const Error& e = r.error();
  CHECK(e.kind == Error::Kind::kInvalid);
  CHECK(e.http_status == 400);
  CHECK(e.code == "Request_BadRequest");
  CHECK(e.request_id == "rid-1");
  CHECK(e.message == "POST applications: HTTP 400 Request_BadRequest: One or more property values specified are invalid.");
  CHECK(e.message.find(kToken) == std::string::npos);
  CHECK(e.message.find("s3cr3t-body") == std::string::npos);
  CHECK(h.transport.Sent().size() == 1);
}

TEST_CASE("error kinds follow the status, the request-id comes from innerError when the header is missing") {
  struct Case {
    int status;
    Error::Kind kind;
  };
  for (Case c : {Case{401, Error::Kind::kAuth}, Case{403, Error::Kind::kAuth}, Case{404, Error::Kind::kNotFound}, Case{409, Error::Kind::kConflict},
                 Case{412, Error::Kind::kConflict}, Case{500, Error::Kind::kTransient}}) {
    Harness h;
    auto client = h.Client();
    h.Queue(c.status, GraphError("Some_Code", "Some message.", "inner-rid"));
    auto r = client->Send(Get("/applications/6c0ffee0-0000-4000-8000-000000000001"));
    CAPTURE(c.status);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == c.kind);
    CHECK(r.error().request_id == "inner-rid");
    CHECK(r.error().message == "GET applications: HTTP " + std::to_string(c.status) + " Some_Code: Some message.");
  }
}

TEST_CASE("a replication failure's details are kept in the message") {
  Harness h;
  auto client = h.Client();
  json::object body{
      {"error", json::object{{"code", "Request_BadRequest"},
                             {"message", "The appId 'x' of the service principal does not reference a valid application object."},
                             {"details", json::array{json::object{{"code", "NoBackingApplicationObject"}, {"message", "m"}, {"target", "appId"}}}}}}};
  h.Queue(400, body);
  auto r = client->Send(GraphRequest{"POST", "/servicePrincipals", {}, json::value(json::object{{"appId", "x"}}), false, std::nullopt});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "POST servicePrincipals: HTTP 400 Request_BadRequest: The appId 'x' of the service principal does not "
        "reference a valid application object. [NoBackingApplicationObject]");
}

TEST_CASE("a token failure ends the request before any HTTP exchange") {
  Harness h;
  auto client = h.Client();
  h.token_fails = true;
  auto r = client->Send(Get("/applications"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == Error::Kind::kAuth);
  CHECK(h.transport.Sent().empty());
  CHECK(client->stats().http_requests == 0);
}

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

// --- paging --------------------------------------------------------------------------------------

namespace {

// /applications: 5 items in pages of 2; /servicePrincipals: 3 items in pages of 2.
Answer Page(const std::string& url) {
  auto page = [](std::vector<std::string> ids, const std::string& next) {
    json::array value;
    for (const auto& id : ids) value.push_back(json::object{{"id", id}});
    json::object o{{"value", value}};
    if (!next.empty()) o["@odata.nextLink"] = kRoot + next;
    return Answer{200, o, {}};
  };
  if (url == "/applications?$top=2") return page({"a1", "a2"}, "/applications?$top=2&$skiptoken=p2");
  if (url == "/applications?$top=2&$skiptoken=p2") return page({"a3", "a4"}, "/applications?$top=2&$skiptoken=p3");
  if (url == "/applications?$top=2&$skiptoken=p3") return page({"a5"}, "");
  if (url == "/servicePrincipals?$top=2") return page({"s1", "s2"}, "/servicePrincipals?$top=2&$skiptoken=p2");
  if (url == "/servicePrincipals?$top=2&$skiptoken=p2") return page({"s3"}, "");
  return Answer{404, GraphError("Request_ResourceNotFound", "no such page " + url), {}};
}

std::vector<std::string> Ids(const std::vector<json::object>& items) {
  std::vector<std::string> ids;
  for (const auto& o : items) ids.emplace_back(o.at("id").as_string());
  return ids;
}

}  // namespace

TEST_CASE("ListAll follows every nextLink, sending the next pages of several collections together") {
  Harness h;
  auto client = h.Client();
  h.transport.responder = [](const std::string&, const std::string& url, const net::Headers&) { return Page(url); };
  auto lists = client->ListAll({"/applications?$top=2", "/servicePrincipals?$top=2"});
  REQUIRE(lists[0].ok());
  REQUIRE(lists[1].ok());
  CHECK(Ids(lists[0].value()) == std::vector<std::string>{"a1", "a2", "a3", "a4", "a5"});
  CHECK(Ids(lists[1].value()) == std::vector<std::string>{"s1", "s2", "s3"});
  auto sent = h.transport.Sent();
  REQUIRE(sent.size() == 3);  // first pages together, second pages together, the last page alone
  CHECK(SubUrls(sent[0]) == std::vector<std::string>{"/applications?$top=2", "/servicePrincipals?$top=2"});
  CHECK(SubUrls(sent[1]) == std::vector<std::string>{"/applications?$top=2&$skiptoken=p2", "/servicePrincipals?$top=2&$skiptoken=p2"});
  CHECK(sent[2].method == "GET");
  CHECK(sent[2].target == kRoot + "/applications?$top=2&$skiptoken=p3");
}

TEST_CASE("ListAll sends a query's headers again with every page") {
  Harness h;
  auto client = h.Client();
  std::vector<std::string> consistency;
  h.transport.responder = [&](const std::string&, const std::string& url, const net::Headers& headers) {
    auto it = headers.find("ConsistencyLevel");
    consistency.push_back(it == headers.end() ? "" : it->second);
    return Page(url);
  };
  GraphRequest q = Get("/applications?$top=2");
  q.headers["ConsistencyLevel"] = "eventual";
  auto lists = client->ListAllQueries({q});
  REQUIRE(lists[0].ok());
  CHECK(consistency == std::vector<std::string>{"eventual", "eventual", "eventual"});
}

TEST_CASE("ListAll never follows a nextLink outside the Graph root, only that collection fails") {
  Harness h;
  auto client = h.Client();
  h.transport.responder = [](const std::string&, const std::string& url, const net::Headers&) {
    if (url == "/applications")
      return Answer{200, json::object{{"value", json::array{}}, {"@odata.nextLink", "https://evil.test/v1.0/applications?$skiptoken=x"}}, {}};
    return Page(url);
  };
  auto lists = client->ListAll({"/applications", "/servicePrincipals?$top=2"});
  REQUIRE_FALSE(lists[0].ok());
  CHECK(lists[0].error().message == "GET applications: @odata.nextLink is outside the Graph root https://graph.test/v1.0; not followed");
  REQUIRE(lists[1].ok());
  CHECK(lists[1]->size() == 3);
  for (const auto& r : h.transport.Sent()) CHECK(r.target.rfind(kRoot, 0) == 0);
}

TEST_CASE("ListAll reports a failed page for its collection only") {
  Harness h;
  auto client = h.Client();
  h.transport.responder = [](const std::string&, const std::string& url, const net::Headers&) { return Page(url); };
  auto lists = client->ListAll({"/nothing", "/applications?$top=2"});
  REQUIRE_FALSE(lists[0].ok());
  CHECK(lists[0].error().kind == Error::Kind::kNotFound);
  REQUIRE(lists[1].ok());
  CHECK(lists[1]->size() == 5);
}

// --- small parts ---------------------------------------------------------------------------------

TEST_CASE("request kinds leave out ids, alternate keys and the query") {
  using graph::RequestKind;
  CHECK(RequestKind("GET", "/applications?$top=999") == "GET applications");
  CHECK(RequestKind("PATCH", "/applications(uniqueName='x')") == "PATCH applications");
  CHECK(RequestKind("GET", "/servicePrincipals/6c0ffee0-0000-4000-8000-000000000001/appRoleAssignedTo") == "GET servicePrincipals/appRoleAssignedTo");
  CHECK(RequestKind("DELETE",
                    "/servicePrincipals/6c0ffee0-0000-4000-8000-000000000001/appRoleAssignedTo/"
                    "41W1zT6z1U-kJxf62svfp1HFE8pMZhxDun-ThPczmJE") == "DELETE servicePrincipals/appRoleAssignedTo");
  CHECK(RequestKind("POST", "/applications/6c0ffee0-0000-4000-8000-000000000001/microsoft.graph.addPassword") ==
        "POST applications/microsoft.graph.addPassword");
  CHECK(RequestKind("GET", "/oauth2PermissionGrants") == "GET oauth2PermissionGrants");
  CHECK(RequestKind("POST", "/$batch") == "POST $batch");
}

TEST_CASE("idempotency by method unless the caller says otherwise") {
  CHECK(Get("/a").IsIdempotent());
  CHECK(GraphRequest{"PATCH", "/a", {}, std::nullopt, false, std::nullopt}.IsIdempotent());
  CHECK(GraphRequest{"DELETE", "/a", {}, std::nullopt, false, std::nullopt}.IsIdempotent());
  CHECK_FALSE(GraphRequest{"POST", "/a", {}, std::nullopt, false, std::nullopt}.IsIdempotent());
  CHECK(GraphRequest{"POST", "/a", {}, std::nullopt, false, true}.IsIdempotent());
  CHECK_FALSE(GraphRequest{"GET", "/a", {}, std::nullopt, false, false}.IsIdempotent());
}
