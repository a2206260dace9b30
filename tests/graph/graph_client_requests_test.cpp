// GraphClient's requests and errors: what every request carries, how Graph's errors are mapped,
// request kinds and idempotency.

#include "tests/graph/graph_client_test_support.h"

using namespace graph_client_test;

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
  auto client = h.Client();
  GraphClient::LowPriority low(*client, true);
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
