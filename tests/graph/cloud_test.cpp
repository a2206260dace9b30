// National clouds and how --graph-url, --login-url and AZURE_AUTHORITY_HOST override them.
#include <doctest/doctest.h>

#include <map>

#include "providers/graph/credentials/cloud.h"

using namespace entragate;
using namespace entragate::graph;

namespace {

GetEnv EnvOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST_CASE("cloud credential scope: the four clouds by name and alias") {
  struct Expected {
    const char* name;
    const char* graph;
    const char* login;
  };
  const Expected clouds[] = {
      {"public", "https://graph.microsoft.com", "https://login.microsoftonline.com"},
      {"usgov", "https://graph.microsoft.us", "https://login.microsoftonline.us"},
      {"usgov-dod", "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"},
      {"china", "https://microsoftgraph.chinacloudapi.cn", "https://login.partner.microsoftonline.cn"},
  };
  for (const auto& expected : clouds) {
    CAPTURE(expected.name);
    auto cloud = Cloud::Named(expected.name);
    REQUIRE(cloud);
    CHECK(cloud->name == expected.name);
    CHECK(cloud->graph_root == expected.graph);
    CHECK(cloud->graph_resource == expected.graph);
    CHECK(cloud->login_host == expected.login);
    CHECK(cloud->GraphScope() == std::string(expected.graph) + "/.default");
    CHECK(cloud->GraphBaseUrl() == std::string(expected.graph) + "/v1.0");
  }
  CHECK(Cloud::Named("AzureCloud")->name == "public");
  CHECK(Cloud::Named("GLOBAL")->name == "public");
  CHECK(Cloud::Named("AzureUSGovernment")->name == "usgov");
  CHECK(Cloud::Named("dod")->name == "usgov-dod");
  CHECK(Cloud::Named("AzureChinaCloud")->name == "china");
  CHECK_FALSE(Cloud::Named("germany"));
  CHECK_FALSE(Cloud::Named(""));
}

TEST_CASE("cloud credential scope: overrides, most specific first") {
  auto plain = ResolveCloud("usgov", std::nullopt, std::nullopt, EnvOf({}));
  REQUIRE(plain.ok());
  CHECK(plain->login_host == "https://login.microsoftonline.us");

  auto from_env = ResolveCloud("public", std::nullopt, std::nullopt, EnvOf({{"AZURE_AUTHORITY_HOST", "https://login.example.test/"}}));
  REQUIRE(from_env.ok());
  CHECK(from_env->login_host == "https://login.example.test");

  auto flag_wins =
      ResolveCloud("public", std::nullopt, std::string("https://127.0.0.1:8443"), EnvOf({{"AZURE_AUTHORITY_HOST", "https://login.example.test"}}));
  REQUIRE(flag_wins.ok());
  CHECK(flag_wins->login_host == "https://127.0.0.1:8443");

  // --graph-url moves requests, not the token audience: the token is still for Graph.
  auto graph = ResolveCloud("public", std::string("https://127.0.0.1:8443/v1.0/"), std::nullopt, EnvOf({}));
  REQUIRE(graph.ok());
  CHECK(graph->graph_root == "https://127.0.0.1:8443");
  CHECK(graph->GraphBaseUrl() == "https://127.0.0.1:8443/v1.0");
  CHECK(graph->GraphScope() == "https://graph.microsoft.com/.default");

  auto empty_is_unset = ResolveCloud("china", std::string(), std::string(), EnvOf({{"AZURE_AUTHORITY_HOST", ""}}));
  REQUIRE(empty_is_unset.ok());
  CHECK(empty_is_unset->login_host == "https://login.partner.microsoftonline.cn");
}

TEST_CASE("cloud credential scope: unknown names and malformed URLs are refused") {
  auto unknown = ResolveCloud("mooncake2", std::nullopt, std::nullopt, EnvOf({}));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == engine::Error::Kind::kInvalid);
  CHECK(unknown.error().message == "unknown cloud 'mooncake2' (known: public, usgov, usgov-dod, china)");

  auto bad_env = ResolveCloud("public", std::nullopt, std::nullopt, EnvOf({{"AZURE_AUTHORITY_HOST", "login.microsoftonline.us"}}));
  REQUIRE_FALSE(bad_env.ok());
  CHECK(bad_env.error().message.rfind("AZURE_AUTHORITY_HOST must be an absolute http(s) URL", 0) == 0);

  CHECK_FALSE(ResolveCloud("public", std::string("https://graph.example/?x=1"), std::nullopt, EnvOf({})).ok());
  CHECK_FALSE(ResolveCloud("public", std::nullopt, std::string("https:///path"), EnvOf({})).ok());
}
