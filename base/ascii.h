#pragma once
// ASCII text helpers independent of the C locale. Entra compares GUIDs, client ids, domains and
// identifier URIs case-insensitively, so every layer needs the same folding.

#include <string>
#include <string_view>

namespace entragate::base {

/// The 8-4-4-4-12 hexadecimal form, in either case, without braces.
bool IsGuid(std::string_view text);
inline char LowerAsciiChar(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string LowerAscii(std::string_view text);
/// Folds a string it owns in place: no second allocation for LowerAscii(JsonString(…)).
std::string LowerAscii(std::string&& text);
inline std::string LowerAscii(const char* text) { return LowerAscii(std::string_view(text)); }
bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);

}  // namespace entragate::base
