#include "cli/files.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace entragate::cli {

namespace {

bool WriteAll(int fd, std::string_view text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

// Plans, exports and drift reports describe who may get tokens for what: readable by the owner only
// (0600), and durable before they replace the old file.
bool WriteFileAtomically(const std::string& path, const std::string& text) {
  return WriteFileAtomically(path, [&](const TextSink& sink) { sink(text); });
}

bool WriteFileAtomically(const std::string& path, const std::function<void(const TextSink&)>& produce) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::fchmod(fd, 0600) == 0;
  // Pieces are gathered into writes of about 1 MiB; after a failed write the rest is dropped.
  std::string buffer;
  auto flush = [&] {
    ok = ok && WriteAll(fd, buffer);
    buffer.clear();
  };
  try {
    if (ok)
      produce([&](std::string_view piece) {
        if (!ok) return;
        buffer += piece;
        if (buffer.size() >= (1u << 20)) flush();
      });
  } catch (...) {  // e.g. out of memory while making the text: no descriptor or partial file is left
    ::close(fd);
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  flush();
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    return false;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace entragate::cli
