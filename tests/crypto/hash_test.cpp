#include <doctest/doctest.h>

#include <string>

#include "crypto/hash.h"

using namespace entragate::crypto;

TEST_CASE("SHA-1 and SHA-256 give the FIPS 180 'abc' digests as raw bytes") {
  CHECK(Sha1("abc").size() == 20);
  CHECK(Sha256("abc").size() == 32);
  CHECK(HexEncode(Sha1("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(HexEncode(Sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(HexEncode(Sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("hex encodes in either case and decodes strictly") {
  const std::string raw("\x00\xab\xff", 3);
  CHECK(HexEncode(raw) == "00abff");
  CHECK(HexEncode(raw, HexCase::kLower) == "00abff");
  CHECK(HexEncode(raw, HexCase::kUpper) == "00ABFF");
  auto bytes = HexDecode("00aBfF");
  REQUIRE_MESSAGE(bytes.ok(), bytes.error().message);
  CHECK(*bytes == raw);
  CHECK_FALSE(HexDecode("abc").ok());
  CHECK_FALSE(HexDecode("zz").ok());
  CHECK_FALSE(HexDecode("0x12").ok());
}

TEST_CASE("random bytes have the requested length and do not repeat") {
  auto a = RandomBytes(32);
  auto b = RandomBytes(32);
  REQUIRE_MESSAGE(a.ok(), a.error().message);
  REQUIRE_MESSAGE(b.ok(), b.error().message);
  CHECK(a->size() == 32);
  CHECK(*a != *b);
  auto none = RandomBytes(0);
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("NewUuid4 is lower-case RFC 4122 version 4") {
  auto a = NewUuid4();
  auto b = NewUuid4();
  REQUIRE_MESSAGE(a.ok(), a.error().message);
  REQUIRE_MESSAGE(b.ok(), b.error().message);
  const std::string& id = *a;
  REQUIRE(id.size() == 36);
  CHECK(id[8] == '-');
  CHECK(id[13] == '-');
  CHECK(id[18] == '-');
  CHECK(id[23] == '-');
  CHECK(id[14] == '4');
  CHECK(std::string("89ab").find(id[19]) != std::string::npos);
  CHECK(id.find_first_not_of("0123456789abcdef-") == std::string::npos);
  CHECK(*a != *b);
  CHECK(ParseUuid(id).ok());
}

TEST_CASE("Uuid5 reproduces the RFC 4122 test vector") {
  // RFC 4122 (errata-corrected) / Python's uuid5(NAMESPACE_DNS, "python.org").
  auto id = Uuid5(kUuidNamespaceDns, "python.org");
  REQUIRE_MESSAGE(id.ok(), id.error().message);
  CHECK(*id == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST_CASE("Uuid5 is deterministic, case-insensitive in the namespace and name-sensitive") {
  auto upper = Uuid5("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "python.org");
  REQUIRE(upper.ok());
  CHECK(*upper == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  auto other = Uuid5(kUuidNamespaceDns, "python.org.");
  REQUIRE(other.ok());
  CHECK(*other != *upper);
  auto url = Uuid5(kUuidNamespaceUrl, "python.org");
  REQUIRE(url.ok());
  CHECK(*url != *upper);
  CHECK((*url)[14] == '5');
}

TEST_CASE("Uuid5 refuses a malformed namespace") {
  CHECK_FALSE(Uuid5("not-a-uuid", "x").ok());
  CHECK_FALSE(Uuid5("6ba7b8109dad11d180b400c04fd430c8", "x").ok());       // no dashes
  CHECK_FALSE(Uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430cg", "x").ok());   // 'g'
  CHECK_FALSE(Uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8-", "x").ok());  // too long
}

TEST_CASE("ParseUuid and FormatUuid are inverse") {
  auto bytes = ParseUuid("6BA7B810-9DAD-11D1-80B4-00C04FD430C8");
  REQUIRE_MESSAGE(bytes.ok(), bytes.error().message);
  CHECK(bytes->size() == 16);
  CHECK(FormatUuid(*bytes) == std::string(kUuidNamespaceDns));
  CHECK(FormatUuid("short").empty());
  CHECK_FALSE(ParseUuid("6ba7b810-9dad-11d1-80b4_00c04fd430c8").ok());
}
