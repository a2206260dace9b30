#include <doctest/doctest.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "crypto/base64.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

using namespace entragate::crypto;

namespace {

// Generated once per test binary run: RSA generation is the slow part of these tests.
const PKey& TestKey() {
  static const PKey key = [] {
    auto k = GenerateRsaKey();
    return k.ok() ? *k : PKey();
  }();
  return key;
}

const PKey& OtherKey() {
  static const PKey key = [] {
    auto k = GenerateRsaKey();
    return k.ok() ? *k : PKey();
  }();
  return key;
}

bool SameKey(const PKey& a, const PKey& b) { return EVP_PKEY_eq(a.get(), b.get()) == 1; }

// A fresh directory, removed with its contents when the test ends.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "entragate-keys-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  std::string File(const char* name) const { return (path / name).string(); }
};

unsigned FileMode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<unsigned>(st.st_mode & 0777) : 0u;
}

std::string EncryptedPem(const PKey& key, const std::string& passphrase) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key.get(), EVP_aes_256_cbc(), reinterpret_cast<const unsigned char*>(passphrase.data()),
                           static_cast<int>(passphrase.size()), nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

}  // namespace

TEST_CASE("GenerateRsaKey makes 2048-bit RSA keys and refuses weaker ones") {
  REQUIRE(TestKey());
  CHECK(TestKey().IsRsa());
  CHECK(TestKey().Bits() == 2048);
  CHECK_FALSE(SameKey(TestKey(), OtherKey()));
  auto weak = GenerateRsaKey(1024);
  CHECK_FALSE(weak.ok());
  CHECK_FALSE(PKey().IsRsa());
  CHECK(PKey().Bits() == 0);
}

TEST_CASE("PKey copies share the key and moves empty the source") {
  PKey copy = TestKey();
  CHECK(copy.get() == TestKey().get());
  PKey moved = std::move(copy);
  CHECK(moved.get() == TestKey().get());
  CHECK_FALSE(copy);  // NOLINT(bugprone-use-after-move): documented moved-from state
}

TEST_CASE("private key PEM round trip") {
  auto pem = PrivateKeyToPem(TestKey());
  REQUIRE_MESSAGE(pem.ok(), pem.error().message);
  CHECK(pem->rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
  auto back = LoadPrivateKeyPem(*pem);
  REQUIRE_MESSAGE(back.ok(), back.error().message);
  CHECK(SameKey(*back, TestKey()));
  CHECK_FALSE(SameKey(*back, OtherKey()));
}

TEST_CASE("LoadPrivateKeyPem reports garbage as an error and leaves no OpenSSL error behind") {
  auto r = LoadPrivateKeyPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  CHECK_FALSE(r.ok());
  if (!r.ok()) CHECK_FALSE(r.error().message.empty());
  CHECK(ERR_peek_error() == 0);
  CHECK_FALSE(LoadPrivateKeyPem("").ok());
}

TEST_CASE("an encrypted private key needs the right passphrase and never prompts") {
  const std::string pem = EncryptedPem(TestKey(), "correct horse");
  REQUIRE(pem.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
  CHECK_FALSE(LoadPrivateKeyPem(pem).ok());
  CHECK_FALSE(LoadPrivateKeyPem(pem, "wrong").ok());
  auto key = LoadPrivateKeyPem(pem, "correct horse");
  REQUIRE_MESSAGE(key.ok(), key.error().message);
  CHECK(SameKey(*key, TestKey()));
}

TEST_CASE("public JWK has the Entra member set and rebuilds the same public key") {
  auto jwk = PublicKeyToJwk(TestKey(), "kid-1");
  REQUIRE_MESSAGE(jwk.ok(), jwk.error().message);
  CHECK(jwk->at("kty") == "RSA");
  CHECK(jwk->at("use") == "sig");
  CHECK(jwk->at("kid") == "kid-1");
  CHECK(jwk->at("e") == "AQAB");  // 65537
  auto n = Base64UrlDecode(jwk->at("n").as_string());
  REQUIRE(n.ok());
  CHECK(n->size() == 256);
  CHECK((static_cast<unsigned char>((*n)[0]) & 0x80) != 0);  // minimal encoding, no zero byte
  CHECK_FALSE(jwk->contains("x5t"));
  CHECK_FALSE(jwk->contains("x5c"));
  CHECK_FALSE(jwk->contains("d"));  // never the private exponent

  // Through text, as a JWKS client would see it.
  const auto parsed = boost::json::parse(boost::json::serialize(*jwk)).as_object();
  auto rebuilt = PublicKeyFromJwk(parsed);
  REQUIRE_MESSAGE(rebuilt.ok(), rebuilt.error().message);
  CHECK(SameKey(*rebuilt, TestKey()));
  CHECK_FALSE(SameKey(*rebuilt, OtherKey()));
  CHECK(rebuilt->Bits() == 2048);
  CHECK_FALSE(PrivateKeyToPem(*rebuilt).ok());  // public only
}

TEST_CASE("PublicKeyFromJwk refuses keys it must not trust") {
  auto good = PublicKeyToJwk(TestKey(), "k");
  REQUIRE(good.ok());

  SUBCASE("wrong kty") {
    auto jwk = *good;
    jwk["kty"] = "EC";
    CHECK_FALSE(PublicKeyFromJwk(jwk).ok());
  }
  SUBCASE("missing kty") {
    auto jwk = *good;
    jwk.erase("kty");
    CHECK_FALSE(PublicKeyFromJwk(jwk).ok());
  }
  SUBCASE("encryption key") {
    auto jwk = *good;
    jwk["use"] = "enc";
    CHECK_FALSE(PublicKeyFromJwk(jwk).ok());
  }
  SUBCASE("missing n") {
    auto jwk = *good;
    jwk.erase("n");
    CHECK_FALSE(PublicKeyFromJwk(jwk).ok());
  }
  SUBCASE("numeric e") {
    auto jwk = *good;
    jwk["e"] = 65537;
    CHECK_FALSE(PublicKeyFromJwk(jwk).ok());
  }
  SUBCASE("padded base64 in n") {
    auto jwk = *good;
    jwk["n"] = std::string(jwk["n"].as_string()) + "=";
    CHECK_FALSE(PublicKeyFromJwk(jwk).ok());
  }
  SUBCASE("even modulus") {
    auto jwk = *good;
    auto n = Base64UrlDecode(jwk["n"].as_string());
    REQUIRE(n.ok());
    n->back() = static_cast<char>(n->back() & ~1);
    jwk["n"] = Base64UrlEncode(*n);
    CHECK_FALSE(PublicKeyFromJwk(jwk).ok());
  }
  SUBCASE("exponent 1") {
    auto jwk = *good;
    jwk["e"] = "AQ";
    CHECK_FALSE(PublicKeyFromJwk(jwk).ok());
  }
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("JWK with a certificate adds x5t and x5c, and the certificate must match the key") {
  CertSpec spec;
  spec.common_name = "jwk-test";
  spec.not_before = 1'800'000'000;
  spec.not_after = spec.not_before + 86'400;
  auto cert = CreateClientCert(TestKey(), spec);
  REQUIRE_MESSAGE(cert.ok(), cert.error().message);

  auto jwk = PublicKeyToJwk(TestKey(), X5t(*cert), &*cert);
  REQUIRE_MESSAGE(jwk.ok(), jwk.error().message);
  CHECK(jwk->at("x5t").as_string() == X5t(*cert));
  CHECK(jwk->at("kid").as_string() == X5t(*cert));
  const auto& x5c = jwk->at("x5c").as_array();
  REQUIRE(x5c.size() == 1);
  auto der = Base64Decode(x5c[0].as_string());  // standard base64, not url
  REQUIRE(der.ok());
  CHECK(*der == cert->Der());

  CHECK_FALSE(PublicKeyToJwk(OtherKey(), "k", &*cert).ok());
}

TEST_CASE("private key files are written 0600 and read back") {
  TempDir dir;
  REQUIRE_FALSE(dir.path.empty());
  const std::string path = dir.File("key.pem");
  auto saved = SavePrivateKeyPemFile(TestKey(), path);
  REQUIRE_MESSAGE(saved.ok(), saved.error().message);
  CHECK(FileMode(path) == 0600u);
  auto loaded = LoadPrivateKeyPemFile(path);
  REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
  CHECK(SameKey(*loaded, TestKey()));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path),
                      std::filesystem::directory_iterator()) == 1);  // no temp file left
}

TEST_CASE("WritePemFile replaces a file and sets the mode whatever it was") {
  TempDir dir;
  REQUIRE_FALSE(dir.path.empty());
  const std::string path = dir.File("x.pem");
  REQUIRE(WritePemFile(path, "secret", FileSecrecy::kSecret).ok());
  CHECK(FileMode(path) == 0600u);
  REQUIRE(WritePemFile(path, "public", FileSecrecy::kPublic).ok());
  CHECK(FileMode(path) == 0644u);
  auto text = ReadPemFile(path);
  REQUIRE(text.ok());
  CHECK(*text == "public");
  CHECK_FALSE(ReadPemFile(dir.File("missing.pem")).ok());
  CHECK_FALSE(WritePemFile(dir.File("no/such/dir.pem"), "x", FileSecrecy::kPublic).ok());
  CHECK_FALSE(LoadPrivateKeyPemFile(dir.File("missing.pem")).ok());
}
