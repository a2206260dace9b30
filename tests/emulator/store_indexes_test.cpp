// The directory store's secondary indexes and group commit: lookups by value stay right across
// changes, failed transactions, journal replay, snapshots and a snapshot cut short by a crash; a
// $batch shares one journal fsync; Graph's lookups and $filter give the same answers through them.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <boost/json.hpp>

#include "emulator/store/directory_store.h"
#include "tests/emulator/graph_test_tenant.h"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace entragate::emulator;
using namespace entragate::emulator::testing;
using entragate::base::Error;
using entragate::base::Ok;
using entragate::base::Result;
using entragate::base::Status;

namespace {

struct StateDir {
  fs::path path = fs::temp_directory_path() / ("entragate-index-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  StateDir() { fs::remove_all(path); }
  ~StateDir() { fs::remove_all(path); }
  static inline int n = 0;
};

std::unique_ptr<DirectoryStore> Open(const StateDir& dir) {
  auto store = DirectoryStore::Open(dir.path.string());
  REQUIRE(store.ok());
  return std::move(store).value();
}

json::object App(const std::string& id, const std::string& app_id, json::array uris = {}) {
  return json::object{{"id", id}, {"appId", app_id}, {"uniqueName", "u-" + id}, {"identifierUris", std::move(uris)}};
}

Status Put(DirectoryStore& store, Collection c, const std::string& id, json::object value) {
  return store.Write([&](StoreTxn& txn) -> Status {
    txn.Put(c, id, std::move(value));
    return Ok{};
  });
}

std::vector<std::string> Ids(const DirectoryStore& store, Collection c, const std::string& property, const std::string& value) {
  return store.Read([&](const StoreView& v) {
    std::vector<std::string> ids;
    for (const auto& [id, obj] : v.Find(c, property, value)) {
      CHECK(obj == v.Get(c, id));  // the index names the stored object itself
      ids.push_back(id);
    }
    return ids;
  });
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("indexes follow puts, replacements and erasures, and ignore ASCII case") {
  StateDir dir;
  auto store = Open(dir);
  REQUIRE(Put(*store, Collection::kApplications, "a", App("a", "AAA-1", {"api://One", "api://two"})).ok());
  REQUIRE(Put(*store, Collection::kApplications, "b", App("b", "bbb-2")).ok());
  CHECK(Ids(*store, Collection::kApplications, "appId", "aaa-1") == Names{"a"});
  CHECK(Ids(*store, Collection::kApplications, "identifierUris", "API://ONE") == Names{"a"});
  CHECK(Ids(*store, Collection::kApplications, "uniqueName", "U-B") == Names{"b"});
  // A replacement drops the old values; an erasure drops them all.
  REQUIRE(Put(*store, Collection::kApplications, "a", App("a", "AAA-1", {"api://two"})).ok());
  CHECK(Ids(*store, Collection::kApplications, "identifierUris", "api://one").empty());
  CHECK(Ids(*store, Collection::kApplications, "identifierUris", "api://two") == Names{"a"});
  REQUIRE(store
              ->Write([](StoreTxn& txn) -> Status {
                txn.Erase(Collection::kApplications, "a");
                return Ok{};
              })
              .ok());
  CHECK(Ids(*store, Collection::kApplications, "appId", "aaa-1").empty());
  CHECK(Ids(*store, Collection::kApplications, "identifierUris", "api://two").empty());
  // The same appId in another collection is another index.
  REQUIRE(Put(*store, Collection::kServicePrincipals, "s", json::object{{"id", "s"}, {"appId", "bbb-2"}}).ok());
  CHECK(Ids(*store, Collection::kServicePrincipals, "appId", "bbb-2") == Names{"s"});
  CHECK(Ids(*store, Collection::kApplications, "appId", "bbb-2") == Names{"b"});
  CHECK(Ids(*store, Collection::kApplications, "displayName", "anything").empty());  // not indexed: finds nothing
}

TEST_CASE("a transaction that fails or throws leaves no trace in the indexes") {
  StateDir dir;
  auto store = Open(dir);
  REQUIRE(Put(*store, Collection::kApplications, "a", App("a", "one")).ok());
  Status failed = store->Write([](StoreTxn& txn) -> Status {
    txn.Put(Collection::kApplications, "a", App("a", "changed"));
    txn.Put(Collection::kApplications, "c", App("c", "new"));
    CHECK(txn.Find(Collection::kApplications, "appId", "new").size() == 1);  // the transaction sees its own change
    return entragate::base::MakeError(Error::Kind::kConflict, "refused");
  });
  CHECK_FALSE(failed.ok());
  CHECK_THROWS(store->Write([](StoreTxn& txn) -> Status {
    txn.Erase(Collection::kApplications, "a");
    throw std::runtime_error("boom");
  }));
  CHECK(Ids(*store, Collection::kApplications, "appId", "one") == Names{"a"});
  CHECK(Ids(*store, Collection::kApplications, "appId", "changed").empty());
  CHECK(Ids(*store, Collection::kApplications, "appId", "new").empty());
}

TEST_CASE("indexes are rebuilt from the journal and from the snapshot on reopening") {
  StateDir dir;
  {
    auto store = Open(dir);
    for (int i = 0; i < 2100; ++i)
      REQUIRE(Put(*store, Collection::kAppRoleAssignments, "as" + std::to_string(i),
                  json::object{{"id", "as" + std::to_string(i)}, {"resourceId", "r" + std::to_string(i % 7)}, {"principalId", "p"}})
                  .ok());
    REQUIRE(store
                ->Write([](StoreTxn& txn) -> Status {
                  txn.Erase(Collection::kAppRoleAssignments, "as0");
                  return Ok{};
                })
                .ok());
  }
  CHECK(fs::exists(dir.path / "snapshot.json"));
  CHECK_FALSE(fs::exists(dir.path / "journal-rotated.jsonl"));  // the snapshot finished before the store closed
  auto store = Open(dir);
  CHECK(Ids(*store, Collection::kAppRoleAssignments, "resourceId", "r0").size() == 299);  // 300 of 2100, less the erased one
  CHECK(Ids(*store, Collection::kAppRoleAssignments, "principalId", "P").size() == 2099);
}

TEST_CASE("a journal rotated for a snapshot that never finished is replayed before the journal") {
  StateDir dir;
  { auto store = Open(dir); }
  // A crash after the rotation, before the snapshot replaced the old one: both journals remain.
  std::ofstream(dir.path / "journal-rotated.jsonl") << R"([[0,"a",{"id":"a","appId":"old","displayName":"Old"}],[0,"b",{"id":"b","appId":"bee"}]])"
                                                    << "\n";
  std::ofstream(dir.path / "journal.jsonl") << R"([[0,"a",{"id":"a","appId":"new","displayName":"New"}]])"
                                            << "\n";
  {
    auto store = Open(dir);
    CHECK(Ids(*store, Collection::kApplications, "appId", "new") == Names{"a"});
    CHECK(Ids(*store, Collection::kApplications, "appId", "old").empty());
    CHECK(Ids(*store, Collection::kApplications, "appId", "bee") == Names{"b"});
    // The next snapshot folds both in and drops the rotated journal.
    REQUIRE(store->Reset().ok());
    CHECK_FALSE(fs::exists(dir.path / "journal-rotated.jsonl"));
  }
  auto store = Open(dir);
  CHECK(store->Read([](const StoreView& v) { return v.All(Collection::kApplications).size(); }) == 0);
}

TEST_CASE("group commit: the writes in a durable scope share one journal fsync, and are durable when it ends") {
  StateDir dir;
  {
    auto store = Open(dir);
    uint64_t before = store->journal_syncs();
    for (int i = 0; i < 3; ++i) REQUIRE(Put(*store, Collection::kApplications, "x" + std::to_string(i), App("x", "x")).ok());
    CHECK(store->journal_syncs() == before + 3);  // outside a scope each write waits for its own
    {
      DirectoryStore::DurableScope scope(*store);
      for (int i = 0; i < 20; ++i) REQUIRE(Put(*store, Collection::kApplications, "b" + std::to_string(i), App("b", "batched")).ok());
      CHECK(store->journal_syncs() == before + 3);  // none yet: the scope waits once, at its end
      CHECK(store->Read([](const StoreView& v) { return v.Get(Collection::kApplications, "b19") != nullptr; }));
      REQUIRE(scope.Finish().ok());
    }
    CHECK(store->journal_syncs() == before + 4);
  }
  auto store = Open(dir);
  CHECK(store->Read([](const StoreView& v) { return v.All(Collection::kApplications).size(); }) == 23);
}

TEST_CASE("Graph through the indexes: alternate keys, $filter eq/in on indexed properties, identifier URIs, $batch") {
  GraphTestTenant t;
  std::string uri = "api://" + t.summary().tenant_id + "/indexed-a";
  json::object a = t.CreateApp("Indexed A", {{"identifierUris", json::array{uri}}});
  json::object b = t.CreateApp("Indexed B");
  std::string a_app_id(a.at("appId").as_string()), b_app_id(b.at("appId").as_string());
  // Alternate keys ignore case, as Graph's do.
  std::string upper = a_app_id;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(t.Get("/applications(appId='" + upper + "')").status == 200);
  Reply in = t.Get("/applications?$filter=appId in ('" + a_app_id + "', '" + upper + "', '" + b_app_id + "', 'no-such')&$select=displayName");
  REQUIRE(in.status == 200);
  CHECK(in.obj().at("value").as_array().size() == 2);
  // eq on an indexed property with another clause: the index narrows, the whole filter decides.
  Reply both = t.Get("/applications?$filter=appId eq '" + a_app_id + "' and displayName eq 'Indexed B'");
  REQUIRE(both.status == 200);
  CHECK(both.obj().at("value").as_array().empty());
  // An identifier URI is unique across applications, ignoring case.
  std::string shouted = uri;
  for (auto& ch : shouted) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  Reply taken = t.Patch("/applications/" + std::string(b.at("id").as_string()), {{"identifierUris", json::array{shouted}}});
  CHECK(taken.status == 400);
  CHECK(taken.error_message() == "Another object with the same value for property identifierUris already exists.");
  // A service principal per appId; a second one is refused.
  json::object sp = t.CreateSp(b_app_id);
  CHECK(t.Post("/servicePrincipals", json::object{{"appId", b_app_id}}).status == 409);
  Reply by_app = t.Get("/servicePrincipals?$filter=appId eq '" + b_app_id + "'");
  REQUIRE(by_app.obj().at("value").as_array().size() == 1);
  CHECK(by_app.obj().at("value").as_array()[0].at("id") == sp.at("id"));
  // A $batch of writes is made durable by one journal fsync.
  json::array requests;
  for (int i = 0; i < 20; ++i)
    requests.push_back(json::object{{"id", std::to_string(i)},
                                    {"method", "POST"},
                                    {"url", "/applications"},
                                    {"headers", json::object{{"Content-Type", "application/json"}}},
                                    {"body", json::object{{"displayName", "Batched " + std::to_string(i)}}}});
  uint64_t before = t.store().journal_syncs();
  Reply batch = t.Post("/$batch", {{"requests", requests}});
  REQUIRE(batch.status == 200);
  for (const auto& r : batch.obj().at("responses").as_array()) CHECK(r.at("status").as_int64() == 201);
  CHECK(t.store().journal_syncs() == before + 1);
}

TEST_CASE("paging through an index: appRoleAssignedTo pages hold every assignment once") {
  GraphTestTenant t;
  json::object app = t.CreateApp("Paged", {{"appRoles", json::array{Role("11111111-1111-1111-1111-111111111111", "Use")}}});
  json::object sp = t.CreateSp(std::string(app.at("appId").as_string()));
  std::string sp_id(sp.at("id").as_string());
  std::vector<std::string> principals;
  for (int i = 0; i < 5; ++i) {
    json::object client = t.CreateApp("Client " + std::to_string(i));
    principals.emplace_back(t.CreateSp(std::string(client.at("appId").as_string())).at("id").as_string());
  }
  for (const auto& p : principals) {
    Reply made = t.Post("/servicePrincipals/" + sp_id + "/appRoleAssignedTo",
                        {{"principalId", p}, {"resourceId", sp_id}, {"appRoleId", "11111111-1111-1111-1111-111111111111"}});
    REQUIRE_MESSAGE(made.status == 201, made.text);
  }
  std::set<std::string> seen;
  std::string next = "/servicePrincipals/" + sp_id + "/appRoleAssignedTo?$top=2";
  int pages = 0;
  while (!next.empty()) {
    Reply page = t.Get(next);
    REQUIRE(page.status == 200);
    ++pages;
    for (const auto& v : page.obj().at("value").as_array()) CHECK(seen.insert(std::string(v.at("id").as_string())).second);
    const json::value* link = page.obj().if_contains("@odata.nextLink");
    next = link ? std::string(link->as_string()).substr(std::string("https://graph.test").size()) : "";
  }
  CHECK(pages == 3);
  CHECK(seen.size() == 5);
  // Each client holds its one assignment; deleting the resource takes them all.
  CHECK(t.Get("/servicePrincipals/" + principals[0] + "/appRoleAssignments").obj().at("value").as_array().size() == 1);
  REQUIRE(t.Delete("/servicePrincipals/" + sp_id).status == 204);
  CHECK(t.Get("/servicePrincipals/" + principals[0] + "/appRoleAssignments").obj().at("value").as_array().empty());
}
