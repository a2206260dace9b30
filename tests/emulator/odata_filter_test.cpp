#include "emulator/graph/odata_filter.h"

#include <string>
#include <string_view>
#include <variant>

#include <boost/json.hpp>
#include <doctest/doctest.h>

namespace {

using entragate::emulator::Filter;
using entragate::emulator::FilterError;
using entragate::emulator::ParseFilter;

boost::json::object Entity(std::string_view json) { return boost::json::parse(json).as_object(); }

// Parses and evaluates; a refused filter fails the test with Graph's message.
bool Matches(std::string_view filter, std::string_view json, std::string_view type = "application", bool advanced = false) {
  auto parsed = ParseFilter(filter, type, advanced);
  if (const auto* error = std::get_if<FilterError>(&parsed)) {
    FAIL("filter refused: ", filter, " -> ", error->message);
  }
  return std::get<Filter>(parsed).Matches(Entity(json));
}

FilterError Refused(std::string_view filter, std::string_view type = "application", bool advanced = false) {
  auto parsed = ParseFilter(filter, type, advanced);
  if (!std::holds_alternative<FilterError>(parsed)) FAIL("filter accepted: ", filter);
  return std::get<FilterError>(parsed);
}

std::string Unsupported(std::string_view property, std::string_view type) {
  return "Unsupported or invalid query filter clause specified for property '" + std::string(property) + "' of resource '" + std::string(type) + "'.";
}

bool IsSyntaxError(const FilterError& e) { return e.syntax && e.message.rfind("Invalid filter clause: ", 0) == 0; }

constexpr std::string_view kSp = "servicePrincipal";

}  // namespace

TEST_CASE("eq compares strings case-insensitively and treats a missing property as no match") {
  CHECK(Matches("displayName eq 'Payments API'", R"({"displayName":"payments api"})"));
  CHECK_FALSE(Matches("displayName eq 'Payments API'", R"({"displayName":"Payments"})"));
  CHECK_FALSE(Matches("displayName eq 'x'", R"({})"));
  CHECK_FALSE(Matches("displayName eq 'x'", R"({"displayName":null})"));
}

TEST_CASE("keywords, function names and property names ignore case, whitespace is free") {
  CHECK(Matches("displayName EQ 'a' Or displayName Eq 'b'", R"({"displayName":"b"})"));
  CHECK(Matches("STARTSWITH(displayName,'pay')", R"({"displayName":"Payments"})"));
  CHECK(Matches("startsWith( displayName , 'PAY' )", R"({"displayName":"payments"})"));
  CHECK(Matches("DisplayName eq 'a'", R"({"displayName":"A"})"));
  CHECK(Matches("\tdisplayName\n eq\r\n'a'  ", R"({"displayName":"a"})"));
  CHECK(Matches("appId IN ('x','y')", R"({"appId":"Y"})"));
}

TEST_CASE("ne (advanced) is true for a different or missing value") {
  CHECK(Matches("displayName ne 'a'", R"({"displayName":"b"})", "application", true));
  CHECK_FALSE(Matches("displayName ne 'a'", R"({"displayName":"A"})", "application", true));
  CHECK(Matches("displayName ne 'a'", R"({})", "application", true));
}

TEST_CASE("ge and le order strings case-insensitively") {
  const char* kB = R"({"displayName":"beta"})";
  CHECK(Matches("displayName ge 'B'", kB));
  CHECK(Matches("displayName le 'BETA'", kB));
  CHECK(Matches("displayName ge 'BETA'", kB));
  CHECK_FALSE(Matches("displayName ge 'c'", kB));
  CHECK_FALSE(Matches("displayName le 'alpha'", kB));
  CHECK_FALSE(Matches("displayName ge 'a'", R"({})"));
  CHECK(Matches("appOwnerOrganizationId ge 'AAAAAAAA-0000-0000-0000-000000000000'",
                R"({"appOwnerOrganizationId":"bbbbbbbb-0000-0000-0000-000000000000"})", kSp));
}

TEST_CASE("startswith and endswith") {
  CHECK(Matches("startswith(displayName,'pay')", R"({"displayName":"PayRoll"})"));
  CHECK_FALSE(Matches("startswith(displayName,'roll')", R"({"displayName":"PayRoll"})"));
  CHECK_FALSE(Matches("startswith(displayName,'a')", R"({})"));
  CHECK(Matches("endswith(displayName,'ROLL')", R"({"displayName":"PayRoll"})", "application", true));
  CHECK(Matches("endswith(mail,'@contoso.com')", R"({"mail":"a@Contoso.com"})", "user", true));
  CHECK(Matches("startswith(appId,'0000')", R"({"appId":"00000003-0000"})", kSp));
}

TEST_CASE("in matches any listed value, including bare GUIDs and booleans") {
  const char* kApp = R"({"appId":"00000003-0000-0000-c000-000000000000"})";
  CHECK(Matches("appId in ('x', '00000003-0000-0000-C000-000000000000')", kApp));
  CHECK(Matches("appId in (00000003-0000-0000-c000-000000000000)", kApp));
  CHECK(Matches("appId eq 00000003-0000-0000-C000-000000000000", kApp));
  CHECK_FALSE(Matches("appId in ('x','y')", kApp));
  CHECK(Matches("accountEnabled in (false)", R"({"accountEnabled":false})", kSp));
  CHECK_FALSE(Matches("accountEnabled in (false)", R"({"accountEnabled":true})", kSp));
  CHECK(Matches("displayName in ('a', null)", R"({})"));
}

TEST_CASE("boolean literals") {
  CHECK(Matches("accountEnabled eq true", R"({"accountEnabled":true})", kSp));
  CHECK_FALSE(Matches("accountEnabled eq TRUE", R"({"accountEnabled":false})", kSp));
  CHECK(Matches("appRoleAssignmentRequired eq False", R"({"appRoleAssignmentRequired":false})", kSp, true));
  CHECK(Matches("accountEnabled ne true", R"({"accountEnabled":false})", kSp, true));
  CHECK_FALSE(Matches("accountEnabled eq true", R"({"accountEnabled":"true"})", kSp));
}

TEST_CASE("operand types must match the property") {
  CHECK(IsSyntaxError(Refused("accountEnabled eq 'true'", kSp)));
  CHECK(IsSyntaxError(Refused("displayName eq true")));
  CHECK(IsSyntaxError(Refused("displayName eq 5")));
  CHECK(IsSyntaxError(Refused("displayName ge null")));
}

TEST_CASE("eq null matches null and missing values only where Graph allows it") {
  CHECK(Matches("displayName eq null", R"({})"));
  CHECK(Matches("displayName eq NULL", R"({"displayName":null})"));
  CHECK_FALSE(Matches("displayName eq null", R"({"displayName":"x"})"));
  CHECK(Matches("displayName eq null", R"({})", kSp));
  CHECK(Refused("appId eq null").message == Unsupported("appId", "Application"));
  CHECK(Refused("description eq null").message == Unsupported("description", "Application"));
  CHECK(Refused("appId in ('a', null)").message == Unsupported("appId", "Application"));
  CHECK(Matches("displayName ne null", R"({"displayName":"x"})", "application", true));
  CHECK_FALSE(Matches("displayName ne null", R"({})", "application", true));
}

TEST_CASE("doubled single quotes are one quote, never a way out of the literal") {
  CHECK(Matches("displayName eq 'O''Neil'", R"({"displayName":"o'neil"})"));
  CHECK_FALSE(Matches("displayName eq 'O''Neil'", R"({"displayName":"O"})"));
  CHECK(Matches("displayName eq ''''", R"({"displayName":"'"})"));
  CHECK(Matches("displayName eq ''", R"({"displayName":""})"));

  const char* kInjection = "displayName eq 'a'' or ''1'' eq ''1'";
  CHECK(Matches(kInjection, R"({"displayName":"a' or '1' eq '1"})"));
  CHECK_FALSE(Matches(kInjection, R"({"displayName":"a"})"));
  CHECK_FALSE(Matches(kInjection, R"({"displayName":"1"})"));
  CHECK_FALSE(Matches(kInjection, R"({})"));
}

TEST_CASE("precedence: not binds tighter than and, and tighter than or") {
  const char* kOrAnd = "displayName eq 'a' or displayName eq 'b' and appId eq 'x'";
  // a or (b and x): true. (a or b) and x would be false.
  CHECK(Matches(kOrAnd, R"({"displayName":"a","appId":"y"})"));
  CHECK_FALSE(Matches(kOrAnd, R"({"displayName":"b","appId":"y"})"));
  CHECK_FALSE(Matches("(displayName eq 'a' or displayName eq 'b') and appId eq 'x'", R"({"displayName":"a","appId":"y"})"));

  const char* kNotAnd = "not displayName eq 'a' and signInAudience eq 'AzureADMyOrg'";
  // (not a) and audience: false for a. not (a and audience) would be true.
  CHECK_FALSE(Matches(kNotAnd, R"({"displayName":"a","signInAudience":"Other"})", "application", true));
  CHECK(Matches(kNotAnd, R"({"displayName":"b","signInAudience":"azureadmyorg"})", "application", true));
  CHECK(Matches("NOT (displayName eq 'a' and signInAudience eq 'x')", R"({"displayName":"a","signInAudience":"y"})", "application", true));
  CHECK(Matches("not not displayName eq 'a'", R"({"displayName":"a"})", "application", true));
}

TEST_CASE("lambdas test each element of a string collection") {
  const char* kApp = R"({"identifierUris":["api://other","API://Payments"],"tags":["TeamA","x"]})";
  CHECK(Matches("identifierUris/any(x:x eq 'api://payments')", kApp));
  CHECK_FALSE(Matches("identifierUris/any(x:x eq 'api://nope')", kApp));
  CHECK(Matches("tags/any(t:startswith(t,'team'))", kApp));
  CHECK(Matches("tags/ANY( t : t eq 'nope' or t eq 'X' )", kApp));
  CHECK(Matches("tags/any(t:t in ('q','teama'))", kApp));
  CHECK_FALSE(Matches("tags/any(t:t eq 'x')", R"({"tags":[]})"));
  CHECK_FALSE(Matches("tags/any(t:t eq 'x')", R"({})"));
  CHECK(Matches("identifierUris/any(x:x ne 'api://other')", kApp, "application", true));
  CHECK(Matches("not tags/any(t:t eq 'y')", kApp, "application", true));
  CHECK_FALSE(Matches("not(tags/any(t:t eq 'x'))", kApp, "application", true));

  const std::string kMi = R"({"alternativeNames":["isExplicit=True",)"
                          R"("/subscriptions/1/resourcegroups/rg/providers/)"
                          R"(Microsoft.ManagedIdentity/userAssignedIdentities/mi"],)"
                          R"("servicePrincipalNames":["11111111-1111-1111-1111-111111111111"]})";
  CHECK(
      Matches("alternativeNames/any(a:a eq '/subscriptions/1/resourceGroups/RG/providers/"
              "Microsoft.ManagedIdentity/userAssignedIdentities/mi')",
              kMi, kSp));
  CHECK(Matches("servicePrincipalNames/any(n:n eq 11111111-1111-1111-1111-111111111111)", kMi, kSp));
  CHECK_FALSE(Matches("servicePrincipalNames/any(n:startswith(n,'api://'))", kMi, kSp));
}

TEST_CASE("lambdas Graph does not support are refused") {
  CHECK(Refused("tags eq 'x'").message == Unsupported("tags", "Application"));
  CHECK(Refused("displayName/any(d:d eq 'x')").message == Unsupported("displayName", "Application"));
  CHECK(Refused("tags/all(t:t eq 'x')").message == Unsupported("tags", "Application"));
  CHECK(Refused("tags/any(t:displayName eq 'x')").message == Unsupported("displayName", "Application"));
  CHECK(Refused("tags/any(t:t eq null)").message == Unsupported("tags", "Application"));
  CHECK(Refused("tags/any(t:t ne 'x')", "application", true).message == Unsupported("tags", "Application"));
  CHECK(Refused("identifierUris/any(x:not (x eq 'a'))", "application", true).message == Unsupported("identifierUris", "Application"));
}

TEST_CASE("unknown and non-filterable properties give Graph's exact message") {
  CHECK(Refused("uniqueName eq 'x'").message == Unsupported("uniqueName", "Application"));
  CHECK_FALSE(Refused("uniqueName eq 'x'").syntax);
  CHECK(Refused("notes eq 'x'").message == Unsupported("notes", "Application"));
  CHECK(Refused("api/requestedAccessTokenVersion eq 2").message == Unsupported("api/requestedAccessTokenVersion", "Application"));
  CHECK(Refused("principalId eq 'x'", "appRoleAssignment").message == Unsupported("principalId", "AppRoleAssignment"));
  CHECK(Refused("signInAudience eq 'x'", kSp).message == Unsupported("signInAudience", "ServicePrincipal"));
  CHECK(Refused("mail eq 'x'", "group").message == Unsupported("mail", "Group"));
  CHECK(Refused("contains(displayName,'x')").message == Unsupported("displayName", "Application"));
}

TEST_CASE("operators outside the matrix are refused, with or without advanced mode") {
  CHECK(Refused("appId ne 'x'", kSp).message == Unsupported("appId", "ServicePrincipal"));
  CHECK(Refused("not appId eq 'x'", kSp).message == Unsupported("appId", "ServicePrincipal"));
  CHECK(Refused("appId ne 'x'", "application", true).message == Unsupported("appId", "Application"));
  CHECK(Refused("startswith(appId,'x')").message == Unsupported("appId", "Application"));
  CHECK(Refused("displayName gt 'x'").message == Unsupported("displayName", "Application"));
  CHECK(Refused("signInAudience ge 'x'").message == Unsupported("signInAudience", "Application"));
  CHECK(Refused("resourceId ne 'x'", "appRoleAssignment", true).message == Unsupported("resourceId", "AppRoleAssignment"));
  CHECK(Refused("startswith(resourceId,'x')", "appRoleAssignment").message == Unsupported("resourceId", "AppRoleAssignment"));
  CHECK(Refused("endswith(appId,'x')", kSp, true).message == Unsupported("appId", "ServicePrincipal"));
  CHECK(Refused("mail ne 'x'", "user", true).message == Unsupported("mail", "User"));
  CHECK(Refused("displayName ne 'x'", "group", true).message == Unsupported("displayName", "Group"));
}

TEST_CASE("ne, not and endswith need advanced mode") {
  CHECK(Refused("displayName ne 'x'").message == Unsupported("displayName", "Application"));
  CHECK(Refused("not displayName eq 'x'").message == Unsupported("displayName", "Application"));
  CHECK(Refused("endswith(displayName,'x')").message == Unsupported("displayName", "Application"));
  CHECK(Refused("displayName ne 'x'", "user").message == Unsupported("displayName", "User"));
  // One refused clause refuses the whole filter, even behind an `or`.
  CHECK(Refused("displayName eq 'a' or displayName ne 'b'").message == Unsupported("displayName", "Application"));

  CHECK(Matches("displayName ne 'x'", R"({"displayName":"y"})", "user", true));
  CHECK(Matches("not startswith(displayName,'x')", R"({"displayName":"y"})", "user", true));
  CHECK(Matches("endswith(userPrincipalName,'@x.com')", R"({"userPrincipalName":"a@X.com"})", "user", true));
  CHECK(Matches("not signInAudience eq 'x'", R"({"signInAudience":"y"})", "application", true));
}

TEST_CASE("the rest of the per-resource matrix") {
  CHECK(Matches("servicePrincipalType eq 'ManagedIdentity'", R"({"servicePrincipalType":"managedidentity"})", kSp));
  CHECK(Matches("servicePrincipalType in ('Application','ManagedIdentity')", R"({"servicePrincipalType":"Application"})", kSp));
  CHECK(Matches("id in ('1','2')", R"({"id":"2"})", kSp));
  CHECK(Matches("publisherDomain le 'contoso.com'", R"({"publisherDomain":"contoso.com"})"));
  CHECK(Matches("startswith(description,'d')", R"({"description":"Demo"})"));
  CHECK(Matches("resourceId eq 'r1'", R"({"resourceId":"R1"})", "appRoleAssignment"));
  CHECK(Matches("startswith(principalDisplayName,'ops')", R"({"principalDisplayName":"Ops"})", "appRoleAssignment"));
  CHECK(Matches("startswith(mailNickname,'eng')", R"({"mailNickname":"engineering"})", "group"));
  CHECK(Matches("startswith(userPrincipalName,'ada')", R"({"userPrincipalName":"ada@x"})", "user"));
  CHECK(Refused("displayName eq 'x'", "device").message == Unsupported("displayName", "Device"));
}

TEST_CASE("syntax errors are Request_BadRequest 'Invalid filter clause'") {
  const char* kBad[] = {
      "",
      "   ",
      "(displayName eq 'a'",
      "displayName eq 'a')",
      "displayName eq 'a",
      "displayName eq 'a' 'b'",
      "displayName eq 'a' and",
      "displayName 'a'",
      "displayName eq",
      "eq 'a'",
      "'a' eq displayName",
      "displayName eq 'a' or or displayName eq 'b'",
      "appId in ()",
      "appId in ('a',)",
      "appId in 'a'",
      "startswith(displayName)",
      "startswith(displayName,'a'",
      "tags/any(t t eq 'a')",
      "tags/any(t:t eq 'a'",
      "displayName eq 'a' ; drop",
      "displayName eq \"a\"",
      "displayName eq appId",
      "displayName eq 1.2.3",
      "displayName eq-'a'",
      "and eq 'a'",
  };
  for (const char* text : kBad) {
    CAPTURE(text);
    CHECK(IsSyntaxError(Refused(text)));
  }
  CHECK(Refused("displayName eq 'abc").message == "Invalid filter clause: unterminated string literal at position 15");
}

TEST_CASE("syntax is checked before property support") { CHECK(IsSyntaxError(Refused("uniqueName eq 'x' and ("))); }

// Without advanced-query headers Graph's own, lower limit applies first (tests/emulator/graph_refusals_test.cpp).
TEST_CASE("limits bound the work one filter can ask for") {
  using entragate::emulator::kMaxFilterDepth;
  using entragate::emulator::kMaxFilterLength;

  std::string padded = "displayName eq '" + std::string(kMaxFilterLength, 'x') + "'";
  const FilterError too_long = Refused(padded);
  CHECK_FALSE(too_long.syntax);
  CHECK(too_long.message == "The $filter expression is longer than 8192 characters.");
  std::string fits = "displayName eq '" + std::string(kMaxFilterLength - 17, 'x') + "'";
  CHECK(fits.size() == kMaxFilterLength);
  CHECK_FALSE(Matches(fits, R"({"displayName":"y"})"));

  auto nested = [](int depth) { return std::string(depth, '(') + "displayName eq 'a'" + std::string(depth, ')'); };
  CHECK(Matches(nested(kMaxFilterDepth), R"({"displayName":"a"})"));
  CHECK(Refused(nested(kMaxFilterDepth + 1)).message == "The $filter expression is nested deeper than 64 levels.");
  std::string nots;
  for (int i = 0; i < 1000; ++i) nots += "not ";
  CHECK(Refused(nots + "displayName eq 'a'", "application", true).message == "The $filter expression is nested deeper than 64 levels.");
  CHECK(Refused(std::string(4000, '(')).message == "The $filter expression is nested deeper than 64 levels.");

  auto in_list = [](int n) {
    std::string text = "appId in (";
    for (int i = 0; i < n; ++i) text += (i == 0 ? "'" : ",'") + std::to_string(i) + "'";
    return text + ")";
  };
  CHECK(Matches(in_list(200), R"({"appId":"199"})", "application", true));
  CHECK(Refused(in_list(201), "application", true).message == "The 'in' operator accepts at most 200 values.");

  auto clauses = [](int n) {
    std::string text = "appId eq '0'";
    for (int i = 1; i < n; ++i) text += " or appId eq '" + std::to_string(i) + "'";
    return text;
  };
  CHECK(Matches(clauses(200), R"({"appId":"199"})", "application", true));
  CHECK(Refused(clauses(201), "application", true).message == "The $filter expression has more than 200 clauses.");
}

TEST_CASE("a parsed filter is reusable and copyable") {
  auto parsed = ParseFilter("startswith(displayName,'a')", "application", false);
  REQUIRE(std::holds_alternative<Filter>(parsed));
  const Filter first = std::get<Filter>(parsed);
  const Filter copy = first;  // NOLINT(performance-unnecessary-copy-initialization): the point
  CHECK(copy.Matches(Entity(R"({"displayName":"abc"})")));
  CHECK_FALSE(copy.Matches(Entity(R"({"displayName":"bcd"})")));
  CHECK(first.Matches(Entity(R"({"displayName":"ABC"})")));
}
