#pragma once
// The local tenant's time: the machine's clock plus an offset that only grows. Tests and demos move
// it forward (POST /_emulator/clock) instead of sleeping, and everything that depends on elapsed
// time in the tenant — token lifetimes, the managed-identity token cache, the soft-delete purge and
// replication lag — reads it here.

#include <atomic>
#include <chrono>
#include <cstdint>

#include "emulator/store/room.h"

namespace entragate::emulator {

class TenantClock {
 public:
  /// Unix seconds in the tenant.
  int64_t NowSeconds() const {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count() + offset_.load();
  }
  /// Monotonic milliseconds in the tenant (for lag windows); moves with Advance too.
  int64_t NowMs() const {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count() + offset_.load() * 1000;
  }
  /// Moves the tenant's time forward; a negative or zero step is ignored (time never goes back).
  void Advance(int64_t seconds) {
    if (seconds > 0) offset_ += seconds;
  }
  /// Restores an offset saved with the tenant's state.
  void SetOffset(int64_t seconds) { offset_ = seconds > 0 ? seconds : 0; }
  int64_t offset_seconds() const { return offset_.load(); }

 private:
  std::atomic<int64_t> offset_{0};
};

}  // namespace entragate::emulator
