#include "emulator/graph/entra_rules.h"

#include <algorithm>
#include <array>

#include "base/ascii.h"

namespace entragate::emulator::entra {

namespace {

bool IsAsciiLetterOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

}  // namespace

bool IsValidRoleValue(std::string_view value) {
  // docs/graph-behaviour.md §1.4 lists the punctuation; everything else, space included, is refused.
  constexpr std::string_view kAllowed = "!#$%&'()*+,-./:;=?@[]^_{}~";
  if (value.empty() || value.size() > 120 || value[0] == '.') return false;
  return std::all_of(value.begin(), value.end(), [&](char c) { return IsAsciiLetterOrDigit(c) || kAllowed.find(c) != std::string_view::npos; });
}

std::optional<TokenKind> TokenKindOfMember(std::string_view member) {
  if (member == "idToken") return TokenKind::kId;
  if (member == "accessToken") return TokenKind::kAccess;
  if (member == "saml2Token") return TokenKind::kSaml2;
  return std::nullopt;
}

namespace {

// docs/graph-behaviour.md §2.7, by the token types each claim is documented for.
enum Emitted : unsigned { kInId = 1, kInAccess = 2, kInSaml = 4, kInJwt = kInId | kInAccess };

struct PredefinedClaim {
  std::string_view name;
  unsigned tokens;
};

constexpr std::array kPredefinedClaims = {
    // The common set: JWTs unless SAML is named too.
    PredefinedClaim{"acct", kInJwt | kInSaml},
    PredefinedClaim{"acrs", kInJwt},
    PredefinedClaim{"auth_time", kInJwt},
    PredefinedClaim{"ctry", kInJwt},
    PredefinedClaim{"email", kInJwt | kInSaml},
    PredefinedClaim{"fwd", kInJwt},
    PredefinedClaim{"groups", kInJwt | kInSaml},
    PredefinedClaim{"idtyp", kInAccess},
    PredefinedClaim{"login_hint", kInJwt},
    PredefinedClaim{"sid", kInJwt},
    PredefinedClaim{"tenant_ctry", kInJwt},
    PredefinedClaim{"tenant_region_scope", kInJwt},
    PredefinedClaim{"upn", kInJwt | kInSaml},
    PredefinedClaim{"verified_primary_email", kInJwt},
    PredefinedClaim{"verified_secondary_email", kInJwt},
    PredefinedClaim{"vnet", kInJwt},
    PredefinedClaim{"xms_cc", kInJwt},
    PredefinedClaim{"xms_edov", kInJwt},
    PredefinedClaim{"xms_pdl", kInJwt},
    PredefinedClaim{"xms_pl", kInJwt},
    PredefinedClaim{"xms_tpl", kInJwt},
    PredefinedClaim{"ztdid", kInJwt},
    // Always in v1 tokens, on request in v2 ones; JWTs only.
    PredefinedClaim{"ipaddr", kInJwt},
    PredefinedClaim{"onprem_sid", kInJwt},
    PredefinedClaim{"pwd_exp", kInJwt},
    PredefinedClaim{"pwd_url", kInJwt},
    PredefinedClaim{"in_corp", kInJwt},
    PredefinedClaim{"family_name", kInJwt},
    PredefinedClaim{"given_name", kInJwt},
    // v1 only: aud (use_guid) concerns access tokens, preferred_username ID and access tokens.
    PredefinedClaim{"aud", kInAccess},
    PredefinedClaim{"preferred_username", kInJwt},
};

unsigned Bit(TokenKind kind) {
  switch (kind) {
    case TokenKind::kId: return kInId;
    case TokenKind::kAccess: return kInAccess;
    case TokenKind::kSaml2: return kInSaml;
  }
  return 0;
}

}  // namespace

bool IsPredefinedOptionalClaim(TokenKind kind, std::string_view name) {
  return std::any_of(kPredefinedClaims.begin(), kPredefinedClaims.end(),
                     [&](const PredefinedClaim& c) { return c.name == name && (c.tokens & Bit(kind)) != 0; });
}

namespace {

constexpr std::string_view kSchemeEnd = "://";

// White space, C0 controls and DEL cannot appear in a URI; a fragment cannot be part of a resource
// identifier (docs/graph-behaviour.md §2.6).
bool IsRefusedUriByte(unsigned char c) { return c <= 0x20 || c == 0x7f || c == '#'; }

}  // namespace

bool IsWellFormedIdentifierUri(std::string_view uri) {
  auto end = uri.find(kSchemeEnd);
  if (end == std::string_view::npos) return false;
  std::string scheme = base::LowerAscii(uri.substr(0, end));
  if (scheme != "api" && scheme != "https") return false;
  std::string_view rest = uri.substr(end + kSchemeEnd.size());
  if (rest.empty() || rest[0] == '/') return false;  // no host
  return std::none_of(uri.begin(), uri.end(), [](char c) { return IsRefusedUriByte(static_cast<unsigned char>(c)); });
}

std::string UriHost(std::string_view uri) {
  auto end = uri.find(kSchemeEnd);
  if (end == std::string_view::npos) return {};
  std::string_view rest = uri.substr(end + kSchemeEnd.size());
  return base::LowerAscii(rest.substr(0, rest.find_first_of("/:")));
}

bool IsOnVerifiedDomain(std::string_view host, const std::vector<std::string>& verified_domains) {
  return std::any_of(verified_domains.begin(), verified_domains.end(), [&](const std::string& d) {
    std::string domain = base::LowerAscii(d);
    return host == domain || (host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.');
  });
}

bool PassesDefaultUriPolicy(std::string_view uri, std::string_view app_id, std::string_view tenant_id,
                            const std::vector<std::string>& verified_domains, bool v2_tokens) {
  if (v2_tokens) return true;  // the policy only guards apps that receive v1 access tokens
  std::string lower = base::LowerAscii(uri);
  auto contains = [&](std::string_view id) { return !id.empty() && lower.find(base::LowerAscii(id)) != std::string::npos; };
  return contains(app_id) || contains(tenant_id) || IsOnVerifiedDomain(UriHost(uri), verified_domains);
}

std::string DefaultUriPolicyError(std::string_view uri) {
  std::string message = "Failed to add identifier URI ";
  message += uri;
  message +=
      ". All newly added URIs must contain a tenant verified domain, tenant ID, or app ID, as per the default tenant policy of your "
      "organization. See https://aka.ms/identifier-uri-addition-error for more information on this error.";
  return message;
}

}  // namespace entragate::emulator::entra
