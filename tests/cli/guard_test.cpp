// The guard around every command: an escaping exception is an error message and exit status 1.
#include <doctest/doctest.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "cli/guard.h"

using entragate::cli::RunGuarded;

namespace {

std::string Read(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, f)) out += buffer;
  return out;
}

}  // namespace

TEST_CASE("guard: a command's own exit status passes through, and nothing is printed") {
  std::FILE* err = std::tmpfile();
  REQUIRE(err);
  CHECK(RunGuarded([] { return 2; }, err) == 2);
  CHECK(Read(err).empty());
  std::fclose(err);
}

TEST_CASE("guard: an escaping exception is reported with its message and exits 1") {
  std::FILE* err = std::tmpfile();
  REQUIRE(err);
  CHECK(RunGuarded([]() -> int { throw std::out_of_range("key 'value' not found"); }, err) == 1);
  CHECK(Read(err) == "\nentragate: internal error: key 'value' not found\n");
  std::fclose(err);
}

TEST_CASE("guard: even something that is not a std::exception") {
  std::FILE* err = std::tmpfile();
  REQUIRE(err);
  CHECK(RunGuarded([]() -> int { throw 42; }, err) == 1);
  CHECK(Read(err) == "\nentragate: internal error: an unknown exception\n");
  std::fclose(err);
}
