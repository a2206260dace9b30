// The token service's refusals of client assertions: certificate and federated.

#include "tests/emulator/token_service_test_support.h"

using namespace token_service_test;

// ================================================================================================
// Refusals: client assertions
// ================================================================================================

TEST_CASE("certificate assertion refusals") {
  Harness h;
  auto call = [&](const std::string& assertion) { return h.Call(Post(V2Token(), AssertionFields(assertion))); };

  SUBCASE("wrong assertion type") {
    auto fields = AssertionFields(Rs256Assertion());
    fields[2].second = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer";
    CheckStsError(h.Call(Post(V2Token(), fields)), 400, "invalid_request", 90011, "AADSTS90011: Unexpected client assertion type.");
  }
  SUBCASE("not a JWT") { CheckStsError(call("not.a.jwt"), 400, "invalid_request", 50027, "AADSTS50027: JWT token is invalid or malformed."); }
  SUBCASE("no thumbprint in the header") {
    CheckStsError(call(Sign({}, AssertionClaims(), crypto::JwtAlg::kRs256, ClientKey())), 401, "invalid_client", 50027,
                  "AADSTS50027: Invalid JWT token. No certificate thumbprint specified in token header.");
  }
  SUBCASE("certificate not registered") {
    CheckStsError(call(Rs256Assertion(AssertionClaims(), UnregisteredCert())), 401, "invalid_client", 700027,
                  "AADSTS700027: The certificate with identifier used to sign the client assertion is not "
                  "registered on application. [Reason - The key was not found., Thumbprint of key used by "
                  "client: '" +
                      Upper(crypto::Sha1(UnregisteredCert().Der())) + "', " + SeeKeys() + "]");
  }
  SUBCASE("signed by another key") {
    CheckStsError(call(Rs256Assertion(AssertionClaims(), RegisteredCert(), IssuerKey())), 401, "invalid_client", 700027,
                  "AADSTS700027: Client assertion contains an invalid signature. [Reason - Key was "
                  "found, but use of "
                  "the key to verify the signature failed., Thumbprint of key used by client: '" +
                      Upper(crypto::Sha1(RegisteredCert().Der())) + "', Found key 'Start=01/14/2027 08:00:00, End=01/15/2028 08:00:00', " +
                      SeeKeys() + "]");
  }
  SUBCASE("certificate expired") {
    CheckStsError(call(Rs256Assertion(AssertionClaims(), ExpiredCert())), 401, "invalid_client", 700027,
                  "AADSTS700027: Client assertion contains an invalid signature. [Reason - The key "
                  "used is expired., "
                  "Thumbprint of key used by client: '" +
                      Upper(crypto::Sha1(ExpiredCert().Der())) + "', Found key 'Start=12/11/2025 08:00:00, End=01/15/2027 07:59:50', " + SeeKeys() +
                      "]");
  }
  SUBCASE("audience of another authority") {
    CheckStsError(call(Rs256Assertion(AssertionClaims("https://login.microsoftonline.com/" + std::string(kTenantId) + "/oauth2/v2.0/token"))), 401,
                  "invalid_client", 700023, "AADSTS700023: Client assertion audience claim does not match Realm issuer. " + kCertDocs);
  }
  SUBCASE("audience as an array") {
    auto claims = AssertionClaims();
    claims["aud"] = boost::json::array{std::string(kAuthority) + V2Token()};
    CheckStsError(call(Rs256Assertion(claims)), 400, "invalid_request", 50027, "AADSTS50027: JWT token is invalid or malformed.");
  }
  SUBCASE("expired beyond the leeway") {
    auto claims = AssertionClaims();
    claims["nbf"] = kNow - 1000;
    claims["exp"] = kNow - 400;
    CheckStsError(call(Rs256Assertion(claims)), 401, "invalid_client", 700024,
                  "AADSTS700024: Client assertion is not within its valid time range. Current time: "
                  "2027-01-15T08:00:00.0000000Z, assertion valid from 2027-01-15T07:43:20.0000000Z, expiry "
                  "time of "
                  "assertion 2027-01-15T07:53:20.0000000Z. Review the documentation at "
                  "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .");
  }
  SUBCASE("sub is not the client") {
    auto claims = AssertionClaims();
    claims["sub"] = "someone-else";
    CheckStsError(call(Rs256Assertion(claims)), 401, "invalid_client", 700021,
                  "AADSTS700021: Client assertion application identifier doesn't match 'client_id' "
                  "parameter. " +
                      kCertDocs);
  }
}

TEST_CASE("federated assertion refusals") {
  Harness h;
  auto call = [&](const std::string& assertion) { return h.Call(Post(V2Token(), AssertionFields(assertion))); };
  auto claims = FederatedClaims();

  SUBCASE("no record for the issuer, and nothing fetched from it") {
    claims["iss"] = "https://evil.example.com";
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 700211,
                  "AADSTS700211: No matching federated identity record found for presented assertion issuer "
                  "'https://evil.example.com'. " +
                      kFederationDocs);
    CHECK(h.fetched.empty());
  }
  SUBCASE("subject mismatch") {
    claims["sub"] = "repo:contoso/payroll:ref:refs/heads/dev";
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 700213,
                  "AADSTS700213: No matching federated identity record found for presented assertion subject "
                  "'repo:contoso/payroll:ref:refs/heads/dev'. " +
                      kFederationDocs);
  }
  SUBCASE("subject differing only in case") {
    claims["sub"] = "repo:Contoso/Payroll:ref:refs/heads/main";
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 7002138,
                  "AADSTS7002138: No matching federated identity record found for presented assertion "
                  "subject "
                  "'repo:Contoso/Payroll:ref:refs/heads/main'. The subject matches with case-insensitive "
                  "comparison, but not with case-sensitive comparison. " +
                      kFederationDocs);
  }
  SUBCASE("audience mismatch") {
    claims["aud"] = "api://somewhere-else";
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 700212,
                  "AADSTS700212: No matching federated identity record found for presented "
                  "assertion audience "
                  "'api://somewhere-else'. " +
                      kFederationDocs);
  }
  SUBCASE("signed by a key the issuer does not publish") {
    CheckStsError(call(FederatedAssertion(claims, ClientKey())), 401, "invalid_client", 700027,
                  "AADSTS700027: Client assertion failed signature validation.");
  }
  SUBCASE("issuer unreachable") {
    h.issuer_down = true;
    CheckStsError(call(FederatedAssertion(claims)), 400, "invalid_request", 50166, "AADSTS50166: Request to External OIDC endpoint failed.");
  }
  SUBCASE("expired") {
    claims["nbf"] = kNow - 1000;
    claims["exp"] = kNow - 400;
    CheckStsError(call(FederatedAssertion(claims)), 401, "invalid_client", 700024,
                  "AADSTS700024: Client assertion is not within its valid time range. Current time: "
                  "2027-01-15T08:00:00.0000000Z, assertion valid from 2027-01-15T07:43:20.0000000Z, expiry "
                  "time of "
                  "assertion 2027-01-15T07:53:20.0000000Z. Review the documentation at "
                  "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .");
  }
}
