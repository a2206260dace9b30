#pragma once
// Strict UTF-8 decoding (RFC 3629) and the escaping that keeps untrusted text from driving a
// terminal. Shared by the manifest byte check, diagnostics and the local tenant's size limits.

#include <string>
#include <string_view>

namespace entragate::base {

struct Utf8Char {
  char32_t code_point = 0;
  size_t length = 0;    ///< bytes consumed; 0 when the bytes are not UTF-8
  std::string problem;  ///< why not, when length is 0
};

/// Decodes the sequence at the start of a non-empty `s`: refuses stray continuation bytes,
/// truncated and overlong sequences, surrogates and anything past U+10FFFF.
Utf8Char DecodeUtf8(std::string_view s);

/// `s` with every control character (C0, DEL, C1) and every byte that is not UTF-8 written as an
/// escape: \0 \t \n \r, \xNN for other single bytes, \u0085-style for C1. Printable UTF-8 is kept.
std::string EscapeControls(std::string_view s);

}  // namespace entragate::base
