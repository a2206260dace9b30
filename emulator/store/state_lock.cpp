#include "emulator/store/state_lock.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

namespace entragate::emulator {

using base::Error;

namespace {

// The pid the holder wrote; empty when the file holds none (it is written right after locking,
// so a refusal can race with it).
std::string HolderPid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return {};
  std::string text(buffer, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char c : text)
    if (c < '0' || c > '9') return {};
  return text;
}

}  // namespace

base::Result<std::unique_ptr<StateLock>> StateLock::Acquire(const std::string& state_dir) {
  const std::string path = state_dir + "/lock";
  // O_CLOEXEC: a child process (az, a credential helper) must not inherit and outlive the lock.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return base::MakeError(Error::Kind::kIo, fmt::format("cannot open the lock file '{}': {}", path, std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string pid = err == EWOULDBLOCK ? HolderPid(fd) : std::string();
    ::close(fd);
    if (err != EWOULDBLOCK) return base::MakeError(Error::Kind::kIo, fmt::format("cannot lock '{}': {}", path, std::strerror(err)));
    Error busy =
        base::MakeError(Error::Kind::kConflict, fmt::format("the local tenant at {} is in use by {}; stop it, or use another state directory "
                                                            "(a local tenant has one writer at a time)",
                                                            state_dir, pid.empty() ? "another process" : "process " + pid));
    busy.code = "state_locked";
    return busy;
  }
  const std::string mine = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, mine.data(), mine.size(), 0) != static_cast<ssize_t>(mine.size())) {
    // The lock itself holds; only the name of its holder is missing for a refusal.
  }
  return std::unique_ptr<StateLock>(new StateLock(fd));
}

StateLock::~StateLock() { ::close(fd_); }

}  // namespace entragate::emulator
