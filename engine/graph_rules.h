#pragma once
// Rules Microsoft Graph enforces on the fields entragate manages (docs/graph-behaviour.md §1.4, §2.6, §2.7).
// The manifest loader checks them so users get a located error before any request is sent. The local
// tenant has its own, separately written reading (emulator/graph/entra_rules.h) so that a wrong rule here is
// caught rather than repeated; tests/rules/rules_agreement_test.cpp checks that the two agree.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/ascii.h"

namespace entragate::engine {

// The ASCII helpers live in base/; these names keep the engine's callers unchanged.
using base::EqualsIgnoreAsciiCase;
using base::IsGuid;
using base::LowerAscii;

/// Why `value` cannot be an appRole value (docs/graph-behaviour.md §1.4), or nullopt when it can.
std::optional<std::string> CheckRoleValue(std::string_view value);

enum class TokenType { kIdToken, kAccessToken, kSaml2Token };
const char* ToGraph(TokenType t);  ///< "idToken", "accessToken", "saml2Token"

/// The optional claims Entra knows for a token type (docs/graph-behaviour.md §2.7), sorted.
const std::vector<std::string>& KnownOptionalClaims(TokenType t);
bool IsKnownOptionalClaim(TokenType t, std::string_view name);

/// The appRoleId of an assignment that grants no role ("default access"): Graph's all-zero id.
inline constexpr const char* kDefaultAccessRoleId = "00000000-0000-0000-0000-000000000000";

/// Placeholders an identifierUris template may use; they are expanded at plan time.
inline constexpr std::string_view kAppIdPlaceholder = "{appId}";
inline constexpr std::string_view kTenantIdPlaceholder = "{tenantId}";

/// Syntax of an identifier URI template: scheme api:// or https://, a non-empty authority, no
/// whitespace, and no placeholder other than {appId}/{tenantId}. Returns the problem, or nullopt.
std::optional<std::string> CheckIdentifierUriSyntax(std::string_view uri_template);

/// The default tenant policy (docs/graph-behaviour.md §2.6, uriAdditionWithoutUniqueTenantIdentifier): a new URI on
/// an app issuing v1 tokens must contain the app id, the tenant id or a verified domain. Decidable
/// before the tenant is known only in part: a host that looks like a domain is accepted here and its
/// verification is left to plan time. Returns true when the template can satisfy the policy.
bool SatisfiesDefaultUriPolicy(std::string_view uri_template, bool v2_tokens);

/// Graph's text for a URI refused by the default tenant policy (docs/graph-behaviour.md §2.6).
std::string DefaultUriPolicyMessage(std::string_view uri);

}  // namespace entragate::engine
