// The Azure CLI source, with a stand-in `az` script run through the real fork/exec runner: the
// arguments it gets, the JSON it prints (both expiry spellings), and failures that never quote
// its standard output.
#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <fstream>

#include "providers/graph/credentials/azure_cli_credential.h"
#include "providers/graph/credentials/client_secret_credential.h"
#include "providers/graph/credentials/process_runner.h"
#include "tests/graph/credential_test_support.h"

using namespace entragate;
using namespace entragate::graph;
using namespace entragate::graph::testing;

namespace {

// An executable `az` in `dir` that records its arguments, then runs `body`.
std::string WriteAz(const TempDir& dir, const std::string& body) {
  const std::string path = dir.Write("az", "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + dir.path() + "/args'\n" + body);
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

std::string PrintJson(const json::object& object) { return "cat <<'EOF'\n" + json::serialize(object) + "\nEOF\n"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

RunProgram ProcessRunner() {
  CannedTransport unused(net::Response{});
  return CredentialEnv::FromProcess(unused, *Cloud::Named("public")).run;
}

}  // namespace

TEST_CASE("Azure CLI credential: az account get-access-token, its token and expires_on") {
  TestTenant t;
  ClientSecretCredential secret(t.transport(), {t.e().authority, t.e().tenant_id, t.e().client_id}, t.e().client_secret, Now);
  const std::string jwt = secret.GetToken(kGraphScope).value().token;
  TempDir bin;
  const std::string az = WriteAz(bin, PrintJson({{"accessToken", jwt},
                                                 {"expiresOn", "2031-01-01 00:00:00.000000"},
                                                 {"expires_on", 1924992000},
                                                 {"subscription", "s"},
                                                 {"tenant", t.e().tenant_id},
                                                 {"tokenType", "Bearer"}}));
  REQUIRE(FindOnPath("az", "/nonexistent:" + bin.path()) == az);
  AzureCliCredential credential(ProcessRunner(), az);
  CHECK(credential.Name() == "Azure CLI (az account get-access-token)");
  auto token = credential.GetToken(kGraphScope);
  REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().message));
  CHECK(token->token == jwt);
  CHECK(token->expires_on == 1924992000);
  CHECK(ReadFile(bin.path() + "/args") == "account\nget-access-token\n--resource\nhttps://graph.microsoft.com\n--output\njson\n");
  // The token is usable with Graph.
  net::Response r = t.Send({"GET", t.e().graph + "/applications?$top=1", {{"Authorization", "Bearer " + token->token}}, "", ""});
  CHECK(r.status == 200);
}

TEST_CASE("Azure CLI credential: older az prints only expiresOn, in local time") {
  std::tm parts{};
  parts.tm_year = 2031 - 1900;
  parts.tm_mon = 0;
  parts.tm_mday = 2;
  parts.tm_hour = 3;
  parts.tm_min = 4;
  parts.tm_sec = 5;
  parts.tm_isdst = -1;
  const std::int64_t expected = std::mktime(&parts);
  auto token = ParseAzureCliToken(R"({"accessToken":"a","expiresOn":"2031-01-02 03:04:05.123456"})", "az");
  REQUIRE(token.ok());
  CHECK(token->expires_on == expected);
  token = ParseAzureCliToken(R"({"accessToken":"a","expires_on":"1924992000"})", "az");
  REQUIRE(token.ok());
  CHECK(token->expires_on == 1924992000);
}

TEST_CASE("Azure CLI credential: failures carry az's standard error, never its standard output") {
  TempDir bin;
  const std::string leaked = "eyJhbGciOi.leaked-token-in-stdout";
  WriteAz(bin, "echo '" + leaked + "'\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
  AzureCliCredential logged_out(ProcessRunner(), bin.path() + "/az");
  auto token = logged_out.GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CAPTURE(token.error().message);
  CHECK(token.error().kind == engine::Error::Kind::kAuth);
  CHECK(token.error().message == "Azure CLI (az account get-access-token): az exited with status 1: ERROR: Please run 'az login' to setup account.");

  WriteAz(bin, "echo 'not json " + leaked + "'\n");
  token = AzureCliCredential(ProcessRunner(), bin.path() + "/az").GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().message.find(leaked) == std::string::npos);
  CHECK(token.error().message.find("not a JSON object") != std::string::npos);

  WriteAz(bin, PrintJson({{"accessToken", leaked}}));
  token = AzureCliCredential(ProcessRunner(), bin.path() + "/az").GetToken(kGraphScope);
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().message.find(leaked) == std::string::npos);
  CHECK(token.error().message.find("expires_on") != std::string::npos);
}

TEST_CASE("credential process runner: no shell, stdin closed, exec failures reported") {
  TempDir bin;
  // Arguments arrive verbatim: nothing is expanded or split.
  const std::string echo = bin.Write("echo-args", "#!/bin/sh\nprintf '[%s]' \"$@\"\nread line || printf 'eof'\n");
  fs::permissions(echo, fs::perms::owner_all);
  auto ran = RunProcess({echo, "$HOME", "a b", "'; rm -rf /'"});
  REQUIRE(ran.ok());
  CHECK(ran->exit_code == 0);
  CHECK(ran->out == "[$HOME][a b]['; rm -rf /']eof");

  auto missing = RunProcess({bin.path() + "/does-not-exist"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("cannot run " + bin.path() + "/does-not-exist") == 0);

  const std::string sleeper = bin.Write("sleeper", "#!/bin/sh\nexec sleep 30\n");
  fs::permissions(sleeper, fs::perms::owner_all);
  ProcessOptions quick;
  quick.timeout = std::chrono::milliseconds(200);
  auto slow = RunProcess({sleeper}, quick);
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error().kind == engine::Error::Kind::kTransient);

  // Non-executable files and relative PATH entries are not candidates.
  bin.Write("az", "#!/bin/sh\n");
  CHECK_FALSE(FindOnPath("az", bin.path()));
  CHECK_FALSE(FindOnPath("az", ":.:relative"));
}
