#include "cli/diag_json.h"

#include <boost/json.hpp>

#include "engine/diag_render.h"

namespace entragate::cli {

boost::json::object DiagnosticToJson(const engine::Diagnostic& d) {
  boost::json::object o;
  o["severity"] = d.severity == engine::Severity::kError ? "error" : "warning";
  o["code"] = d.code;
  o["message"] = d.message;
  o["file"] = d.loc.file;
  if (d.loc.valid()) {
    o["line"] = d.loc.line;
    o["column"] = d.loc.column;
    o["end_column"] = d.loc.column + d.loc.length;
  }
  if (!d.hint.empty()) o["hint"] = d.hint;
  return o;
}

std::string DiagnosticsToJson(const engine::Diagnostics& diags) {
  boost::json::array items;
  for (const auto& d : diags.items()) items.push_back(DiagnosticToJson(d));
  boost::json::object root;
  root["format_version"] = "1";
  root["valid"] = !diags.has_errors();
  root["error_count"] = diags.error_count();
  root["warning_count"] = diags.warning_count();
  root["diagnostics"] = std::move(items);
  return boost::json::serialize(root);
}

std::string ProblemsDocument(const engine::Diagnostics& diags, std::string_view format, std::string_view command) {
  if (format == "json") return DiagnosticsToJson(diags) + "\n";
  if (format == "markdown") return engine::RenderDiagnosticsMarkdown(diags, command);
  if (format == "junit") return engine::RenderDiagnosticsJunit(diags, command);
  return {};
}

}  // namespace entragate::cli
