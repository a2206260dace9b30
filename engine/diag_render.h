#pragma once
// Human rendering of diagnostics: "file:line:col: error[E0203]: message", the source line and a caret
// under the offending text, with the hint beside the caret.

#include <string>
#include <string_view>

#include "engine/diag.h"

namespace entragate::engine {

std::string RenderDiagnostic(const Diagnostic& d, const Diagnostics& all, bool color);
std::string RenderDiagnostics(const Diagnostics& all, bool color);

/// The problems that stopped `command` (plan, drift) as a pull-request comment: a heading with the
/// count, then one line per problem, text from manifests made inert, cut to stay under GitHub's
/// comment limit.
std::string RenderDiagnosticsMarkdown(const Diagnostics& all, std::string_view command);
/// The same as a JUnit report with one errored test case, so a CI run that publishes the report
/// shows why there is nothing else in it.
std::string RenderDiagnosticsJunit(const Diagnostics& all, std::string_view command);

}  // namespace entragate::engine
