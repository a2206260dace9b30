#pragma once
// Human rendering of diagnostics: "file:line:col: error[E0203]: message", the source line and a caret
// under the offending text, with the hint beside the caret.

#include <string>

#include "engine/diag.h"

namespace entragate::engine {

std::string RenderDiagnostic(const Diagnostic& d, const Diagnostics& all, bool color);
std::string RenderDiagnostics(const Diagnostics& all, bool color);

}  // namespace entragate::engine
