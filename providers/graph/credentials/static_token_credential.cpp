#include "providers/graph/credentials/static_token_credential.h"

#include <limits>
#include <optional>
#include <utility>

#include "crypto/jwt.h"
#include "providers/graph/credentials/token_info.h"

namespace entragate::graph {

namespace {

std::optional<std::int64_t> JwtExpiry(const std::string& token) {
  auto info = DecodeTokenInfo(token);
  if (!info) return std::nullopt;
  return info->expires_on;
}

}  // namespace

StaticTokenCredential::StaticTokenCredential(std::string token, Clock now) : token_(std::move(token)), now_(std::move(now)) {}

engine::Result<AccessToken> StaticTokenCredential::GetToken(const std::string& /*scope*/) {
  const auto expiry = JwtExpiry(token_);
  if (!expiry) return AccessToken{token_, std::numeric_limits<std::int64_t>::max()};
  if (*expiry <= now_()) {
    return engine::MakeError(engine::Error::Kind::kAuth, Name() + ": the token expired at " + FormatUtc(*expiry));
  }
  return AccessToken{token_, *expiry};
}

std::string StaticTokenCredential::Name() const { return "access token (ENTRAGATE_ACCESS_TOKEN)"; }

}  // namespace entragate::graph
