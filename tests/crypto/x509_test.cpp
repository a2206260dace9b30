#include <doctest/doctest.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

using namespace entragate::crypto;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;  // 2027-01-15; every check below passes time in
constexpr std::int64_t kDay = 86'400;

PKey NewKey() {
  auto k = GenerateRsaKey();
  return k.ok() ? *k : PKey();
}

// Keys and certificates are generated once per run, never stored in the repository.
struct Pki {
  PKey ca_key = NewKey();
  PKey server_key = NewKey();
  PKey other_key = NewKey();
  Certificate ca;
  Certificate server;
  Certificate other_ca;

  Pki() {
    if (auto c = CreateCaCert(ca_key, Spec("entragate test CA")); c.ok()) ca = *c;
    if (auto c = CreateCaCert(other_key, Spec("some other CA")); c.ok()) other_ca = *c;
    CertSpec spec = Spec("localhost");
    spec.dns_names = {"localhost"};
    spec.ip_addresses = {"127.0.0.1", "::1"};
    if (auto c = IssueServerCert(server_key, spec, ca, ca_key); c.ok()) server = *c;
  }

  static CertSpec Spec(const char* cn) {
    CertSpec spec;
    spec.common_name = cn;
    spec.not_before = kNow - kDay;
    spec.not_after = kNow + 365 * kDay;
    return spec;
  }
};

const Pki& TestPki() {
  static const Pki pki;
  return pki;
}

// Computed straight from OpenSSL, independently of the library's cached DER.
std::string OpenSslDigest(const Certificate& cert, const EVP_MD* md) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert.get(), md, buf, &len) != 1) return {};
  return std::string(reinterpret_cast<const char*>(buf), len);
}

// A CA-signed leaf built without SKI/AKI, as a careless issuer would make it.
Certificate LeafWithoutKeyIds(const Pki& pki) {
  X509* x = X509_new();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(kNow - kDay));
  ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(kNow + kDay));
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("sloppy"), -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(pki.ca.get()));
  X509_set_pubkey(x, pki.server_key.get());
  X509_sign(x, pki.ca_key.get(), EVP_sha256());
  auto cert = Certificate::Adopt(x);
  return cert.ok() ? *cert : Certificate();
}

// Plain (non-strict) OpenSSL chain verification at kNow.
bool OpenSslVerifies(const Certificate& leaf, const Certificate& ca) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_add_cert(store, ca.get());
  X509_STORE_CTX_init(ctx, store, leaf.get(), nullptr);
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), static_cast<time_t>(kNow));
  const bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "entragate-x509-XXXXXX").string();
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

}  // namespace

TEST_CASE("the test PKI builds") {
  const Pki& pki = TestPki();
  REQUIRE(pki.ca_key);
  REQUIRE(pki.ca);
  REQUIRE(pki.server);
  REQUIRE(pki.other_ca);
  CHECK(X509_check_ca(pki.ca.get()) > 0);
  CHECK(X509_check_ca(pki.server.get()) == 0);
  CHECK(EVP_PKEY_eq(pki.server.PublicKey().get(), pki.server_key.get()) == 1);
}

TEST_CASE("the server certificate verifies against its CA, and only at valid times") {
  const Pki& pki = TestPki();
  auto ok = VerifyCertificate(pki.server, pki.ca, kNow);
  CHECK_MESSAGE(ok.ok(), ok.error().message);
  CHECK(VerifyCertificate(pki.ca, pki.ca, kNow).ok());
  CHECK_FALSE(VerifyCertificate(pki.server, pki.other_ca, kNow).ok());
  CHECK_FALSE(VerifyCertificate(pki.server, pki.ca, kNow - 2 * kDay).ok());
  auto expired = VerifyCertificate(pki.server, pki.ca, kNow + 366 * kDay);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().message.find("expired") != std::string::npos);
}

TEST_CASE("verification is strict: our certificates pass where a sloppy one does not") {
  const Pki& pki = TestPki();
  CHECK(OpenSslVerifies(pki.server, pki.ca));
  const Certificate sloppy = LeafWithoutKeyIds(pki);
  REQUIRE(sloppy);
  CHECK(OpenSslVerifies(sloppy, pki.ca));  // fine for a lenient client...
  auto strict = VerifyCertificate(sloppy, pki.ca, kNow);
  CHECK_FALSE(strict.ok());  // ...but not for Python 3.13's strict default
}

TEST_CASE("the server certificate carries the requested SANs and TLS usage") {
  const Pki& pki = TestPki();
  const SubjectAltNames sans = GetSubjectAltNames(pki.server);
  CHECK(sans.dns_names == std::vector<std::string>{"localhost"});
  CHECK(sans.ip_addresses == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(X509_check_host(pki.server.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(pki.server.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(pki.server.get(), "::1", 0) == 1);
  CHECK(X509_check_host(pki.server.get(), "example.com", 0, 0, nullptr) != 1);
  CHECK(X509_check_ip_asc(pki.server.get(), "127.0.0.2", 0) != 1);
  CHECK(X509_check_purpose(pki.server.get(), X509_PURPOSE_SSL_SERVER, 0) == 1);
  CHECK(GetSubjectAltNames(pki.ca).dns_names.empty());
}

TEST_CASE("certificate validity is exactly the requested window") {
  const Pki& pki = TestPki();
  auto validity = GetValidity(pki.server);
  REQUIRE_MESSAGE(validity.ok(), validity.error().message);
  CHECK(validity->not_before == kNow - kDay);
  CHECK(validity->not_after == kNow + 365 * kDay);
}

TEST_CASE("bad certificate requests are refused") {
  const Pki& pki = TestPki();
  CertSpec spec = Pki::Spec("localhost");
  SUBCASE("no SAN") { CHECK_FALSE(IssueServerCert(pki.server_key, spec, pki.ca, pki.ca_key).ok()); }
  SUBCASE("DNS name smuggling another entry") {
    spec.dns_names = {"localhost,DNS:evil.example"};
    CHECK_FALSE(IssueServerCert(pki.server_key, spec, pki.ca, pki.ca_key).ok());
  }
  SUBCASE("bad IP") {
    spec.ip_addresses = {"999.0.0.1"};
    CHECK_FALSE(IssueServerCert(pki.server_key, spec, pki.ca, pki.ca_key).ok());
  }
  SUBCASE("CA key that does not match the CA certificate") {
    spec.dns_names = {"localhost"};
    CHECK_FALSE(IssueServerCert(pki.server_key, spec, pki.ca, pki.other_key).ok());
  }
  SUBCASE("empty common name") {
    spec.common_name.clear();
    CHECK_FALSE(CreateCaCert(pki.ca_key, spec).ok());
  }
  SUBCASE("inverted validity") {
    spec.not_after = spec.not_before;
    CHECK_FALSE(CreateClientCert(pki.ca_key, spec).ok());
  }
  SUBCASE("empty key") { CHECK_FALSE(CreateClientCert(PKey(), spec).ok()); }
}

TEST_CASE("x5t, x5t#S256 and the hex thumbprint are digests of the DER") {
  const Certificate& cert = TestPki().server;
  const std::string sha1 = OpenSslDigest(cert, EVP_sha1());
  const std::string sha256 = OpenSslDigest(cert, EVP_sha256());
  REQUIRE(sha1.size() == 20);
  REQUIRE(sha256.size() == 32);
  CHECK(X5t(cert) == Base64UrlEncode(sha1));
  CHECK(X5t(cert) == Base64UrlEncode(Sha1(cert.Der())));
  CHECK(X5t(cert).size() == 27);
  CHECK(X5tS256(cert) == Base64UrlEncode(sha256));
  CHECK(X5tS256(cert).size() == 43);
  CHECK(ThumbprintHex(cert) == HexEncode(sha1, HexCase::kUpper));
  CHECK(ThumbprintHex(cert).find_first_not_of("0123456789ABCDEF") == std::string::npos);
  CHECK(X5t(cert) != X5t(TestPki().ca));
}

TEST_CASE("the documented thumbprint example converts from hex to x5t") {
  // Entra's certificate-credentials article: hex thumbprint and its x5t spelling.
  auto raw = HexDecode("84E05C1D98BCE3A5421D225B140B36E86A3D5534");
  REQUIRE(raw.ok());
  CHECK(Base64UrlEncode(*raw) == "hOBcHZi846VCHSJbFAs26Go9VTQ");
}

TEST_CASE("a self-signed client certificate suits an app's certificate credential") {
  const Pki& pki = TestPki();
  auto cert = CreateClientCert(pki.server_key, Pki::Spec("app-credential"));
  REQUIRE_MESSAGE(cert.ok(), cert.error().message);
  CHECK(X509_check_purpose(cert->get(), X509_PURPOSE_SSL_CLIENT, 0) == 1);
  CHECK(X509_check_ca(cert->get()) == 0);
  CHECK(X509_check_private_key(cert->get(), pki.server_key.get()) == 1);
  CHECK(X509_verify(cert->get(), pki.server_key.get()) == 1);  // signed by its own key
}

TEST_CASE("certificate PEM round trip") {
  const Certificate& cert = TestPki().server;
  const std::string pem = CertificateToPem(cert);
  CHECK(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
  CHECK(pem.size() > 28);
  std::size_t start = 0;
  while (start < pem.size()) {
    const std::size_t end = pem.find('\n', start);
    REQUIRE(end != std::string::npos);
    CHECK(end - start <= 64);
    start = end + 1;
  }
  auto back = LoadCertificatePem(pem);
  REQUIRE_MESSAGE(back.ok(), back.error().message);
  CHECK(back->Der() == cert.Der());
  CHECK_FALSE(LoadCertificatePem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").ok());
  CHECK(CertificateToPem(Certificate()).empty());
}

TEST_CASE("cert and key in one PEM, in either order") {
  const Pki& pki = TestPki();
  auto pem = CertAndKeyToPem(pki.server, pki.server_key);
  REQUIRE_MESSAGE(pem.ok(), pem.error().message);
  CHECK(pem->find("BEGIN PRIVATE KEY") < pem->find("BEGIN CERTIFICATE"));

  auto both = LoadCertAndKeyPem(*pem);
  REQUIRE_MESSAGE(both.ok(), both.error().message);
  CHECK(both->cert.Der() == pki.server.Der());
  CHECK(EVP_PKEY_eq(both->key.get(), pki.server_key.get()) == 1);

  auto key_pem = PrivateKeyToPem(pki.server_key);
  REQUIRE(key_pem.ok());
  auto reversed = LoadCertAndKeyPem(CertificateToPem(pki.server) + *key_pem);
  REQUIRE_MESSAGE(reversed.ok(), reversed.error().message);
  CHECK(reversed->cert.Der() == pki.server.Der());
}

TEST_CASE("cert and key PEM refuses a key that does not belong to the certificate") {
  const Pki& pki = TestPki();
  CHECK_FALSE(CertAndKeyToPem(pki.server, pki.ca_key).ok());
  auto wrong_key = PrivateKeyToPem(pki.ca_key);
  REQUIRE(wrong_key.ok());
  CHECK_FALSE(LoadCertAndKeyPem(CertificateToPem(pki.server) + *wrong_key).ok());
  CHECK_FALSE(LoadCertAndKeyPem(CertificateToPem(pki.server)).ok());  // no key at all
  CHECK_FALSE(LoadCertAndKeyPem(*wrong_key).ok());                    // no certificate at all
}

TEST_CASE("certificate files: public 0644, cert+key 0600") {
  const Pki& pki = TestPki();
  TempDir dir;
  REQUIRE_FALSE(dir.path.empty());
  const std::string ca_path = dir.File("ca.pem");
  const std::string both_path = dir.File("client.pem");
  REQUIRE(SaveCertificatePemFile(pki.ca, ca_path).ok());
  REQUIRE(SaveCertAndKeyPemFile(pki.server, pki.server_key, both_path).ok());
  CHECK(FileMode(ca_path) == 0644u);
  CHECK(FileMode(both_path) == 0600u);
  auto ca = LoadCertificatePemFile(ca_path);
  REQUIRE_MESSAGE(ca.ok(), ca.error().message);
  CHECK(ca->Der() == pki.ca.Der());
  auto both = LoadCertAndKeyPemFile(both_path);
  REQUIRE_MESSAGE(both.ok(), both.error().message);
  CHECK(both->cert.Der() == pki.server.Der());
  CHECK(EVP_PKEY_eq(both->key.get(), pki.server_key.get()) == 1);
  CHECK_FALSE(LoadCertAndKeyPemFile(ca_path).ok());
  CHECK_FALSE(SaveCertAndKeyPemFile(pki.server, pki.ca_key, dir.File("bad.pem")).ok());
}

TEST_CASE("Certificate copies share the X509 and keep the DER") {
  const Certificate& cert = TestPki().server;
  Certificate copy = cert;
  CHECK(copy.get() == cert.get());
  CHECK(copy.Der() == cert.Der());
  Certificate moved = std::move(copy);
  CHECK(moved.get() == cert.get());
  CHECK_FALSE(copy);  // NOLINT(bugprone-use-after-move)
  CHECK_FALSE(Certificate::Adopt(nullptr).ok());
}
