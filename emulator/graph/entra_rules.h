#pragma once
// The local tenant's own reading of the rules Entra applies to the values entragate manages: what an
// app role value may contain, which predefined optional claims each token type offers, the form of an
// identifier URI and the default tenant policy on new ones (with Graph's text), and the role id of
// "default access" (docs/graph-behaviour.md §1.4, §1.6, §2.6, §2.7).
//
// The engine has its own reading of the same rules in engine/graph_rules, and this file deliberately
// does not share it. The local tenant exists to catch the engine's mistakes: with one definition, a
// wrong rule would pass `validate` and the local tenant alike. So the two were written separately from
// the documentation, and tests/rules/rules_agreement_test.cpp feeds both the same table of inputs and
// fails when they disagree. Where they differ on purpose (the engine reads templates before the tenant
// is known), that test says so case by case.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/graph/room.h"

namespace entragate::emulator::entra {

/// Whether Graph takes `value` as an appRole value: 1 to 120 ASCII letters, digits and the
/// punctuation Graph lists, not starting with '.'.
bool IsValidRoleValue(std::string_view value);

enum class TokenKind { kId, kAccess, kSaml2 };
/// The optionalClaims member that holds a token kind's claims: idToken, accessToken or saml2Token.
std::optional<TokenKind> TokenKindOfMember(std::string_view member);
/// Whether `name` is a predefined optional claim (one without `source`) of tokens of `kind`.
bool IsPredefinedOptionalClaim(TokenKind kind, std::string_view name);

/// The appRoleId of an assignment that grants no particular role.
inline constexpr std::string_view kDefaultAccessRoleId = "00000000-0000-0000-0000-000000000000";

/// Whether `uri` has the form of an identifier URI: scheme api or https (either case), a host, and
/// no white space, control character or fragment.
bool IsWellFormedIdentifierUri(std::string_view uri);

/// The host of `uri`, lower case, without port or path; empty without "://".
std::string UriHost(std::string_view uri);
/// Whether `host` (lower case) is one of `verified_domains` or a subdomain of one.
bool IsOnVerifiedDomain(std::string_view host, const std::vector<std::string>& verified_domains);

/// The default tenant policy on a URI newly added to an app: unless the app asks for v2 access
/// tokens, the URI must contain the app id or the tenant id, or have a verified domain (or a
/// subdomain of one) as its host.
bool PassesDefaultUriPolicy(std::string_view uri, std::string_view app_id, std::string_view tenant_id,
                            const std::vector<std::string>& verified_domains, bool v2_tokens);
/// Graph's message when the default tenant policy refuses `uri`.
std::string DefaultUriPolicyError(std::string_view uri);

}  // namespace entragate::emulator::entra
