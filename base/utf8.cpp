#include "base/utf8.h"

#include <algorithm>

#include <fmt/format.h>

namespace entragate::base {

namespace {

std::string HexBytes(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{}0x{:02x}", out.empty() ? "" : " ", c);
  return out;
}

}  // namespace

Utf8Char DecodeUtf8(std::string_view s) {
  auto lead = static_cast<unsigned char>(s[0]);
  if (lead < 0x80) return {lead, 1, {}};
  size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (need == 0 || lead > 0xF4) return {0, 0, fmt::format("byte 0x{:02x} cannot start a UTF-8 character", lead)};
  char32_t cp = lead & (0x7F >> need);
  for (size_t i = 1; i < need; ++i) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
      return {0, 0, fmt::format("truncated UTF-8 sequence {}", HexBytes(s.substr(0, std::min(i + 1, s.size()))))};
    cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
  }
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  std::string_view seq = s.substr(0, need);
  auto u = static_cast<uint32_t>(cp);
  if (cp < kSmallest[need]) return {0, 0, fmt::format("overlong UTF-8 sequence {} (U+{:04X} in more bytes than it needs)", HexBytes(seq), u)};
  if (cp >= 0xD800 && cp <= 0xDFFF)
    return {0, 0, fmt::format("UTF-8 sequence {} encodes the surrogate U+{:04X}, which is not a character", HexBytes(seq), u)};
  if (cp > 0x10FFFF) return {0, 0, fmt::format("UTF-8 sequence {} is beyond U+10FFFF", HexBytes(seq))};
  return {cp, need, {}};
}

std::string EscapeControls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    Utf8Char c = DecodeUtf8(s.substr(i));
    if (c.length == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    char32_t cp = c.code_point;
    if (cp == 0)
      out += "\\0";
    else if (cp == '\t')
      out += "\\t";
    else if (cp == '\n')
      out += "\\n";
    else if (cp == '\r')
      out += "\\r";
    else if (cp < 0x20 || cp == 0x7F)
      out += fmt::format("\\x{:02x}", static_cast<uint32_t>(cp));
    else if (cp >= 0x80 && cp <= 0x9F)
      out += fmt::format("\\u{:04x}", static_cast<uint32_t>(cp));
    else
      out.append(s.substr(i, c.length));
    i += c.length;
  }
  return out;
}

}  // namespace entragate::base
