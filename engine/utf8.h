#pragma once
// The engine's names for base/utf8.h (strict UTF-8 decoding, control-character escaping).

#include "base/utf8.h"

namespace entragate::engine {

using base::DecodeUtf8;
using base::EscapeControls;
using base::Utf8Char;

}  // namespace entragate::engine
