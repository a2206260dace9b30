#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <string>
#include <utility>

#include "crypto/base64.h"
#include "crypto/jwt.h"
#include "crypto/keys.h"
#include "crypto/x509.h"

using namespace entragate::crypto;

namespace {

PKey NewKey() {
  auto k = GenerateRsaKey();
  return k.ok() ? *k : PKey();
}

const PKey& SigningKey() {
  static const PKey key = NewKey();
  return key;
}

const PKey& OtherKey() {
  static const PKey key = NewKey();
  return key;
}

boost::json::object Claims() {
  return {{"aud", "https://login.microsoftonline.com/t/oauth2/v2.0/token"},
          {"iss", "client"},
          {"sub", "client"},
          {"jti", "3f2a6a1e-0000-4000-8000-000000000000"},
          {"nbf", 1'800'000'000},
          {"exp", 1'800'000'600}};
}

std::string Sign(JwtAlg alg, const boost::json::object& header = {}) {
  auto token = SignJwt(header, Claims(), alg, SigningKey());
  return token.ok() ? *token : std::string();
}

std::string Segment(const boost::json::object& json) { return Base64UrlEncode(boost::json::serialize(json)); }

// A PSS signature with a caller-chosen salt length, made directly with OpenSSL.
std::string PssSign(std::string_view input, int salt_len) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  std::size_t len = static_cast<std::size_t>(EVP_PKEY_get_size(SigningKey().get()));
  std::string sig(len, '\0');
  const bool ok =
      EVP_DigestSignInit(md, &pctx, EVP_sha256(), nullptr, SigningKey().get()) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_len) == 1 &&
      EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  return ok ? sig.substr(0, len) : std::string();
}

}  // namespace

TEST_CASE("RS256 and PS256 tokens verify with the signing key") {
  REQUIRE(SigningKey());
  for (JwtAlg alg : {JwtAlg::kRs256, JwtAlg::kPs256}) {
    CAPTURE(JwtAlgName(alg));
    const std::string token = Sign(alg);
    REQUIRE_FALSE(token.empty());
    auto jwt = DecodeAndVerifyJwt(token, SigningKey(), alg);
    REQUIRE_MESSAGE(jwt.ok(), jwt.error().message);
    CHECK(jwt->header.at("alg").as_string() == JwtAlgName(alg));
    CHECK(jwt->header.at("typ") == "JWT");
    CHECK(jwt->payload == Claims());
    CHECK(jwt->signature.size() == 256);
    CHECK(jwt->signing_input == token.substr(0, token.rfind('.')));
  }
}

TEST_CASE("RS256 is deterministic, PS256 is salted with 32 bytes") {
  CHECK(Sign(JwtAlg::kRs256) == Sign(JwtAlg::kRs256));
  const std::string a = Sign(JwtAlg::kPs256);
  const std::string b = Sign(JwtAlg::kPs256);
  CHECK(a != b);  // random salt

  // Check the salt length with OpenSSL directly: verification demanding exactly 32 bytes.
  auto jwt = DecodeJwt(a);
  REQUIRE(jwt.ok());
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  const bool verified = EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), nullptr, SigningKey().get()) == 1 &&
                        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 &&
                        EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(jwt->signature.data()), jwt->signature.size(),
                                         reinterpret_cast<const unsigned char*>(jwt->signing_input.data()), jwt->signing_input.size()) == 1;
  EVP_MD_CTX_free(md);
  CHECK(verified);
}

TEST_CASE("PS256 verification refuses a salt length other than 32") {
  const std::string input = Segment({{"alg", "PS256"}}) + "." + Segment(Claims());
  const std::string salt32 = PssSign(input, 32);
  const std::string salt20 = PssSign(input, 20);
  REQUIRE_FALSE(salt32.empty());
  REQUIRE_FALSE(salt20.empty());
  CHECK(DecodeAndVerifyJwt(input + "." + Base64UrlEncode(salt32), SigningKey(), JwtAlg::kPs256).ok());
  CHECK_FALSE(DecodeAndVerifyJwt(input + "." + Base64UrlEncode(salt20), SigningKey(), JwtAlg::kPs256).ok());
}

TEST_CASE("a tampered token does not verify") {
  for (JwtAlg alg : {JwtAlg::kRs256, JwtAlg::kPs256}) {
    CAPTURE(JwtAlgName(alg));
    const std::string token = Sign(alg);
    const std::size_t dot1 = token.find('.');
    const std::size_t dot2 = token.rfind('.');

    boost::json::object claims = Claims();
    claims["sub"] = "attacker";
    const std::string other_payload = token.substr(0, dot1 + 1) + Segment(claims) + token.substr(dot2);
    auto r = DecodeAndVerifyJwt(other_payload, SigningKey(), alg);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("does not verify") != std::string::npos);

    std::string flipped = token;
    flipped[dot2 + 5] = flipped[dot2 + 5] == 'A' ? 'B' : 'A';
    CHECK_FALSE(DecodeAndVerifyJwt(flipped, SigningKey(), alg).ok());

    CHECK_FALSE(DecodeAndVerifyJwt(token.substr(0, dot2 + 1), SigningKey(), alg).ok());
  }
}

TEST_CASE("a token signed by another key does not verify") {
  for (JwtAlg alg : {JwtAlg::kRs256, JwtAlg::kPs256}) {
    CAPTURE(JwtAlgName(alg));
    CHECK_FALSE(DecodeAndVerifyJwt(Sign(alg), OtherKey(), alg).ok());
  }
}

TEST_CASE("alg none is refused") {
  const std::string unsigned_token = Segment({{"alg", "none"}, {"typ", "JWT"}}) + "." + Segment(Claims()) + ".";
  auto decoded = DecodeJwt(unsigned_token);
  REQUIRE_MESSAGE(decoded.ok(), decoded.error().message);  // decodes so it can be reported
  CHECK(decoded->signature.empty());
  for (JwtAlg alg : {JwtAlg::kRs256, JwtAlg::kPs256}) {
    auto r = VerifyJwtSignature(*decoded, SigningKey(), alg);
    REQUIRE_FALSE(r.ok());
    // Refused for being "none", before any signature arithmetic.
    CHECK(r.error().message.find("\"none\" is refused") != std::string::npos);
  }
  CHECK_FALSE(ParseJwtAlg("none").has_value());

  // A real signature under a header that says none still fails.
  const std::string token = Sign(JwtAlg::kRs256);
  const std::string relabelled = Segment({{"alg", "none"}}) + token.substr(token.find('.'));
  CHECK_FALSE(DecodeAndVerifyJwt(relabelled, SigningKey(), JwtAlg::kRs256).ok());
}

TEST_CASE("only RS256 and PS256 are accepted, spelled exactly") {
  CHECK(ParseJwtAlg("RS256") == JwtAlg::kRs256);
  CHECK(ParseJwtAlg("PS256") == JwtAlg::kPs256);
  for (const char* name : {"rs256", "HS256", "ES256", "RS384", "PS512", "", "None", "NONE"}) {
    CAPTURE(name);
    CHECK_FALSE(ParseJwtAlg(name).has_value());
  }
  // A symmetric alg in the header is refused before any key use.
  const std::string token = Sign(JwtAlg::kRs256);
  const std::string hs = Segment({{"alg", "HS256"}}) + token.substr(token.find('.'));
  auto r = DecodeAndVerifyJwt(hs, SigningKey(), JwtAlg::kRs256);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("\"HS256\" is not supported") != std::string::npos);
}

TEST_CASE("the header alg must match the algorithm the verifier expects") {
  const std::string rs = Sign(JwtAlg::kRs256);
  const std::string ps = Sign(JwtAlg::kPs256);
  for (const auto& [token, expected] : {std::pair{rs, JwtAlg::kPs256}, std::pair{ps, JwtAlg::kRs256}}) {
    auto r = DecodeAndVerifyJwt(token, SigningKey(), expected);
    REQUIRE_FALSE(r.ok());
    // Refused on the header, not merely because the padding happened not to match.
    CHECK(r.error().message.find("was expected") != std::string::npos);
  }

  // Relabelling an RS256 signature as PS256 (or back) must not verify under either.
  const std::string relabelled = Segment({{"alg", "PS256"}, {"typ", "JWT"}}) + rs.substr(rs.find('.'));
  CHECK_FALSE(DecodeAndVerifyJwt(relabelled, SigningKey(), JwtAlg::kPs256).ok());
  CHECK_FALSE(DecodeAndVerifyJwt(relabelled, SigningKey(), JwtAlg::kRs256).ok());
}

TEST_CASE("SignJwt puts alg and typ first, keeps caller members, refuses a conflicting alg") {
  const std::string token = Sign(JwtAlg::kPs256, {{"x5t#S256", "abc"}, {"typ", "JWT"}});
  const std::string header_json = *Base64UrlDecode(token.substr(0, token.find('.')));
  CHECK(header_json == R"({"alg":"PS256","typ":"JWT","x5t#S256":"abc"})");

  auto custom_typ = SignJwt({{"typ", "at+jwt"}}, Claims(), JwtAlg::kRs256, SigningKey());
  REQUIRE(custom_typ.ok());
  CHECK(DecodeJwt(*custom_typ)->header.at("typ") == "at+jwt");

  CHECK(SignJwt({{"alg", "RS256"}}, Claims(), JwtAlg::kRs256, SigningKey()).ok());
  CHECK_FALSE(SignJwt({{"alg", "RS256"}}, Claims(), JwtAlg::kPs256, SigningKey()).ok());
  CHECK_FALSE(SignJwt({{"alg", "none"}}, Claims(), JwtAlg::kRs256, SigningKey()).ok());
}

TEST_CASE("signing needs a private RSA key of at least 2048 bits") {
  auto jwk = PublicKeyToJwk(SigningKey(), "k");
  REQUIRE(jwk.ok());
  auto public_only = PublicKeyFromJwk(*jwk);
  REQUIRE(public_only.ok());
  CHECK_FALSE(SignJwt({}, Claims(), JwtAlg::kRs256, *public_only).ok());
  CHECK_FALSE(SignJwt({}, Claims(), JwtAlg::kRs256, PKey()).ok());

  PKey weak(EVP_RSA_gen(1024));
  REQUIRE(weak);
  CHECK_FALSE(SignJwt({}, Claims(), JwtAlg::kRs256, weak).ok());
  CHECK_FALSE(DecodeAndVerifyJwt(Sign(JwtAlg::kRs256), weak, JwtAlg::kRs256).ok());
}

TEST_CASE("a crit header is refused") {
  const std::string token = Sign(JwtAlg::kRs256, {{"crit", boost::json::array{"exp"}}});
  auto r = DecodeAndVerifyJwt(token, SigningKey(), JwtAlg::kRs256);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("crit") != std::string::npos);
}

TEST_CASE("malformed tokens are refused by DecodeJwt") {
  const std::string good = Sign(JwtAlg::kRs256);
  const std::string h = good.substr(0, good.find('.'));
  const std::string p = Segment(Claims());
  const std::string s = good.substr(good.rfind('.') + 1);
  const std::string bad[] = {
      "",
      "abc",
      h + "." + p,                      // two segments
      h + "." + p + "." + s + "." + s,  // four segments
      "..",
      "!!!." + p + "." + s,                               // header not base64url
      h + "." + p + "=." + s,                             // padded payload
      h + "." + p + "." + s + "=",                        // padded signature
      Base64UrlEncode("[1,2]") + "." + p + "." + s,       // header not an object
      h + "." + Base64UrlEncode("\"claims\"") + "." + s,  // payload not an object
      h + "." + Base64UrlEncode("{\"a\":") + "." + s,     // payload not JSON
      Segment({{"typ", "JWT"}}) + "." + p + "." + s,      // no alg
      Segment({{"alg", 256}}) + "." + p + "." + s,        // alg not a string
      h + "." + p + "." + s + std::string(70'000, 'A'),   // absurdly long
  };
  for (const std::string& token : bad) {
    CAPTURE(token.substr(0, 80));
    auto r = DecodeJwt(token);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK_FALSE(r.error().message.empty());
  }
  CHECK(DecodeJwt(good).ok());
  auto four = DecodeJwt(h + "." + p + "." + s + "." + s);
  REQUIRE_FALSE(four.ok());
  CHECK(four.error().message.find("three") != std::string::npos);
}

TEST_CASE("exp and nbf are checked against an explicit now with leeway") {
  const boost::json::object claims = {{"nbf", 900}, {"exp", 1000}};
  CHECK(ValidateJwtTimes(claims, 950, 0).ok());
  CHECK(ValidateJwtTimes(claims, 900, 0).ok());  // nbf is inclusive
  CHECK(ValidateJwtTimes(claims, 999, 0).ok());
  auto expired = ValidateJwtTimes(claims, 1000, 0);  // exp is exclusive
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().message.find("expired") != std::string::npos);
  CHECK(ValidateJwtTimes(claims, 1000, 1).ok());
  CHECK(ValidateJwtTimes(claims, 1299, 300).ok());
  CHECK_FALSE(ValidateJwtTimes(claims, 1300, 300).ok());

  auto early = ValidateJwtTimes(claims, 899, 0);
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().message.find("not valid before") != std::string::npos);
  CHECK(ValidateJwtTimes(claims, 899, 1).ok());
  CHECK(ValidateJwtTimes(claims, 600, 300).ok());
  CHECK_FALSE(ValidateJwtTimes(claims, 599, 300).ok());
}

TEST_CASE("time claim edge cases") {
  CHECK_FALSE(ValidateJwtTimes({{"nbf", 900}}, 950, 0).ok());  // exp required
  CHECK(ValidateJwtTimes({{"nbf", 900}}, 950, 0, /*require_exp=*/false).ok());
  CHECK(ValidateJwtTimes({}, 950, 0, false).ok());
  CHECK_FALSE(ValidateJwtTimes({{"exp", "1000"}}, 950, 0).ok());  // string, not number
  CHECK_FALSE(ValidateJwtTimes({{"exp", 1000}, {"nbf", true}}, 950, 0).ok());
  CHECK_FALSE(ValidateJwtTimes({{"exp", 1000}}, 950, -1).ok());  // negative leeway
  CHECK(ValidateJwtTimes({{"exp", 1000.5}}, 1000, 0).ok());      // fractional NumericDate
  CHECK_FALSE(ValidateJwtTimes({{"exp", 1000.5}}, 1001, 0).ok());
  CHECK(ValidateJwtTimes({{"exp", 18446744073709551615ULL}}, 1000, 0).ok());  // uint64
  // The signed claims from a real token are checked the same way.
  CHECK(ValidateJwtTimes(Claims(), 1'800'000'300, 0).ok());
  CHECK_FALSE(ValidateJwtTimes(Claims(), 1'800'000'600, 0).ok());
}

TEST_CASE("JWK round trip: signed with the private key, verified with the key rebuilt from n/e") {
  auto jwk = PublicKeyToJwk(SigningKey(), "kid");
  REQUIRE_MESSAGE(jwk.ok(), jwk.error().message);
  const boost::json::object only_n_e = {{"kty", "RSA"}, {"n", jwk->at("n")}, {"e", jwk->at("e")}};
  auto rebuilt = PublicKeyFromJwk(only_n_e);
  REQUIRE_MESSAGE(rebuilt.ok(), rebuilt.error().message);
  for (JwtAlg alg : {JwtAlg::kRs256, JwtAlg::kPs256}) {
    CAPTURE(JwtAlgName(alg));
    auto ok = DecodeAndVerifyJwt(Sign(alg), *rebuilt, alg);
    CHECK_MESSAGE(ok.ok(), ok.error().message);
  }
  auto other_jwk = PublicKeyToJwk(OtherKey(), "other");
  REQUIRE(other_jwk.ok());
  auto other = PublicKeyFromJwk(*other_jwk);
  REQUIRE(other.ok());
  CHECK_FALSE(DecodeAndVerifyJwt(Sign(JwtAlg::kRs256), *other, JwtAlg::kRs256).ok());
}

TEST_CASE("a PS256 client assertion with x5t#S256 verifies with the certificate's key") {
  CertSpec spec;
  spec.common_name = "client-app";
  spec.not_before = 1'799'000'000;
  spec.not_after = 1'801'000'000;
  auto cert = CreateClientCert(SigningKey(), spec);
  REQUIRE_MESSAGE(cert.ok(), cert.error().message);
  auto token = SignJwt({{"x5t#S256", X5tS256(*cert)}}, Claims(), JwtAlg::kPs256, SigningKey());
  REQUIRE_MESSAGE(token.ok(), token.error().message);

  auto jwt = DecodeJwt(*token);
  REQUIRE(jwt.ok());
  CHECK(jwt->header.at("x5t#S256").as_string() == X5tS256(*cert));
  auto alg = ParseJwtAlg(jwt->header.at("alg").as_string());
  REQUIRE(alg.has_value());
  auto ok = VerifyJwtSignature(*jwt, cert->PublicKey(), *alg);
  CHECK_MESSAGE(ok.ok(), ok.error().message);
  CHECK(ValidateJwtTimes(jwt->payload, 1'800'000'100, 60).ok());
}
