#pragma once
// Ctrl-C during apply: the first SIGINT/SIGTERM asks the run to stop starting steps (those in
// flight finish and the summary is printed); a second one ends the process at once with 130.
// Installed only while steps run; before that the default (end at once) is what a user expects.

namespace entragate::cli {

class InterruptScope {
 public:
  InterruptScope();   ///< installs the handlers, clears the flag
  ~InterruptScope();  ///< restores the previous handlers
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  /// A signal arrived since the scope began.
  static bool Requested();
};

}  // namespace entragate::cli
