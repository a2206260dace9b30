#pragma once
// Compact-serialised JWS/JWT (RFC 7515/7519) with the two algorithms Entra uses: RS256 for access
// tokens and legacy client assertions, PS256 for current client assertions. Nothing here reads the
// clock: time checks take `now` so tests and the emulator's simulated clock are deterministic.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/base64.h"
#include "crypto/keys.h"

namespace entragate::crypto {

enum class JwtAlg {
  kRs256,  ///< RSASSA-PKCS1-v1_5 with SHA-256
  kPs256,  ///< RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt (RFC 7518 §3.5)
};

/// "RS256" / "PS256".
std::string_view JwtAlgName(JwtAlg alg);
/// Exactly "RS256" or "PS256" (case-sensitive, RFC 7515 §4.1.1). "none", HS*, ES* and everything
/// else give nullopt, so a caller that picks the algorithm from the header cannot be steered to an
/// unsigned or symmetric check.
std::optional<JwtAlg> ParseJwtAlg(std::string_view name);

/// Returns "b64url(header).b64url(payload).b64url(signature)". The header gets "alg" (an "alg"
/// already there must match `alg`) and "typ":"JWT" unless the caller set "typ"; alg and typ come
/// first, the caller's other members (kid, x5t, x5t#S256, ...) follow in their order.
base::Result<std::string> SignJwt(const boost::json::object& header, const boost::json::object& payload, JwtAlg alg, const PKey& private_key);

struct DecodedJwt {
  boost::json::object header;
  boost::json::object payload;
  std::string signing_input;  ///< "<header>.<payload>" exactly as received: what was signed
  std::string signature;      ///< raw bytes; empty for an unsecured ("alg":"none") token
};

/// Splits and decodes without checking the signature. Refuses: other than three segments, more than
/// 64 KiB, invalid base64url, header or payload that is not a JSON object, header without a string
/// "alg". An "alg":"none" token decodes (so callers can report it), but never verifies.
base::Result<DecodedJwt> DecodeJwt(std::string_view token);

/// Checks the signature with `public_key` (RSA, >= 2048 bits) under `expected_alg`. The header's
/// alg must equal `expected_alg`: "none" and any other algorithm are refused, and so is a "crit"
/// header (we implement no JWS extensions, RFC 7515 §4.1.11).
base::Status VerifyJwtSignature(const DecodedJwt& jwt, const PKey& public_key, JwtAlg expected_alg);
/// DecodeJwt followed by VerifyJwtSignature.
base::Result<DecodedJwt> DecodeAndVerifyJwt(std::string_view token, const PKey& public_key, JwtAlg expected_alg);

/// exp and nbf against `now` (unix seconds), tolerating `leeway_seconds` of clock skew either way:
/// expired when now - leeway >= exp; not yet valid when now + leeway < nbf. A missing exp is an
/// error when `require_exp`; a missing nbf is fine. Non-numeric claims and a negative leeway are
/// errors.
base::Status ValidateJwtTimes(const boost::json::object& payload, std::int64_t now, std::int64_t leeway_seconds, bool require_exp = true);

}  // namespace entragate::crypto
