// The managed-identity token cache outlives the process, as Azure's outlives a restart of the
// client: a local tenant reopened on the same state hands out the same token, byte for byte, while
// the state holds only its claims, never the token.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "emulator/identity/managed_identity_service.h"
#include "tests/emulator/http_tenant.h"

using namespace entragate;
namespace json = boost::json;
using entragate::testing::Tenant;

namespace {

std::string Imds(Tenant& t) {
  net::Response r = t.Send("GET", t.e().imds + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fgraph.microsoft.com",
                           "", {{"Metadata", "true"}});
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return std::string(json::parse(r.body).at("access_token").as_string());
}

// Every byte the state directory holds, to look for a token in it.
std::string StateBytes(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

}  // namespace

TEST_CASE("a reopened local tenant hands out the token it had cached, and its state holds no token") {
  std::string dir, token;
  {
    Tenant first;
    dir = first.KeepState();
    token = Imds(first);
    CHECK(first.tenant->identities().CachedTokenIds().size() == 1);
  }
  {
    Tenant again({}, dir);
    CHECK(Imds(again) == token);
    const std::string bytes = StateBytes(dir);
    const std::string signature = token.substr(token.rfind('.') + 1);
    CHECK(bytes.find(signature) == std::string::npos);
    const std::size_t dot = token.find('.');
    CHECK(bytes.find(token.substr(dot + 1, token.rfind('.') - dot - 1)) == std::string::npos);  // the encoded claims

    again.Admin("POST", "hosts/centos-1/token-cache/flush");
    again.KeepState();
  }
  Tenant flushed({}, dir);
  CHECK(flushed.tenant->identities().CachedTokenIds().empty());
  CHECK(Imds(flushed) != token);
}

TEST_CASE("an admin reset forgets the cached managed-identity tokens, in memory and in the state") {
  Tenant t;
  std::string token = Imds(t);
  REQUIRE(t.tenant->identities().CachedTokenIds().size() == 1);
  t.Admin("POST", "reset");
  CHECK(t.tenant->identities().CachedTokenIds().empty());
  CHECK(Imds(t) != token);
  std::string dir = t.KeepState();
  t.tenant.reset();
  Tenant again({}, dir);
  CHECK(again.tenant->identities().CachedTokenIds().size() == 1);  // only the token issued after the reset
}
