#include "engine/manifest_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace entragate::engine::manifest_detail {

namespace {

// Deeper than any real policy tree; stops a pathological one (or a loop the visited set misses).
constexpr int kMaxDirectoryDepth = 32;

const char* KindName(fs::file_type t) {
  switch (t) {
    case fs::file_type::fifo: return "a FIFO (named pipe)";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::block: return "a block device";
    case fs::file_type::character: return "a character device";
    default: return "neither a regular file nor a directory";
  }
}

const char* KindName(mode_t mode) {
  if (S_ISFIFO(mode)) return KindName(fs::file_type::fifo);
  if (S_ISSOCK(mode)) return KindName(fs::file_type::socket);
  if (S_ISBLK(mode)) return KindName(fs::file_type::block);
  if (S_ISCHR(mode)) return KindName(fs::file_type::character);
  return KindName(fs::file_type::unknown);
}

void NotAFile(const std::string& path, const char* kind, Diagnostics& diags) {
  diags.Error("E0009", {path, 0, 0, 0}, fmt::format("'{}' is {}; manifests are read only from regular files and directories", path, kind));
}

bool IsManifestName(const fs::path& p) {
  auto ext = p.extension();
  return ext == ".yaml" || ext == ".yml";
}

struct Walk {
  const fs::path& root;
  Diagnostics& diags;
  std::vector<fs::path> files;  ///< relative to root
  std::set<fs::path> visited;   ///< canonical directories already read (symlink loops)

  void Directory(const fs::path& relative, int depth) {
    fs::path dir = root / relative;
    std::error_code ec;
    fs::path canonical = fs::canonical(dir, ec);
    if (ec || !visited.insert(canonical).second) return;  // a loop through a symlink: read once
    if (depth > kMaxDirectoryDepth) {
      diags.Error("E0001", {dir.string(), 0, 0, 0},
                  fmt::format("cannot read '{}': directories nest deeper than {} levels", dir.string(), kMaxDirectoryDepth));
      return;
    }
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) Entry(relative / it->path().filename(), *it, depth);
    if (ec) diags.Error("E0001", {dir.string(), 0, 0, 0}, fmt::format("cannot list '{}': {}", dir.string(), ec.message()));
  }

  void Entry(const fs::path& relative, const fs::directory_entry& entry, int depth) {
    if (relative.filename().string().front() == '.') return;
    std::error_code ec;
    fs::file_status status = entry.status(ec);  // follows symbolic links
    std::string shown = entry.path().string();
    if (ec || !fs::exists(status)) {
      std::error_code link_ec;
      bool broken_link = entry.is_symlink(link_ec);
      if (IsManifestName(relative))
        diags.Error("E0001", {shown, 0, 0, 0}, fmt::format("cannot read '{}': {}", shown, broken_link ? "a broken symbolic link" : ec.message()));
      return;
    }
    if (fs::is_directory(status)) return Directory(relative, depth + 1);
    if (!IsManifestName(relative)) return;
    if (!fs::is_regular_file(status)) return NotAFile(shown, KindName(status.type()), diags);
    files.push_back(relative);
  }
};

}  // namespace

std::vector<std::string> ListManifestFiles(const std::string& path, Diagnostics& diags) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    diags.Error("E0001", {path, 0, 0, 0}, fmt::format("cannot read '{}': no such file or directory", path));
    return {};
  }
  if (fs::is_regular_file(status)) return {path};
  if (!fs::is_directory(status)) {
    NotAFile(path, KindName(status.type()), diags);
    return {};
  }
  fs::path root(path);
  int errors_before = diags.error_count();
  Walk walk{root, diags, {}, {}};
  walk.Directory({}, 0);
  std::sort(walk.files.begin(), walk.files.end());
  std::vector<std::string> out;
  for (const auto& f : walk.files) out.push_back((root / f).string());
  if (out.empty() && diags.error_count() == errors_before)
    diags.Error("E0002", {path, 0, 0, 0}, fmt::format("no manifest files (*.yaml, *.yml) in directory '{}' or below it", path));
  return out;
}

std::optional<std::string> ReadManifestFile(const std::string& path, size_t limit, Diagnostics& diags) {
  auto cannot = [&](int err) {
    diags.Error("E0001", {path, 0, 0, 0}, fmt::format("cannot read '{}': {}", path, std::strerror(err)));
    return std::nullopt;
  };
  // O_NONBLOCK: should the path have become a FIFO since it was listed, open must not wait for a
  // writer; fstat then refuses it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return cannot(errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return cannot(errno);
  if (!S_ISREG(st.st_mode)) {
    NotAFile(path, KindName(st.st_mode), diags);
    return std::nullopt;
  }
  std::string text;
  char chunk[16384];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return cannot(errno);
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > limit) {
      diags.Error("E0003", {path, 0, 0, 0}, fmt::format("file is larger than {} bytes, the limit for a manifest file", limit));
      return std::nullopt;
    }
    text.append(chunk, static_cast<size_t>(n));
  }
  text.shrink_to_fit();
  return text;
}

}  // namespace entragate::engine::manifest_detail
