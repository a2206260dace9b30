#pragma once
// Source locations and the diagnostics collected while reading manifests. Every problem in a run is
// collected (not thrown) so a user sees all of them at once, each pointing at file:line:col.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace entragate::engine {

/// A place in a manifest file. line and column are 1-based; line 0 means "no location" (whole file
/// or not from a file). length is the number of columns to underline.
struct SourceLoc {
  std::string file;
  int line = 0;
  int column = 0;
  int length = 1;

  bool valid() const { return line > 0; }
  std::string ToString() const;  ///< "file:line:col", or just "file" without a line
};

enum class Severity { kError, kWarning };

/// message, hint and loc.file never hold control characters or bytes that are not UTF-8: Diagnostics
/// escapes them (\0, \x1b, …) when the diagnostic is added.
struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;  ///< stable id such as E0203; listed in the README
  SourceLoc loc;
  std::string message;  ///< one line, no trailing period
  std::string hint;     ///< shown under the caret, e.g. "did you mean 'App.Use'?"; may be empty
};

class Diagnostics {
 public:
  void Error(std::string code, SourceLoc loc, std::string message, std::string hint = {});
  void Warning(std::string code, SourceLoc loc, std::string message, std::string hint = {});

  /// Adds every diagnostic and source of `other`.
  void Append(const Diagnostics& other);

  /// Remembers a file's text so rendering can show the offending line.
  void AddSource(const std::string& file, std::string text);
  /// The text of a 1-based line of a remembered file, without its newline; empty when unknown.
  std::string_view SourceLine(const std::string& file, int line) const;

  const std::vector<Diagnostic>& items() const { return items_; }
  int error_count() const { return errors_; }
  int warning_count() const { return static_cast<int>(items_.size()) - errors_; }
  bool has_errors() const { return errors_ > 0; }

  /// Orders by file, line, column (stable for equal places), so output is deterministic.
  void Sort();

 private:
  void Add(Severity severity, std::string code, SourceLoc loc, std::string message, std::string hint);

  std::vector<Diagnostic> items_;
  int errors_ = 0;
  std::map<std::string, std::string> sources_;
};

/// "did you mean" support: the candidate closest to word by edit distance (case-insensitive), or
/// an empty string when nothing is close enough to be a plausible typo.
std::string Closest(std::string_view word, const std::vector<std::string>& candidates);

/// "did you mean 'x'?" for Closest(...), or an empty string.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace entragate::engine
