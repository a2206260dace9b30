#include "crypto/hash.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <utility>

namespace entragate::crypto {
namespace {

constexpr std::size_t kUuidBytes = 16;

// EVP_Digest can fail only on allocation failure inside OpenSSL; an empty result then makes any
// later comparison fail closed rather than pretend to succeed.
std::string Digest(std::string_view data, const EVP_MD* md) {
  std::string out(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, md, nullptr) != 1) {
    return {};
  }
  out.resize(len);
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Sets the 4 version bits and the RFC 4122 variant bits (10xx) in place.
void StampVersion(std::string& bytes16, int version) {
  bytes16[6] = static_cast<char>((static_cast<unsigned char>(bytes16[6]) & 0x0F) | (version << 4));
  bytes16[8] = static_cast<char>((static_cast<unsigned char>(bytes16[8]) & 0x3F) | 0x80);
}

}  // namespace

std::string Sha1(std::string_view data) { return Digest(data, EVP_sha1()); }

std::string Sha256(std::string_view data) { return Digest(data, EVP_sha256()); }

std::string HexEncode(std::string_view bytes, HexCase hex_case) {
  const char* digits = hex_case == HexCase::kUpper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 0x0F];
  }
  return out;
}

base::Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return Refused("invalid hex: odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]);
    const int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return Refused("invalid hex: bad digit near offset " + std::to_string(i));
    }
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

base::Result<std::string> RandomBytes(std::size_t count) {
  if (count > static_cast<std::size_t>(INT_MAX)) return Refused("RandomBytes: count too large");
  std::string out(count, '\0');
  if (count > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    return Refused("RAND_bytes failed: the system random source is unavailable");
  }
  return out;
}

base::Result<std::string> NewUuid4() {
  auto bytes = RandomBytes(kUuidBytes);
  if (!bytes) return bytes.error();
  StampVersion(bytes.value(), 4);
  return FormatUuid(bytes.value());
}

base::Result<std::string> Uuid5(std::string_view namespace_uuid, std::string_view name) {
  auto ns = ParseUuid(namespace_uuid);
  if (!ns) return Refused("Uuid5 namespace: " + ns.error().message);
  std::string input = std::move(ns.value());
  input.append(name);
  std::string digest = Sha1(input);
  if (digest.size() < kUuidBytes) return Refused("Uuid5: SHA-1 failed");
  digest.resize(kUuidBytes);
  StampVersion(digest, 5);
  return FormatUuid(digest);
}

base::Result<std::string> ParseUuid(std::string_view text) {
  constexpr std::size_t kCanonicalLength = 36;
  if (text.size() != kCanonicalLength) return Refused("invalid UUID: expected 36 characters");
  std::string hex;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_slot = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_slot != (text[i] == '-')) return Refused("invalid UUID: misplaced '-'");
    if (!dash_slot) hex += text[i];
  }
  auto bytes = HexDecode(hex);
  if (!bytes) return Refused("invalid UUID: non-hex digit");
  return bytes;
}

std::string FormatUuid(std::string_view bytes16) {
  const std::string hex = HexEncode(bytes16);
  if (hex.size() != kUuidBytes * 2) return {};
  return hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' + hex.substr(16, 4) + '-' + hex.substr(20);
}

}  // namespace entragate::crypto
