#include "engine/diag_render.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/utf8.h"

namespace entragate::engine {

namespace {

struct Palette {
  const char* bold;
  const char* red;
  const char* yellow;
  const char* blue;
  const char* reset;
};

Palette PaletteFor(bool color) {
  if (color) return {"\x1b[1m", "\x1b[1;31m", "\x1b[1;33m", "\x1b[1;34m", "\x1b[0m"};
  return {"", "", "", "", ""};
}

// Tabs would shift the caret; show them as one space so columns line up with the parser's count.
// The line is the file's raw text, which may be the very bytes a diagnostic complains about:
// escape them rather than send them to a terminal.
std::string Printable(std::string_view line) {
  std::string out(line);
  std::replace(out.begin(), out.end(), '\t', ' ');
  return EscapeControls(out);
}

}  // namespace

std::string RenderDiagnostic(const Diagnostic& d, const Diagnostics& all, bool color) {
  Palette p = PaletteFor(color);
  bool error = d.severity == Severity::kError;
  std::string out = fmt::format("{}{}:{} {}{}[{}]{}: {}{}{}\n", p.bold, d.loc.ToString(), p.reset, error ? p.red : p.yellow,
                                error ? "error" : "warning", d.code, p.reset, p.bold, d.message, p.reset);
  std::string_view line = d.loc.valid() ? all.SourceLine(d.loc.file, d.loc.line) : std::string_view();
  if (line.empty()) {
    if (!d.hint.empty()) out += fmt::format("  {}= help:{} {}\n", p.blue, p.reset, d.hint);
    return out;
  }
  std::string gutter = std::to_string(d.loc.line);
  std::string pad(gutter.size(), ' ');
  int column = std::max(1, d.loc.column);
  int length = std::clamp<int>(d.loc.length, 1, std::max<int>(1, static_cast<int>(line.size()) - column + 1));
  out += fmt::format(" {}{} |{} {}\n", p.blue, gutter, p.reset, Printable(line));
  out += fmt::format(" {}{} |{} {}{}{}{}{}\n", p.blue, pad, p.reset, std::string(column - 1, ' '), error ? p.red : p.yellow, std::string(length, '^'),
                     d.hint.empty() ? "" : " ", d.hint + p.reset);
  return out;
}

std::string RenderDiagnostics(const Diagnostics& all, bool color) {
  std::string out;
  for (const auto& d : all.items()) out += RenderDiagnostic(d, all, color);
  return out;
}

}  // namespace entragate::engine
