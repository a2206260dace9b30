#include "crypto/jwt.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <utility>

namespace entragate::crypto {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Bounds the work done on untrusted input; real tokens are a few KiB.
constexpr std::size_t kMaxJwtLength = 64 * 1024;
constexpr int kMinRsaBits = 2048;

base::Status SetPadding(EVP_PKEY_CTX* pctx, JwtAlg alg) {
  if (alg == JwtAlg::kRs256) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
      return OpenSslError("RS256 padding");
    }
    return base::Ok{};
  }
  // PSS salt = digest length (32), as RFC 7518 §3.5 and MSAL use; on verify this also refuses
  // signatures made with any other salt length.
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1) {
    return OpenSslError("PS256 padding");
  }
  return base::Ok{};
}

base::Status CheckRsaKey(const PKey& key) {
  if (!key.IsRsa()) return Refused("JWT: key is not RSA");
  if (key.Bits() < kMinRsaBits) {
    return Refused("JWT: RSA key of " + std::to_string(key.Bits()) + " bits is too small");
  }
  return base::Ok{};
}

base::Result<std::string> SignBytes(std::string_view input, JwtAlg alg, const PKey& key) {
  if (auto ok = CheckRsaKey(key); !ok) return ok.error();
  MdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (!md || EVP_DigestSignInit(md.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
    return OpenSslError("EVP_DigestSignInit");
  }
  if (auto ok = SetPadding(pctx, alg); !ok) return ok.error();
  std::size_t len = static_cast<std::size_t>(EVP_PKEY_get_size(key.get()));
  std::string signature(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return OpenSslError("JWT signing (is this a private key?)");
  }
  signature.resize(len);
  return signature;
}

base::Status VerifyBytes(std::string_view input, std::string_view signature, JwtAlg alg, const PKey& key) {
  MdCtxPtr md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  if (!md || EVP_DigestVerifyInit(md.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
    return OpenSslError("EVP_DigestVerifyInit");
  }
  if (auto ok = SetPadding(pctx, alg); !ok) return ok.error();
  if (EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    ERR_clear_error();  // a bad signature is an expected outcome, not an OpenSSL fault
    return Refused("JWT signature does not verify");
  }
  return base::Ok{};
}

// alg and typ first, then the caller's members, so the header reads like Entra's.
base::Result<boost::json::object> BuildHeader(const boost::json::object& header, JwtAlg alg) {
  const std::string_view name = JwtAlgName(alg);
  if (const auto* given = header.if_contains("alg"); given != nullptr && !(given->is_string() && given->as_string() == name)) {
    return Refused("JWT header alg " + boost::json::serialize(*given) + " does not match " + std::string(name));
  }
  boost::json::object out;
  out["alg"] = name;
  const auto* typ = header.if_contains("typ");
  out["typ"] = typ != nullptr ? *typ : boost::json::value("JWT");
  for (const auto& member : header) {
    if (member.key() != "alg" && member.key() != "typ") out[member.key()] = member.value();
  }
  return out;
}

base::Result<boost::json::object> ParseSegment(std::string_view segment, std::string_view what) {
  auto json = Base64UrlDecode(segment);
  if (!json) return Refused("JWT " + std::string(what) + ": " + json.error().message);
  boost::json::error_code ec;
  boost::json::value value = boost::json::parse(*json, ec);
  if (ec) return Refused("JWT " + std::string(what) + ": invalid JSON (" + ec.message() + ")");
  if (!value.is_object()) return Refused("JWT " + std::string(what) + " is not a JSON object");
  return std::move(value.as_object());
}

// A NumericDate claim (RFC 7519 §2: may be fractional); nullopt when absent.
base::Result<std::optional<double>> NumericDate(const boost::json::object& claims, std::string_view name) {
  const boost::json::value* v = claims.if_contains(name);
  if (v == nullptr) return std::optional<double>();
  if (v->is_int64()) return std::optional<double>(static_cast<double>(v->get_int64()));
  if (v->is_uint64()) return std::optional<double>(static_cast<double>(v->get_uint64()));
  if (v->is_double()) return std::optional<double>(v->get_double());
  return Refused("JWT claim '" + std::string(name) + "' is not a number");
}

std::string TimeContext(const boost::json::object& claims, std::string_view name, std::int64_t now, std::int64_t leeway) {
  return boost::json::serialize(claims.at(name)) + " (now " + std::to_string(now) + ", leeway " + std::to_string(leeway) + "s)";
}

}  // namespace

std::string_view JwtAlgName(JwtAlg alg) { return alg == JwtAlg::kRs256 ? "RS256" : "PS256"; }

std::optional<JwtAlg> ParseJwtAlg(std::string_view name) {
  if (name == "RS256") return JwtAlg::kRs256;
  if (name == "PS256") return JwtAlg::kPs256;
  return std::nullopt;
}

base::Result<std::string> SignJwt(const boost::json::object& header, const boost::json::object& payload, JwtAlg alg, const PKey& private_key) {
  auto full_header = BuildHeader(header, alg);
  if (!full_header) return full_header.error();
  std::string token = Base64UrlEncode(boost::json::serialize(*full_header)) + '.' + Base64UrlEncode(boost::json::serialize(payload));
  auto signature = SignBytes(token, alg, private_key);
  if (!signature) return signature.error();
  return token + '.' + Base64UrlEncode(*signature);
}

base::Result<DecodedJwt> DecodeJwt(std::string_view token) {
  if (token.size() > kMaxJwtLength) return Refused("JWT longer than 64 KiB");
  const std::size_t first = token.find('.');
  const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Refused("JWT must have exactly three '.'-separated segments");
  }
  auto header = ParseSegment(token.substr(0, first), "header");
  if (!header) return header.error();
  const auto* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return Refused("JWT header has no string \"alg\"");
  auto payload = ParseSegment(token.substr(first + 1, second - first - 1), "payload");
  if (!payload) return payload.error();
  auto signature = Base64UrlDecode(token.substr(second + 1));
  if (!signature) return Refused("JWT signature: " + signature.error().message);
  return DecodedJwt{std::move(*header), std::move(*payload), std::string(token.substr(0, second)), std::move(*signature)};
}

base::Status VerifyJwtSignature(const DecodedJwt& jwt, const PKey& public_key, JwtAlg expected_alg) {
  const auto* alg = jwt.header.if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return Refused("JWT header has no string \"alg\"");
  const std::string_view name = alg->as_string();
  if (name == "none") return Refused("JWT alg \"none\" is refused: the token is unsigned");
  if (!ParseJwtAlg(name)) {
    return Refused("JWT alg \"" + std::string(name) + "\" is not supported");
  }
  if (name != JwtAlgName(expected_alg)) {
    return Refused("JWT alg \"" + std::string(name) + "\" where " + std::string(JwtAlgName(expected_alg)) + " was expected");
  }
  if (jwt.header.contains("crit")) return Refused("JWT header \"crit\" is not supported");
  if (auto ok = CheckRsaKey(public_key); !ok) return ok;
  return VerifyBytes(jwt.signing_input, jwt.signature, expected_alg, public_key);
}

base::Result<DecodedJwt> DecodeAndVerifyJwt(std::string_view token, const PKey& public_key, JwtAlg expected_alg) {
  auto jwt = DecodeJwt(token);
  if (!jwt) return jwt.error();
  if (auto ok = VerifyJwtSignature(*jwt, public_key, expected_alg); !ok) return ok.error();
  return jwt;
}

base::Status ValidateJwtTimes(const boost::json::object& payload, std::int64_t now, std::int64_t leeway_seconds, bool require_exp) {
  if (leeway_seconds < 0) return Refused("JWT time check: negative leeway");
  auto exp = NumericDate(payload, "exp");
  if (!exp) return exp.error();
  auto nbf = NumericDate(payload, "nbf");
  if (!nbf) return nbf.error();
  const auto t_now = static_cast<double>(now);
  const auto leeway = static_cast<double>(leeway_seconds);
  if (!exp->has_value() && require_exp) return Refused("JWT has no exp claim");
  if (exp->has_value() && t_now - leeway >= **exp) {
    return Refused("JWT expired at " + TimeContext(payload, "exp", now, leeway_seconds));
  }
  if (nbf->has_value() && t_now + leeway < **nbf) {
    return Refused("JWT not valid before " + TimeContext(payload, "nbf", now, leeway_seconds));
  }
  return base::Ok{};
}

}  // namespace entragate::crypto
