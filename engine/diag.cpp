#include "engine/diag.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include <fmt/format.h>

#include "engine/utf8.h"

namespace entragate::engine {

std::string SourceLoc::ToString() const {
  if (!valid()) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

// Messages quote manifest text (keys, values, file names) that may hold control characters or
// bytes that are not UTF-8: escape them once here, so no output (terminal, JSON, CI annotations)
// ever carries them raw.
void Diagnostics::Add(Severity severity, std::string code, SourceLoc loc, std::string message, std::string hint) {
  loc.file = EscapeControls(loc.file);
  items_.push_back({severity, std::move(code), std::move(loc), EscapeControls(message), EscapeControls(hint)});
}

void Diagnostics::Error(std::string code, SourceLoc loc, std::string message, std::string hint) {
  Add(Severity::kError, std::move(code), std::move(loc), std::move(message), std::move(hint));
  ++errors_;
}

void Diagnostics::Warning(std::string code, SourceLoc loc, std::string message, std::string hint) {
  Add(Severity::kWarning, std::move(code), std::move(loc), std::move(message), std::move(hint));
}

void Diagnostics::Append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
  errors_ += other.errors_;
  sources_.insert(other.sources_.begin(), other.sources_.end());
}

// Keyed by the escaped name, which is what a diagnostic's loc.file holds (escaping is idempotent).
void Diagnostics::AddSource(const std::string& file, std::string text) { sources_[EscapeControls(file)] = std::move(text); }

std::string_view Diagnostics::SourceLine(const std::string& file, int line) const {
  auto it = sources_.find(EscapeControls(file));
  if (it == sources_.end() || line < 1) return {};
  std::string_view text = it->second;
  for (int i = 1; i < line; ++i) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return {};
    text.remove_prefix(nl + 1);
  }
  auto end = text.find('\n');
  std::string_view result = text.substr(0, end);
  if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
  return result;
}

void Diagnostics::Sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.column) < std::tie(b.loc.file, b.loc.line, b.loc.column);
  });
}

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Optimal string alignment distance: a transposition counts as one edit, as typos usually are.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string Closest(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.size() > 200) return {};  // a typo is never this long; keeps the quadratic cost bounded
  const std::string lowered = Lower(word);
  std::string best;
  size_t best_distance = std::max<size_t>(1, (word.size() + 2) / 3) + 1;  // threshold, exclusive
  for (const auto& c : candidates) {
    if (c.size() > 200) continue;
    size_t distance = EditDistance(lowered, Lower(c));
    if (distance < best_distance) {
      best_distance = distance;
      best = c;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best = Closest(word, candidates);
  return best.empty() ? std::string() : fmt::format("did you mean '{}'?", best);
}

}  // namespace entragate::engine
