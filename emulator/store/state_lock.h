#pragma once
// One writer per local tenant: an exclusive flock(2) on `<state dir>/lock`, held as long as the
// StateLock lives. Two processes writing one journal would interleave their records (and once
// produced two applications with one uniqueName), so a second process is refused instead. The
// holder writes its pid into the file so the refusal can say who holds it. The kernel drops the
// lock when the holder exits, however it exits: a crashed run never leaves a stale lock behind.

#include <memory>
#include <string>

#include "base/result.h"
#include "emulator/store/room.h"

namespace entragate::emulator {

class StateLock {
 public:
  /// Takes the lock without waiting. Busy: kConflict, code "state_locked", "the local tenant at
  /// DIR is in use by process N; ...".
  static base::Result<std::unique_ptr<StateLock>> Acquire(const std::string& state_dir);
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace entragate::emulator
