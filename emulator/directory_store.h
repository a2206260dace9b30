#pragma once
// The tenant's objects, durable. Objects are kept as Graph JSON (what GET returns) plus internal
// members whose names start with '_' (secret hashes, bookkeeping), which are never served.
//
// Durability: every write transaction is appended to a journal and fsync'd before Write() returns,
// so a response is only sent for writes that survive a crash; a torn last line (crash mid-append)
// was never acknowledged and is dropped on load. The journal is folded into a snapshot (written to a
// temporary file, fsync'd, renamed) when it grows.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "engine/result.h"

namespace entragate::emulator {

enum class Collection {
  kApplications,
  kServicePrincipals,
  kAppRoleAssignments,
  kUsers,
  kGroups,
  kDeletedApplications,  ///< soft-deleted applications (restorable in Graph for 30 days)
  kHosts,                ///< emulator-only: VMs/app services and their managed identities
  kMeta,                 ///< emulator-only: tenant, operator app, counters
  kDeletedServicePrincipals,  ///< soft-deleted service principals (last: journals keep their indexes)
};
inline constexpr int kCollectionCount = 9;
const char* ToString(Collection c);

using ObjectMap = std::map<std::string, boost::json::object>;

/// Read access within a transaction.
class StoreView {
 public:
  virtual ~StoreView() = default;
  virtual const ObjectMap& All(Collection c) const = 0;
  const boost::json::object* Get(Collection c, const std::string& id) const;
};

/// Read/write access within a write transaction; changes become visible (and durable) on commit.
class StoreTxn : public StoreView {
 public:
  virtual void Put(Collection c, const std::string& id, boost::json::object value) = 0;
  virtual void Erase(Collection c, const std::string& id) = 0;
};

class DirectoryStore {
 public:
  /// Opens (creating if needed) the state in `state_dir`: snapshot + journal replay. The state
  /// holds secret hashes, so a new (or still empty) directory is made 0700 and its files 0600. A
  /// journal line that is not a well-formed entry is refused with its line number.
  static engine::Result<std::unique_ptr<DirectoryStore>> Open(const std::string& state_dir);
  ~DirectoryStore();

  /// Runs `fn` under a shared lock.
  template <class F>
  auto Read(F&& fn) const {
    std::shared_lock lock(mutex_);
    return fn(static_cast<const StoreView&>(*view_));
  }

  /// Runs `fn` under an exclusive lock; if it returns a successful Result, its changes are
  /// journaled (fsync'd) and applied, else discarded. A journal failure fails the write. If `fn`
  /// (or the commit) throws, the changes are undone before the exception leaves: memory never runs
  /// ahead of the journal.
  template <class F>
  auto Write(F&& fn) -> decltype(fn(std::declval<StoreTxn&>())) {
    std::unique_lock lock(mutex_);
    auto txn = BeginTxn();
    UndoUnlessCommitted guard{*this, *txn};
    auto result = fn(*txn);
    if (!result.ok()) return result;
    if (auto committed = Commit(*txn); !committed.ok()) return committed.error();
    return result;
  }

  /// Drops every object and the files (admin reset).
  engine::Status Reset();

  const std::string& state_dir() const { return dir_; }
  uint64_t writes() const;  ///< committed write transactions since start

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
  engine::Status Commit(StoreTxn& txn);  ///< journals; on failure rolls back
  void Rollback(StoreTxn& txn) noexcept;  ///< undoes what is not journaled; a no-op after Commit
  engine::Status Load();
  engine::Status WriteSnapshot();

  std::string dir_;
  mutable std::shared_mutex mutex_;
  std::unique_ptr<Data> data_;
  const StoreView* view_ = nullptr;  ///< data_, seen through its interface (Data is defined in the .cpp)
  int journal_fd_ = -1;
  size_t journal_entries_ = 0;
  uint64_t writes_ = 0;
};

}  // namespace entragate::emulator
