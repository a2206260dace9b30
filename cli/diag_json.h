#pragma once
// Diagnostics as JSON, for editors and CI annotations (`--format json`).

#include <string>

#include "engine/diag.h"

namespace entragate::cli {

/// {"format_version":"1","valid":…,"error_count":…,"warning_count":…,"diagnostics":[{…}]}
std::string DiagnosticsToJson(const engine::Diagnostics& diags);

}  // namespace entragate::cli
