// The token service: a token for each way a client authenticates (secret, certificate, federated).

#include "tests/emulator/token_service_test_support.h"

using namespace token_service_test;

// ================================================================================================
// Success per authentication method
// ================================================================================================

TEST_CASE("a client secret in the body gets a v2 token response") {
  Harness h;
  const auto response = h.Call(Post(V2Token(), SecretFields("api://payroll/.default")));
  REQUIRE_MESSAGE(response.status == 200, response.body);
  const auto body = Json(response);
  CHECK(Str(body, "token_type") == "Bearer");
  CHECK(Int(body, "expires_in") == 3599);
  CHECK(Int(body, "ext_expires_in") == 3599);
  CHECK(body.size() == 4);
  CHECK(response.Header("Cache-Control") == std::optional<std::string>("no-store, no-cache"));
  CHECK(Str(Decode(Str(body, "access_token")).payload, "appidacr") == "1");
}

TEST_CASE("a client secret in HTTP Basic, form-encoded per RFC 6749 §2.3.1, is accepted") {
  Harness h;
  auto request = Post(V2Token(), {{"grant_type", "client_credentials"}, {"scope", "api://payroll/.default"}});
  const std::string user_pass = net::PercentEncode(kClient) + ":" + net::PercentEncode(kSecret);
  request.headers["Authorization"] = "Basic " + crypto::Base64Encode(user_pass);
  const auto token = TokenOf(h.Call(request));
  CHECK(Str(token.payload, "appid") == kClient);
  CHECK(Str(token.payload, "appidacr") == "1");

  SUBCASE("a matching client_id in the body as well is fine") {
    auto with_id = Post(V2Token(), {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"scope", "api://payroll/.default"}});
    with_id.headers["Authorization"] = request.headers["Authorization"];
    CHECK(h.Call(with_id).status == 200);
  }
  SUBCASE("a wrong Basic password is a bad secret") {
    request.headers["Authorization"] = "Basic " + crypto::Base64Encode(std::string(kClient) + ":nope");
    CheckStsError(h.Call(request), 401, "invalid_client", 7000215,
                  std::string("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                              "request is the client secret value, not the client secret ID, for a secret added "
                              "to app '") +
                      kClient + "'.");
  }
}

TEST_CASE("an RS256 client assertion with x5t (SHA-1) authenticates with the registered certificate") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), AssertionFields(Rs256Assertion()))));
  CHECK(Str(token.payload, "appid") == kClient);
  CHECK(Str(token.payload, "appidacr") == "2");

  SUBCASE("the v1 token URL and a domain spelling of the tenant are accepted audiences") {
    CHECK(h.Call(Post(V2Token(), AssertionFields(Rs256Assertion(AssertionClaims(std::string(kAuthority) + V1Token()))))).status == 200);
    CHECK(h.Call(Post(V2Token(), AssertionFields(Rs256Assertion(AssertionClaims(std::string(kAuthority) + V2Token(kDomain)))))).status == 200);
  }
  SUBCASE("clock skew up to five minutes is tolerated") {
    auto claims = AssertionClaims();
    claims["exp"] = kNow - 200;
    claims["nbf"] = kNow - 800;
    CHECK(h.Call(Post(V2Token(), AssertionFields(Rs256Assertion(claims)))).status == 200);
  }
}

TEST_CASE("a PS256 client assertion with x5t#S256 authenticates, v2 tokens say azpacr 2") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), AssertionFields(Ps256Assertion(), "api://ledger/.default"))));
  CHECK(Str(token.payload, "azp") == kClient);
  CHECK(Str(token.payload, "azpacr") == "2");
}

TEST_CASE("a federated assertion is verified with the issuer's JWKS, fetched once and cached") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), AssertionFields(FederatedAssertion()))));
  CHECK(Str(token.payload, "appid") == kClient);
  CHECK(Str(token.payload, "appidacr") == "2");
  CHECK(h.fetched == std::vector<std::string>{std::string(kIssuer) + "/.well-known/openid-configuration", std::string(kIssuer) + "/keys"});
  CHECK(h.Call(Post(V2Token(), AssertionFields(FederatedAssertion()))).status == 200);
  CHECK(h.fetched.size() == 2);

  SUBCASE("an audience array (Kubernetes) and a configured audience are matched") {
    auto claims = FederatedClaims();
    claims["aud"] = boost::json::array{"other", "api://AzureADTokenExchange"};
    CHECK(h.Call(Post(V2Token(), AssertionFields(FederatedAssertion(claims)))).status == 200);
    h.directory.Client(kClient).federated[0].audiences = {"api://custom"};
    claims["aud"] = "api://custom";
    CHECK(h.Call(Post(V2Token(), AssertionFields(FederatedAssertion(claims)))).status == 200);
  }
}
