// GraphClient::ListAll: nextLinks followed together, headers on every page, failures per collection.

#include "tests/graph/graph_client_test_support.h"

using namespace graph_client_test;

namespace {

// /applications: 5 items in pages of 2; /servicePrincipals: 3 items in pages of 2.
Answer Page(const std::string& url) {
  auto page = [](std::vector<std::string> ids, const std::string& next) {
    json::array value;
    for (const auto& id : ids) value.push_back(json::object{{"id", id}});
    json::object o{{"value", value}};
    if (!next.empty()) o["@odata.nextLink"] = kRoot + next;
    return Answer{200, o, {}};
  };
  if (url == "/applications?$top=2") return page({"a1", "a2"}, "/applications?$top=2&$skiptoken=p2");
  if (url == "/applications?$top=2&$skiptoken=p2") return page({"a3", "a4"}, "/applications?$top=2&$skiptoken=p3");
  if (url == "/applications?$top=2&$skiptoken=p3") return page({"a5"}, "");
  if (url == "/servicePrincipals?$top=2") return page({"s1", "s2"}, "/servicePrincipals?$top=2&$skiptoken=p2");
  if (url == "/servicePrincipals?$top=2&$skiptoken=p2") return page({"s3"}, "");
  return Answer{404, GraphError("Request_ResourceNotFound", "no such page " + url), {}};
}

std::vector<std::string> Ids(const std::vector<json::object>& items) {
  std::vector<std::string> ids;
  for (const auto& o : items) ids.emplace_back(o.at("id").as_string());
  return ids;
}

}  // namespace

// --- paging --------------------------------------------------------------------------------------

TEST_CASE("ListAll follows every nextLink, sending the next pages of several collections together") {
  Harness h;
  auto client = h.Client();
  h.transport.responder = [](const std::string&, const std::string& url, const net::Headers&) { return Page(url); };
  auto lists = client->ListAll({"/applications?$top=2", "/servicePrincipals?$top=2"});
  REQUIRE(lists[0].ok());
  REQUIRE(lists[1].ok());
  CHECK(Ids(lists[0].value()) == std::vector<std::string>{"a1", "a2", "a3", "a4", "a5"});
  CHECK(Ids(lists[1].value()) == std::vector<std::string>{"s1", "s2", "s3"});
  auto sent = h.transport.Sent();
  REQUIRE(sent.size() == 3);  // first pages together, second pages together, the last page alone
  CHECK(SubUrls(sent[0]) == std::vector<std::string>{"/applications?$top=2", "/servicePrincipals?$top=2"});
  CHECK(SubUrls(sent[1]) == std::vector<std::string>{"/applications?$top=2&$skiptoken=p2", "/servicePrincipals?$top=2&$skiptoken=p2"});
  CHECK(sent[2].method == "GET");
  CHECK(sent[2].target == kRoot + "/applications?$top=2&$skiptoken=p3");
}

TEST_CASE("ListAll for answers read once gives the same items, each in its answer's arena, whether it came in a $batch or alone") {
  Harness h;
  auto client = h.Client();
  h.transport.responder = [](const std::string&, const std::string& url, const net::Headers&) { return Page(url); };
  auto kept = client->ListAll({"/applications?$top=2", "/servicePrincipals?$top=2"});
  auto once = client->ListAll({"/applications?$top=2", "/servicePrincipals?$top=2"}, graph::AnswerUse::kReadOnce);
  for (size_t i = 0; i < 2; ++i) {
    REQUIRE(kept[i].ok());
    REQUIRE(once[i].ok());
    CHECK(Ids(once[i].value()) == Ids(kept[i].value()));
    for (const auto& item : kept[i].value()) CHECK_FALSE(item.storage().is_deallocate_trivial());
    // a5 came in an answer of its own, the others out of $batch envelopes: none was copied out of its arena.
    for (const auto& item : once[i].value()) CHECK(item.storage().is_deallocate_trivial());
  }
}

TEST_CASE("ListAll sends a query's headers again with every page") {
  Harness h;
  auto client = h.Client();
  std::vector<std::string> consistency;
  h.transport.responder = [&](const std::string&, const std::string& url, const net::Headers& headers) {
    auto it = headers.find("ConsistencyLevel");
    consistency.push_back(it == headers.end() ? "" : it->second);
    return Page(url);
  };
  GraphRequest q = Get("/applications?$top=2");
  q.headers["ConsistencyLevel"] = "eventual";
  auto lists = client->ListAllQueries({q});
  REQUIRE(lists[0].ok());
  CHECK(consistency == std::vector<std::string>{"eventual", "eventual", "eventual"});
}

TEST_CASE("ListAll never follows a nextLink outside the Graph root, only that collection fails") {
  Harness h;
  auto client = h.Client();
  h.transport.responder = [](const std::string&, const std::string& url, const net::Headers&) {
    if (url == "/applications")
      return Answer{200, json::object{{"value", json::array{}}, {"@odata.nextLink", "https://evil.test/v1.0/applications?$skiptoken=x"}}, {}};
    return Page(url);
  };
  auto lists = client->ListAll({"/applications", "/servicePrincipals?$top=2"});
  REQUIRE_FALSE(lists[0].ok());
  CHECK(lists[0].error().message == "GET applications: @odata.nextLink is outside the Graph root https://graph.test/v1.0; not followed");
  REQUIRE(lists[1].ok());
  CHECK(lists[1]->size() == 3);
  for (const auto& r : h.transport.Sent()) CHECK(r.target.rfind(kRoot, 0) == 0);
}

TEST_CASE("ListAll reports a failed page for its collection only") {
  Harness h;
  auto client = h.Client();
  h.transport.responder = [](const std::string&, const std::string& url, const net::Headers&) { return Page(url); };
  auto lists = client->ListAll({"/nothing", "/applications?$top=2"});
  REQUIRE_FALSE(lists[0].ok());
  CHECK(lists[0].error().kind == Error::Kind::kNotFound);
  REQUIRE(lists[1].ok());
  CHECK(lists[1]->size() == 5);
}
