// The core schema's character tests against the regular expressions YAML 1.2 gives for them
// (section 10.3.2), over every short string of the characters those expressions use.
#include <regex>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "engine/yaml_core_schema.h"

using namespace entragate::engine::yaml_detail;

namespace {

const std::regex kNull("~|null|Null|NULL|");
const std::regex kBool("true|True|TRUE|false|False|FALSE");
const std::regex kInt("[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+");
const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");

void Check(const std::string& s) {
  CAPTURE(s);
  CHECK(IsCoreNull(s) == std::regex_match(s, kNull));
  CHECK(IsCoreBool(s) == std::regex_match(s, kBool));
  CHECK(IsCoreInt(s) == std::regex_match(s, kInt));
  CHECK(IsCoreFloat(s) == std::regex_match(s, kFloat));
}

}  // namespace

TEST_CASE("the core schema's types are decided as its regular expressions decide them") {
  // Every string of up to 4 of these characters, then the spelled-out words with a character changed.
  const std::string alphabet = "0179aefxoE.+-~";
  std::vector<std::string> level{""};
  for (int length = 0; length <= 4; ++length) {
    std::vector<std::string> next;
    for (const auto& s : level) {
      Check(s);
      if (length < 4)
        for (char c : alphabet) next.push_back(s + c);
    }
    level = std::move(next);
  }
  for (std::string word : {"null", "Null", "NULL",  "true", "True", "TRUE", "false", "False",  "FALSE", ".inf", "-.Inf", "+.INF", ".nan",
                           ".NaN", ".NAN", "-.nan", "0x1F", "0o17", "0o18", "+12",   "1.5e+3", "1.e-2", ".5E7", "12e",   "1e+"}) {
    Check(word);
    for (size_t i = 0; i < word.size(); ++i) {
      std::string changed = word;
      changed[i] = changed[i] == 'x' ? 'y' : 'x';
      Check(changed);
      Check(word.substr(0, i));
    }
  }
}
