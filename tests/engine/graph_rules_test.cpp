#include <doctest/doctest.h>

#include "engine/graph_rules.h"

using namespace entragate::engine;

TEST_CASE("IsGuid accepts the 8-4-4-4-12 form in either case only") {
  CHECK(IsGuid("7e8c5963-8c6b-472e-b9c9-43118267cdbf"));
  CHECK(IsGuid("7E8C5963-8C6B-472E-B9C9-43118267CDBF"));
  CHECK_FALSE(IsGuid("7e8c59638c6b472eb9c943118267cdbf"));
  CHECK_FALSE(IsGuid("{7e8c5963-8c6b-472e-b9c9-43118267cdbf}"));
  CHECK_FALSE(IsGuid("7e8c5963-8c6b-472e-b9c9-43118267cdbg"));
}

TEST_CASE("role values follow docs/graph-behaviour.md §1.4") {
  CHECK_FALSE(CheckRoleValue("App.Use").has_value());
  CHECK_FALSE(CheckRoleValue("Orders.ReadWrite.All").has_value());
  CHECK_FALSE(CheckRoleValue("a:b!#$%&'()*+,-./;=?@[]^_{}~").has_value());
  CHECK(CheckRoleValue("") == "a role value must not be empty");
  CHECK(CheckRoleValue("App Use") == "a role value must not contain spaces");
  CHECK(CheckRoleValue(".App") == "a role value must not start with '.'");
  CHECK(CheckRoleValue(std::string(121, 'a')) == "a role value has at most 120 characters, this one has 121");
  CHECK_FALSE(CheckRoleValue(std::string(120, 'a')).has_value());
  CHECK(CheckRoleValue("App\"Use") == "a role value must not contain '\"'; allowed are letters, digits and :!#$%&'()*+,-./;=?@[]^_{}~");
}

TEST_CASE("optional claims are known per token type") {
  CHECK(IsKnownOptionalClaim(TokenType::kAccessToken, "idtyp"));
  CHECK(IsKnownOptionalClaim(TokenType::kAccessToken, "tenant_region_scope"));
  CHECK_FALSE(IsKnownOptionalClaim(TokenType::kIdToken, "idtyp"));  // access tokens only
  CHECK(IsKnownOptionalClaim(TokenType::kIdToken, "email"));
  CHECK_FALSE(IsKnownOptionalClaim(TokenType::kSaml2Token, "acrs"));
  CHECK_FALSE(IsKnownOptionalClaim(TokenType::kAccessToken, "idtpy"));
}

TEST_CASE("identifier URI syntax") {
  CHECK_FALSE(CheckIdentifierUriSyntax("api://{appId}").has_value());
  CHECK_FALSE(CheckIdentifierUriSyntax("https://contoso.com/orders").has_value());
  CHECK(CheckIdentifierUriSyntax("orders") == "an identifier URI needs a scheme, e.g. api://{appId}");
  CHECK(CheckIdentifierUriSyntax("http://contoso.com") == "scheme 'http' is not allowed; identifier URIs use api:// or https://");
  CHECK(CheckIdentifierUriSyntax("api://") == "an identifier URI needs a host or id after '://'");
  CHECK(CheckIdentifierUriSyntax("api://{appid}") == "unknown placeholder '{appid}'; use {appId} or {tenantId}");
  CHECK(CheckIdentifierUriSyntax("api://a b") == "an identifier URI must not contain white space");
}

TEST_CASE("the default tenant URI policy needs an app id, tenant id or domain on v1 apps") {
  CHECK(SatisfiesDefaultUriPolicy("api://{appId}", false));
  CHECK(SatisfiesDefaultUriPolicy("api://{tenantId}/orders", false));
  CHECK(SatisfiesDefaultUriPolicy("api://7e8c5963-8c6b-472e-b9c9-43118267cdbf/orders", false));
  CHECK(SatisfiesDefaultUriPolicy("https://contoso.com/orders", false));
  CHECK(SatisfiesDefaultUriPolicy("api://orders.contoso.com/read", false));
  CHECK_FALSE(SatisfiesDefaultUriPolicy("api://orders", false));
  CHECK(SatisfiesDefaultUriPolicy("api://orders", true));  // v2 tokens are exempt
  CHECK(DefaultUriPolicyMessage("api://orders") ==
        "Failed to add identifier URI api://orders. All newly added URIs must contain a tenant verified domain, "
        "tenant ID, or app ID, as per the default tenant policy of your organization. See "
        "https://aka.ms/identifier-uri-addition-error for more information on this error.");
}
