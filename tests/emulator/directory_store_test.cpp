#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <boost/json.hpp>

#include "emulator/directory_store.h"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace entragate::emulator;
using entragate::engine::Error;
using entragate::engine::Ok;
using entragate::engine::Result;
using entragate::engine::Status;

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
    REQUIRE(store->Write([](StoreTxn& txn) -> Status {
                    txn.Erase(Collection::kApplications, "b");
                    return Ok{};
                  }).ok());
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
      return entragate::engine::MakeError(Error::Kind::kInvalid, "refused");
    });
    CHECK_FALSE(failed.ok());
    CHECK(NameOf(*store, "a") == "Alpha");
    CHECK(NameOf(*store, "c") == "<missing>");
  }
  auto reopened = Open(dir);
  CHECK(NameOf(*reopened, "a") == "Alpha");
  CHECK(NameOf(*reopened, "c") == "<missing>");
}

TEST_CASE("a torn last journal entry (crash mid-append) is dropped; earlier writes stay") {
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
  std::ofstream(dir.path / "journal.jsonl") << "garbage\n" << R"([[0,"a",{"id":"a","displayName":"A"}]])" << "\n";
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
