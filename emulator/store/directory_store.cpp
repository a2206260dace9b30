#include "emulator/store/directory_store.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <unordered_map>
#include <utility>
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
using base::Error;

namespace {

// The journal is folded into the snapshot once it holds this many entries and is as large as the
// last snapshot: the snapshot's cost, proportional to the state, is spread over as many bytes of
// journal, whatever the tenant's size.
constexpr size_t kCompactAfter = 2000;
constexpr const char* kSnapshot = "snapshot.json";
constexpr const char* kJournal = "journal.jsonl";
constexpr const char* kRotatedJournal = "journal-rotated.jsonl";  ///< entries the running snapshot folds in

Error IoError(const std::string& what) { return base::MakeError(Error::Kind::kIo, fmt::format("{}: {}", what, std::strerror(errno))); }

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

base::Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return IoError("open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return IoError("fsync " + dir);
  return base::Ok{};
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
      "applications", "servicePrincipals",        "appRoleAssignments", "users", "groups", "deletedApplications", "hosts",
      "meta",         "deletedServicePrincipals", "directoryRoles"};
  return kNames[static_cast<size_t>(c)];
}

const json::object* StoreView::Get(Collection c, const std::string& id) const {
  const ObjectMap& all = All(c);
  auto it = all.find(id);
  return it == all.end() ? nullptr : &it->second;
}

std::vector<const json::object*> StoreView::FindObjects(Collection c, std::string_view property, std::string_view value) const {
  std::vector<const json::object*> out;
  for (const auto& [id, o] : Find(c, property, value)) out.push_back(o);
  return out;
}

namespace {

using Text = std::shared_ptr<const std::string>;
using TextMap = std::unordered_map<std::string, Text>;
/// What a snapshot holds: every object's serialized text, by collection.
using SnapshotTexts = std::array<std::vector<std::pair<std::string, Text>>, kCollectionCount>;

// Writes the snapshot file's text in pieces: {"applications":{"<id>":<object>,...},...}.
bool WriteSnapshotText(int fd, const SnapshotTexts& texts) {
  std::string buffer;
  auto flush = [&](bool always) {
    if (!always && buffer.size() < (1u << 20)) return true;
    bool ok = WriteAll(fd, buffer);
    buffer.clear();
    return ok;
  };
  buffer += '{';
  for (int i = 0; i < kCollectionCount; ++i) {
    if (i) buffer += ',';
    buffer += json::serialize(json::string(ToString(static_cast<Collection>(i)))) + ":{";
    bool first = true;
    for (const auto& [id, text] : texts[static_cast<size_t>(i)]) {
      if (!first) buffer += ',';
      first = false;
      buffer += json::serialize(json::string(id));
      buffer += ':';
      buffer += *text;
      if (!flush(false)) return false;
    }
    buffer += '}';
  }
  buffer += '}';
  return flush(true);
}

}  // namespace

class DirectoryStore::Data : public StoreView {
 public:
  const ObjectMap& All(Collection c) const override { return maps[static_cast<size_t>(c)]; }
  const IdSet& Find(Collection c, std::string_view property, std::string_view value) const override { return indexes.Find(c, property, value); }
  // Every change goes through Set and Drop, so the indexes follow the objects. What they replace
  // is moved to `replaced` (when given) rather than copied: an undo record costs no copy.
  void Set(Collection c, const std::string& id, json::object value, std::optional<json::object>* replaced = nullptr) {
    ObjectMap& m = maps[static_cast<size_t>(c)];
    auto it = m.find(id);
    if (it != m.end()) {
      indexes.Remove(c, id, it->second);
      if (replaced) replaced->emplace(std::move(it->second));
      it->second = std::move(value);
    } else {
      it = m.emplace(id, std::move(value)).first;
    }
    indexes.Add(c, id, it->second);
  }
  /// Sets `members` of the existing object; what they replaced goes to `replaced`, the names of
  /// those it lacked to `added`. False when there is no such object.
  bool SetMembers(Collection c, const std::string& id, json::object members, json::object& replaced, std::vector<std::string>& added) {
    ObjectMap& m = maps[static_cast<size_t>(c)];
    auto it = m.find(id);
    if (it == m.end()) return false;
    indexes.Remove(c, id, it->second);
    for (auto& member : members) {
      json::value* now = it->second.if_contains(member.key());
      if (now) {
        replaced[member.key()] = std::move(*now);
        *now = std::move(member.value());
      } else {
        added.emplace_back(member.key());
        it->second[member.key()] = std::move(member.value());
      }
    }
    indexes.Add(c, id, it->second);
    return true;
  }
  /// Undoes SetMembers.
  void RestoreMembers(Collection c, const std::string& id, json::object& replaced, const std::vector<std::string>& added) {
    ObjectMap& m = maps[static_cast<size_t>(c)];
    auto it = m.find(id);
    if (it == m.end()) return;
    indexes.Remove(c, id, it->second);
    for (const auto& name : added) it->second.erase(name);
    for (auto& member : replaced) it->second[member.key()] = std::move(member.value());
    indexes.Add(c, id, it->second);
  }
  void Drop(Collection c, const std::string& id, std::optional<json::object>* replaced = nullptr) {
    ObjectMap& m = maps[static_cast<size_t>(c)];
    auto it = m.find(id);
    if (it == m.end()) return;
    indexes.Remove(c, id, it->second);
    if (replaced) replaced->emplace(std::move(it->second));
    m.erase(it);
  }
  /// Returns the text it replaced.
  Text SetText(Collection c, const std::string& id, Text text) {
    TextMap& m = texts[static_cast<size_t>(c)];
    Text old;
    if (text) {
      Text& slot = m[id];
      old = std::exchange(slot, std::move(text));
    } else if (auto it = m.find(id); it != m.end()) {
      old = std::move(it->second);
      m.erase(it);
    }
    return old;
  }
  void Clear() {
    for (auto& m : maps) m.clear();
    for (auto& t : texts) t.clear();
    indexes.Clear();
  }
  SnapshotTexts CopyTexts() const {
    SnapshotTexts out;
    for (size_t i = 0; i < texts.size(); ++i) out[i].assign(texts[i].begin(), texts[i].end());
    return out;
  }

  std::array<ObjectMap, kCollectionCount> maps;
  StoreIndexes indexes;
  /// The journaled text of every object, for snapshots that need not serialize under the lock.
  std::array<TextMap, kCollectionCount> texts;
};

// Applies changes to the data directly and remembers what it replaced, so a failed or unjournaled
// transaction can be undone; the exclusive lock keeps readers from seeing it half-done.
class DirectoryStore::Txn : public StoreTxn {
 public:
  explicit Txn(Data& data) : data_(data) {}
  const ObjectMap& All(Collection c) const override { return data_.All(c); }
  const IdSet& Find(Collection c, std::string_view property, std::string_view value) const override { return data_.Find(c, property, value); }
  void Put(Collection c, const std::string& id, json::object value) override {
    data_.Set(c, id, std::move(value), &Remember(c, id).before);
    changes_.push_back({c, id});
  }
  bool PutMembers(Collection c, const std::string& id, json::object members) override {
    if (!data_.Get(c, id)) return false;
    Undo& undo = Remember(c, id);
    undo.members = true;
    undo.before.emplace();
    data_.SetMembers(c, id, std::move(members), *undo.before, undo.added);
    changes_.push_back({c, id});
    return true;
  }
  void Erase(Collection c, const std::string& id) override {
    data_.Drop(c, id, &Remember(c, id).before);
    changes_.push_back({c, id});
  }

  struct Key {
    Collection c;
    std::string id;
  };
  struct Undo {
    Key key;
    bool existed = false;                ///< false: undone by dropping the object
    std::optional<json::object> before;  ///< what the change replaced, moved out of the store
    bool members = false;                ///< a PutMembers: `before` holds only the members it replaced
    std::vector<std::string> added;      ///< and these are the members it added
  };
  std::vector<Key> changes_;
  std::vector<Undo> undo_;
  /// Once committed, what the transaction replaced (undo records, old journal texts), kept to be
  /// freed with the transaction after the exclusive lock is released.
  std::vector<Undo> replaced_;
  std::vector<Text> replaced_texts_;
  Data& data_;

 private:
  // The record comes first, so that a change cut short by an exception is still undone.
  Undo& Remember(Collection c, const std::string& id) {
    Undo undo;
    undo.key = {c, id};
    undo.existed = data_.Get(c, id) != nullptr;
    undo_.push_back(std::move(undo));
    return undo_.back();
  }
};

DirectoryStore::DirectoryStore(std::string dir) : dir_(std::move(dir)), data_(std::make_unique<Data>()) { view_ = data_.get(); }

DirectoryStore::~DirectoryStore() {
  JoinSnapshot();
  if (journal_fd_ >= 0) ::close(journal_fd_);
}

namespace {

// Whoever made the directory (this process, or `entragate` creating it first with the default
// umask), while it holds nothing yet it becomes the owner's alone.
base::Status MakePrivateStateDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return base::MakeError(Error::Kind::kIo, fmt::format("cannot create state directory '{}': {}", dir, ec.message()));
  if (fs::is_empty(dir, ec) && !ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return base::MakeError(Error::Kind::kIo, fmt::format("cannot restrict state directory '{}' to its owner: {}", dir, ec.message()));
  return base::Ok{};
}

// The DurableScope open on this thread, and the last journal entry its reads and writes touched.
struct OpenScope {
  const DirectoryStore* store = nullptr;
  uint64_t sequence = 0;
};
thread_local OpenScope t_scope;

// Writes `texts` as the snapshot: a temporary file, fsync'd, renamed over the old one, and the
// directory fsync'd. Returns the snapshot's size.
base::Result<uint64_t> WriteSnapshotFile(const std::string& dir, const SnapshotTexts& texts) {
  std::string tmp = dir + "/" + kSnapshot + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("create " + tmp);
  bool ok = WriteSnapshotText(fd, texts) && ::fsync(fd) == 0;
  off_t size = ok ? ::lseek(fd, 0, SEEK_CUR) : 0;
  ::close(fd);
  if (!ok) return IoError("write " + tmp);
  if (::rename(tmp.c_str(), (dir + "/" + kSnapshot).c_str()) != 0) return IoError("rename " + tmp);
  if (auto synced = FsyncDir(dir); !synced.ok()) return synced.error();
  return static_cast<uint64_t>(size);
}

}  // namespace

DirectoryStore::DurableScope::DurableScope(const DirectoryStore& store) : store_(store), outer_(t_scope.store == nullptr) {
  if (outer_) t_scope = {&store, 0};
}

DirectoryStore::DurableScope::~DurableScope() { (void)Finish(); }

base::Status DirectoryStore::DurableScope::Finish() {
  if (!outer_ || finished_) return base::Ok{};
  finished_ = true;
  uint64_t sequence = t_scope.sequence;
  t_scope = {};
  return store_.Sync(sequence);
}

base::Result<std::unique_ptr<DirectoryStore>> DirectoryStore::Open(const std::string& state_dir) {
  if (auto made = MakePrivateStateDir(state_dir); !made.ok()) return made.error();
  std::unique_ptr<DirectoryStore> store(new DirectoryStore(state_dir));
  if (auto loaded = store->Load(); !loaded.ok()) return loaded.error();
  return store;
}

std::unique_ptr<StoreTxn> DirectoryStore::BeginTxn() { return std::make_unique<Txn>(*data_); }

void DirectoryStore::Rollback(StoreTxn& base) noexcept {
  auto& txn = static_cast<Txn&>(base);
  for (auto it = txn.undo_.rbegin(); it != txn.undo_.rend(); ++it) {
    if (it->members)
      data_->RestoreMembers(it->key.c, it->key.id, *it->before, it->added);
    else if (it->before)
      data_->Set(it->key.c, it->key.id, std::move(*it->before));
    else if (!it->existed)
      data_->Drop(it->key.c, it->key.id);
  }
  txn.undo_.clear();
}

base::Status DirectoryStore::Commit(StoreTxn& base, uint64_t& sequence) {
  auto& txn = static_cast<Txn&>(base);
  if (txn.changes_.empty()) return base::Ok{};
  {
    std::lock_guard lock(sync_mutex_);
    if (!sync_failure_.empty()) {
      Rollback(txn);
      return base::MakeError(Error::Kind::kIo, sync_failure_);
    }
  }
  // One journal line: [[collection, id, object-or-null], ...]; each object's text is kept for snapshots.
  std::vector<Text> texts;
  std::string line = "[";
  for (const auto& key : txn.changes_) {
    const json::object* now = data_->Get(key.c, key.id);
    texts.push_back(now ? std::make_shared<const std::string>(json::serialize(*now)) : nullptr);
    if (line.size() > 1) line += ',';
    line += '[';
    line += std::to_string(static_cast<int>(key.c));
    line += ',';
    line += json::serialize(json::string(key.id));
    line += ',';
    line += texts.back() ? *texts.back() : "null";
    line += ']';
  }
  line += "]\n";
  if (!WriteAll(journal_fd_, line)) {
    auto error = IoError("append to " + dir_ + "/" + kJournal);
    Rollback(txn);
    return error;
  }
  txn.replaced_ = std::move(txn.undo_);  // journaled: from here on the change stands, whatever follows
  txn.undo_.clear();
  for (size_t i = 0; i < txn.changes_.size(); ++i)
    txn.replaced_texts_.push_back(data_->SetText(txn.changes_[i].c, txn.changes_[i].id, std::move(texts[i])));
  sequence = ++appended_;
  ++writes_;
  ++journal_entries_;
  journal_bytes_ += line.size();
  if (journal_entries_ >= kCompactAfter && journal_bytes_ >= snapshot_bytes_ && !snapshot_running_) StartSnapshot();
  return base::Ok{};
}

base::Status DirectoryStore::AwaitDurable(uint64_t sequence) const {
  if (sequence == 0) return base::Ok{};
  if (t_scope.store == this) {
    t_scope.sequence = std::max(t_scope.sequence, sequence);
    return base::Ok{};
  }
  return Sync(sequence);
}

// Group commit: the first thread to find its entry not yet durable fdatasyncs everything appended
// so far; those arriving meanwhile wait for it, then find theirs covered or lead the next round.
base::Status DirectoryStore::Sync(uint64_t sequence) const {
  std::unique_lock lock(sync_mutex_);
  while (durable_ < sequence) {
    if (!sync_failure_.empty()) return base::MakeError(Error::Kind::kIo, sync_failure_);
    if (syncing_) {
      synced_.wait(lock);
      continue;
    }
    syncing_ = true;
    uint64_t target = appended_.load();
    lock.unlock();
    int rc = ::fdatasync(journal_fd_);
    std::string why = rc == 0 ? "" : IoError("fdatasync " + dir_ + "/" + kJournal).message;
    lock.lock();
    syncing_ = false;
    ++syncs_;
    if (rc == 0)
      durable_ = std::max(durable_, target);
    else
      sync_failure_ = why;
    synced_.notify_all();
  }
  return base::Ok{};
}

void DirectoryStore::JoinSnapshot() {
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
}

// Under the exclusive lock: the journal so far becomes the rotated journal (durable first, so no
// entry after it can outlive one in it), a new journal takes the writes, and a background thread
// writes the snapshot from the objects' texts and then drops the rotated journal.
void DirectoryStore::StartSnapshot() {
  JoinSnapshot();
  if (rotated_left_) {
    // The last background snapshot failed, so its rotated journal is still needed: fold everything
    // in now instead. A failed compaction loses nothing: the journals still hold every entry.
    (void)WriteSnapshot();
    return;
  }
  std::string journal = dir_ + "/" + kJournal, rotated = dir_ + "/" + kRotatedJournal;
  std::unique_lock lock(sync_mutex_);
  synced_.wait(lock, [&] { return !syncing_; });
  if (!sync_failure_.empty()) return;
  if (::fdatasync(journal_fd_) != 0) {
    sync_failure_ = IoError("fdatasync " + journal).message;
    synced_.notify_all();
    return;
  }
  durable_ = appended_.load();
  if (::rename(journal.c_str(), rotated.c_str()) != 0) return;  // compaction waits for the next try
  int fd = ::open(journal.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    (void)::rename(rotated.c_str(), journal.c_str());
    return;
  }
  if (auto synced = FsyncDir(dir_); !synced.ok()) {
    // New entries in a file whose name may not survive a crash would not be durable.
    sync_failure_ = synced.error().message;
    ::close(fd);
    synced_.notify_all();
    return;
  }
  ::close(journal_fd_);
  journal_fd_ = fd;
  lock.unlock();
  journal_entries_ = 0;
  journal_bytes_ = 0;
  rotated_left_ = true;
  snapshot_running_ = true;
  auto texts = std::make_shared<SnapshotTexts>(data_->CopyTexts());
  snapshot_thread_ = std::thread([this, texts, rotated] {
    auto written = WriteSnapshotFile(dir_, *texts);
    if (written.ok() && ::unlink(rotated.c_str()) == 0 && FsyncDir(dir_).ok()) {
      snapshot_bytes_ = written.value();
      rotated_left_ = false;
    }
    snapshot_running_ = false;
  });
}

base::Status DirectoryStore::WriteSnapshot() {
  JoinSnapshot();
  auto written = WriteSnapshotFile(dir_, data_->CopyTexts());
  if (!written.ok()) return written.error();
  snapshot_bytes_ = written.value();
  std::string rotated = dir_ + "/" + kRotatedJournal;
  if (fs::exists(rotated)) {
    if (::unlink(rotated.c_str()) != 0) return IoError("remove " + rotated);
    if (auto synced = FsyncDir(dir_); !synced.ok()) return synced;
  }
  rotated_left_ = false;
  // Entries now in the snapshot; replaying them again would be harmless (they are whole objects).
  if (::ftruncate(journal_fd_, 0) != 0 || ::fsync(journal_fd_) != 0) return IoError("truncate journal");
  {
    std::lock_guard lock(sync_mutex_);
    durable_ = std::max(durable_, appended_.load());  // all of it is in the snapshot
  }
  journal_entries_ = 0;
  journal_bytes_ = 0;
  return base::Ok{};
}

base::Status DirectoryStore::LoadJournal(const std::string& path, bool current) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  off_t good_end = 0;
  for (size_t number = 1; in && std::getline(in, line); ++number) {
    if (in.eof()) break;  // a last line without '\n' was torn by a crash: never acknowledged
    std::vector<JournalChange> changes;
    if (std::string why = ParseJournalLine(line, changes); !why.empty())
      return base::MakeError(Error::Kind::kIo, fmt::format("state journal '{}' is corrupt: journal line {}: {}", path, number, why));
    for (auto& change : changes) {
      if (change.value) {
        data_->SetText(change.collection, change.id, std::make_shared<const std::string>(json::serialize(*change.value)));
        data_->Set(change.collection, change.id, std::move(*change.value));
      } else {
        data_->SetText(change.collection, change.id, nullptr);
        data_->Drop(change.collection, change.id);
      }
    }
    good_end += static_cast<off_t>(line.size() + 1);
    ++journal_entries_;
    journal_bytes_ += line.size() + 1;
  }
  if (!current) return base::Ok{};
  journal_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (journal_fd_ < 0) return IoError("open " + path);
  if (::ftruncate(journal_fd_, good_end) != 0) return IoError("truncate torn journal entry");
  if (::fchmod(journal_fd_, 0600) != 0) return IoError("restrict " + path + " to its owner");
  return base::Ok{};
}

base::Status DirectoryStore::Load() {
  std::string snapshot_path = dir_ + "/" + kSnapshot;
  if (fs::exists(snapshot_path)) {
    std::ifstream in(snapshot_path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    snapshot_bytes_ = text.str().size();
    boost::system::error_code ec;
    json::value root = json::parse(text.str(), ec);
    if (ec || !root.is_object())
      return base::MakeError(Error::Kind::kIo, fmt::format("state snapshot '{}' is corrupt: {}", snapshot_path, ec.message()));
    for (int i = 0; i < kCollectionCount; ++i) {
      auto c = static_cast<Collection>(i);
      const json::value* objects = root.as_object().if_contains(ToString(c));
      // A snapshot written before a collection existed has no member for it: the collection starts empty.
      if (!objects || !objects->is_object()) continue;
      for (const auto& [id, obj] : objects->as_object())
        if (obj.is_object()) {
          data_->SetText(c, std::string(id), std::make_shared<const std::string>(json::serialize(obj)));
          data_->Set(c, std::string(id), obj.as_object());
        }
    }
  }
  // A snapshot that did not finish leaves the journal it was folding in: its entries come first.
  std::string rotated = dir_ + "/" + kRotatedJournal;
  if (fs::exists(rotated)) {
    if (auto loaded = LoadJournal(rotated, false); !loaded.ok()) return loaded;
    rotated_left_ = true;
  }
  return LoadJournal(dir_ + "/" + kJournal, true);
}

base::Status DirectoryStore::Reset() {
  std::unique_lock lock(mutex_);
  JoinSnapshot();
  data_->Clear();
  return WriteSnapshot();
}

uint64_t DirectoryStore::journal_syncs() const {
  std::lock_guard lock(sync_mutex_);
  return syncs_;
}

uint64_t DirectoryStore::writes() const {
  std::shared_lock lock(mutex_);
  return writes_;
}

}  // namespace entragate::emulator
