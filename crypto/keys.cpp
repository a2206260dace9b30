#include "crypto/keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "crypto/x509.h"

#include "crypto/openssl_ptr.h"

namespace entragate::crypto {
namespace {

using detail::BioPtr;
using detail::BnPtr;
using detail::Deleter;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;  // generation time grows steeply; nothing here needs more
constexpr std::size_t kMaxPemFileBytes = std::size_t{1} << 20;

// OpenSSL asks for a passphrase through this callback; returning 0 makes it fail instead of
// prompting on the controlling terminal (its default when no callback is given).
int PassphraseCallback(char* buf, int size, int /*rwflag*/, void* user) {
  const auto* pass = static_cast<const std::string_view*>(user);
  if (pass == nullptr || pass->empty() || pass->size() > static_cast<std::size_t>(size)) return 0;
  std::memcpy(buf, pass->data(), pass->size());
  return static_cast<int>(pass->size());
}

base::Result<BioPtr> MemBio(std::string_view data) {
  if (data.size() > static_cast<std::size_t>(INT_MAX)) return Refused("PEM input too large");
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  return bio;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string();
}

base::Result<std::string> RsaParamBytes(const PKey& key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), name, &raw) != 1) return OpenSslError(name);
  BnPtr bn(raw);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// A JWK member that must be a non-empty base64url string, decoded to a big-endian BIGNUM.
base::Result<BnPtr> JwkNumber(const boost::json::object& jwk, std::string_view member) {
  const boost::json::value* v = jwk.if_contains(member);
  if (v == nullptr || !v->is_string() || v->as_string().empty()) {
    return Refused("JWK: missing or non-string '" + std::string(member) + "'");
  }
  auto bytes = Base64UrlDecode(v->as_string());
  if (!bytes) return Refused("JWK '" + std::string(member) + "': " + bytes.error().message);
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()), static_cast<int>(bytes->size()), nullptr));
  if (!bn) return OpenSslError("BN_bin2bn");
  return bn;
}

base::Status CheckJwkKind(const boost::json::object& jwk) {
  const boost::json::value* kty = jwk.if_contains("kty");
  if (kty == nullptr || !kty->is_string() || kty->as_string() != "RSA") {
    return Refused("JWK: kty must be \"RSA\"");
  }
  // A key published for encryption must not be accepted for signature checks (RFC 7517 §4.2).
  const boost::json::value* use = jwk.if_contains("use");
  if (use != nullptr && !(use->is_string() && use->as_string() == "sig")) {
    return Refused("JWK: use must be \"sig\" when present");
  }
  return base::Ok{};
}

base::Result<PKey> RsaPublicFromNumbers(const BIGNUM* n, const BIGNUM* e) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n) != 1 || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e) != 1) {
    return OpenSslError("OSSL_PARAM_BLD_push_BN");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 || EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpenSslError("EVP_PKEY_fromdata");
  }
  return PKey(raw);
}

base::Status CheckPublicKey(const PKey& key) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
    return OpenSslError("JWK: RSA public key check failed");
  }
  return base::Ok{};
}

base::Error ErrnoError(std::string_view what, const std::string& path) {
  return Refused(std::string(what) + " " + path + ": " + std::strerror(errno));
}

base::Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Refused(std::string("write failed: ") + std::strerror(errno));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return base::Ok{};
}

}  // namespace

PKey::PKey(const PKey& other) : key_(other.key_) {
  if (key_ != nullptr) EVP_PKEY_up_ref(key_);
}

PKey& PKey::operator=(const PKey& other) {
  if (this != &other) *this = PKey(other);
  return *this;
}

PKey::PKey(PKey&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}

PKey& PKey::operator=(PKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = std::exchange(other.key_, nullptr);
  }
  return *this;
}

PKey::~PKey() { EVP_PKEY_free(key_); }

int PKey::Bits() const { return key_ != nullptr ? EVP_PKEY_get_bits(key_) : 0; }

bool PKey::IsRsa() const { return key_ != nullptr && EVP_PKEY_is_a(key_, "RSA") == 1; }

base::Error OpenSslError(std::string_view operation) {
  std::string message(operation);
  // The first queued error is the innermost cause; the rest only repeat it from outer layers.
  const unsigned long first = ERR_get_error();
  if (first != 0) {
    const char* reason = ERR_reason_error_string(first);
    message += ": ";
    message += reason != nullptr ? reason : "OpenSSL error " + std::to_string(first);
  }
  ERR_clear_error();
  return Refused(std::move(message));
}

base::Result<PKey> GenerateRsaKey(int bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return Refused("RSA key size must be 2048..8192 bits, got " + std::to_string(bits));
  }
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  if (raw == nullptr) return OpenSslError("RSA key generation");
  return PKey(raw);
}

base::Result<PKey> LoadPrivateKeyPem(std::string_view pem, std::string_view passphrase) {
  auto bio = MemBio(pem);
  if (!bio) return bio.error();
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio->get(), nullptr, PassphraseCallback, &passphrase);
  if (raw == nullptr) {
    return OpenSslError("no readable private key in PEM (missing, corrupt, or wrong passphrase)");
  }
  return PKey(raw);
}

base::Result<std::string> PrivateKeyToPem(const PKey& key) {
  if (!key) return Refused("PrivateKeyToPem: empty key");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("PEM_write_bio_PrivateKey");
  }
  return BioContents(bio.get());
}

base::Result<boost::json::object> PublicKeyToJwk(const PKey& key, std::string_view kid, const Certificate* cert) {
  if (!key.IsRsa()) return Refused("PublicKeyToJwk: not an RSA key");
  if (cert != nullptr && EVP_PKEY_eq(cert->PublicKey().get(), key.get()) != 1) {
    ERR_clear_error();
    return Refused("PublicKeyToJwk: the certificate does not carry this key");
  }
  auto n = RsaParamBytes(key, OSSL_PKEY_PARAM_RSA_N);
  if (!n) return n.error();
  auto e = RsaParamBytes(key, OSSL_PKEY_PARAM_RSA_E);
  if (!e) return e.error();

  boost::json::object jwk;
  jwk["kty"] = "RSA";
  jwk["use"] = "sig";
  jwk["kid"] = kid;
  if (cert != nullptr) jwk["x5t"] = X5t(*cert);
  jwk["n"] = Base64UrlEncode(*n);
  jwk["e"] = Base64UrlEncode(*e);
  if (cert != nullptr) {
    jwk["x5c"] = boost::json::array{boost::json::string(Base64Encode(cert->Der()))};
  }
  return jwk;
}

base::Result<PKey> PublicKeyFromJwk(const boost::json::object& jwk) {
  if (auto kind = CheckJwkKind(jwk); !kind) return kind.error();
  auto n = JwkNumber(jwk, "n");
  if (!n) return n.error();
  auto e = JwkNumber(jwk, "e");
  if (!e) return e.error();
  auto key = RsaPublicFromNumbers(n->get(), e->get());
  if (!key) return key.error();
  if (auto checked = CheckPublicKey(*key); !checked) return checked.error();
  return key;
}

base::Result<std::string> ReadPemFile(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return ErrnoError("cannot open", path);
  std::string out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) {
    out.append(buf, n);
    if (out.size() > kMaxPemFileBytes) return Refused("file too large for PEM: " + path);
  }
  if (std::ferror(file.get())) return ErrnoError("cannot read", path);
  return out;
}

base::Status WritePemFile(const std::string& path, std::string_view pem, FileSecrecy secrecy) {
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());  // created 0600, so a secret is never briefly readable
  if (fd < 0) return ErrnoError("cannot create temporary file for", path);
  const mode_t mode = secrecy == FileSecrecy::kSecret ? 0600 : 0644;
  base::Status status = ::fchmod(fd, mode) == 0 ? WriteAll(fd, pem) : ErrnoError("chmod", tmp);
  if (status && ::fsync(fd) != 0) status = ErrnoError("fsync", tmp);
  if (::close(fd) != 0 && status) status = ErrnoError("close", tmp);
  if (status && ::rename(tmp.c_str(), path.c_str()) != 0) status = ErrnoError("rename to", path);
  if (!status) ::unlink(tmp.c_str());
  return status;
}

base::Result<PKey> LoadPrivateKeyPemFile(const std::string& path, std::string_view passphrase) {
  auto pem = ReadPemFile(path);
  if (!pem) return pem.error();
  auto key = LoadPrivateKeyPem(*pem, passphrase);
  if (!key) return Refused(path + ": " + key.error().message);
  return key;
}

base::Status SavePrivateKeyPemFile(const PKey& key, const std::string& path) {
  auto pem = PrivateKeyToPem(key);
  if (!pem) return pem.error();
  return WritePemFile(path, *pem, FileSecrecy::kSecret);
}

}  // namespace entragate::crypto
