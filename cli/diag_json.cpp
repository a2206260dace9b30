#include "cli/diag_json.h"

#include <boost/json.hpp>

namespace entragate::cli {

std::string DiagnosticsToJson(const engine::Diagnostics& diags) {
  boost::json::array items;
  for (const auto& d : diags.items()) {
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
    items.push_back(std::move(o));
  }
  boost::json::object root;
  root["format_version"] = "1";
  root["valid"] = !diags.has_errors();
  root["error_count"] = diags.error_count();
  root["warning_count"] = diags.warning_count();
  root["diagnostics"] = std::move(items);
  return boost::json::serialize(root);
}

}  // namespace entragate::cli
