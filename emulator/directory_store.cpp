#include "emulator/directory_store.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
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

struct JournalChange {
  Collection collection;
  std::string id;
  std::optional<json::object> value;  ///< nullopt: erased
};

// One journal line: [[collection, id, object-or-null], ...]. Returns why it is not, or "".
std::string ParseJournalLine(const std::string& line, std::vector<JournalChange>& out) {
  boost::system::error_code ec;
  json::value entry = json::parse(line, ec);
  if (ec) return "not JSON (" + ec.message() + ")";
  const json::array* changes = entry.if_array();
  if (!changes) return "not a list of changes";
  for (size_t i = 0; i < changes->size(); ++i) {
    const json::array* c = (*changes)[i].if_array();
    std::string where = fmt::format("change {}: ", i + 1);
    if (!c || c->size() != 3) return where + "not [collection, id, object]";
    const int64_t* collection = (*c)[0].if_int64();
    if (!collection || *collection < 0 || *collection >= kCollectionCount)
      return where + fmt::format("the collection is not a number from 0 to {}", kCollectionCount - 1);
    const json::string* id = (*c)[1].if_string();
    if (!id || id->empty()) return where + "the id is not a non-empty string";
    if (!(*c)[2].is_object() && !(*c)[2].is_null()) return where + "the object is neither an object nor null";
    const json::object* value = (*c)[2].if_object();
    out.push_back({static_cast<Collection>(*collection), std::string(*id), value ? std::optional<json::object>(*value) : std::nullopt});
  }
  return "";
}

}  // namespace

const char* ToString(Collection c) {
  static constexpr std::array<const char*, kCollectionCount> kNames = {
      "applications", "servicePrincipals", "appRoleAssignments", "users",
      "groups",       "deletedApplications", "hosts",            "meta",
      "deletedServicePrincipals"};
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

namespace {

// Whoever made the directory (this process, or `entragate` creating it first with the default
// umask), while it holds nothing yet it becomes the owner's alone.
engine::Status MakePrivateStateDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return engine::MakeError(Error::Kind::kIo, fmt::format("cannot create state directory '{}': {}", dir, ec.message()));
  if (fs::is_empty(dir, ec) && !ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return engine::MakeError(Error::Kind::kIo, fmt::format("cannot restrict state directory '{}' to its owner: {}", dir, ec.message()));
  return engine::Ok{};
}

}  // namespace

engine::Result<std::unique_ptr<DirectoryStore>> DirectoryStore::Open(const std::string& state_dir) {
  if (auto made = MakePrivateStateDir(state_dir); !made.ok()) return made.error();
  std::unique_ptr<DirectoryStore> store(new DirectoryStore(state_dir));
  if (auto loaded = store->Load(); !loaded.ok()) return loaded.error();
  return store;
}

std::unique_ptr<StoreTxn> DirectoryStore::BeginTxn() { return std::make_unique<Txn>(*data_); }

void DirectoryStore::Rollback(StoreTxn& base) noexcept {
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
  txn.undo_.clear();  // journaled: from here on the change stands, whatever follows
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
  for (size_t number = 1; in && std::getline(in, line); ++number) {
    if (in.eof()) break;  // a last line without '\n' was torn by a crash: never acknowledged
    std::vector<JournalChange> changes;
    if (std::string why = ParseJournalLine(line, changes); !why.empty())
      return engine::MakeError(Error::Kind::kIo, fmt::format("state journal '{}' is corrupt: journal line {}: {}", journal_path, number, why));
    for (auto& change : changes) {
      if (change.value)
        data_->Mutable(change.collection)[change.id] = std::move(*change.value);
      else
        data_->Mutable(change.collection).erase(change.id);
    }
    good_end += static_cast<off_t>(line.size() + 1);
    ++journal_entries_;
  }
  journal_fd_ = ::open(journal_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (journal_fd_ < 0) return IoError("open " + journal_path);
  if (::ftruncate(journal_fd_, good_end) != 0) return IoError("truncate torn journal entry");
  if (::fchmod(journal_fd_, 0600) != 0) return IoError("restrict " + journal_path + " to its owner");
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
