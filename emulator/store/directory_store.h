#pragma once
// The tenant's objects, durable. Objects are kept as Graph JSON (what GET returns) plus internal
// members whose names start with '_' (secret hashes, bookkeeping), which are never served.
//
// Durability: every write transaction is appended to a journal and fdatasync'd before Write()
// returns, so a response is only sent for writes that survive a crash; a torn last line (crash
// mid-append) was never acknowledged and is dropped on load. Group commit: one fdatasync covers
// every transaction appended before it, so concurrent writers share it, and inside a DurableScope
// (a $batch) the writes and reads wait for it once, when the scope ends, before any answer is sent.
// A read waits for the writes it sees to be durable too, so no answer shows what a crash could undo.
//
// The journal is folded into a snapshot when it has grown as large as the last snapshot (and by at
// least a couple of thousand entries), off the write path: under the lock the journal is rotated
// and the objects' serialized texts (kept beside them) are copied; a background thread writes the
// snapshot (temporary file, fsync, rename) and then drops the rotated journal. Load replays the
// snapshot, the rotated journal if it is still there, then the journal.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "emulator/store/store_indexes.h"
#include "base/result.h"
#include "emulator/store/room.h"

namespace entragate::emulator {

enum class Collection {
  kApplications,
  kServicePrincipals,
  kAppRoleAssignments,
  kUsers,
  kGroups,
  kDeletedApplications,       ///< soft-deleted applications (restorable in Graph for 30 days)
  kHosts,                     ///< emulator-only: VMs/app services and their managed identities
  kMeta,                      ///< emulator-only: tenant, operator app, counters
  kDeletedServicePrincipals,  ///< soft-deleted service principals
  kDirectoryRoles,            ///< activated directory roles (new collections go last: journals keep their numbers)
};
inline constexpr int kCollectionCount = 10;
const char* ToString(Collection c);

using ObjectMap = std::map<std::string, boost::json::object>;

/// Read access within a transaction.
class StoreView {
 public:
  virtual ~StoreView() = default;
  virtual const ObjectMap& All(Collection c) const = 0;
  const boost::json::object* Get(Collection c, const std::string& id) const;
  /// The ids of the objects of `c` whose indexed `property` equals `value`, ignoring ASCII case
  /// (store_indexes.h says which are indexed; any other property finds nothing).
  virtual const IdSet& Find(Collection c, std::string_view property, std::string_view value) const = 0;
  /// The objects Find names, in id order.
  std::vector<const boost::json::object*> FindObjects(Collection c, std::string_view property, std::string_view value) const;
};

/// Read/write access within a write transaction; changes become visible (and durable) on commit.
class StoreTxn : public StoreView {
 public:
  virtual void Put(Collection c, const std::string& id, boost::json::object value) = 0;
  /// Sets these top-level members of the existing object `id` (adding those it lacks) and leaves
  /// the others as they are: a change of a few members without a copy of the whole object.
  /// Returns false (and changes nothing) when there is no such object.
  virtual bool PutMembers(Collection c, const std::string& id, boost::json::object members) = 0;
  virtual void Erase(Collection c, const std::string& id) = 0;
};

class DirectoryStore {
 public:
  /// Opens (creating if needed) the state in `state_dir`: snapshot + journal replay. The state
  /// holds secret hashes, so a new (or still empty) directory is made 0700 and its files 0600. A
  /// journal line that is not a well-formed entry is refused with its line number.
  static base::Result<std::unique_ptr<DirectoryStore>> Open(const std::string& state_dir);
  ~DirectoryStore();

  /// Runs `fn` under a shared lock; returns once what it saw is durable (at the end of a
  /// DurableScope inside one).
  template <class F>
  auto Read(F&& fn) const {
    uint64_t seen;
    auto result = [&] {
      std::shared_lock lock(mutex_);
      seen = appended_.load();
      return fn(static_cast<const StoreView&>(*view_));
    }();
    (void)AwaitDurable(seen);  // a failed fsync fails the writes; what they wrote is not shown meanwhile
    return result;
  }

  /// Runs `fn` under an exclusive lock; if it returns a successful Result, its changes are
  /// journaled and applied, else discarded, and it returns once the journal entry is fdatasync'd
  /// (at the end of a DurableScope inside one). A journal failure fails the write. If `fn` (or the
  /// append) throws, the changes are undone before the exception leaves: memory never runs ahead of
  /// the journal.
  template <class F>
  auto Write(F&& fn) -> decltype(fn(std::declval<StoreTxn&>())) {
    uint64_t sequence = 0;
    std::unique_ptr<StoreTxn> txn;  // outlives the lock: what a commit replaced is freed after it
    auto result = [&]() -> decltype(fn(std::declval<StoreTxn&>())) {
      std::unique_lock lock(mutex_);
      txn = BeginTxn();
      UndoUnlessCommitted guard{*this, *txn};
      auto r = fn(*txn);
      if (!r.ok()) return r;
      if (auto committed = Commit(*txn, sequence); !committed.ok()) return committed.error();
      return r;
    }();
    if (!result.ok()) return result;
    if (auto durable = AwaitDurable(sequence); !durable.ok()) return durable.error();
    return result;
  }

  /// While one lives on this thread, Read and Write do not wait for the journal's fsync; its
  /// destructor (or Finish) waits once for everything they touched. For a $batch: one fsync for all
  /// its writes, and still before its answer is sent. A write whose fsync fails cannot be told it
  /// failed by then: Finish says so, and the store refuses every later write.
  class DurableScope {
   public:
    explicit DurableScope(const DirectoryStore& store);
    ~DurableScope();
    DurableScope(const DurableScope&) = delete;
    DurableScope& operator=(const DurableScope&) = delete;
    base::Status Finish();

   private:
    const DirectoryStore& store_;
    bool outer_;
    bool finished_ = false;
  };

  /// Drops every object and the files (admin reset).
  base::Status Reset();

  const std::string& state_dir() const { return dir_; }
  uint64_t writes() const;         ///< committed write transactions since start
  uint64_t journal_syncs() const;  ///< fdatasyncs of the journal since start (group commit shares them)

 private:
  class Data;
  class Txn;
  struct UndoUnlessCommitted {
    DirectoryStore& store;
    StoreTxn& txn;
    ~UndoUnlessCommitted() { store.Rollback(txn); }
  };
  explicit DirectoryStore(std::string dir);
  std::unique_ptr<StoreTxn> BeginTxn();
  /// Appends to the journal (not yet fsync'd); `sequence` is the entry's number. On failure rolls back.
  base::Status Commit(StoreTxn& txn, uint64_t& sequence);
  void Rollback(StoreTxn& txn) noexcept;  ///< undoes what is not journaled; a no-op after Commit
  /// Returns once journal entries up to `sequence` are on disk; inside a DurableScope, only notes it.
  base::Status AwaitDurable(uint64_t sequence) const;
  base::Status Sync(uint64_t sequence) const;
  base::Status Load();
  base::Status LoadJournal(const std::string& path, bool current);
  base::Status WriteSnapshot();  ///< synchronously, of the whole state; under the exclusive lock
  void StartSnapshot();          ///< rotates the journal; a background thread writes the snapshot
  void JoinSnapshot();

  std::string dir_;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<Data> data_;
  const StoreView* view_ = nullptr;  ///< data_, seen through its interface (Data is defined in the .cpp)
  int journal_fd_ = -1;
  size_t journal_entries_ = 0;
  uint64_t journal_bytes_ = 0;
  std::atomic<uint64_t> snapshot_bytes_{0};  ///< of the last snapshot written or read
  uint64_t writes_ = 0;

  // Group commit: entries appended, entries known durable, and whether a thread is in fdatasync.
  mutable std::atomic<uint64_t> appended_{0};
  mutable std::mutex sync_mutex_;
  mutable std::condition_variable synced_;
  mutable uint64_t durable_ = 0;
  mutable bool syncing_ = false;
  mutable uint64_t syncs_ = 0;
  mutable std::string sync_failure_;  ///< set once an fdatasync failed: every later write is refused

  std::thread snapshot_thread_;
  std::atomic<bool> snapshot_running_{false};
  std::atomic<bool> rotated_left_{false};  ///< a rotated journal is still on disk (its snapshot has not finished)
};

}  // namespace entragate::emulator
