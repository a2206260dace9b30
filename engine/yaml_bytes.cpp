#include "engine/yaml_bytes.h"

#include <fmt/format.h>

#include "engine/utf8.h"

namespace entragate::engine {

namespace {

// YAML 1.2's printable set (c-printable), which is also what Graph can store.
bool IsAllowed(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return true;
  if (cp < 0x20 || cp == 0x7F) return false;
  if (cp >= 0x80 && cp <= 0x9F) return cp == 0x85;
  return cp != 0xFFFE && cp != 0xFFFF;
}

std::string DescribeCharacter(char32_t cp) {
  if (cp == 0) return "a NUL byte (\\0)";
  return fmt::format("the non-printable character U+{:04X}", static_cast<uint32_t>(cp));
}

}  // namespace

bool CheckManifestBytes(const std::string& file, std::string_view text, Diagnostics& diags) {
  int line = 1, column = 1;
  size_t i = 0;
  // A byte order mark is allowed at the very start, as YAML allows it.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < text.size()) {
    Utf8Char d = DecodeUtf8(text.substr(i));
    if (d.length == 0) {
      diags.Error("E0007", {file, line, column, 1}, fmt::format("not UTF-8 text: {}", d.problem),
                  "manifests must be UTF-8; re-save the file as UTF-8");
      return false;
    }
    if (!IsAllowed(d.code_point)) {
      diags.Error("E0008", {file, line, column, 1},
                  fmt::format("{} is not allowed in a manifest; only tab, CR and LF may appear besides printable "
                              "characters",
                              DescribeCharacter(d.code_point)));
      return false;
    }
    i += d.length;
    if (d.code_point == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return true;
}

}  // namespace entragate::engine
