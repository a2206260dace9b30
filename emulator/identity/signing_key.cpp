#include "emulator/identity/signing_key.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "crypto/hash.h"

namespace entragate::emulator {

namespace {

using base::Error;

constexpr std::string_view kFileName = "signing-key.pem";
constexpr std::int64_t kDay = 24 * 60 * 60;
constexpr std::int64_t kCertLifetime = 5 * 365 * kDay;  // Entra rotates its keys far more often;
                                                        // a local tenant should not expire under a user

Error IoError(std::string message) {
  Error e;
  e.kind = Error::Kind::kIo;
  e.message = std::move(message);
  return e;
}

Error CryptoFailure(std::string_view what, const base::Error& error) {
  Error e;
  e.kind = Error::Kind::kInternal;
  e.message = std::string(what) + ": " + error.message;
  return e;
}

base::Result<crypto::Certificate> NewCertificate(const crypto::PKey& key, std::int64_t now) {
  crypto::CertSpec spec;
  spec.common_name = "entragate emulator token signing";
  spec.not_before = now - kDay;  // tolerate a clock that is a little behind
  spec.not_after = now + kCertLifetime;
  return crypto::CreateClientCert(key, spec);
}

// Makes the rename/link durable: without it a crash can lose the directory entry.
void SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

base::Status EnsureDirectory(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return base::Ok{};
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create state directory " + dir + ": " + ec.message());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  return base::Ok{};
}

}  // namespace

SigningKey::SigningKey(crypto::PKey key, crypto::Certificate cert, std::string kid, boost::json::object jwk)
    : key_(std::move(key)), cert_(std::move(cert)), kid_(std::move(kid)), jwk_(std::move(jwk)) {}

base::Result<SigningKey> SigningKey::FromParts(crypto::PKey key, crypto::Certificate cert) {
  if (!key.IsRsa() || key.Bits() < 2048) {
    return CryptoFailure("token-signing key", crypto::Refused("not an RSA key of 2048 bits or more"));
  }
  std::string kid = crypto::X5t(cert);
  auto jwk = crypto::PublicKeyToJwk(key, kid, &cert);
  if (!jwk) return CryptoFailure("token-signing JWK", jwk.error());
  return SigningKey(std::move(key), std::move(cert), std::move(kid), std::move(*jwk));
}

base::Result<SigningKey> SigningKey::Generate(std::int64_t now) {
  auto key = crypto::GenerateRsaKey(2048);
  if (!key) return CryptoFailure("generate token-signing key", key.error());
  auto cert = NewCertificate(*key, now);
  if (!cert) return CryptoFailure("token-signing certificate", cert.error());
  return FromParts(std::move(*key), std::move(*cert));
}

namespace {

// Writes `pem` under a temporary name, then links it to `path`: link(2) fails if `path` exists, so
// a second emulator racing us keeps the first key instead of replacing it. false: someone won.
base::Result<bool> CreateExclusively(const std::string& path, std::string_view pem) {
  auto suffix = crypto::NewUuid4();
  if (!suffix) return CryptoFailure("temporary name", suffix.error());
  const std::string tmp = path + ".new-" + *suffix;
  if (auto written = crypto::WritePemFile(tmp, pem, crypto::FileSecrecy::kSecret); !written) {
    return IoError("cannot write " + tmp + ": " + written.error().message);
  }
  const int rc = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc == 0) return true;
  if (link_errno == EEXIST) return false;
  return IoError("cannot create " + path + ": " + std::strerror(link_errno));
}

}  // namespace

base::Result<SigningKey> SigningKey::LoadOrCreate(const std::string& state_dir, std::int64_t now) {
  if (auto ok = EnsureDirectory(state_dir); !ok) return ok.error();
  const std::string path = state_dir + "/" + std::string(kFileName);

  if (!std::filesystem::exists(path)) {
    auto fresh = Generate(now);
    if (!fresh) return fresh.error();
    auto pem = crypto::CertAndKeyToPem(fresh->cert_, fresh->key_);
    if (!pem) return CryptoFailure("token-signing key PEM", pem.error());
    auto created = CreateExclusively(path, *pem);
    if (!created) return created.error();
    SyncDirectory(state_dir);
    if (*created) return fresh;
    // Another process created the file between our check and our link: use its key.
  }

  auto text = crypto::ReadPemFile(path);
  if (!text) return IoError(text.error().message);
  if (auto both = crypto::LoadCertAndKeyPem(*text); both) {
    return FromParts(std::move(both->key), std::move(both->cert));
  }
  // A key without a certificate (e.g. written by hand with openssl genpkey): keep the key, since
  // tokens already issued were signed with it, and add a certificate for x5c/x5t.
  auto key = crypto::LoadPrivateKeyPem(*text);
  if (!key) return IoError(path + ": no usable private key: " + key.error().message);
  auto cert = NewCertificate(*key, now);
  if (!cert) return CryptoFailure("token-signing certificate", cert.error());
  auto pem = crypto::CertAndKeyToPem(*cert, *key);
  if (!pem) return CryptoFailure("token-signing key PEM", pem.error());
  if (auto written = crypto::WritePemFile(path, *pem, crypto::FileSecrecy::kSecret); !written) {
    return IoError("cannot write " + path + ": " + written.error().message);
  }
  SyncDirectory(state_dir);
  return FromParts(std::move(*key), std::move(*cert));
}

boost::json::object SigningKey::Jwk(std::string_view issuer) const {
  boost::json::object jwk = jwk_;
  if (!issuer.empty()) jwk["issuer"] = issuer;
  return jwk;
}

boost::json::object SigningKey::Jwks(std::string_view issuer) const {
  boost::json::array keys;
  keys.push_back(Jwk(issuer));
  return boost::json::object{{"keys", std::move(keys)}};
}

}  // namespace entragate::emulator
