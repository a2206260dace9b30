#pragma once
// ASCII case folding for identifiers that Entra compares case-insensitively (GUIDs, client ids,
// domains, identifier URIs). Locale-independent on purpose: std::tolower follows the C locale.

#include <algorithm>
#include <string>
#include <string_view>

namespace entragate::emulator {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return AsciiLower(c); });
  return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

}  // namespace entragate::emulator
