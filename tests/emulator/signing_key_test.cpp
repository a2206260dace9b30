// The tenant's signing key on disk: created once, found again, old tokens still verify.

#include "tests/emulator/token_service_test_support.h"

using namespace token_service_test;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "signing-key-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("the signing key persists: a second load finds the same key, and old tokens verify") {
  TempDir dir;
  const std::string state = dir.path + "/state";  // created on demand
  auto first = SigningKey::LoadOrCreate(state, kNow);
  REQUIRE(first.ok());
  struct stat info {};
  REQUIRE(::stat((state + "/signing-key.pem").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  FakeTokenDirectory directory = StandardDirectory();
  TokenService before(directory, *first, {kAuthority, [] { return kNow; }, {}});
  const auto token = TokenOf(before.Handle(Post(V2Token(), SecretFields("api://payroll/.default"))));

  auto second = SigningKey::LoadOrCreate(state, kNow + 86400);
  REQUIRE(second.ok());
  CHECK(second->Kid() == first->Kid());
  CHECK(second->Cert().Der() == first->Cert().Der());
  auto key = crypto::PublicKeyFromJwk(second->Jwk());
  REQUIRE(key.ok());
  CHECK(crypto::VerifyJwtSignature(token, *key, crypto::JwtAlg::kRs256).ok());
  CHECK(std::distance(std::filesystem::directory_iterator(state), std::filesystem::directory_iterator()) == 1);

  SUBCASE("a file with only a key keeps the key and gains a certificate") {
    auto pem = crypto::PrivateKeyToPem(ClientKey());
    REQUIRE(pem.ok());
    REQUIRE(crypto::WritePemFile(state + "/signing-key.pem", *pem, crypto::FileSecrecy::kSecret).ok());
    auto loaded = SigningKey::LoadOrCreate(state, kNow);
    REQUIRE(loaded.ok());
    auto expected = crypto::PublicKeyToJwk(ClientKey(), "x");
    REQUIRE(expected.ok());
    CHECK(Str(loaded->Jwk(), "n") == Str(*expected, "n"));
    CHECK(crypto::LoadCertAndKeyPemFile(state + "/signing-key.pem").ok());
    auto reloaded = SigningKey::LoadOrCreate(state, kNow);
    REQUIRE(reloaded.ok());
    CHECK(reloaded->Kid() == loaded->Kid());
  }
  SUBCASE("an unreadable file is an error, not silently replaced") {
    REQUIRE(crypto::WritePemFile(state + "/signing-key.pem", "garbage", crypto::FileSecrecy::kSecret).ok());
    auto broken = SigningKey::LoadOrCreate(state, kNow);
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.error().kind == base::Error::Kind::kIo);
  }
}
