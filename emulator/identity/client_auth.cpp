#include "emulator/identity/client_auth.h"

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <map>
#include <mutex>
#include <utility>

#include <boost/json.hpp>

#include "crypto/hash.h"
#include "crypto/x509.h"
#include "base/ascii.h"
#include "emulator/identity/sts_errors.h"

namespace entragate::emulator {

struct ClientAuthenticator::JwksCache {
  std::mutex mutex;
  std::map<std::string, std::vector<boost::json::object>> keys_by_issuer;
};

namespace {

std::optional<std::string> StringClaim(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (!value || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

std::int64_t NumericClaim(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (!value) return 0;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double()) return static_cast<std::int64_t>(value->get_double());
  return 0;
}

// Entra prints the assertion's times in AADSTS700024 even when they are the problem.
base::Status CheckAssertionTimes(const boost::json::object& payload, std::int64_t now) {
  if (crypto::ValidateJwtTimes(payload, now, kAssertionLeewaySeconds, /*require_exp=*/true)) {
    return base::Ok{};
  }
  return sts::AssertionTimeRange(now, NumericClaim(payload, "nbf"), NumericClaim(payload, "exp"));
}

// Fixed-time comparison of two digests of equal length, so response timing reveals nothing about
// how much of a guessed secret's hash matched.
bool SameDigest(std::string_view a, std::string_view b) { return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0; }

base::Result<crypto::Certificate> CertificateFromDer(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* x509 = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!x509) return crypto::OpenSslError("parse registered certificate");
  return crypto::Certificate::Adopt(x509);
}

// A registered certificate and what the assertion header said about it.
struct CertificateMatch {
  const CertificateRecord* record = nullptr;
  std::string thumbprint_hex;  ///< as Entra quotes it: upper-case hex of the presented thumbprint
};

base::Result<CertificateMatch> FindCertificate(const ClientInfo& client, const boost::json::object& header) {
  // x5t#S256 is the current header (PS256 assertions), x5t the legacy one (RS256); either names
  // the certificate, whatever the algorithm.
  const auto s256 = StringClaim(header, "x5t#S256");
  const auto sha1 = StringClaim(header, "x5t");
  if (!s256 && !sha1) return sts::NoThumbprint();
  const std::string& presented = s256 ? *s256 : *sha1;
  auto raw = crypto::Base64UrlDecode(presented);
  CertificateMatch match;
  match.thumbprint_hex = raw ? crypto::HexEncode(*raw, crypto::HexCase::kUpper) : presented;
  for (const auto& record : client.certificates) {
    const std::string digest = s256 ? crypto::Sha256(record.der) : crypto::Sha1(record.der);
    if (raw && SameDigest(digest, *raw)) match.record = &record;
  }
  if (!match.record) return sts::CertificateNotRegistered(match.thumbprint_hex, client.app_id);
  return match;
}

// Audiences presented by a federated assertion: "aud" may be a string or an array (Kubernetes
// service-account tokens use an array).
std::vector<std::string> Audiences(const boost::json::object& payload) {
  std::vector<std::string> out;
  const auto* aud = payload.if_contains("aud");
  if (aud && aud->is_string()) out.emplace_back(aud->get_string());
  if (aud && aud->is_array()) {
    for (const auto& item : aud->get_array()) {
      if (item.is_string()) out.emplace_back(item.get_string());
    }
  }
  return out;
}

bool HasAudience(const FederatedCredentialRecord& record, const std::vector<std::string>& presented) {
  std::vector<std::string> accepted = record.audiences;
  if (accepted.empty()) accepted.emplace_back(kDefaultFederatedAudience);
  for (const auto& want : accepted) {
    for (const auto& got : presented) {
      if (want == got) return true;
    }
  }
  return false;
}

// Matching order follows Entra's error codes: issuer (700211), then subject (700213, or 7002138
// when only the case differs), then audience (700212). Subjects compare case-sensitively since
// Entra's August 2024 change.
base::Status MatchFederatedRecord(const ClientInfo& client, const std::string& issuer, const std::string& subject,
                                  const std::vector<std::string>& audiences) {
  std::vector<const FederatedCredentialRecord*> by_issuer;
  for (const auto& record : client.federated) {
    if (record.issuer == issuer) by_issuer.push_back(&record);
  }
  if (by_issuer.empty()) return sts::FederatedIssuer(issuer);
  std::vector<const FederatedCredentialRecord*> by_subject;
  bool differs_only_in_case = false;
  for (const auto* record : by_issuer) {
    if (record->subject == subject) {
      by_subject.push_back(record);
    } else if (base::EqualsIgnoreAsciiCase(record->subject, subject)) {
      differs_only_in_case = true;
    }
  }
  if (by_subject.empty()) {
    return differs_only_in_case ? sts::FederatedSubjectCase(subject) : sts::FederatedSubject(subject);
  }
  for (const auto* record : by_subject) {
    if (HasAudience(*record, audiences)) return base::Ok{};
  }
  return sts::FederatedAudience(audiences.empty() ? std::string() : audiences.front());
}

bool IsHttps(std::string_view url) { return url.substr(0, 8) == "https://"; }

std::optional<boost::json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

std::optional<boost::json::object> GetJson(const Fetch& fetch, const std::string& url) {
  net::Request request;
  request.method = "GET";
  request.target = url;
  request.headers["Accept"] = "application/json";
  auto response = fetch(request);
  if (!response || response->status != 200) return std::nullopt;
  return ParseObject(response->body);
}

}  // namespace

const char* AuthMethodClaim(ClientAuthMethod method) { return method == ClientAuthMethod::kSecret ? "1" : "2"; }

ClientAuthenticator::ClientAuthenticator(std::string authority, Fetch fetch)
    : authority_(std::move(authority)), fetch_(std::move(fetch)), cache_(std::make_shared<JwksCache>()) {}

base::Result<ClientAuthMethod> ClientAuthenticator::Authenticate(const ClientInfo& client, const PresentedCredential& presented,
                                                                 const TenantInfo& tenant, std::int64_t now) const {
  // An assertion takes precedence: a request carrying both kinds of credential is judged on the
  // stronger one, and never succeeds on the secret alone.
  if (presented.assertion || presented.assertion_type) {
    return CheckAssertion(client, presented, tenant, now);
  }
  if (presented.secret) return CheckSecret(client, *presented.secret, now);
  return sts::NoClientCredential();
}

base::Result<ClientAuthMethod> ClientAuthenticator::CheckSecret(const ClientInfo& client, const std::string& secret, std::int64_t now) const {
  const std::string presented = crypto::Sha256(secret);
  const SecretRecord* matched = nullptr;
  for (const auto& record : client.secrets) {  // no early exit: every record costs the same
    auto stored = crypto::HexDecode(record.secret_sha256_hex);
    if (stored && SameDigest(*stored, presented)) matched = &record;
  }
  if (!matched) return sts::InvalidSecret(client.app_id);
  if (matched->end_epoch != 0 && matched->end_epoch <= now) {
    return sts::ExpiredSecret(client.app_id);
  }
  return ClientAuthMethod::kSecret;
}

base::Result<ClientAuthMethod> ClientAuthenticator::CheckAssertion(const ClientInfo& client, const PresentedCredential& presented,
                                                                   const TenantInfo& tenant, std::int64_t now) const {
  if (!presented.assertion_type) return sts::MissingParameter("client_assertion_type");
  if (*presented.assertion_type != kJwtBearerAssertionType) return sts::UnexpectedAssertionType();
  if (!presented.assertion || presented.assertion->empty()) {
    return sts::MissingParameter("client_assertion");
  }
  auto jwt = crypto::DecodeJwt(*presented.assertion);
  if (!jwt) return sts::MalformedAssertion();
  const auto issuer = StringClaim(jwt->payload, "iss");
  if (!issuer) return sts::MalformedAssertion();
  // A certificate assertion is issued by the client itself; anything else claims to come from an
  // external identity provider and must match a federated credential.
  if (base::EqualsIgnoreAsciiCase(*issuer, client.app_id)) {
    return CheckCertificateAssertion(client, *jwt, tenant, now);
  }
  return CheckFederatedAssertion(client, *jwt, now);
}

base::Result<ClientAuthMethod> ClientAuthenticator::CheckCertificateAssertion(const ClientInfo& client, const crypto::DecodedJwt& jwt,
                                                                              const TenantInfo& tenant, std::int64_t now) const {
  const auto subject = StringClaim(jwt.payload, "sub");
  if (!subject || !base::EqualsIgnoreAsciiCase(*subject, client.app_id)) return sts::AssertionClientMismatch();
  auto match = FindCertificate(client, jwt.header);
  if (!match) return match.error();
  auto cert = CertificateFromDer(match->record->der);
  auto validity = cert ? crypto::GetValidity(*cert) : base::Result<crypto::CertValidity>(cert.error());
  if (!validity) {
    return sts::Internal("registered certificate of " + client.app_id + ": " + validity.error().message);
  }
  const std::int64_t end = match->record->end_epoch != 0 ? match->record->end_epoch : validity->not_after;
  auto reject = [&](std::string_view reason) {
    return sts::CertificateRejected(reason, match->thumbprint_hex, validity->not_before, end, client.app_id);
  };
  if (end <= now) return reject("The key used is expired.");
  const auto alg = crypto::ParseJwtAlg(StringClaim(jwt.header, "alg").value_or(""));
  if (!alg || !crypto::VerifyJwtSignature(jwt, cert->PublicKey(), *alg)) {
    return reject("Key was found, but use of the key to verify the signature failed.");
  }
  // Entra accepts only a single string audience here (an array is refused as malformed).
  const auto* aud = jwt.payload.if_contains("aud");
  if (aud && !aud->is_string()) return sts::MalformedAssertion();
  if (!aud || !IsOwnTokenEndpoint(aud->get_string(), tenant)) return sts::AssertionAudience();
  if (auto times = CheckAssertionTimes(jwt.payload, now); !times) return times.error();
  return ClientAuthMethod::kCertificate;
}

bool ClientAuthenticator::IsOwnTokenEndpoint(std::string_view aud, const TenantInfo& tenant) const {
  std::vector<std::string> spellings{tenant.id};
  spellings.insert(spellings.end(), tenant.domains.begin(), tenant.domains.end());
  for (const auto& name : spellings) {
    const std::string base = authority_ + "/" + name + "/oauth2/";
    if (base::EqualsIgnoreAsciiCase(aud, base + "v2.0/token") || base::EqualsIgnoreAsciiCase(aud, base + "token")) {
      return true;
    }
  }
  return false;
}

base::Result<ClientAuthMethod> ClientAuthenticator::CheckFederatedAssertion(const ClientInfo& client, const crypto::DecodedJwt& jwt,
                                                                            std::int64_t now) const {
  const std::string issuer = StringClaim(jwt.payload, "iss").value_or("");
  const auto subject = StringClaim(jwt.payload, "sub");
  if (!subject) return sts::MalformedAssertion();
  // Matching the records first means only issuers the tenant trusts are ever fetched from.
  if (auto matched = MatchFederatedRecord(client, issuer, *subject, Audiences(jwt.payload)); !matched) {
    return matched.error();
  }
  if (auto verified = VerifyWithIssuerKeys(issuer, jwt); !verified) return verified.error();
  if (auto times = CheckAssertionTimes(jwt.payload, now); !times) return times.error();
  return ClientAuthMethod::kFederated;
}

base::Status ClientAuthenticator::VerifyWithIssuerKeys(const std::string& issuer, const crypto::DecodedJwt& jwt) const {
  const auto alg = crypto::ParseJwtAlg(StringClaim(jwt.header, "alg").value_or(""));
  if (!alg) return sts::FederatedSignature();
  const auto kid = StringClaim(jwt.header, "kid");
  // A kid we have not seen may mean the issuer rotated its keys: fetch once more before refusing.
  for (bool refresh : {false, true}) {
    auto keys = IssuerKeys(issuer, refresh);
    if (!keys) return keys.error();
    bool kid_known = false;
    for (const auto& jwk : *keys) {
      if (kid && StringClaim(jwk, "kid") != kid) continue;
      kid_known = true;
      auto key = crypto::PublicKeyFromJwk(jwk);
      if (key && crypto::VerifyJwtSignature(jwt, *key, *alg)) return base::Ok{};
    }
    if (kid_known) break;
  }
  return sts::FederatedSignature();
}

base::Result<std::vector<boost::json::object>> ClientAuthenticator::IssuerKeys(const std::string& issuer, bool refresh) const {
  if (!refresh) {
    std::lock_guard lock(cache_->mutex);
    auto it = cache_->keys_by_issuer.find(issuer);
    if (it != cache_->keys_by_issuer.end()) return it->second;
  }
  // Fetched without the lock: a slow issuer must not stall token requests for other clients.
  auto keys = FetchIssuerKeys(issuer);
  if (!keys) return keys.error();
  std::lock_guard lock(cache_->mutex);
  cache_->keys_by_issuer[issuer] = *keys;
  return keys;
}

// OpenID Connect Discovery 1.0 §4: {issuer}/.well-known/openid-configuration names jwks_uri, and
// its `issuer` must equal the issuer we asked about. Both documents must come over https.
base::Result<std::vector<boost::json::object>> ClientAuthenticator::FetchIssuerKeys(const std::string& issuer) const {
  if (!fetch_ || !IsHttps(issuer)) return sts::ExternalOidcFailed();
  std::string base = issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto config = GetJson(fetch_, base + "/.well-known/openid-configuration");
  if (!config) return sts::ExternalOidcFailed();
  const auto named_issuer = StringClaim(*config, "issuer");
  const auto jwks_uri = StringClaim(*config, "jwks_uri");
  if (!jwks_uri || !IsHttps(*jwks_uri) || (named_issuer && *named_issuer != issuer)) {
    return sts::ExternalOidcFailed();
  }
  auto jwks = GetJson(fetch_, *jwks_uri);
  const auto* keys = jwks ? jwks->if_contains("keys") : nullptr;
  if (!keys || !keys->is_array()) return sts::ExternalOidcFailed();
  std::vector<boost::json::object> out;
  for (const auto& key : keys->get_array()) {
    if (key.is_object()) out.push_back(key.get_object());
  }
  return out;
}

}  // namespace entragate::emulator
