#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <boost/json.hpp>

#include "emulator/store/directory_store.h"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace entragate::emulator;
using entragate::base::Error;
using entragate::base::Ok;
using entragate::base::Result;
using entragate::base::Status;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("entragate-store-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  TempDir() { fs::remove_all(path); }
  ~TempDir() { fs::remove_all(path); }
  static inline int n = 0;
};

std::unique_ptr<DirectoryStore> Open(const TempDir& dir) {
  auto store = DirectoryStore::Open(dir.path.string());
  REQUIRE(store.ok());
  return std::move(store).value();
}

Status PutApp(DirectoryStore& store, const std::string& id, const std::string& name) {
  return store.Write([&](StoreTxn& txn) -> Status {
    txn.Put(Collection::kApplications, id, json::object{{"id", id}, {"displayName", name}});
    return Ok{};
  });
}

std::string NameOf(const DirectoryStore& store, const std::string& id) {
  return store.Read([&](const StoreView& v) {
    const json::object* o = v.Get(Collection::kApplications, id);
    return o ? std::string(o->at("displayName").as_string()) : std::string("<missing>");
  });
}

}  // namespace

TEST_CASE("writes are visible and survive reopening") {
  TempDir dir;
  {
    auto store = Open(dir);
    REQUIRE(PutApp(*store, "a", "Alpha").ok());
    REQUIRE(PutApp(*store, "b", "Beta").ok());
    REQUIRE(store
                ->Write([](StoreTxn& txn) -> Status {
                  txn.Erase(Collection::kApplications, "b");
                  return Ok{};
                })
                .ok());
    CHECK(NameOf(*store, "a") == "Alpha");
    CHECK(store->writes() == 3);
  }
  auto reopened = Open(dir);
  CHECK(NameOf(*reopened, "a") == "Alpha");
  CHECK(NameOf(*reopened, "b") == "<missing>");
}

TEST_CASE("a failed transaction changes nothing, in memory or on disk") {
  TempDir dir;
  {
    auto store = Open(dir);
    REQUIRE(PutApp(*store, "a", "Alpha").ok());
    Result<int> failed = store->Write([](StoreTxn& txn) -> Result<int> {
      txn.Put(Collection::kApplications, "a", json::object{{"id", "a"}, {"displayName", "Changed"}});
      txn.Put(Collection::kApplications, "c", json::object{{"id", "c"}, {"displayName", "Gamma"}});
      return entragate::base::MakeError(Error::Kind::kInvalid, "refused");
    });
    CHECK_FALSE(failed.ok());
    CHECK(NameOf(*store, "a") == "Alpha");
    CHECK(NameOf(*store, "c") == "<missing>");
  }
  auto reopened = Open(dir);
  CHECK(NameOf(*reopened, "a") == "Alpha");
  CHECK(NameOf(*reopened, "c") == "<missing>");
}

TEST_CASE("a torn last journal entry (crash mid-append) is dropped, earlier writes stay") {
  TempDir dir;
  {
    auto store = Open(dir);
    REQUIRE(PutApp(*store, "a", "Alpha").ok());
  }
  std::ofstream(dir.path / "journal.jsonl", std::ios::app) << R"([[0,"b",{"id":"b","displayName":"Be)";
  {
    auto store = Open(dir);
    CHECK(NameOf(*store, "a") == "Alpha");
    CHECK(NameOf(*store, "b") == "<missing>");
    REQUIRE(PutApp(*store, "c", "Gamma").ok());  // appends after the cut, not after the torn bytes
  }
  auto reopened = Open(dir);
  CHECK(NameOf(*reopened, "c") == "Gamma");
}

TEST_CASE("a corrupt journal line in the middle is an error, not silent loss") {
  TempDir dir;
  { auto store = Open(dir); }
  std::ofstream(dir.path / "journal.jsonl") << "garbage\n"
                                            << R"([[0,"a",{"id":"a","displayName":"A"}]])"
                                            << "\n";
  auto store = DirectoryStore::Open(dir.path.string());
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().message.find("is corrupt") != std::string::npos);
}

TEST_CASE("the journal is folded into a snapshot as it grows, and nothing is lost") {
  TempDir dir;
  {
    auto store = Open(dir);
    for (int i = 0; i < 2100; ++i) REQUIRE(PutApp(*store, "app" + std::to_string(i), "App " + std::to_string(i)).ok());
  }
  CHECK(fs::exists(dir.path / "snapshot.json"));
  CHECK(fs::file_size(dir.path / "journal.jsonl") < fs::file_size(dir.path / "snapshot.json"));
  auto reopened = Open(dir);
  CHECK(NameOf(*reopened, "app0") == "App 0");
  CHECK(NameOf(*reopened, "app2099") == "App 2099");
  CHECK(reopened->Read([](const StoreView& v) { return v.All(Collection::kApplications).size(); }) == 2100);
}

TEST_CASE("a snapshot written before a collection existed still loads: the new collection starts empty and takes writes") {
  TempDir dir;
  fs::create_directories(dir.path);
  // The snapshot of a state directory from before directoryRoles (the last collection) was added.
  std::ofstream(dir.path / "snapshot.json") << R"({"applications":{"a":{"id":"a","displayName":"Alpha"}},"servicePrincipals":{},)"
                                               R"("appRoleAssignments":{},"users":{},"groups":{},"deletedApplications":{},"hosts":{},)"
                                               R"("meta":{},"deletedServicePrincipals":{}})";
  {
    auto store = Open(dir);
    CHECK(NameOf(*store, "a") == "Alpha");
    CHECK(store->Read([](const StoreView& v) { return v.All(Collection::kDirectoryRoles).size(); }) == 0);
    REQUIRE(store
                ->Write([](StoreTxn& txn) -> Status {
                  txn.Put(Collection::kDirectoryRoles, "r", json::object{{"id", "r"}, {"displayName", "Global Administrator"}});
                  return Ok{};
                })
                .ok());
  }
  auto reopened = Open(dir);
  CHECK(NameOf(*reopened, "a") == "Alpha");
  CHECK(reopened->Read([](const StoreView& v) { return v.Get(Collection::kDirectoryRoles, "r") != nullptr; }));
}

TEST_CASE("reset empties the tenant durably") {
  TempDir dir;
  {
    auto store = Open(dir);
    REQUIRE(PutApp(*store, "a", "Alpha").ok());
    REQUIRE(store->Reset().ok());
    CHECK(NameOf(*store, "a") == "<missing>");
  }
  auto reopened = Open(dir);
  CHECK(NameOf(*reopened, "a") == "<missing>");
}

namespace {

// A store written once (line 1 holds app "a"), then `lines` appended to its journal by hand.
Result<std::unique_ptr<DirectoryStore>> OpenWithJournalLines(const TempDir& dir, const std::vector<std::string>& lines) {
  {
    auto store = Open(dir);
    REQUIRE(PutApp(*store, "a", "Alpha").ok());
  }
  std::ofstream journal(dir.path / "journal.jsonl", std::ios::app);
  for (const auto& l : lines) journal << l << "\n";
  journal.close();
  return DirectoryStore::Open(dir.path.string());
}

}  // namespace

TEST_CASE("a journal line of the wrong shape is refused with its line number, never replayed") {
  // Each is valid JSON (or plainly not JSON) that a replay must not trust.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not JSON"},
      {R"({"a":1})", "not a list of changes"},
      {R"([5])", "change 1: not [collection, id, object]"},
      {R"([[0,"x"]])", "change 1: not [collection, id, object]"},
      {R"([[0,"x",{},4]])", "change 1: not [collection, id, object]"},
      {R"([[99,"x",{}]])", "change 1: the collection is not a number from 0 to 9"},
      {R"([[-1,"x",{}]])", "change 1: the collection is not a number from 0 to 9"},
      {R"([["0","x",{}]])", "change 1: the collection is not a number from 0 to 9"},
      {R"([[1.5,"x",{}]])", "change 1: the collection is not a number from 0 to 9"},
      {R"([[0,7,{}]])", "change 1: the id is not a non-empty string"},
      {R"([[0,"",{}]])", "change 1: the id is not a non-empty string"},
      {R"([[0,"x",{}],[0,"y","text"]])", "change 2: the object is neither an object nor null"},
      {R"([[0,"x",[1]]])", "change 1: the object is neither an object nor null"},
  };
  for (const auto& [line, why] : cases) {
    CAPTURE(line);
    TempDir dir;
    auto store = OpenWithJournalLines(dir, {R"([[0,"b",{"id":"b","displayName":"Beta"}]])", line});
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().message.find("journal line 3: " + why) != std::string::npos);
  }
}

TEST_CASE("a good journal still loads after the shape checks, erasures included") {
  TempDir dir;
  auto store = OpenWithJournalLines(dir, {R"([[0,"b",{"id":"b","displayName":"Beta"}],[0,"a",null]])", "[]"});
  REQUIRE(store.ok());
  CHECK(NameOf(*store.value(), "b") == "Beta");
  CHECK(NameOf(*store.value(), "a") == "<missing>");
}

TEST_CASE("an exception inside a write undoes its changes: memory and journal agree") {
  TempDir dir;
  {
    auto store = Open(dir);
    REQUIRE(PutApp(*store, "a", "Alpha").ok());
    REQUIRE(PutApp(*store, "b", "Beta").ok());
    CHECK_THROWS_AS(store->Write([](StoreTxn& txn) -> Status {
      txn.Put(Collection::kApplications, "a", json::object{{"id", "a"}, {"displayName", "Changed"}});
      txn.Erase(Collection::kApplications, "b");
      txn.Put(Collection::kApplications, "c", json::object{{"id", "c"}, {"displayName", "Gamma"}});
      // A throwing accessor on a value of the wrong type, as a handler bug would make.
      (void)json::value(42).as_string();
      return Ok{};
    }),
                    std::exception);
    CHECK(NameOf(*store, "a") == "Alpha");
    CHECK(NameOf(*store, "b") == "Beta");
    CHECK(NameOf(*store, "c") == "<missing>");
    CHECK(store->writes() == 2);
    REQUIRE(PutApp(*store, "d", "Delta").ok());  // the lock was released
  }
  auto reopened = Open(dir);
  CHECK(NameOf(*reopened, "a") == "Alpha");
  CHECK(NameOf(*reopened, "b") == "Beta");
  CHECK(NameOf(*reopened, "c") == "<missing>");
  CHECK(NameOf(*reopened, "d") == "Delta");
  CHECK(reopened->Read([](const StoreView& v) { return v.All(Collection::kApplications).size(); }) == 3);
}

namespace {
fs::perms ModeOf(const fs::path& p) { return fs::status(p).permissions() & fs::perms::all; }
}  // namespace

TEST_CASE("the state is private: a new directory is 0700, the journal and snapshot 0600") {
  TempDir dir;
  fs::path nested = dir.path / "new" / "state";
  {
    auto store = DirectoryStore::Open(nested.string());
    REQUIRE(store.ok());
    REQUIRE(PutApp(*store.value(), "a", "Alpha").ok());
    REQUIRE(store.value()->Reset().ok());  // writes the snapshot
  }
  CHECK(ModeOf(nested) == fs::perms::owner_all);
  CHECK(ModeOf(nested / "journal.jsonl") == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(ModeOf(nested / "snapshot.json") == (fs::perms::owner_read | fs::perms::owner_write));
}

TEST_CASE("an empty state directory made by someone else with the umask's 0755 is narrowed to 0700") {
  TempDir dir;
  fs::create_directories(dir.path);
  fs::permissions(dir.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  auto store = DirectoryStore::Open(dir.path.string());
  REQUIRE(store.ok());
  CHECK(ModeOf(dir.path) == fs::perms::owner_all);
}

TEST_CASE("a failed transaction that wrote one object twice and created another is undone, indexes included") {
  TempDir dir;
  auto store = Open(dir);
  auto app = [](const char* id, const char* app_id) { return json::object{{"id", id}, {"appId", app_id}, {"displayName", id}}; };
  REQUIRE(store
              ->Write([&](StoreTxn& txn) -> Status {
                txn.Put(Collection::kApplications, "a", app("a", "app-a"));
                return Ok{};
              })
              .ok());
  Result<int> failed = store->Write([&](StoreTxn& txn) -> Result<int> {
    txn.Put(Collection::kApplications, "a", app("a", "app-a2"));
    txn.Put(Collection::kApplications, "a", app("a", "app-a3"));
    txn.Put(Collection::kApplications, "n", app("n", "app-n"));
    txn.Put(Collection::kApplications, "n", app("n", "app-n2"));
    txn.Erase(Collection::kApplications, "a");
    return entragate::base::MakeError(Error::Kind::kInvalid, "refused");
  });
  CHECK_FALSE(failed.ok());
  store->Read([](const StoreView& v) {
    CHECK(v.All(Collection::kApplications).size() == 1);
    CHECK(v.Get(Collection::kApplications, "a")->at("appId").as_string() == "app-a");
    CHECK(v.Find(Collection::kApplications, "appId", "app-a").count("a") == 1);
    for (const char* gone : {"app-a2", "app-a3", "app-n", "app-n2"}) CHECK(v.Find(Collection::kApplications, "appId", gone).empty());
    return 0;
  });
}

TEST_CASE("PutMembers changes only the members it names: journaled, indexed, and undone whole when the write fails") {
  TempDir dir;
  {
    auto store = Open(dir);
    REQUIRE(store
                ->Write([&](StoreTxn& txn) -> Status {
                  txn.Put(Collection::kApplications, "a", json::object{{"id", "a"}, {"appId", "app-a"}, {"displayName", "Alpha"}, {"notes", "n"}});
                  return Ok{};
                })
                .ok());
    Result<int> failed = store->Write([&](StoreTxn& txn) -> Result<int> {
      CHECK(txn.PutMembers(Collection::kApplications, "a", json::object{{"appId", "app-b"}, {"tags", json::array{"t"}}}));
      CHECK(txn.Get(Collection::kApplications, "a")->at("appId").as_string() == "app-b");  // the transaction sees its change
      CHECK_FALSE(txn.PutMembers(Collection::kApplications, "missing", json::object{{"notes", "x"}}));
      return entragate::base::MakeError(Error::Kind::kInvalid, "refused");
    });
    CHECK_FALSE(failed.ok());
    store->Read([](const StoreView& v) {
      CHECK(*v.Get(Collection::kApplications, "a") == json::object{{"id", "a"}, {"appId", "app-a"}, {"displayName", "Alpha"}, {"notes", "n"}});
      CHECK(v.Find(Collection::kApplications, "appId", "app-a").count("a") == 1);
      CHECK(v.Find(Collection::kApplications, "appId", "app-b").empty());
      CHECK(v.Get(Collection::kApplications, "missing") == nullptr);
      return 0;
    });
    REQUIRE(store
                ->Write([&](StoreTxn& txn) -> Status {
                  txn.PutMembers(Collection::kApplications, "a", json::object{{"displayName", "Alpha 2"}, {"tags", json::array{"t"}}});
                  return Ok{};
                })
                .ok());
  }
  auto reopened = Open(dir);
  reopened->Read([](const StoreView& v) {
    CHECK(*v.Get(Collection::kApplications, "a") ==
          json::object{{"id", "a"}, {"appId", "app-a"}, {"displayName", "Alpha 2"}, {"notes", "n"}, {"tags", json::array{"t"}}});
    return 0;
  });
}
