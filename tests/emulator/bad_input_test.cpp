// Wrong-typed request bodies against every Graph write endpoint of the emulator, over real HTTP: a
// value of the wrong JSON type is Graph's 400 with its error shape, nothing is ever a 500, the
// server keeps serving, and whatever was accepted can still be read (and turned into tokens).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "emulator/local_tenant.h"
#include "emulator/graph/store_token_directory.h"
#include "tests/emulator/graph_test_tenant.h"
#include "tests/graph/tenant_fixture.h"

using namespace entragate::emulator;
using namespace entragate::emulator::testing;
namespace net = entragate::net;

namespace {

const std::string kRole = "5e0b1d8a-0f3c-4c53-9d5b-1b2c3d4e5f60";

// The JSON kinds a field may have; a value of any other kind (null aside) must be refused.
enum class Kind { kString, kGuid, kBool, kInt, kStrings, kObject, kObjects };

bool IsOfKind(const json::value& v, Kind k) {
  auto all = [&](auto pred) { return v.is_array() && std::all_of(v.as_array().begin(), v.as_array().end(), pred); };
  switch (k) {
    case Kind::kString: return v.is_string();
    case Kind::kGuid: return false;  // no value below is a GUID
    case Kind::kBool: return v.is_bool();
    case Kind::kInt: return v.is_int64();
    case Kind::kStrings: return all([](const json::value& x) { return x.is_string(); });
    case Kind::kObject: return v.is_object();
    case Kind::kObjects: return all([](const json::value& x) { return x.is_object(); });
  }
  return false;
}

const std::vector<json::value>& WrongValues() {
  static const std::vector<json::value> kValues = {nullptr,
                                                   true,
                                                   7,
                                                   -1,
                                                   1.5,
                                                   "text",
                                                   "",
                                                   json::array{},
                                                   json::array{7},
                                                   json::array{"x"},
                                                   json::array{json::object{}},
                                                   json::object{},
                                                   json::object{{"x", 7}}};
  return kValues;
}

// Sets `path` ("api.requestedAccessTokenVersion", "appRoles.0.id") inside `root`, making the
// containers on the way.
void SetPath(json::value& root, const std::string& path, const json::value& v) {
  json::value* at = &root;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool index = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    json::value* next;
    if (index) {
      if (!at->is_array()) *at = json::array{};
      size_t i = std::stoul(part);
      while (at->as_array().size() <= i) at->as_array().push_back(json::object{});
      next = &at->as_array()[i];
    } else {
      if (!at->is_object()) *at = json::object{};
      next = &at->as_object()[part];
    }
    if (dot == std::string::npos) {
      *next = v;
      return;
    }
    at = next;
    start = dot + 1;
  }
}

bool IsGraphError(const json::value& body) {
  const json::object* o = body.if_object();
  const json::value* e = o ? o->if_contains("error") : nullptr;
  if (!e || !e->is_object()) return false;
  const json::object& err = e->as_object();
  const json::value* code = err.if_contains("code");
  const json::value* message = err.if_contains("message");
  const json::value* inner = err.if_contains("innerError");
  return code && code->is_string() && !code->as_string().empty() && message && message->is_string() && inner && inner->is_object() &&
         inner->as_object().if_contains("request-id") && inner->as_object().if_contains("date");
}

struct Endpoint {
  std::string method, target;
  json::object valid;                                ///< a body the endpoint accepts (or refuses on its merits)
  std::vector<std::pair<std::string, Kind>> fields;  ///< what to break, and the kind it must have
  net::Headers headers = {};
};

std::vector<Endpoint> WriteEndpoints(GraphTestTenant& t) {
  json::object role = Role(kRole, "App.Use");
  json::object app = t.CreateApp("Fuzz Target", json::object{{"appRoles", json::array{role}}});
  std::string app_id(app.at("id").as_string()), client_id(app.at("appId").as_string());
  std::string sp_id(t.CreateSp(client_id).at("id").as_string());
  std::string mi = t.SpIdByName("centos-1");
  std::vector<std::pair<std::string, Kind>> app_fields = {
      {"displayName", Kind::kString},
      {"description", Kind::kString},
      {"notes", Kind::kString},
      {"signInAudience", Kind::kString},
      {"tags", Kind::kStrings},
      {"identifierUris", Kind::kStrings},
      {"appRoles", Kind::kObjects},
      {"appRoles.0", Kind::kObject},
      {"appRoles.0.id", Kind::kGuid},
      {"appRoles.0.allowedMemberTypes", Kind::kStrings},
      {"appRoles.0.value", Kind::kString},
      {"appRoles.0.isEnabled", Kind::kBool},
      {"api", Kind::kObject},
      {"api.requestedAccessTokenVersion", Kind::kInt},
      {"api.oauth2PermissionScopes", Kind::kObjects},
      {"api.knownClientApplications", Kind::kStrings},
      {"optionalClaims", Kind::kObject},
      {"optionalClaims.accessToken", Kind::kObjects},
      {"optionalClaims.accessToken.0.name", Kind::kString},
      {"optionalClaims.accessToken.0.source", Kind::kString},
      {"optionalClaims.accessToken.0.essential", Kind::kBool},
      {"optionalClaims.accessToken.0.additionalProperties", Kind::kStrings},
      {"web", Kind::kObject},
      {"web.redirectUris", Kind::kStrings},
      {"web.implicitGrantSettings", Kind::kObject},
      {"spa.redirectUris", Kind::kStrings},
      {"publicClient.redirectUris", Kind::kStrings},
      {"keyCredentials", Kind::kObjects},
      {"keyCredentials.0", Kind::kObject},
      {"requiredResourceAccess.0", Kind::kObject},
      {"isFallbackPublicClient", Kind::kBool},
      {"tokenEncryptionKeyId", Kind::kGuid},
      {"info", Kind::kObject},
  };
  json::object new_app{{"displayName", "Fuzz"}};
  auto create_fields = app_fields;
  create_fields.push_back({"passwordCredentials.0", Kind::kObject});
  create_fields.push_back({"passwordCredentials.0.displayName", Kind::kString});
  create_fields.push_back({"passwordCredentials.0.endDateTime", Kind::kString});
  std::vector<std::pair<std::string, Kind>> sp_fields = {
      {"appRoleAssignmentRequired", Kind::kBool},
      {"accountEnabled", Kind::kBool},
      {"tags", Kind::kStrings},
      {"displayName", Kind::kString},
      {"notes", Kind::kString},
      {"alternativeNames", Kind::kStrings},
      {"servicePrincipalNames", Kind::kStrings},
      {"replyUrls", Kind::kStrings},
      {"info", Kind::kObject},
  };
  auto sp_create_fields = sp_fields;
  sp_create_fields.push_back({"appId", Kind::kString});
  std::vector<std::pair<std::string, Kind>> assignment_fields = {
      {"principalId", Kind::kGuid}, {"resourceId", Kind::kGuid}, {"appRoleId", Kind::kGuid}};
  json::object assignment{{"principalId", mi}, {"resourceId", sp_id}, {"appRoleId", kRole}};
  net::Headers upsert{{"Prefer", "create-if-missing"}};
  return {
      {"POST", "/applications", new_app, create_fields},
      {"PATCH", "/applications/" + app_id, {}, app_fields},
      {"PATCH", "/applications(uniqueName='fuzz-upsert')", new_app, app_fields, upsert},
      {"POST",
       "/applications/" + app_id + "/addPassword",
       {},
       {{"passwordCredential", Kind::kObject}, {"passwordCredential.displayName", Kind::kString}, {"passwordCredential.endDateTime", Kind::kString}}},
      {"POST",
       "/applications/" + app_id + "/federatedIdentityCredentials",
       json::object{{"name", "n"},
                    {"issuer", "https://token.actions.githubusercontent.com"},
                    {"subject", "repo:o/r:ref:refs/heads/main"},
                    {"audiences", json::array{"api://AzureADTokenExchange"}}},
       {{"name", Kind::kString},
        {"issuer", Kind::kString},
        {"subject", Kind::kString},
        {"audiences", Kind::kStrings},
        {"description", Kind::kString}}},
      {"POST", "/servicePrincipals", json::object{{"appId", client_id}}, sp_create_fields},
      {"PATCH", "/servicePrincipals/" + sp_id, {}, sp_fields},
      {"PATCH", "/servicePrincipals(appId='" + client_id + "')", {}, sp_fields, upsert},
      {"POST", "/servicePrincipals/" + sp_id + "/appRoleAssignedTo", assignment, assignment_fields},
      {"POST", "/servicePrincipals/" + mi + "/appRoleAssignments", assignment, assignment_fields},
  };
}

}  // namespace

TEST_CASE("every write endpoint refuses wrong-typed fields with Graph's 400, never a 500, and keeps serving") {
  GraphTestTenant t;
  int refused = 0;
  for (const auto& e : WriteEndpoints(t)) {
    for (const auto& [field, kind] : e.fields) {
      for (const auto& wrong : WrongValues()) {
        if (IsOfKind(wrong, kind)) continue;  // not wrong for this field
        json::value body = e.valid;
        SetPath(body, field, wrong);
        Reply r = t.Call(e.method, e.target, json::serialize(body), "operator", e.headers);
        INFO(e.method, " ", e.target, " ", json::serialize(body), " -> ", r.status, " ", r.text);
        CHECK(r.status < 500);
        if (r.status >= 400) CHECK(IsGraphError(r.body));
        if (!wrong.is_null()) {  // null is a value some properties take
          CHECK(r.status == 400);
          ++refused;
        }
      }
    }
  }
  CHECK(refused > 300);
  CHECK(t.Get("/organization").status == 200);
}

TEST_CASE("a body that is not a JSON object is Graph's 400 on every write endpoint") {
  GraphTestTenant t;
  for (const auto& e : WriteEndpoints(t)) {
    for (const std::string body : {"[]", "7", "\"text\"", "null", "{", "{\"a\":", "\xff\xfe"}) {
      Reply r = t.Call(e.method, e.target, body, "operator", e.headers);
      INFO(e.method, " ", e.target, " ", body, " -> ", r.status, " ", r.text);
      CHECK(r.status == 400);
      CHECK(IsGraphError(r.body));
    }
  }
  CHECK(t.Get("/organization").status == 200);
}

TEST_CASE("$batch: malformed envelopes and sub-requests are 400s in Graph's shape") {
  GraphTestTenant t;
  const std::vector<std::string> envelopes = {"[]",
                                              "{}",
                                              R"({"requests":7})",
                                              R"({"requests":[7]})",
                                              R"({"requests":[{"id":7,"method":"GET","url":"/organization"}]})",
                                              R"({"requests":[{"id":"1","method":7,"url":"/organization"}]})",
                                              R"({"requests":[{"id":"1","method":"GET","url":[]}]})",
                                              R"({"requests":[{"id":"1","method":"GET","url":"/organization","headers":7}]})",
                                              R"({"requests":[{"id":"1","method":"GET","url":"/organization","dependsOn":"2"}]})",
                                              R"({"requests":[{"id":"1","method":"GET","url":"/organization","dependsOn":[2]}]})"};
  for (const auto& body : envelopes) {
    Reply r = t.Call("POST", "/$batch", body);
    INFO(body, " -> ", r.status, " ", r.text);
    CHECK(r.status == 400);
    CHECK(IsGraphError(r.body));
  }
  // A wrong-typed body inside a sub-request is that sub-request's own 400.
  Reply r =
      t.Call("POST", "/$batch",
             R"({"requests":[{"id":"1","method":"POST","url":"/applications","headers":{"Content-Type":"application/json"},"body":{"displayName":7}},
                                                       {"id":"2","method":"GET","url":"/organization"}]})");
  REQUIRE(r.status == 200);
  for (const auto& sub : r.obj().at("responses").as_array()) {
    int64_t status = sub.at("status").as_int64();
    CHECK(status == (sub.at("id") == "1" ? 400 : 200));
    if (status == 400) CHECK(IsGraphError(sub.at("body")));
  }
}

TEST_CASE("whatever odd values were accepted can still be read and turned into token decisions") {
  GraphTestTenant t;
  for (const auto& e : WriteEndpoints(t))
    for (const auto& [field, kind] : e.fields)
      for (const auto& wrong : WrongValues()) {
        if (IsOfKind(wrong, kind)) continue;
        json::value body = e.valid;
        SetPath(body, field, wrong);
        (void)t.Call(e.method, e.target, json::serialize(body), "operator", e.headers);
      }
  CHECK(t.Get("/applications").status == 200);
  CHECK(t.Get("/servicePrincipals").status == 200);
  StoreTokenDirectory directory(t.store());
  std::vector<std::string> app_ids = t.store().Read([](const StoreView& v) {
    std::vector<std::string> ids;
    for (const auto& [id, app] : v.All(Collection::kApplications))
      if (const json::value* a = app.if_contains("appId"); a && a->is_string()) ids.emplace_back(a->as_string());
    return ids;
  });
  REQUIRE(app_ids.size() > 2);
  for (const auto& id : app_ids) {
    CHECK_NOTHROW((void)directory.FindClient(id));
    CHECK_NOTHROW((void)directory.FindResource(id));
    CHECK_NOTHROW((void)directory.FindResource("api://" + id));
  }
}

TEST_CASE("a handler that throws fails its own request (and batch sub-request) with Graph's 500, the rest is served") {
  // The fault-injection hook runs inside request handling, so a throwing one stands for any handler bug.
  GraphTestTenant t([](GraphServiceOptions& o) {
    o.admit = [](const net::Request& r, const LimitCharge&) -> Admission {
      if (r.target.find("/v1.0/users") == 0) throw std::runtime_error("handler bug");
      if (r.target.find("/v1.0/groups") == 0) throw 42;  // not even a std::exception
      return {};
    };
  });
  for (const char* path : {"/users", "/groups", "/users"}) {
    Reply r = t.Get(path);
    CHECK(r.status == 500);
    CHECK(IsGraphError(r.body));
    CHECK(r.error_code() == "InternalServerError");
    CHECK(r.text.find("handler bug") == std::string::npos);  // internals stay inside
  }
  Reply batch =
      t.Call("POST", "/$batch", R"({"requests":[{"id":"1","method":"GET","url":"/users"},{"id":"2","method":"GET","url":"/organization"}]})");
  REQUIRE(batch.status == 200);
  for (const auto& sub : batch.obj().at("responses").as_array()) {
    bool bad = sub.at("id") == "1";
    CHECK(sub.at("status").as_int64() == (bad ? 500 : 200));
    if (bad) CHECK(IsGraphError(sub.at("body")));
  }
  CHECK(t.Get("/organization").status == 200);
}

TEST_CASE("the HTTP server turns any exception of any handler into Graph's 500 and keeps serving") {
  // Not Graph: the token and managed-identity endpoints share the server and its safety net.
  auto server = HttpServer::Start({}, [](const net::Request& r) -> HandlerResult {
    if (r.target == "/boom") throw std::runtime_error("secret detail");
    if (r.target == "/odd") throw 7;
    net::Response ok;
    ok.status = 200;
    ok.body = "fine";
    return {ok, {}};
  });
  REQUIRE(server.ok());
  auto http = entragate::graph::MakeHttpTransport({});
  auto send = [&](const std::string& path) {
    net::Request r;
    r.method = "GET";
    r.target = "http://127.0.0.1:" + std::to_string(server.value()->port()) + path;
    r.headers["client-request-id"] = "11111111-2222-3333-4444-555555555555";
    auto sent = http->Send(r);
    REQUIRE(sent.ok());
    return sent.value();
  };
  for (const char* path : {"/boom", "/odd", "/boom"}) {
    net::Response r = send(path);
    CHECK(r.status == 500);
    boost::system::error_code ec;
    json::value body = json::parse(r.body, ec);
    REQUIRE_FALSE(ec);
    CHECK(IsGraphError(body));
    CHECK(body.at("error").at("code") == "InternalServerError");
    CHECK(body.at("error").at("innerError").at("client-request-id") == "11111111-2222-3333-4444-555555555555");
    CHECK(body.at("error").at("innerError").at("request-id") == json::value(r.headers.at("request-id")));
    CHECK(r.body.find("secret detail") == std::string::npos);
  }
  CHECK(send("/fine").status == 200);
  server.value()->Stop();
}

namespace {

net::Response TokenFor(entragate::testing::TenantFixture& t, const std::string& scope) {
  const auto& e = t.e();
  net::Request r{
      "POST",
      e.authority + "/" + e.tenant_id + "/oauth2/v2.0/token",
      {{"Content-Type", "application/x-www-form-urlencoded"}},
      net::EncodeForm({{"client_id", e.client_id}, {"client_secret", e.client_secret}, {"scope", scope}, {"grant_type", "client_credentials"}}),
      ""};
  auto sent = t.http->Send(r);
  REQUIRE(sent.ok());
  return sent.value();
}

}  // namespace

TEST_CASE("the token service reads a stored object of the wrong shape without failing, and fails closed") {
  entragate::testing::TenantFixture t;
  auto client = t.Client();
  auto app = client->SendBatch({{"POST", "/applications", {}, json::value(json::object{{"displayName", "Shape"}}), false, std::nullopt}})[0];
  REQUIRE(app.ok());
  std::string app_id(app->body.at("appId").as_string());
  auto sp = client->SendBatch({{"POST", "/servicePrincipals", {}, json::value(json::object{{"appId", app_id}}), false, std::nullopt}})[0];
  REQUIRE(sp.ok());
  std::string sp_id(sp->body.at("id").as_string());
  REQUIRE(TokenFor(t, app_id + "/.default").status == 200);  // open: any client gets a token
  for (const json::value& odd : {json::value("no"), json::value(0), json::value(json::array{})}) {
    REQUIRE(t.tenant->store()
                .Write([&](StoreTxn& txn) -> entragate::base::Status {
                  json::object o = *txn.Get(Collection::kServicePrincipals, sp_id);
                  o["appRoleAssignmentRequired"] = odd;
                  txn.Put(Collection::kServicePrincipals, sp_id, std::move(o));
                  return entragate::base::Ok{};
                })
                .ok());
    net::Response r = TokenFor(t, app_id + "/.default");
    CAPTURE(r.body);
    CHECK(r.status == 400);  // unreadable → assignment required, and the operator holds none
    CHECK(r.body.find("AADSTS501051") != std::string::npos);
  }
  CHECK(TokenFor(t, "https://graph.microsoft.com/.default").status == 200);
}
