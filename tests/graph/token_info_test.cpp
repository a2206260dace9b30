// `auth status`: an access token's claims, decoded and rendered without the token.
#include <doctest/doctest.h>

#include "providers/graph/credentials/client_secret_credential.h"
#include "providers/graph/credentials/token_info.h"
#include "tests/graph/credential_test_support.h"

using namespace entragate;
using namespace entragate::graph;
using namespace entragate::graph::testing;

TEST_CASE("token info credential status: claims of an emulator token, rendered without the token") {
  TestTenant t;
  const std::string token = t.OperatorToken();
  auto info = DecodeTokenInfo(token);
  REQUIRE(info.ok());
  CHECK(info->tenant_id == t.e().tenant_id);
  CHECK(info->client_id == t.e().client_id);
  CHECK(info->object_id == t.ServicePrincipal("entragate-operator").first);
  CHECK(info->audience == "https://graph.microsoft.com");
  CHECK_FALSE(info->roles.empty());
  REQUIRE(info->expires_on);
  std::vector<std::string> lines = RenderTokenInfo(*info, *info->expires_on - 3540);
  REQUIRE(lines.size() >= 6);
  CHECK(lines[0] == "tenant:     " + t.e().tenant_id);
  CHECK(lines.back().rfind("expires:    ", 0) == 0);
  CHECK(lines.back().find("(in 59 min)") != std::string::npos);
  for (const auto& line : lines) CHECK(line.find(token) == std::string::npos);
}

TEST_CASE("token info credential status: v2 and user claims, expiry in the past, an opaque token") {
  crypto::PKey key = crypto::GenerateRsaKey().value();
  json::object claims{{"tid", "t-1"},
                      {"azp", "client-2"},
                      {"oid", "o-3"},
                      {"upn", "ada@contoso.example"},
                      {"aud", "00000003-0000-0000-c000-000000000000"},
                      {"scp", "Application.Read.All User.Read"},
                      {"exp", 1700000000}};
  const std::string jwt = crypto::SignJwt({}, claims, crypto::JwtAlg::kRs256, key).value();
  auto info = DecodeTokenInfo(jwt);
  REQUIRE(info.ok());
  CHECK(info->client_id == "client-2");
  CHECK(info->scopes == std::vector<std::string>{"Application.Read.All", "User.Read"});
  std::vector<std::string> lines = RenderTokenInfo(*info, 1700000000 + 180);
  const std::vector<std::string> expected{
      "tenant:     t-1",
      "client id:  client-2",
      "object id:  o-3",
      "user:       ada@contoso.example",
      "audience:   00000003-0000-0000-c000-000000000000",
      "roles:      (none)",
      "scopes:     Application.Read.All User.Read",
      "expires:    2023-11-14T22:13:20Z (expired 3 min ago)",
  };
  CHECK(lines == expected);

  auto opaque = DecodeTokenInfo("opaque.secret-token");
  REQUIRE_FALSE(opaque.ok());
  CHECK(opaque.error().message.find("secret-token") == std::string::npos);
}
