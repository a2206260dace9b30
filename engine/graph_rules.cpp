#include "engine/graph_rules.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>

#include <fmt/format.h>

namespace entragate::engine {

std::optional<std::string> CheckRoleValue(std::string_view value) {
  // docs/graph-behaviour.md §1.4: at most 120 characters from a fixed set, no spaces, not starting with '.'.
  static constexpr std::string_view kPunctuation = ":!#$%&'()*+,-./;=?@[]^_{}~";
  if (value.empty()) return "a role value must not be empty";
  if (value.size() > 120) return fmt::format("a role value has at most 120 characters, this one has {}", value.size());
  if (value.front() == '.') return "a role value must not start with '.'";
  for (char c : value) {
    if (std::isalnum(static_cast<unsigned char>(c)) || kPunctuation.find(c) != std::string_view::npos) continue;
    if (c == ' ') return "a role value must not contain spaces";
    return fmt::format("a role value must not contain '{}'; allowed are letters, digits and {}", c, kPunctuation);
  }
  return std::nullopt;
}

const char* ToGraph(TokenType t) {
  switch (t) {
    case TokenType::kIdToken: return "idToken";
    case TokenType::kAccessToken: return "accessToken";
    case TokenType::kSaml2Token: return "saml2Token";
  }
  return "?";
}

namespace {

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Claims valid in both v1.0 and v2.0 JWTs, plus those v2 tokens emit on request (docs/graph-behaviour.md §2.7).
std::vector<std::string> CommonJwtClaims() {
  return {"acct",
          "acrs",
          "auth_time",
          "ctry",
          "email",
          "fwd",
          "groups",
          "login_hint",
          "sid",
          "tenant_ctry",
          "tenant_region_scope",
          "upn",
          "verified_primary_email",
          "verified_secondary_email",
          "xms_pdl",
          "xms_pl",
          "xms_tpl",
          "ztdid",
          "ipaddr",
          "onprem_sid",
          "pwd_exp",
          "pwd_url",
          "in_corp",
          "family_name",
          "given_name"};
}

}  // namespace

const std::vector<std::string>& KnownOptionalClaims(TokenType t) {
  static const std::vector<std::string> kAccess = [] {
    auto v = CommonJwtClaims();
    // idtyp is an access-token claim; aud (use_guid) concerns v1 access tokens only.
    v.insert(v.end(), {"idtyp", "vnet", "xms_cc", "xms_edov", "aud", "preferred_username"});
    return Sorted(v);
  }();
  static const std::vector<std::string> kId = [] {
    auto v = CommonJwtClaims();
    v.insert(v.end(), {"vnet", "xms_cc", "xms_edov", "preferred_username"});
    return Sorted(v);
  }();
  // Only these four of the common set are documented for SAML tokens; the rest are JWT claims.
  static const std::vector<std::string> kSaml = Sorted({"acct", "email", "groups", "upn"});
  switch (t) {
    case TokenType::kIdToken: return kId;
    case TokenType::kAccessToken: return kAccess;
    case TokenType::kSaml2Token: return kSaml;
  }
  return kSaml;
}

bool IsKnownOptionalClaim(TokenType t, std::string_view name) {
  const auto& known = KnownOptionalClaims(t);
  return std::binary_search(known.begin(), known.end(), name);
}

namespace {

struct UriParts {
  std::string_view scheme;     ///< "api" or "https"
  std::string_view authority;  ///< host part, before the first '/'
  std::string_view path;       ///< from the first '/' after the authority
};

std::optional<UriParts> SplitUri(std::string_view uri) {
  auto sep = uri.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  UriParts parts{uri.substr(0, sep), {}, {}};
  std::string_view rest = uri.substr(sep + 3);
  auto slash = rest.find('/');
  parts.authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) parts.path = rest.substr(slash);
  return parts;
}

bool ContainsGuid(std::string_view text) {
  static const std::regex kGuid("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  return std::regex_search(text.begin(), text.end(), kGuid);
}

bool LooksLikeDomain(std::string_view host) {
  static const std::regex kDomain("([A-Za-z0-9-]+\\.)+[A-Za-z]{2,}");
  return std::regex_match(host.begin(), host.end(), kDomain);
}

}  // namespace

std::optional<std::string> CheckIdentifierUriSyntax(std::string_view uri) {
  auto parts = SplitUri(uri);
  if (!parts) return "an identifier URI needs a scheme, e.g. api://{appId}";
  if (parts->scheme != "api" && parts->scheme != "https")
    return fmt::format("scheme '{}' is not allowed; identifier URIs use api:// or https://", parts->scheme);
  if (parts->authority.empty()) return "an identifier URI needs a host or id after '://'";
  for (size_t i = 0; i < uri.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(uri[i]);
    if (std::isspace(c) || c < 0x20 || c == 0x7f) return "an identifier URI must not contain white space";
    if (c == '#') return "an identifier URI must not contain a fragment ('#')";
    if (c == '{') {
      auto close = uri.find('}', i);
      std::string_view placeholder = uri.substr(i, close == std::string_view::npos ? std::string_view::npos : close - i + 1);
      if (placeholder != kAppIdPlaceholder && placeholder != kTenantIdPlaceholder)
        return fmt::format("unknown placeholder '{}'; use {{appId}} or {{tenantId}}", placeholder);
    }
  }
  return std::nullopt;
}

bool SatisfiesDefaultUriPolicy(std::string_view uri, bool v2_tokens) {
  if (v2_tokens) return true;  // the policy's documented escape hatch
  if (uri.find(kAppIdPlaceholder) != std::string_view::npos) return true;
  if (uri.find(kTenantIdPlaceholder) != std::string_view::npos) return true;
  if (ContainsGuid(uri)) return true;
  auto parts = SplitUri(uri);
  if (!parts) return false;
  // A verified domain can be the host (https://contoso.com/x, api://x.contoso.com/y); which domains
  // are verified is known only once the tenant is read.
  auto host = parts->authority.substr(0, parts->authority.find(':'));
  return LooksLikeDomain(host);
}

std::string DefaultUriPolicyMessage(std::string_view uri) {
  return fmt::format(
      "Failed to add identifier URI {}. All newly added URIs must contain a tenant verified domain, tenant ID, "
      "or app ID, as per the default tenant policy of your organization. See "
      "https://aka.ms/identifier-uri-addition-error for more information on this error.",
      uri);
}

}  // namespace entragate::engine
