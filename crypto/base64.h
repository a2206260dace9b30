#pragma once
// Base64 (RFC 4648 §4) and base64url (§5) codecs, plus `Refused`, the crypto library's way of making a
// base::Error. It lives here because base64 is the one header every other crypto header already includes.
//
// Byte strings are carried in std::string throughout entragate::crypto: it is what HTTP bodies,
// JSON strings and PEM text already use, so callers never convert between containers.

#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace entragate::crypto {

/// Why a crypto call failed: an Error of kind kInvalid, the one shape base/result.h gives every
/// layer. At this level a refused input (a malformed key, certificate, token or text) and a failure
/// inside OpenSSL cannot be told apart reliably, so both are kInvalid; the message names the operation.
inline base::Error Refused(std::string message) { return base::MakeError(base::Error::Kind::kInvalid, std::move(message)); }

/// Standard alphabet with '=' padding (x5c entries, Graph keyCredentials.key).
std::string Base64Encode(std::string_view bytes);
/// Strict: length must be a multiple of 4, padding only at the end, no whitespace, and the unused
/// low bits of the last symbol must be zero, so every byte string has exactly one accepted text.
base::Result<std::string> Base64Decode(std::string_view text);

/// URL-safe alphabet ('-', '_'), no padding (JWS segments, JWK n/e, x5t).
std::string Base64UrlEncode(std::string_view bytes);
/// Strict like Base64Decode, and '=' is refused: JWS (RFC 7515 §2) forbids padding, and accepting
/// several spellings of one signature would make tokens malleable.
base::Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace entragate::crypto
