#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "crypto/base64.h"

using namespace entragate::crypto;

TEST_CASE("base64 matches the RFC 4648 §10 vectors, padded and url-safe") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CAPTURE(plain);
    CHECK(Base64Encode(plain) == encoded);
    std::string unpadded = encoded;
    unpadded.erase(unpadded.find_last_not_of('=') + 1);
    CHECK(Base64UrlEncode(plain) == unpadded);
    auto std_back = Base64Decode(encoded);
    REQUIRE_MESSAGE(std_back.ok(), std_back.error().message);
    CHECK(*std_back == plain);
    auto url_back = Base64UrlDecode(unpadded);
    REQUIRE_MESSAGE(url_back.ok(), url_back.error().message);
    CHECK(*url_back == plain);
  }
}

TEST_CASE("the two alphabets differ only in the 62nd and 63rd symbols") {
  const std::string bytes = "\xfb\xff\xbf";
  CHECK(Base64Encode(bytes) == "+/+/");
  CHECK(Base64UrlEncode(bytes) == "-_-_");
  CHECK(Base64Encode("\xfb\xff") == "+/8=");
  CHECK(Base64UrlEncode("\xfb\xff") == "-_8");
}

TEST_CASE("every byte value and every tail length survives a round trip") {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t len = 0; len <= bytes.size(); len += 7) {
    const std::string slice = bytes.substr(bytes.size() - len);
    auto url = Base64UrlDecode(Base64UrlEncode(slice));
    REQUIRE_MESSAGE(url.ok(), url.error().message);
    CHECK(*url == slice);
    auto std_ = Base64Decode(Base64Encode(slice));
    REQUIRE_MESSAGE(std_.ok(), std_.error().message);
    CHECK(*std_ == slice);
  }
}

TEST_CASE("base64url decoding rejects padding, foreign symbols and non-canonical text") {
  const char* bad[] = {
      "Zg==",   // padding is forbidden in JWS
      "Z",      // one symbol can never encode a byte
      "Zh",     // 'h' leaves non-zero trailing bits: a second spelling of "f"
      "Zm9v+",  // '+' belongs to the standard alphabet
      "Zm9/",   // '/' too
      "Zm 9v",  // whitespace
      "Zm9v\n", "Zm9v.",
  };
  for (const char* text : bad) {
    CAPTURE(text);
    auto r = Base64UrlDecode(text);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK_FALSE(r.error().message.empty());
  }
}

TEST_CASE("standard base64 decoding requires exact padding and canonical text") {
  const char* bad[] = {"Zg", "Zg=", "Zg===", "Z===", "====", "Zm=v", "Zh==", "Zm9v-_==", "Zm9 v"};
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_FALSE(Base64Decode(text).ok());
  }
  CHECK(Base64Decode("").ok());
}
