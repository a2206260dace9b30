#pragma once
// Diagnostics as JSON, for editors and CI annotations (`--format json`), and the document a command
// prints in its requested format when problems stop it.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "engine/diag.h"

namespace entragate::cli {

/// {"severity","code","message","file","line","column","end_column","hint"}; no line, column or
/// hint when there is none.
boost::json::object DiagnosticToJson(const engine::Diagnostic& d);

/// {"format_version":"1","valid":…,"error_count":…,"warning_count":…,"diagnostics":[{…}]}
std::string DiagnosticsToJson(const engine::Diagnostics& diags);

/// What `command` (plan, drift) prints on stdout, in the requested `format`, when `diags` stopped it:
/// the JSON above, a markdown error section for a pull request, or a JUnit report with one errored
/// case. Empty for text, whose problems are on stderr only. Ends with a newline.
std::string ProblemsDocument(const engine::Diagnostics& diags, std::string_view format, std::string_view command);

}  // namespace entragate::cli
