#pragma once
// Base64 (RFC 4648 §4) and base64url (§5) codecs, plus the error-as-value types shared by the whole
// crypto library. The error types live here because base64 is the one header every other crypto
// header already includes; they are deliberately tiny.
//
// Byte strings are carried in std::string throughout entragate::crypto: it is what HTTP bodies,
// JSON strings and PEM text already use, so callers never convert between containers.

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace entragate::crypto {

struct CryptoError {
  std::string message;  ///< one line, no trailing period; names the operation that failed
};

/// A value or a CryptoError; the same shape as engine::Result so callers read both alike.
template <class T>
class [[nodiscard]] CryptoResult {
 public:
  CryptoResult(T value) : v_(std::move(value)) {}            // NOLINT: implicit like std::expected
  CryptoResult(CryptoError error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const CryptoError& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, CryptoError> v_;
};

/// Success that carries nothing.
struct CryptoOk {};
using CryptoStatus = CryptoResult<CryptoOk>;

/// Standard alphabet with '=' padding (x5c entries, Graph keyCredentials.key).
std::string Base64Encode(std::string_view bytes);
/// Strict: length must be a multiple of 4, padding only at the end, no whitespace, and the unused
/// low bits of the last symbol must be zero, so every byte string has exactly one accepted text.
CryptoResult<std::string> Base64Decode(std::string_view text);

/// URL-safe alphabet ('-', '_'), no padding (JWS segments, JWK n/e, x5t).
std::string Base64UrlEncode(std::string_view bytes);
/// Strict like Base64Decode, and '=' is refused: JWS (RFC 7515 §2) forbids padding, and accepting
/// several spellings of one signature would make tokens malleable.
CryptoResult<std::string> Base64UrlDecode(std::string_view text);

}  // namespace entragate::crypto
