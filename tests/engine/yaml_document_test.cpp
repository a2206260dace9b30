#include <doctest/doctest.h>

#include <string>

#include "engine/yaml_document.h"

using namespace entragate::engine;

namespace {

YamlType TypeOfText(const std::string& text) {
  Diagnostics d;
  auto node = ParseYamlDocument("t.yaml", "v: " + text, d);
  REQUIRE(node);
  return TypeOf((*node)["v"]);
}

// The classic "billion laughs": each level references the previous one ten times.
std::string AliasBomb(int levels) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < levels; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += (j ? ", " : "") + prev;
    text += "]\n";
  }
  return text;
}

}  // namespace

TEST_CASE("scalars are typed as YAML 1.2's core schema types them") {
  CHECK(TypeOfText("hello") == YamlType::kString);
  CHECK(TypeOfText("\"true\"") == YamlType::kString);
  CHECK(TypeOfText("'12'") == YamlType::kString);
  CHECK(TypeOfText("true") == YamlType::kBool);
  CHECK(TypeOfText("False") == YamlType::kBool);
  CHECK(TypeOfText("yes") == YamlType::kString);  // YAML 1.1 booleans are strings in 1.2
  CHECK(TypeOfText("12") == YamlType::kInt);
  CHECK(TypeOfText("0x1F") == YamlType::kInt);
  CHECK(TypeOfText("1.5") == YamlType::kFloat);
  CHECK(TypeOfText("~") == YamlType::kNull);
  CHECK(TypeOfText("") == YamlType::kNull);
  CHECK(TypeOfText("[a]") == YamlType::kSequence);
  CHECK(TypeOfText("{a: b}") == YamlType::kMap);
  CHECK(TypeOfText("7e8c5963-8c6b-472e-b9c9-43118267cdbf") == YamlType::kString);
}

TEST_CASE("an alias expansion bomb is refused, not expanded") {
  Diagnostics d;
  CHECK_FALSE(ParseYamlDocument("bomb.yaml", AliasBomb(9), d));  // 10^9 nodes if expanded
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].code == "E0005");
  CHECK(d.items()[0].message ==
        "YAML aliases expand to more than 100000 nodes; refusing to read this document (an alias expansion bomb?)");
}

TEST_CASE("modest use of aliases is fine") {
  Diagnostics d;
  CHECK(ParseYamlDocument("ok.yaml", AliasBomb(3), d));  // 1,000 leaves
  CHECK_FALSE(d.has_errors());
}

TEST_CASE("deep nesting is refused") {
  Diagnostics d;
  CHECK_FALSE(ParseYamlDocument("deep.yaml", std::string(100, '[') + std::string(100, ']'), d));
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].code == "E0005");
  CHECK(d.items()[0].message == "YAML nesting is deeper than 64 levels; refusing to read it");
}

TEST_CASE("a file over the size limit is refused before parsing") {
  Diagnostics d;
  CHECK_FALSE(ParseYamlDocument("big.yaml", std::string((1 << 20) + 1, '#'), d));
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].code == "E0003");
  CHECK(d.items()[0].message == "file is 1048577 bytes; a manifest file may be at most 1048576 bytes");
}

TEST_CASE("several documents in one file are refused") {
  Diagnostics d;
  CHECK_FALSE(ParseYamlDocument("multi.yaml", "version: 1\n---\nversion: 1\n", d));
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].code == "E0006");
}

TEST_CASE("a syntax error is reported with its location") {
  Diagnostics d;
  CHECK_FALSE(ParseYamlDocument("bad.yaml", "version: 1\napps:\n  a: [b\n", d));
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].code == "E0004");
  CHECK(d.items()[0].message == "invalid YAML: end of sequence flow not found");
  CHECK(d.items()[0].loc.line == 4);  // yaml-cpp notices at the end of input, where "]" was due
}

TEST_CASE("locations are 1-based and underline scalars as written") {
  Diagnostics d;
  auto node = ParseYamlDocument("loc.yaml", "a:\n  b: \"quoted\"\n", d);
  REQUIRE(node);
  SourceLoc loc = LocOf("loc.yaml", (*node)["a"]["b"]);
  CHECK(loc.line == 2);
  CHECK(loc.column == 6);
  CHECK(loc.length == 8);
}
