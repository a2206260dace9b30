#pragma once
// An app registration's certificate (AZURE_CLIENT_CERTIFICATE_PATH: one PEM file holding the
// certificate and its private key). Each token request carries a fresh client assertion signed
// with the key (docs/graph-behaviour.md §7.3): RS256 with the SHA-1 `x5t` header by default, which every
// Entra deployment accepts, or PS256 with `x5t#S256`, the form current documentation describes.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/jwt.h"
#include "crypto/x509.h"
#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"
#include "providers/graph/credentials/token_endpoint.h"

namespace entragate::graph {

/// How long an assertion is valid: Entra wants 5-10 minutes.
inline constexpr std::int64_t kClientAssertionLifetime = 600;

/// The signed client assertion: header {alg, typ, x5t + kid (upper-case hex SHA-1) for RS256 |
/// x5t#S256 for PS256}; claims {aud: `audience`, iss = sub = `client_id`, jti: a new UUID,
/// iat = nbf = now, exp = now + kClientAssertionLifetime}.
engine::Result<std::string> BuildClientAssertion(const crypto::CertAndKey& credential, std::string_view client_id, std::string_view audience,
                                                 crypto::JwtAlg alg, std::int64_t now);

class ClientCertificateCredential : public Credential {
 public:
  /// `transport` must outlive the credential.
  ClientCertificateCredential(Transport& transport, AppIdentity app, crypto::CertAndKey credential, crypto::JwtAlg alg, Clock now);

  /// Loads the PEM file once (an encrypted key needs `passphrase`). kIo/kInvalid naming the path
  /// when it cannot be read or holds no matching certificate and key.
  static engine::Result<std::unique_ptr<ClientCertificateCredential>> FromPemFile(Transport& transport, AppIdentity app, const std::string& path,
                                                                                  std::string_view passphrase, crypto::JwtAlg alg, Clock now);

  engine::Result<AccessToken> GetToken(const std::string& scope) override;
  /// "client certificate (AZURE_CLIENT_CERTIFICATE_PATH)".
  std::string Name() const override;

 private:
  Transport& transport_;
  AppIdentity app_;
  crypto::CertAndKey credential_;
  crypto::JwtAlg alg_;
  Clock now_;
};

}  // namespace entragate::graph
