#include "crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <climits>
#include <initializer_list>
#include <ctime>
#include <memory>
#include <utility>

#include "crypto/hash.h"

#include "crypto/openssl_ptr.h"

namespace entragate::crypto {
namespace {

using detail::BioPtr;
using detail::BnPtr;
using detail::Deleter;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using GeneralNameFree = decltype([](GENERAL_NAMES* names) { GENERAL_NAMES_free(names); });
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNameFree>;

constexpr std::size_t kSerialBytes = 16;  // RFC 5280 allows 20; 126 random bits is plenty
constexpr std::size_t kMaxDnsNameLength = 253;
constexpr std::size_t kPemLineLength = 64;

// PEM certificates are never encrypted; refusing any passphrase request keeps OpenSSL off the tty.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

base::Status CheckSpec(const PKey& key, const CertSpec& spec) {
  if (!key) return Refused("certificate: empty key");
  if (spec.common_name.empty()) return Refused("certificate: empty common name");
  if (spec.not_after <= spec.not_before) return Refused("certificate: not_after <= not_before");
  return base::Ok{};
}

base::Status SetRandomSerial(X509* x) {
  auto bytes = RandomBytes(kSerialBytes);
  if (!bytes) return bytes.error();
  // Top bit clear keeps the INTEGER positive; the next bit set keeps its length fixed.
  (*bytes)[0] = static_cast<char>((static_cast<unsigned char>((*bytes)[0]) & 0x3F) | 0x40);
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()), static_cast<int>(bytes->size()), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) == nullptr) {
    return OpenSslError("certificate serial");
  }
  return base::Ok{};
}

base::Status SetValidity(X509* x, const CertSpec& spec) {
  if (ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(spec.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(spec.not_after)) == nullptr) {
    return OpenSslError("certificate validity");
  }
  return base::Ok{};
}

base::Status SetSubject(X509* x, const std::string& common_name) {
  X509_NAME* name = X509_get_subject_name(x);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return OpenSslError("certificate subject");
  }
  return base::Ok{};
}

// An unsigned certificate with subject, key, serial and validity; issuer and extensions follow.
base::Result<X509Ptr> NewCertificate(const PKey& subject_key, const CertSpec& spec) {
  if (auto ok = CheckSpec(subject_key, spec); !ok) return ok.error();
  X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1 || X509_set_pubkey(x.get(), subject_key.get()) != 1) {
    return OpenSslError("X509_new");
  }
  if (auto ok = SetRandomSerial(x.get()); !ok) return ok.error();
  if (auto ok = SetValidity(x.get(), spec); !ok) return ok.error();
  if (auto ok = SetSubject(x.get(), spec.common_name); !ok) return ok.error();
  return x;
}

base::Status SetIssuer(X509* x, const X509* issuer) {
  if (X509_set_issuer_name(x, X509_get_subject_name(issuer)) != 1) {
    return OpenSslError("certificate issuer");
  }
  return base::Ok{};
}

// Adds extensions given in OpenSSL's config syntax. Only fixed strings from this file go through
// here; caller-supplied names take the typed path in AddSubjectAltNames.
base::Status AddExtensions(X509* x, X509* issuer, std::initializer_list<std::pair<int, const char*>> extensions) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
      return OpenSslError(std::string("certificate extension ") + OBJ_nid2sn(nid));
    }
  }
  return base::Ok{};
}

bool IsDnsName(const std::string& name) {
  if (name.empty() || name.size() > kMaxDnsNameLength) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

base::Status PushName(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (name == nullptr) {
    ASN1_STRING_free(value);
    return OpenSslError("GENERAL_NAME_new");
  }
  GENERAL_NAME_set0_value(name, type, value);
  if (sk_GENERAL_NAME_push(names, name) <= 0) {
    GENERAL_NAME_free(name);
    return OpenSslError("subjectAltName");
  }
  return base::Ok{};
}

base::Status PushDnsName(GENERAL_NAMES* names, const std::string& dns) {
  if (!IsDnsName(dns)) return Refused("subjectAltName: invalid DNS name '" + dns + "'");
  ASN1_IA5STRING* value = ASN1_IA5STRING_new();
  if (value == nullptr || ASN1_STRING_set(value, dns.data(), static_cast<int>(dns.size())) != 1) {
    ASN1_IA5STRING_free(value);
    return OpenSslError("subjectAltName DNS");
  }
  return PushName(names, GEN_DNS, value);
}

base::Status PushIpAddress(GENERAL_NAMES* names, const std::string& ip) {
  ASN1_OCTET_STRING* value = a2i_IPADDRESS(ip.c_str());
  if (value == nullptr) {
    ERR_clear_error();
    return Refused("subjectAltName: invalid IP address '" + ip + "'");
  }
  return PushName(names, GEN_IPADD, value);
}

// Built as typed GENERAL_NAMEs rather than a config string, so a name containing ',' or ':'
// cannot smuggle in extra entries.
base::Status AddSubjectAltNames(X509* x, const CertSpec& spec) {
  if (spec.dns_names.empty() && spec.ip_addresses.empty()) {
    return Refused("server certificate needs at least one DNS name or IP address");
  }
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return OpenSslError("subjectAltName");
  for (const auto& dns : spec.dns_names) {
    if (auto ok = PushDnsName(names.get(), dns); !ok) return ok;
  }
  for (const auto& ip : spec.ip_addresses) {
    if (auto ok = PushIpAddress(names.get(), ip); !ok) return ok;
  }
  if (X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("subjectAltName");
  }
  return base::Ok{};
}

base::Result<Certificate> SignAndWrap(X509Ptr x, const PKey& signer) {
  if (X509_sign(x.get(), signer.get(), EVP_sha256()) <= 0) return OpenSslError("X509_sign");
  return Certificate::Adopt(x.release());
}

std::string IpToText(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  const int len = ASN1_STRING_length(ip);
  const int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : AF_UNSPEC;
  if (family == AF_UNSPEC || inet_ntop(family, ASN1_STRING_get0_data(ip), buf, sizeof buf) == nullptr) {
    return {};
  }
  return buf;
}

base::Result<std::int64_t> ToUnixTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return OpenSslError("certificate time");
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string PemArmor(std::string_view label, std::string_view der) {
  const std::string body = Base64Encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (std::size_t i = 0; i < body.size(); i += kPemLineLength) {
    out.append(body, i, kPemLineLength);
    out += '\n';
  }
  return out + "-----END " + std::string(label) + "-----\n";
}

base::Status CheckKeyMatches(const Certificate& cert, const PKey& key) {
  if (!cert || !key) return Refused("certificate or key is empty");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return Refused("the private key does not belong to the certificate");
  }
  return base::Ok{};
}

}  // namespace

base::Result<Certificate> Certificate::Adopt(X509* x509) {
  Certificate cert;
  cert.cert_ = x509;  // owned from here on, so every return below frees it when needed
  if (x509 == nullptr) return Refused("Certificate::Adopt: null X509");
  unsigned char* der = nullptr;
  const int len = i2d_X509(x509, &der);
  if (len <= 0) return OpenSslError("i2d_X509");
  cert.der_.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return cert;
}

Certificate::Certificate(const Certificate& other) : cert_(other.cert_), der_(other.der_) {
  if (cert_ != nullptr) X509_up_ref(cert_);
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) *this = Certificate(other);
  return *this;
}

Certificate::Certificate(Certificate&& other) noexcept : cert_(std::exchange(other.cert_, nullptr)), der_(std::move(other.der_)) {}

Certificate& Certificate::operator=(Certificate&& other) noexcept {
  if (this != &other) {
    X509_free(cert_);
    cert_ = std::exchange(other.cert_, nullptr);
    der_ = std::move(other.der_);
  }
  return *this;
}

Certificate::~Certificate() { X509_free(cert_); }

PKey Certificate::PublicKey() const {
  if (cert_ == nullptr) return PKey();
  EVP_PKEY* key = X509_get_pubkey(cert_);  // returns a new reference
  if (key == nullptr) ERR_clear_error();
  return PKey(key);
}

base::Result<Certificate> CreateCaCert(const PKey& ca_key, const CertSpec& spec) {
  auto x = NewCertificate(ca_key, spec);
  if (!x) return x.error();
  X509* cert = x->get();
  if (auto ok = SetIssuer(cert, cert); !ok) return ok.error();
  // The subject key identifier must exist before the authority key identifier can copy it.
  if (auto ok = AddExtensions(cert, cert,
                              {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                               {NID_key_usage, "critical,keyCertSign,cRLSign"},
                               {NID_subject_key_identifier, "hash"},
                               {NID_authority_key_identifier, "keyid:always"}});
      !ok) {
    return ok.error();
  }
  return SignAndWrap(std::move(*x), ca_key);
}

base::Result<Certificate> IssueServerCert(const PKey& server_key, const CertSpec& spec, const Certificate& ca_cert, const PKey& ca_key) {
  if (auto ok = CheckKeyMatches(ca_cert, ca_key); !ok) {
    return Refused("CA: " + ok.error().message);
  }
  auto x = NewCertificate(server_key, spec);
  if (!x) return x.error();
  X509* cert = x->get();
  if (auto ok = SetIssuer(cert, ca_cert.get()); !ok) return ok.error();
  if (auto ok = AddSubjectAltNames(cert, spec); !ok) return ok.error();
  if (auto ok = AddExtensions(cert, ca_cert.get(),
                              {{NID_basic_constraints, "critical,CA:FALSE"},
                               {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                               {NID_ext_key_usage, "serverAuth"},
                               {NID_subject_key_identifier, "hash"},
                               {NID_authority_key_identifier, "keyid:always"}});
      !ok) {
    return ok.error();
  }
  return SignAndWrap(std::move(*x), ca_key);
}

base::Result<Certificate> CreateClientCert(const PKey& key, const CertSpec& spec) {
  auto x = NewCertificate(key, spec);
  if (!x) return x.error();
  X509* cert = x->get();
  if (auto ok = SetIssuer(cert, cert); !ok) return ok.error();
  if (auto ok = AddExtensions(cert, cert,
                              {{NID_basic_constraints, "critical,CA:FALSE"},
                               {NID_key_usage, "critical,digitalSignature"},
                               {NID_ext_key_usage, "clientAuth"},
                               {NID_subject_key_identifier, "hash"}});
      !ok) {
    return ok.error();
  }
  return SignAndWrap(std::move(*x), key);
}

base::Status VerifyCertificate(const Certificate& leaf, const Certificate& trusted_ca, std::int64_t now) {
  if (!leaf || !trusted_ca) return Refused("VerifyCertificate: empty certificate");
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), trusted_ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) != 1) {
    return OpenSslError("X509_STORE setup");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now));
  // Strict mode is what Python 3.13's default TLS context uses; our certificates must pass it.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int code = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return Refused(std::string("certificate verification failed: ") + X509_verify_cert_error_string(code));
  }
  return base::Ok{};
}

SubjectAltNames GetSubjectAltNames(const Certificate& cert) {
  SubjectAltNames out;
  if (!cert) return out;
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
    if (type == GEN_DNS) {
      out.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)), static_cast<std::size_t>(ASN1_STRING_length(value)));
    } else if (type == GEN_IPADD) {
      out.ip_addresses.push_back(IpToText(value));
    }
  }
  return out;
}

base::Result<CertValidity> GetValidity(const Certificate& cert) {
  if (!cert) return Refused("GetValidity: empty certificate");
  auto not_before = ToUnixTime(X509_get0_notBefore(cert.get()));
  if (!not_before) return not_before.error();
  auto not_after = ToUnixTime(X509_get0_notAfter(cert.get()));
  if (!not_after) return not_after.error();
  return CertValidity{*not_before, *not_after};
}

std::string X5t(const Certificate& cert) { return Base64UrlEncode(Sha1(cert.Der())); }

std::string X5tS256(const Certificate& cert) { return Base64UrlEncode(Sha256(cert.Der())); }

std::string ThumbprintHex(const Certificate& cert) { return HexEncode(Sha1(cert.Der()), HexCase::kUpper); }

base::Result<Certificate> LoadCertificatePem(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) return Refused("PEM input too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  X509* x = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr);
  if (x == nullptr) return OpenSslError("no readable certificate in PEM");
  return Certificate::Adopt(x);
}

std::string CertificateToPem(const Certificate& cert) { return cert ? PemArmor("CERTIFICATE", cert.Der()) : std::string(); }

base::Result<CertAndKey> LoadCertAndKeyPem(std::string_view pem, std::string_view passphrase) {
  // Each loader scans the whole text for its own block type, so the order in the file is free.
  auto cert = LoadCertificatePem(pem);
  if (!cert) return cert.error();
  auto key = LoadPrivateKeyPem(pem, passphrase);
  if (!key) return key.error();
  if (auto ok = CheckKeyMatches(*cert, *key); !ok) return ok.error();
  return CertAndKey{std::move(*cert), std::move(*key)};
}

base::Result<std::string> CertAndKeyToPem(const Certificate& cert, const PKey& key) {
  if (auto ok = CheckKeyMatches(cert, key); !ok) return ok.error();
  auto key_pem = PrivateKeyToPem(key);
  if (!key_pem) return key_pem.error();
  return *key_pem + CertificateToPem(cert);
}

base::Result<Certificate> LoadCertificatePemFile(const std::string& path) {
  auto pem = ReadPemFile(path);
  if (!pem) return pem.error();
  auto cert = LoadCertificatePem(*pem);
  if (!cert) return Refused(path + ": " + cert.error().message);
  return cert;
}

base::Status SaveCertificatePemFile(const Certificate& cert, const std::string& path) {
  if (!cert) return Refused("SaveCertificatePemFile: empty certificate");
  return WritePemFile(path, CertificateToPem(cert), FileSecrecy::kPublic);
}

base::Result<CertAndKey> LoadCertAndKeyPemFile(const std::string& path, std::string_view passphrase) {
  auto pem = ReadPemFile(path);
  if (!pem) return pem.error();
  auto both = LoadCertAndKeyPem(*pem, passphrase);
  if (!both) return Refused(path + ": " + both.error().message);
  return both;
}

base::Status SaveCertAndKeyPemFile(const Certificate& cert, const PKey& key, const std::string& path) {
  auto pem = CertAndKeyToPem(cert, key);
  if (!pem) return pem.error();
  return WritePemFile(path, *pem, FileSecrecy::kSecret);
}

}  // namespace entragate::crypto
