#pragma once
// X.509 certificates: a local CA plus TLS server certificates for the emulator, self-signed client
// certificates for an app's certificate credential, PEM/DER, and the thumbprints Entra uses.

#include <openssl/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/base64.h"
#include "crypto/keys.h"

namespace entragate::crypto {

/// Shared ownership of an immutable X509 (copies bump OpenSSL's reference count). The DER
/// encoding is computed once at construction, so thumbprints and PEM cannot fail later.
class Certificate {
 public:
  Certificate() = default;
  /// Takes ownership of `x509` (it is freed on failure too).
  static base::Result<Certificate> Adopt(X509* x509);
  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&& other) noexcept;
  Certificate& operator=(Certificate&& other) noexcept;
  ~Certificate();

  /// Non-const only because several OpenSSL 3.0 functions take X509*; do not modify through it.
  X509* get() const { return cert_; }
  explicit operator bool() const { return cert_ != nullptr; }
  const std::string& Der() const { return der_; }
  /// The subject public key; an empty PKey for an empty Certificate.
  PKey PublicKey() const;

 private:
  X509* cert_ = nullptr;
  std::string der_;
};

/// What to put in a new certificate. Times are unix seconds, given by the caller so that tests
/// and a simulated clock decide them, not the wall clock.
struct CertSpec {
  std::string common_name;  ///< subject (and, when self-signed, issuer) CN
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  std::vector<std::string> dns_names;     ///< subjectAltName dNSName entries (server certs)
  std::vector<std::string> ip_addresses;  ///< subjectAltName iPAddress entries, IPv4/IPv6 text
};

/// Self-signed CA (basicConstraints CA:TRUE pathlen 0, keyCertSign|cRLSign, SKI/AKI), the trust
/// anchor clients are pointed at (e.g. NODE_EXTRA_CA_CERTS).
base::Result<Certificate> CreateCaCert(const PKey& ca_key, const CertSpec& spec);
/// TLS server certificate for `server_key`, signed by the CA. Needs at least one SAN: modern TLS
/// clients ignore the CN. Python's strict verification mode needs the SKI/AKI/keyUsage set here.
base::Result<Certificate> IssueServerCert(const PKey& server_key, const CertSpec& spec, const Certificate& ca_cert, const PKey& ca_key);
/// Self-signed end-entity certificate (clientAuth) for an application's keyCredentials.
base::Result<Certificate> CreateClientCert(const PKey& key, const CertSpec& spec);

/// Chain check with X509_verify_cert at time `now` (unix seconds): `leaf` must be signed by
/// `trusted_ca` and both must be valid at `now`.
base::Status VerifyCertificate(const Certificate& leaf, const Certificate& trusted_ca, std::int64_t now);

struct SubjectAltNames {
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  ///< inet_ntop spelling, e.g. "127.0.0.1", "::1"
};
SubjectAltNames GetSubjectAltNames(const Certificate& cert);

struct CertValidity {
  std::int64_t not_before = 0;  ///< unix seconds
  std::int64_t not_after = 0;
};
/// For keyCredentials startDateTime/endDateTime.
base::Result<CertValidity> GetValidity(const Certificate& cert);

/// `x5t`: base64url of the SHA-1 of the DER (the legacy client-assertion and JWKS header).
std::string X5t(const Certificate& cert);
/// `x5t#S256`: base64url of the SHA-256 of the DER (current client-assertion header).
std::string X5tS256(const Certificate& cert);
/// Upper-case hex SHA-1 of the DER: the Windows "thumbprint", used as `kid` by the Azure SDK and
/// as keyCredentials.customKeyIdentifier.
std::string ThumbprintHex(const Certificate& cert);

/// First certificate in `pem`; other blocks (keys, further certificates) are ignored.
base::Result<Certificate> LoadCertificatePem(std::string_view pem);
std::string CertificateToPem(const Certificate& cert);

/// The AZURE_CLIENT_CERTIFICATE_PATH format: one PEM file with a private key and a certificate.
struct CertAndKey {
  Certificate cert;
  PKey key;
};
/// Blocks may come in either order; the key must belong to the (first) certificate.
base::Result<CertAndKey> LoadCertAndKeyPem(std::string_view pem, std::string_view passphrase = {});
/// Key first, then the certificate (the layout `az ad sp create-for-rbac --create-cert` writes);
/// refuses a key that does not match the certificate.
base::Result<std::string> CertAndKeyToPem(const Certificate& cert, const PKey& key);

base::Result<Certificate> LoadCertificatePemFile(const std::string& path);
/// Mode 0644: a certificate is public.
base::Status SaveCertificatePemFile(const Certificate& cert, const std::string& path);
base::Result<CertAndKey> LoadCertAndKeyPemFile(const std::string& path, std::string_view passphrase = {});
/// Mode 0600: the file holds a private key.
base::Status SaveCertAndKeyPemFile(const Certificate& cert, const PKey& key, const std::string& path);

}  // namespace entragate::crypto
