// OpenID discovery, the JWKS and instance discovery, as the token service answers them.

#include "tests/emulator/token_service_test_support.h"

using namespace token_service_test;

// ================================================================================================
// Discovery and keys
// ================================================================================================

TEST_CASE("v2 OpenID configuration: issuer and endpoints spelled like the authority") {
  Harness h;
  const std::string base = std::string(kAuthority) + "/" + kTenantId;
  for (const std::string& tenant : {std::string(kTenantId), std::string(kDomain)}) {
    CAPTURE(tenant);
    const auto response = h.Call(Get("/" + tenant + "/v2.0/.well-known/openid-configuration"));
    REQUIRE(response.status == 200);
    const auto doc = Json(response);
    CHECK(Str(doc, "issuer") == base + "/v2.0");
    CHECK(Str(doc, "token_endpoint") == base + "/oauth2/v2.0/token");
    CHECK(Str(doc, "authorization_endpoint") == base + "/oauth2/v2.0/authorize");
    CHECK(Str(doc, "jwks_uri") == base + "/discovery/v2.0/keys");
    CHECK(StrArray(doc, "token_endpoint_auth_methods_supported") ==
          std::vector<std::string>{"client_secret_post", "private_key_jwt", "client_secret_basic"});
    CHECK(StrArray(doc, "id_token_signing_alg_values_supported") == std::vector<std::string>{"RS256"});
    CHECK(Str(doc, "tenant_region_scope") == "EU");
    CHECK(Str(doc, "cloud_instance_name") == "microsoftonline.com");
    CHECK(response.Header("Access-Control-Allow-Origin") == std::optional<std::string>("*"));
  }
  SUBCASE("common keeps Entra's {tenantid} template and has no region") {
    const auto doc = Json(h.Call(Get("/common/v2.0/.well-known/openid-configuration")));
    CHECK(Str(doc, "issuer") == std::string(kAuthority) + "/{tenantid}/v2.0");
    CHECK(Str(doc, "token_endpoint") == std::string(kAuthority) + "/common/oauth2/v2.0/token");
    CHECK(doc.at("tenant_region_scope").is_null());
  }
  SUBCASE("an authority given with a trailing slash is spelled without it") {
    TokenService slash(h.directory, TenantKey(), {std::string(kAuthority) + "/", [] { return kNow; }, {}});
    CHECK(Str(Json(slash.Handle(Get("/" + std::string(kTenantId) + "/v2.0/.well-known/openid-configuration"))), "issuer") == base + "/v2.0");
  }
}

TEST_CASE("v1 OpenID configuration, and unknown tenants") {
  Harness h;
  const auto doc = Json(h.Call(Get("/" + std::string(kDomain) + "/.well-known/openid-configuration")));
  CHECK(Str(doc, "issuer") == std::string("https://sts.windows.net/") + kTenantId + "/");
  CHECK(Str(doc, "token_endpoint") == std::string(kAuthority) + "/" + kTenantId + "/oauth2/token");
  CHECK(Str(doc, "authorization_endpoint") == std::string(kAuthority) + "/" + kTenantId + "/oauth2/authorize");
  CHECK(Str(doc, "jwks_uri") == std::string(kAuthority) + "/common/discovery/keys");
  CheckStsError(h.Call(Get("/fabrikam.com/v2.0/.well-known/openid-configuration")), 400, "invalid_tenant", 90002,
                "AADSTS90002: Tenant 'fabrikam.com' not found. Check to make sure you have the "
                "correct tenant ID and "
                "are signing into the correct cloud. Check with your subscription administrator, "
                "this may happen "
                "if there are no active subscriptions for the tenant.");
  CHECK(h.Call(Get("/" + std::string(kTenantId) + "/oauth2/v2.0/nothing")).status == 404);
}

TEST_CASE("the JWKS verifies a minted token, v1 and v2 key sets alike") {
  Harness h;
  const auto token = TokenOf(h.Call(Post(V2Token(), SecretFields("api://payroll/.default"))));
  for (const std::string& path : {std::string("/common/discovery/keys"), "/" + std::string(kTenantId) + "/discovery/keys",
                                  "/" + std::string(kTenantId) + "/discovery/v2.0/keys"}) {
    CAPTURE(path);
    const auto jwks = Json(h.Call(Get(path)));
    const auto& keys = jwks.at("keys").as_array();
    REQUIRE(keys.size() == 1);
    const auto& jwk = keys[0].as_object();
    CHECK(Str(jwk, "kty") == "RSA");
    CHECK(Str(jwk, "use") == "sig");
    CHECK(Str(jwk, "kid") == Str(token.header, "kid"));
    CHECK(Str(jwk, "x5t") == Str(jwk, "kid"));
    CHECK(StrArray(jwk, "x5c") == std::vector<std::string>{crypto::Base64Encode(TenantKey().Cert().Der())});
    const bool v2 = path.find("v2.0") != std::string::npos;
    CHECK(Str(jwk, "issuer") == (v2 ? std::string(kAuthority) + "/{tenantid}/v2.0" : "<absent>"));
    auto key = crypto::PublicKeyFromJwk(jwk);
    REQUIRE(key.ok());
    CHECK(crypto::VerifyJwtSignature(token, *key, crypto::JwtAlg::kRs256).ok());
  }
}

TEST_CASE("instance discovery points msal at this authority") {
  Harness h;
  const auto response = h.Call(Get("/common/discovery/instance?api-version=1.1&authorization_endpoint=" +
                                   net::PercentEncode(std::string(kAuthority) + "/" + kTenantId + "/oauth2/v2.0/authorize")));
  REQUIRE(response.status == 200);
  const auto doc = Json(response);
  CHECK(Str(doc, "tenant_discovery_endpoint") == std::string(kAuthority) + "/" + kTenantId + "/v2.0/.well-known/openid-configuration");
  CHECK(Str(doc, "api-version") == "1.1");
  CHECK(boost::json::serialize(doc.at("metadata")) ==
        R"([{"preferred_network":"127.0.0.1:8443","preferred_cache":"127.0.0.1:8443","aliases":["127.0.0.1:8443"]}])");
  CheckStsError(h.Call(Get("/common/discovery/instance?api-version=1.1&authorization_endpoint=" +
                           net::PercentEncode("https://login.microsoftonline.com/common/oauth2/v2.0/authorize"))),
                400, "invalid_instance", 50049, "AADSTS50049: Unknown or invalid instance.");
}
