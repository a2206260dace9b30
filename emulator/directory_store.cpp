#include "emulator/directory_store.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace entragate::emulator {

namespace fs = std::filesystem;
namespace json = boost::json;
using engine::Error;

namespace {

constexpr size_t kCompactAfter = 2000;  // journal entries before folding them into the snapshot
constexpr const char* kSnapshot = "snapshot.json";
constexpr const char* kJournal = "journal.jsonl";

Error IoError(const std::string& what) {
  return engine::MakeError(Error::Kind::kIo, fmt::format("{}: {}", what, std::strerror(errno)));
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

engine::Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return IoError("open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return IoError("fsync " + dir);
  return engine::Ok{};
}

}  // namespace

const char* ToString(Collection c) {
  static constexpr std::array<const char*, kCollectionCount> kNames = {
      "applications", "servicePrincipals", "appRoleAssignments", "users",
      "groups",       "deletedApplications", "hosts",            "meta"};
  return kNames[static_cast<size_t>(c)];
}

const json::object* StoreView::Get(Collection c, const std::string& id) const {
  const ObjectMap& all = All(c);
  auto it = all.find(id);
  return it == all.end() ? nullptr : &it->second;
}

class DirectoryStore::Data : public StoreView {
 public:
  const ObjectMap& All(Collection c) const override { return maps[static_cast<size_t>(c)]; }
  ObjectMap& Mutable(Collection c) { return maps[static_cast<size_t>(c)]; }
  std::array<ObjectMap, kCollectionCount> maps;
};

// Applies changes to the data directly and remembers what it replaced, so a failed or unjournaled
// transaction can be undone; the exclusive lock keeps readers from seeing it half-done.
class DirectoryStore::Txn : public StoreTxn {
 public:
  explicit Txn(Data& data) : data_(data) {}
  const ObjectMap& All(Collection c) const override { return data_.All(c); }
  void Put(Collection c, const std::string& id, json::object value) override {
    Remember(c, id);
    data_.Mutable(c)[id] = std::move(value);
    changes_.push_back({c, id});
  }
  void Erase(Collection c, const std::string& id) override {
    Remember(c, id);
    data_.Mutable(c).erase(id);
    changes_.push_back({c, id});
  }

  struct Key {
    Collection c;
    std::string id;
  };
  struct Undo {
    Key key;
    std::optional<json::object> before;
  };
  std::vector<Key> changes_;
  std::vector<Undo> undo_;
  Data& data_;

 private:
  void Remember(Collection c, const std::string& id) {
    const json::object* before = data_.Get(c, id);
    undo_.push_back({{c, id}, before ? std::optional<json::object>(*before) : std::nullopt});
  }
};

DirectoryStore::DirectoryStore(std::string dir) : dir_(std::move(dir)), data_(std::make_unique<Data>()) {
  view_ = data_.get();
}

DirectoryStore::~DirectoryStore() {
  if (journal_fd_ >= 0) ::close(journal_fd_);
}

engine::Result<std::unique_ptr<DirectoryStore>> DirectoryStore::Open(const std::string& state_dir) {
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  if (ec) return engine::MakeError(Error::Kind::kIo, fmt::format("cannot create state directory '{}': {}", state_dir, ec.message()));
  std::unique_ptr<DirectoryStore> store(new DirectoryStore(state_dir));
  if (auto loaded = store->Load(); !loaded.ok()) return loaded.error();
  return store;
}

std::unique_ptr<StoreTxn> DirectoryStore::BeginTxn() { return std::make_unique<Txn>(*data_); }

void DirectoryStore::Rollback(StoreTxn& base) {
  auto& txn = static_cast<Txn&>(base);
  for (auto it = txn.undo_.rbegin(); it != txn.undo_.rend(); ++it) {
    if (it->before)
      data_->Mutable(it->key.c)[it->key.id] = *it->before;
    else
      data_->Mutable(it->key.c).erase(it->key.id);
  }
  txn.undo_.clear();
}

engine::Status DirectoryStore::Commit(StoreTxn& base) {
  auto& txn = static_cast<Txn&>(base);
  if (txn.changes_.empty()) return engine::Ok{};
  json::array entry;
  for (const auto& key : txn.changes_) {
    const json::object* now = data_->Get(key.c, key.id);
    entry.push_back(json::array{static_cast<int>(key.c), key.id, now ? json::value(*now) : json::value(nullptr)});
  }
  std::string line = json::serialize(entry) + "\n";
  if (!WriteAll(journal_fd_, line) || ::fdatasync(journal_fd_) != 0) {
    auto error = IoError("append to " + dir_ + "/" + kJournal);
    Rollback(txn);
    return error;
  }
  ++writes_;
  if (++journal_entries_ >= kCompactAfter) {
    // A failed compaction loses nothing: the journal still holds every entry.
    (void)WriteSnapshot();
  }
  return engine::Ok{};
}

engine::Status DirectoryStore::WriteSnapshot() {
  json::object root;
  for (int i = 0; i < kCollectionCount; ++i) {
    json::object objects;
    for (const auto& [id, obj] : data_->All(static_cast<Collection>(i))) objects[id] = obj;
    root[ToString(static_cast<Collection>(i))] = std::move(objects);
  }
  std::string tmp = dir_ + "/" + kSnapshot + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("create " + tmp);
  bool ok = WriteAll(fd, json::serialize(root)) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return IoError("write " + tmp);
  if (::rename(tmp.c_str(), (dir_ + "/" + kSnapshot).c_str()) != 0) return IoError("rename " + tmp);
  if (auto synced = FsyncDir(dir_); !synced.ok()) return synced;
  // Entries now in the snapshot; replaying them again would be harmless (they are whole objects).
  if (::ftruncate(journal_fd_, 0) != 0 || ::fsync(journal_fd_) != 0) return IoError("truncate journal");
  journal_entries_ = 0;
  return engine::Ok{};
}

engine::Status DirectoryStore::Load() {
  std::string snapshot_path = dir_ + "/" + kSnapshot;
  if (fs::exists(snapshot_path)) {
    std::ifstream in(snapshot_path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    json::value root = json::parse(text.str(), ec);
    if (ec || !root.is_object())
      return engine::MakeError(Error::Kind::kIo, fmt::format("state snapshot '{}' is corrupt: {}", snapshot_path, ec.message()));
    for (int i = 0; i < kCollectionCount; ++i) {
      const json::value* objects = root.as_object().if_contains(ToString(static_cast<Collection>(i)));
      if (!objects || !objects->is_object()) continue;
      for (const auto& [id, obj] : objects->as_object())
        if (obj.is_object()) data_->Mutable(static_cast<Collection>(i))[std::string(id)] = obj.as_object();
    }
  }
  std::string journal_path = dir_ + "/" + kJournal;
  std::ifstream in(journal_path, std::ios::binary);
  std::string line;
  off_t good_end = 0;
  while (in && std::getline(in, line)) {
    bool complete = !in.eof();  // a last line without '\n' was torn by a crash
    boost::system::error_code ec;
    json::value entry = json::parse(line, ec);
    if (!complete || ec || !entry.is_array()) {
      if (in.peek() != EOF) return engine::MakeError(Error::Kind::kIo, fmt::format("state journal '{}' is corrupt", journal_path));
      break;
    }
    for (const auto& change : entry.as_array()) {
      const auto& c = change.as_array();
      auto coll = static_cast<Collection>(c.at(0).as_int64());
      std::string id(c.at(1).as_string());
      if (c.at(2).is_null())
        data_->Mutable(coll).erase(id);
      else
        data_->Mutable(coll)[id] = c.at(2).as_object();
    }
    good_end += static_cast<off_t>(line.size() + 1);
    ++journal_entries_;
  }
  journal_fd_ = ::open(journal_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (journal_fd_ < 0) return IoError("open " + journal_path);
  if (::ftruncate(journal_fd_, good_end) != 0) return IoError("truncate torn journal entry");
  return engine::Ok{};
}

engine::Status DirectoryStore::Reset() {
  std::unique_lock lock(mutex_);
  for (auto& m : data_->maps) m.clear();
  return WriteSnapshot();
}

uint64_t DirectoryStore::writes() const {
  std::shared_lock lock(mutex_);
  return writes_;
}

}  // namespace entragate::emulator
