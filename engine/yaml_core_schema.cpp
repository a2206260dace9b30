#include "engine/yaml_core_schema.h"

namespace entragate::engine::yaml_detail {

namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }
bool OctalDigit(char c) { return c >= '0' && c <= '7'; }
bool HexDigit(char c) { return Digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// At least one character, each passing `ok`.
template <typename Pred>
bool AllOf(std::string_view s, Pred ok) {
  if (s.empty()) return false;
  for (char c : s)
    if (!ok(c)) return false;
  return true;
}

// The three spellings the core schema allows: lower, Capitalised, UPPER.
bool AnySpelling(std::string_view s, std::string_view lower, std::string_view capital, std::string_view upper) {
  return s == lower || s == capital || s == upper;
}

std::string_view WithoutSign(std::string_view s) { return !s.empty() && (s[0] == '-' || s[0] == '+') ? s.substr(1) : s; }

}  // namespace

bool IsCoreNull(std::string_view s) { return s.empty() || s == "~" || AnySpelling(s, "null", "Null", "NULL"); }

bool IsCoreBool(std::string_view s) { return AnySpelling(s, "true", "True", "TRUE") || AnySpelling(s, "false", "False", "FALSE"); }

bool IsCoreInt(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o') return AllOf(s.substr(2), OctalDigit);
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x') return AllOf(s.substr(2), HexDigit);
  return AllOf(WithoutSign(s), Digit);
}

bool IsCoreFloat(std::string_view s) {
  if (AnySpelling(s, ".nan", ".NaN", ".NAN")) return true;
  std::string_view body = WithoutSign(s);
  if (AnySpelling(body, ".inf", ".Inf", ".INF")) return true;
  // (.[0-9]+ | [0-9]+(.[0-9]*)?) then an optional exponent.
  size_t i = 0, whole = 0, fraction = 0;
  while (i < body.size() && Digit(body[i])) ++i, ++whole;
  bool dot = i < body.size() && body[i] == '.';
  if (dot) {
    ++i;
    while (i < body.size() && Digit(body[i])) ++i, ++fraction;
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    return AllOf(WithoutSign(body.substr(i + 1)), Digit);
  }
  return i == body.size();
}

}  // namespace entragate::engine::yaml_detail
