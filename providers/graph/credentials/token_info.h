#pragma once
// What an access token says about its holder, for `entragate auth status`: decoded, not verified
// (only Graph can verify it), and rendered without ever printing the token itself.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "providers/graph/credentials/room.h"

namespace entragate::graph {

struct TokenInfo {
  std::string tenant_id;                   ///< tid
  std::string client_id;                   ///< appid (v1 tokens) or azp (v2)
  std::string client_name;                 ///< app_displayname (v1 tokens only); may be empty
  std::string object_id;                   ///< oid: the service principal, managed identity or user
  std::string user;                        ///< upn, unique_name or preferred_username; empty for app-only
  std::string audience;                    ///< aud
  std::vector<std::string> roles;          ///< app roles held (app-only tokens)
  std::vector<std::string> scopes;         ///< scp, delegated permissions (user tokens, e.g. from az)
  std::optional<std::int64_t> expires_on;  ///< exp, unix seconds
};

/// kInvalid when the token is not a JWT with a JSON payload (an opaque token); the message never
/// contains the token.
engine::Result<TokenInfo> DecodeTokenInfo(std::string_view token);

/// "label: value" lines, labels padded to one width; lines without a value are left out except
/// roles, which says "(none)". Expiry reads e.g. "2024-01-31T12:00:00Z (in 59 min)" or
/// "... (expired 3 min ago)".
std::vector<std::string> RenderTokenInfo(const TokenInfo& info, std::int64_t now);

/// "2024-01-31T12:00:00Z".
std::string FormatUtc(std::int64_t unix_seconds);

}  // namespace entragate::graph
