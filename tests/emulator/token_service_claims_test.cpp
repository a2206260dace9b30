// What the token service's tokens and token responses contain, v1 and v2, and managed identities'.

#include "tests/emulator/token_service_test_support.h"

using namespace token_service_test;

// ================================================================================================
// Token contents
// ================================================================================================

TEST_CASE("v1 access token: header and every claim") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), SecretFields("api://payroll/.default"))));
  CHECK(Str(token.header, "typ") == "JWT");
  CHECK(Str(token.header, "alg") == "RS256");
  CHECK(Str(token.header, "kid") == TenantKey().Kid());
  CHECK(Str(token.header, "x5t") == TenantKey().Kid());
  const auto& c = token.payload;
  const std::string sts = std::string("https://sts.windows.net/") + kTenantId + "/";
  CHECK(Str(c, "aud") == "api://payroll");
  CHECK(Str(c, "iss") == sts);
  CHECK(Int(c, "iat") == kNow);
  CHECK(Int(c, "nbf") == kNow);
  CHECK(Int(c, "exp") == kNow + 3599);
  CHECK(Str(c, "appid") == kClient);
  CHECK(Str(c, "appidacr") == "1");
  CHECK(Str(c, "idp") == sts);
  CHECK(Str(c, "oid") == kClientSp);
  CHECK(Str(c, "sub") == kClientSp);
  CHECK(Str(c, "tid") == kTenantId);
  CHECK(Str(c, "ver") == "1.0");
  CHECK(StrArray(c, "roles") == std::vector<std::string>{"Payroll.Read", "Payroll.Write"});
  CHECK(Str(c, "uti").size() == 22);
  CHECK(Str(c, "rh").rfind("0.", 0) == 0);
  CHECK(Str(c, "aio").size() > 20);
  for (const char* absent : {"azp", "azpacr", "idtyp", "tenant_region_scope", "xms_mirid", "scp"}) {
    CAPTURE(absent);
    CHECK(c.if_contains(absent) == nullptr);
  }
  SUBCASE("each token has its own uti") {
    const auto again = TokenOf(h.Call(Post(V2Token(), SecretFields("api://payroll/.default"))));
    CHECK(Str(again.payload, "uti") != Str(c, "uti"));
  }
}

TEST_CASE("v1 aud is the identifier as the client spelled it") {
  Harness h;
  CHECK(Str(TokenOf(h.Call(Post(V2Token(), SecretFields("api://payroll//.default")))).payload, "aud") == "api://payroll/");
  CHECK(Str(TokenOf(h.Call(Post(V2Token(), SecretFields(std::string(kApi) + "/.default")))).payload, "aud") == kApi);
  SUBCASE("unless the resource asks for use_guid; idtyp marks an app-only token") {
    const auto token = TokenOf(h.Call(Post(V2Token(), SecretFields("api://guid-aud/.default"))));
    CHECK(Str(token.payload, "aud") == kGuidAud);
    CHECK(Str(token.payload, "idtyp") == "app");
    CHECK(Str(token.payload, "ver") == "1.0");
  }
}

TEST_CASE("v2 access token: header and every claim") {
  Harness h;
  const auto token = TokenOf(h.Call(
      Post(V1Token(), {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"client_secret", kSecret}, {"resource", "api://ledger"}})));
  CHECK(Str(token.header, "typ") == "JWT");
  CHECK(Str(token.header, "alg") == "RS256");
  CHECK(Str(token.header, "kid") == TenantKey().Kid());
  CHECK(token.header.if_contains("x5t") == nullptr);
  const auto& c = token.payload;
  CHECK(Str(c, "aud") == kLedger);
  CHECK(Str(c, "iss") == std::string(kAuthority) + "/" + kTenantId + "/v2.0");
  CHECK(Int(c, "iat") == kNow);
  CHECK(Int(c, "nbf") == kNow);
  CHECK(Int(c, "exp") == kNow + 3599);
  CHECK(Str(c, "azp") == kClient);
  CHECK(Str(c, "azpacr") == "1");
  CHECK(Str(c, "idtyp") == "app");
  CHECK(Str(c, "oid") == kClientSp);
  CHECK(Str(c, "sub") == kClientSp);
  CHECK(Str(c, "tenant_region_scope") == "EU");
  CHECK(Str(c, "tid") == kTenantId);
  CHECK(Str(c, "ver") == "2.0");
  CHECK(Str(c, "uti").size() == 22);
  for (const char* absent : {"appid", "appidacr", "idp", "roles", "xms_mirid"}) {
    CAPTURE(absent);
    CHECK(c.if_contains(absent) == nullptr);
  }
}

TEST_CASE("the v1 endpoint answers all strings with expires_on, not_before and resource") {
  Harness h;
  const auto response = h.Call(
      Post(V1Token(), {{"grant_type", "client_credentials"}, {"client_id", kClient}, {"client_secret", kSecret}, {"resource", "api://payroll"}}));
  REQUIRE_MESSAGE(response.status == 200, response.body);
  const auto body = Json(response);
  CHECK(Str(body, "token_type") == "Bearer");
  CHECK(Str(body, "expires_in") == "3599");
  CHECK(Str(body, "ext_expires_in") == "3599");
  CHECK(Str(body, "expires_on") == std::to_string(kNow + 3599));
  CHECK(Str(body, "not_before") == std::to_string(kNow));
  CHECK(Str(body, "resource") == "api://payroll");
  CHECK(Str(Decode(Str(body, "access_token")).payload, "aud") == "api://payroll");
}

TEST_CASE("MintForPrincipal: managed-identity tokens carry xms_mirid and azpacr/appidacr 2") {
  Harness h;
  const emulator::TokenRequester mi{"11112222-3333-4444-8555-666677778888", "vm-identity", "99990000-1111-4222-8333-444455556666",
                                    "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm", ""};
  auto token = h.service.MintForPrincipal(mi, "api://payroll", ClientAuthMethod::kManagedIdentity, 86399);
  REQUIRE(token.ok());
  CHECK(token->expires_in == 86399);
  CHECK(token->expires_on == kNow + 86399);
  CHECK(token->not_before == kNow);
  CHECK(token->resource == "api://payroll");
  const auto claims = Decode(token->access_token).payload;
  CHECK(Str(claims, "appid") == mi.app_id);
  CHECK(Str(claims, "appidacr") == "2");
  CHECK(Str(claims, "oid") == mi.service_principal_id);
  CHECK(Str(claims, "xms_mirid") == mi.managed_identity_resource_id);
  CHECK(claims.if_contains("roles") == nullptr);
  auto refused = h.service.MintForPrincipal(mi, "api://locked", ClientAuthMethod::kManagedIdentity);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == "invalid_grant");
  CHECK(refused.error().message ==
        "AADSTS501051: Application '11112222-3333-4444-8555-666677778888'(vm-identity) is not "
        "assigned to a role "
        "for the application '" +
            std::string(kLocked) + "'(locked-api).");
}
