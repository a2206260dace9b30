#pragma once
// Digests, hex, randomness and UUIDs. Digest outputs are raw bytes in a std::string.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/base64.h"

namespace entragate::crypto {

/// RFC 4122 Appendix C name-space ids, for Uuid5.
inline constexpr std::string_view kUuidNamespaceDns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
inline constexpr std::string_view kUuidNamespaceUrl = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

/// 20 raw bytes. SHA-1 is only used where a protocol names it (x5t thumbprints, UUIDv5).
std::string Sha1(std::string_view data);
/// 32 raw bytes.
std::string Sha256(std::string_view data);

enum class HexCase { kLower, kUpper };
/// Upper case is the Windows/Entra thumbprint spelling (kid, customKeyIdentifier).
std::string HexEncode(std::string_view bytes, HexCase hex_case = HexCase::kLower);
/// Accepts either case; refuses odd lengths and non-hex characters.
base::Result<std::string> HexDecode(std::string_view hex);

/// `count` bytes from OpenSSL's CSPRNG.
base::Result<std::string> RandomBytes(std::size_t count);

/// A random (version 4) UUID, lower case, e.g. "0f8fad5b-d9cb-469f-a165-70867728950e".
base::Result<std::string> NewUuid4();
/// A name-based (version 5, SHA-1) UUID, lower case. The same namespace and name always give the
/// same id, which lets the emulator derive stable object ids. The namespace is accepted in either
/// case; a malformed namespace is an error.
base::Result<std::string> Uuid5(std::string_view namespace_uuid, std::string_view name);

/// 16 raw bytes of a canonical "8-4-4-4-12" UUID string, in either case.
base::Result<std::string> ParseUuid(std::string_view text);
/// The canonical lower-case spelling of 16 raw bytes; empty when `bytes16` is not 16 bytes long.
std::string FormatUuid(std::string_view bytes16);

}  // namespace entragate::crypto
