#include "cli/guard.h"

#include <exception>

#include <fmt/format.h>

namespace entragate::cli {

int RunGuarded(const std::function<int()>& command, std::FILE* err) {
  try {
    return command();
  } catch (const std::exception& e) {
    std::fflush(stdout);  // what the command printed so far comes first
    fmt::print(err, "\nentragate: internal error: {}\n", e.what());
  } catch (...) {
    std::fflush(stdout);
    fmt::print(err, "\nentragate: internal error: an unknown exception\n");
  }
  return 1;
}

}  // namespace entragate::cli
