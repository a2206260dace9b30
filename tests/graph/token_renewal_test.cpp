// A token that expires or is revoked during a long run: Graph answers 401, the client asks for a
// fresh token once and sends the request again; a second 401 is the answer.
#include <doctest/doctest.h>

#include <deque>

#include "providers/graph/client/graph_client.h"

using namespace entragate;
using namespace entragate::graph;

namespace {

class Scripted : public Transport {
 public:
  std::deque<int> statuses;
  std::vector<std::string> authorizations;
  engine::Result<net::Response> Send(const net::Request& r) override {
    authorizations.push_back(r.Header("Authorization").value_or(""));
    net::Response resp;
    resp.status = statuses.front();
    statuses.pop_front();
    if (resp.status == 401)
      resp.body = R"({"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}})";
    else
      resp.body = R"({"value":[]})";
    resp.headers["Content-Type"] = "application/json";
    return resp;
  }
};

}  // namespace

TEST_CASE("a 401 renews the token once and retries, a second 401 is final") {
  Scripted t;
  int renewals = 0, issued = 0;
  GraphClientOptions o;
  o.graph_root = "https://graph.test/v1.0";
  o.sleep = [](int64_t) {};
  o.on_unauthorized = [&] { ++renewals; };
  GraphClient client(
      t, [&]() -> engine::Result<std::string> { return "token-" + std::to_string(++issued); }, o);
  t.statuses = {401, 200};
  auto ok = client.Send({"GET", "/applications", {}, std::nullopt, false, true});
  REQUIRE(ok.ok());
  CHECK(renewals == 1);
  REQUIRE(t.authorizations.size() == 2);
  CHECK(t.authorizations[0] == "Bearer token-1");
  CHECK(t.authorizations[1] == "Bearer token-2");  // asked anew after the 401
  t.statuses = {401, 401};
  auto refused = client.Send({"GET", "/applications", {}, std::nullopt, false, true});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().http_status == 401);
  CHECK(refused.error().code == "InvalidAuthenticationToken");
  CHECK(renewals == 2);
}
