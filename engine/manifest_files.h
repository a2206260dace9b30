#pragma once
// Finding and reading the files of a manifest set. Only regular files and directories are read; a
// FIFO, socket or device is refused without being opened, so nothing can block or stream forever.
// Not for use outside engine/manifest*.cpp.

#include <optional>
#include <string>
#include <vector>

#include "engine/diag.h"

namespace entragate::engine::manifest_detail {

/// The files of the set at `path`: the file itself, or every *.yaml / *.yml below the directory at
/// any depth, in order of their path relative to it (compared component by component). Entries
/// whose name starts with '.' (.git, .entragate, editor files) are skipped; symbolic links are
/// followed, and must lead to a regular file or a directory. Problems: E0001, E0002, E0009.
std::vector<std::string> ListManifestFiles(const std::string& path, Diagnostics& diags);

/// The whole text of a regular file of at most `limit` bytes, read in small chunks; nullopt after
/// reporting E0001 (unreadable), E0003 (too large) or E0009 (not a regular file).
std::optional<std::string> ReadManifestFile(const std::string& path, size_t limit, Diagnostics& diags);

}  // namespace entragate::engine::manifest_detail
