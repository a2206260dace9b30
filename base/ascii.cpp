#include "base/ascii.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace entragate::base {

bool IsGuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : !std::isxdigit(static_cast<unsigned char>(t[i]))) return false;
  }
  return true;
}

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), LowerAsciiChar);
  return out;
}

std::string LowerAscii(std::string&& text) {
  std::string out(std::move(text));
  std::transform(out.begin(), out.end(), out.begin(), LowerAsciiChar);
  return out;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return LowerAsciiChar(x) == LowerAsciiChar(y); });
}

}  // namespace entragate::base
