// Graph's rules are read twice, on purpose: engine/graph_rules is what `validate` refuses before a
// request is sent, emulator/graph/entra_rules is what the local tenant refuses on the wire. Each was written
// from the documentation on its own, so that a mistake in one is caught by the other instead of
// repeated. These tests feed both readings the same inputs and expect the documented verdict from each.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "emulator/graph/entra_rules.h"
#include "engine/graph_rules.h"

namespace engine = entragate::engine;
namespace entra = entragate::emulator::entra;

namespace {

bool EngineTakesRoleValue(const std::string& value) { return !engine::CheckRoleValue(value).has_value(); }

}  // namespace

TEST_CASE("role values: both readings give the documented verdict") {
  struct Case {
    std::string value;
    bool valid;
  };
  const std::vector<Case> cases = {
      {"App.Use", true},
      {"Orders.ReadWrite.All", true},
      {"x:!#$%&'()*+,-./;=?@[]^_{}~", true},
      {"0starts-with-a-digit", true},
      {std::string(120, 'a'), true},
      {std::string(121, 'a'), false},
      {"", false},
      {".App", false},
      {"App.", true},
      {"App Use", false},
      {"App\tUse", false},
      {"App\"Use", false},
      {"App<Use>", false},
      {"App|Use", false},
      {"App\\Use", false},
      {"App`Use", false},
      {"caf\xc3\xa9", false},  // letters are ASCII only
  };
  for (const auto& c : cases) {
    CAPTURE(c.value);
    CHECK(EngineTakesRoleValue(c.value) == c.valid);
    CHECK(entra::IsValidRoleValue(c.value) == c.valid);
  }
}

TEST_CASE("role values: the readings agree on every byte, first or later") {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    CAPTURE(b);
    const std::string first = std::string(1, c) + "a";
    const std::string later = std::string("a") + c;
    CHECK(EngineTakesRoleValue(first) == entra::IsValidRoleValue(first));
    CHECK(EngineTakesRoleValue(later) == entra::IsValidRoleValue(later));
  }
}

TEST_CASE("optional claims: the readings know the same names for each token type") {
  const std::pair<engine::TokenType, entra::TokenKind> types[] = {
      {engine::TokenType::kIdToken, entra::TokenKind::kId},
      {engine::TokenType::kAccessToken, entra::TokenKind::kAccess},
      {engine::TokenType::kSaml2Token, entra::TokenKind::kSaml2},
  };
  // Every name either reading knows for some type, plus names neither should take.
  std::set<std::string> names = {"roles", "oid", "scp", "idtpy", "extension_x_dept", "", "UPN", "preferred-username"};
  for (const auto& [type, kind] : types)
    for (const auto& n : engine::KnownOptionalClaims(type)) names.insert(n);
  for (const auto& [type, kind] : types) {
    CHECK(entra::TokenKindOfMember(engine::ToGraph(type)) == kind);
    for (const auto& name : names) {
      CAPTURE(engine::ToGraph(type));
      CAPTURE(name);
      CHECK(engine::IsKnownOptionalClaim(type, name) == entra::IsPredefinedOptionalClaim(kind, name));
    }
  }
  CHECK_FALSE(entra::TokenKindOfMember("saml2token").has_value());
}

TEST_CASE("optional claims: the documented token types of the claims that differ between them") {
  struct Case {
    const char* name;
    bool id, access, saml;
  };
  const Case cases[] = {
      {"idtyp", false, true, false},              // access tokens only
      {"aud", false, true, false},                // v1 access tokens (use_guid)
      {"preferred_username", true, true, false},  // v1 ID and access tokens
      {"vnet", true, true, false},                // JWTs
      {"xms_cc", true, true, false},
      {"acrs", true, true, false},
      {"given_name", true, true, false},  // v2 on request; JWTs only
      {"upn", true, true, true},          // JWT and SAML
      {"groups", true, true, true},
      {"email", true, true, true},
      {"acct", true, true, true},
      {"sid", true, true, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(engine::IsKnownOptionalClaim(engine::TokenType::kIdToken, c.name) == c.id);
    CHECK(engine::IsKnownOptionalClaim(engine::TokenType::kAccessToken, c.name) == c.access);
    CHECK(engine::IsKnownOptionalClaim(engine::TokenType::kSaml2Token, c.name) == c.saml);
    CHECK(entra::IsPredefinedOptionalClaim(entra::TokenKind::kId, c.name) == c.id);
    CHECK(entra::IsPredefinedOptionalClaim(entra::TokenKind::kAccess, c.name) == c.access);
    CHECK(entra::IsPredefinedOptionalClaim(entra::TokenKind::kSaml2, c.name) == c.saml);
  }
}

namespace {

// The tenant the local tenant's reading is asked about; the engine reads templates and knows none.
const std::string kAppId = "3f1c2b7a-8e4d-4c1b-a6f2-9d8e7c6b5a40";
const std::string kTenantId = "7e8c5963-8c6b-472e-b9c9-43118267cdbf";
const std::vector<std::string> kDomains = {"contoso.onmicrosoft.com", "contoso.com"};

std::string Expand(std::string uri) {
  for (auto [placeholder, value] : {std::pair{std::string("{appId}"), kAppId}, std::pair{std::string("{tenantId}"), kTenantId}})
    for (auto at = uri.find(placeholder); at != std::string::npos; at = uri.find(placeholder)) uri.replace(at, placeholder.size(), value);
  return uri;
}

bool EngineTakesUri(const std::string& uri_template, bool v2) {
  return !engine::CheckIdentifierUriSyntax(uri_template).has_value() && engine::SatisfiesDefaultUriPolicy(uri_template, v2);
}

bool TenantTakesUri(const std::string& uri_template, bool v2) {
  const std::string uri = Expand(uri_template);
  return entra::IsWellFormedIdentifierUri(uri) && entra::PassesDefaultUriPolicy(uri, kAppId, kTenantId, kDomains, v2);
}

}  // namespace

TEST_CASE("identifier URIs: both readings give the documented verdict, with v1 and v2 tokens") {
  struct Case {
    std::string uri;
    bool v1_ok, v2_ok;
  };
  const std::vector<Case> cases = {
      // The secure patterns.
      {"api://{appId}", true, true},
      {"api://{tenantId}/{appId}", true, true},
      {"api://{tenantId}/orders", true, true},
      {"api://orders/{appId}", true, true},
      {"api://7e8c5963-8c6b-472e-b9c9-43118267cdbf/orders", true, true},
      {"https://contoso.onmicrosoft.com/orders", true, true},
      {"https://contoso.com/orders", true, true},
      {"https://orders.contoso.com", true, true},
      {"https://orders.contoso.com/read", true, true},
      {"api://contoso.com/orders", true, true},
      {"api://orders.contoso.com/read", true, true},
      {"https://contoso.com:443/orders", true, true},
      // Without the app id, the tenant id or a domain as host: refused only under v1 tokens.
      {"api://orders", false, true},
      {"api://orders/read", false, true},
      {"api://orders/contoso.com", false, true},  // a domain in the path is not a host
      {"api://ORDERS", false, true},
      // Not an identifier URI at all.
      {"orders", false, false},
      {"urn:contoso:orders", false, false},
      {"http://contoso.com/orders", false, false},
      {"ftp://contoso.com/orders", false, false},
      {"api://", false, false},
      {"api:///orders", false, false},
      {"api://a b", false, false},
      {"api://a\tb", false, false},
      {"api://a\x7f"
       "b",
       false, false},
      {"api://{appId}#section", false, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.uri);
    CHECK(EngineTakesUri(c.uri, false) == c.v1_ok);
    CHECK(TenantTakesUri(c.uri, false) == c.v1_ok);
    CHECK(EngineTakesUri(c.uri, true) == c.v2_ok);
    CHECK(TenantTakesUri(c.uri, true) == c.v2_ok);
  }
}

TEST_CASE("identifier URIs: where the engine knowingly differs from the tenant") {
  struct Case {
    std::string uri;
    bool engine_ok, tenant_ok;
    const char* why;
  };
  const Case cases[] = {
      // The engine checks a manifest before the tenant is read, so it cannot refuse these; the plan
      // and the tenant do.
      {"api://11111111-2222-4333-8444-555555555555/orders", true, false, "a GUID that is neither this app's nor this tenant's"},
      {"api://orders.fabrikam.com/read", true, false, "a domain this tenant has not verified"},
      // A manifest spells schemes in lower case (as the schema does); RFC 3986 schemes ignore case.
      {"API://{appId}", false, true, "an upper-case scheme"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.uri);
    CAPTURE(c.why);
    CHECK(EngineTakesUri(c.uri, false) == c.engine_ok);
    CHECK(TenantTakesUri(c.uri, false) == c.tenant_ok);
  }
}

TEST_CASE("identifier URIs: Graph's text for the default tenant policy, and the default-access role id") {
  for (const char* uri : {"api://orders", "api://a/b?c=d"}) {
    CAPTURE(uri);
    CHECK(engine::DefaultUriPolicyMessage(uri) == entra::DefaultUriPolicyError(uri));
  }
  CHECK(entra::DefaultUriPolicyError("api://orders").starts_with("Failed to add identifier URI api://orders. All newly added URIs"));
  CHECK(std::string_view(engine::kDefaultAccessRoleId) == entra::kDefaultAccessRoleId);
}
