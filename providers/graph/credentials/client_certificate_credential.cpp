#include "providers/graph/credentials/client_certificate_credential.h"

#include <utility>

#include "crypto/hash.h"
#include "providers/graph/credentials/token_response.h"

namespace entragate::graph {

namespace {

namespace json = boost::json;
using engine::Error;

constexpr const char* kName = "client certificate (AZURE_CLIENT_CERTIFICATE_PATH)";

// RS256 names the certificate by its SHA-1 thumbprint, as the Azure SDKs do (and as `kid`, which
// some Entra front ends read); PS256 by its SHA-256 thumbprint, as the current documentation says.
json::object AssertionHeader(const crypto::Certificate& cert, crypto::JwtAlg alg) {
  if (alg == crypto::JwtAlg::kPs256) return json::object{{"x5t#S256", crypto::X5tS256(cert)}};
  return json::object{{"x5t", crypto::X5t(cert)}, {"kid", crypto::ThumbprintHex(cert)}};
}

}  // namespace

engine::Result<std::string> BuildClientAssertion(const crypto::CertAndKey& credential, std::string_view client_id, std::string_view audience,
                                                 crypto::JwtAlg alg, std::int64_t now) {
  auto jti = crypto::NewUuid4();
  if (!jti) return engine::MakeError(Error::Kind::kInternal, "client assertion: " + jti.error().message);
  json::object claims{
      {"aud", audience}, {"iss", client_id}, {"sub", client_id}, {"jti", *jti}, {"iat", now}, {"nbf", now}, {"exp", now + kClientAssertionLifetime}};
  auto signed_jwt = crypto::SignJwt(AssertionHeader(credential.cert, alg), claims, alg, credential.key);
  if (!signed_jwt) {
    return engine::MakeError(Error::Kind::kInvalid, "cannot sign the client assertion: " + signed_jwt.error().message);
  }
  return std::move(signed_jwt).value();
}

ClientCertificateCredential::ClientCertificateCredential(Transport& transport, AppIdentity app, crypto::CertAndKey credential, crypto::JwtAlg alg,
                                                         Clock now)
    : transport_(transport), app_(std::move(app)), credential_(std::move(credential)), alg_(alg), now_(std::move(now)) {}

engine::Result<std::unique_ptr<ClientCertificateCredential>> ClientCertificateCredential::FromPemFile(Transport& transport, AppIdentity app,
                                                                                                      const std::string& path,
                                                                                                      std::string_view passphrase, crypto::JwtAlg alg,
                                                                                                      Clock now) {
  auto loaded = crypto::LoadCertAndKeyPemFile(path, passphrase);
  if (!loaded) {
    return engine::MakeError(Error::Kind::kInvalid, std::string(kName) + ": cannot load '" + path + "': " + loaded.error().message);
  }
  return std::make_unique<ClientCertificateCredential>(transport, std::move(app), std::move(loaded).value(), alg, std::move(now));
}

engine::Result<AccessToken> ClientCertificateCredential::GetToken(const std::string& scope) {
  const std::int64_t now = now_();
  auto assertion = BuildClientAssertion(credential_, app_.client_id, TokenEndpointUrl(app_), alg_, now);
  if (!assertion) return Prefixed(assertion.error(), Name());
  return RequestClientCredentialsToken(transport_, app_, scope, {ClientProof::Kind::kAssertion, std::move(assertion).value()}, now, Name());
}

std::string ClientCertificateCredential::Name() const { return kName; }

}  // namespace entragate::graph
