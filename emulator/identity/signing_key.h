#pragma once
// The tenant's token-signing key: an RSA-2048 key and a self-signed certificate, kept in
// `<state_dir>/signing-key.pem` so that tokens issued before a restart still verify after it and
// clients that cached the JWKS (or the kid) keep working. Immutable once made: share it freely.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "crypto/keys.h"
#include "crypto/x509.h"
#include "base/result.h"
#include "emulator/identity/room.h"

namespace entragate::emulator {

class SigningKey {
 public:
  /// Loads `<state_dir>/signing-key.pem` (private key and certificate, either order), or creates
  /// it: the directory (0700) if missing, then the file (0600) written to a temporary name,
  /// fsynced and linked into place, so a crash never leaves a half-written key and two emulators
  /// starting at once end up sharing one key. A file holding only a key gets a certificate added.
  /// `now` (unix seconds) dates a new certificate.
  static base::Result<SigningKey> LoadOrCreate(const std::string& state_dir, std::int64_t now);
  /// A key that lives in memory only.
  static base::Result<SigningKey> Generate(std::int64_t now);

  const crypto::PKey& PrivateKey() const { return key_; }
  const crypto::Certificate& Cert() const { return cert_; }
  /// base64url SHA-1 of the certificate: Entra's kid, equal to x5t.
  const std::string& Kid() const { return kid_; }
  /// {kty, use:"sig", kid, x5t, n, e, x5c[, issuer]}: one entry of Entra's JWKS documents; the v2
  /// keys endpoint adds `issuer`.
  boost::json::object Jwk(std::string_view issuer = {}) const;
  /// {"keys":[Jwk(issuer)]}
  boost::json::object Jwks(std::string_view issuer = {}) const;

 private:
  SigningKey(crypto::PKey key, crypto::Certificate cert, std::string kid, boost::json::object jwk);
  static base::Result<SigningKey> FromParts(crypto::PKey key, crypto::Certificate cert);

  crypto::PKey key_;
  crypto::Certificate cert_;
  std::string kid_;
  boost::json::object jwk_;
};

}  // namespace entragate::emulator
