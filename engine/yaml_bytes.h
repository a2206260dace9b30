#pragma once
// The byte-level gate in front of the YAML parser: a manifest is UTF-8 text made of characters YAML
// 1.2 calls printable. Anything else (invalid, overlong or surrogate sequences, NUL, control
// characters other than tab, CR and LF) is refused with its line and column before parsing, so it
// can neither be mangled by the parser nor reach Graph.

#include <string>
#include <string_view>

#include "engine/diag.h"

namespace entragate::engine {

/// Reports the first offending byte of `text` (E0007 for bad UTF-8, E0008 for a disallowed
/// character) and returns false; true when the whole text is acceptable. Columns count characters.
bool CheckManifestBytes(const std::string& file, std::string_view text, Diagnostics& diags);

}  // namespace entragate::engine
