#pragma once
// RSA keys: an owning EVP_PKEY handle, generation, PEM, and JWK conversion (RFC 7517/7518 §6.3).
// Only RSA is supported because everything Entra signs or accepts here is RS256/PS256.

#include <openssl/types.h>

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/base64.h"

namespace entragate::crypto {

class Certificate;  // crypto/x509.h; keys.h does not include it so x509.h can include keys.h

/// Shared ownership of an EVP_PKEY (copies bump OpenSSL's reference count). OpenSSL 3 keys are
/// safe to use from several threads at once as long as nobody mutates them, and nothing in this
/// library mutates a key after creating it.
class PKey {
 public:
  PKey() = default;
  /// Takes ownership of `adopted` (may be null).
  explicit PKey(EVP_PKEY* adopted) : key_(adopted) {}
  PKey(const PKey& other);
  PKey& operator=(const PKey& other);
  PKey(PKey&& other) noexcept;
  PKey& operator=(PKey&& other) noexcept;
  ~PKey();

  EVP_PKEY* get() const { return key_; }
  explicit operator bool() const { return key_ != nullptr; }
  /// Modulus size in bits; 0 for an empty handle.
  int Bits() const;
  bool IsRsa() const;

 private:
  EVP_PKEY* key_ = nullptr;
};

/// Drains OpenSSL's (thread-local) error queue into one message, "operation: reason". Every
/// failure path calls it, so stale errors never leak into an unrelated later message.
base::Error OpenSslError(std::string_view operation);

/// RSA key with public exponent 65537. Fewer than 2048 bits is refused: Entra refuses such keys.
base::Result<PKey> GenerateRsaKey(int bits = 2048);

/// First private key in `pem` (PKCS#8 or PKCS#1, other PEM blocks such as certificates are
/// skipped). An encrypted key needs `passphrase`; OpenSSL is never allowed to prompt on a tty.
base::Result<PKey> LoadPrivateKeyPem(std::string_view pem, std::string_view passphrase = {});
/// Unencrypted PKCS#8 ("BEGIN PRIVATE KEY").
base::Result<std::string> PrivateKeyToPem(const PKey& key);

/// Public JWK {kty, use:"sig", kid, [x5t], n, e, [x5c]}, the member set Entra's JWKS documents
/// publish. With `cert`, x5t (base64url SHA-1 of the DER) and x5c ([base64 DER]) are added, and
/// the certificate must carry this very key.
base::Result<boost::json::object> PublicKeyToJwk(const PKey& key, std::string_view kid, const Certificate* cert = nullptr);
/// Public RSA key from a JWK's n and e. Refuses kty other than "RSA", a "use" other than "sig",
/// and numbers OpenSSL's public-key check rejects (even modulus, e < 3, ...).
base::Result<PKey> PublicKeyFromJwk(const boost::json::object& jwk);

/// Whole file, at most 1 MiB (PEM files are small; the cap stops a mistaken path such as a
/// device from being read forever).
base::Result<std::string> ReadPemFile(const std::string& path);
enum class FileSecrecy { kPublic, kSecret };
/// Atomic replace (temporary file in the same directory, then rename). kSecret files are mode
/// 0600, kPublic 0644, whatever the umask and whatever the old file's mode was.
base::Status WritePemFile(const std::string& path, std::string_view pem, FileSecrecy secrecy);

base::Result<PKey> LoadPrivateKeyPemFile(const std::string& path, std::string_view passphrase = {});
/// Written with mode 0600.
base::Status SavePrivateKeyPemFile(const PKey& key, const std::string& path);

}  // namespace entragate::crypto
