#include <doctest/doctest.h>

#include <string>

#include "engine/yaml_document.h"

using namespace entragate::engine;

namespace {

YamlType TypeOfText(const std::string& text) {
  Diagnostics d;
  auto node = ParseYamlDocument("t.yaml", "v: " + text, d);
  REQUIRE(node);
  return TypeOf(node->root()["v"]);
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
  CHECK(d.items()[0].message == "YAML aliases expand to more than 100000 nodes; refusing to read this document (an alias expansion bomb?)");
}

TEST_CASE("an alias inside the node it names (a cycle) is refused at the alias") {
  for (const char* text : {"apps: &x\n  a: *x\n", "identities: &x [1, [*x]]\n"}) {
    CAPTURE(text);
    Diagnostics d;
    CHECK_FALSE(ParseYamlDocument("cycle.yaml", text, d));
    REQUIRE(d.items().size() == 1);
    CHECK(d.items()[0].code == "E0005");
    CHECK(d.items()[0].message == "the alias *x is inside the node it refers to (a cycle); refusing to read this document");
    CHECK(d.items()[0].loc.line == (std::string(text).rfind("apps", 0) == 0 ? 2 : 1));
  }
  Diagnostics d;  // an anchor used again after its node closed is an ordinary alias
  CHECK(ParseYamlDocument("ok.yaml", "a: &x [1]\nb: [*x, *x]\n", d));
  CHECK_FALSE(d.has_errors());
}

TEST_CASE("an alias reads as the node its anchor names, shared, not copied") {
  Diagnostics d;
  auto doc = ParseYamlDocument("ok.yaml", "a: &x {k: [1, two]}\nb: [*x, *x]\nc: &s text\nd: *s\n", d);
  REQUIRE(doc);
  const YamlNode& a = doc->root()["a"];
  const YamlNode& b = doc->root()["b"];
  REQUIRE(b.size() == 2);
  CHECK(&b.item(0) == &a);
  CHECK(&b.item(1) == &a);
  CHECK(a["k"].item(1).Scalar() == "two");
  CHECK(doc->root()["d"].Scalar() == "text");
  CHECK_FALSE(doc->root()["missing"].IsDefined());
  CHECK_FALSE(a["k"]["not a map"].IsDefined());
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
  CHECK(d.items()[0].message == "invalid YAML: flow sequence without a closing bracket");
  CHECK(d.items()[0].loc.line == 4);  // the end of input, where "]" was due
  CHECK(d.items()[0].loc.column == 1);
}

TEST_CASE("locations are 1-based and underline scalars as written") {
  Diagnostics d;
  auto node = ParseYamlDocument("loc.yaml", "a:\n  b: \"quoted\"\n", d);
  REQUIRE(node);
  SourceLoc loc = LocOf("loc.yaml", node->root()["a"]["b"]);
  CHECK(loc.line == 2);
  CHECK(loc.column == 6);
  CHECK(loc.length == 8);
}

namespace {

// The single diagnostic of parsing `text`, which must fail.
Diagnostic OnlyError(const std::string& text) {
  Diagnostics d;
  CHECK_FALSE(ParseYamlDocument("t.yaml", text, d));
  REQUIRE(d.items().size() == 1);
  return d.items()[0];
}

}  // namespace

TEST_CASE("an unterminated quote is a located error, not a string that swallows the rest of the file") {
  for (const char* quote : {"\"", "'"}) {
    CAPTURE(quote);
    Diagnostic e =
        OnlyError(std::string("version: 1\napps:\n  a:\n    displayName: ") + quote + "TestApp\n    assignmentRequired: true\n    access: {}\n");
    CHECK(e.code == "E0004");
    CHECK(e.loc.line >= 4);
    CHECK(e.message.rfind("invalid YAML: ", 0) == 0);
  }
}

TEST_CASE("input YAML 1.2 rejects is refused, also where a lenient parser would read something") {
  // From the YAML test suite's error cases (ids in brackets): yaml-cpp, for one, reads each of them.
  const char* cases[] = {
      "key: \"missing end quote\n",  // unterminated double quote
      "- [a, b\n- c\n",              // a flow sequence never closed [CVW2-like]
      "a: 'b'c\n",                   // text after a quoted scalar [4H7K-like]
      "key: [ a, b ]]\n",            // a stray flow end
      "&anchor - sequence entry\n",  // an anchor before a block entry [SY6V]
      "- !!str, xxx\n",              // a tag that eats a flow indicator [U99R]
  };
  for (const char* text : cases) {
    CAPTURE(text);
    Diagnostics d;
    CHECK_FALSE(ParseYamlDocument("t.yaml", text, d));
    CHECK(d.has_errors());
  }
}

TEST_CASE("bytes that are not UTF-8 text are refused with line and column") {
  struct Bad {
    std::string text;
    int line, column;
    const char* message;
  };
  const Bad cases[] = {
      {"a: b\nc: \xff\n", 2, 4, "not UTF-8 text: byte 0xff cannot start a UTF-8 character"},
      {"a: \xc3\n", 1, 4, "not UTF-8 text: truncated UTF-8 sequence 0xc3 0x0a"},
      {"a: \xc0\xaf\n", 1, 4, "not UTF-8 text: overlong UTF-8 sequence 0xc0 0xaf (U+002F in more bytes than it needs)"},
      {"a: \xe0\x80\xaf\n", 1, 4, "not UTF-8 text: overlong UTF-8 sequence 0xe0 0x80 0xaf (U+002F in more bytes than it needs)"},
      {"a: \xed\xa0\x80\n", 1, 4, "not UTF-8 text: UTF-8 sequence 0xed 0xa0 0x80 encodes the surrogate U+D800, which is not a character"},
      {"a: \xf4\x90\x80\x80\n", 1, 4, "not UTF-8 text: UTF-8 sequence 0xf4 0x90 0x80 0x80 is beyond U+10FFFF"},
      {"a: \x80\n", 1, 4, "not UTF-8 text: byte 0x80 cannot start a UTF-8 character"},
      {"caf\xc3\xa9: \xff\n", 1, 7, "not UTF-8 text: byte 0xff cannot start a UTF-8 character"},  // columns count characters
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    Diagnostic e = OnlyError(c.text);
    CHECK(e.code == "E0007");
    CHECK(e.loc.line == c.line);
    CHECK(e.loc.column == c.column);
    CHECK(e.message == c.message);
    CHECK(e.hint == "manifests must be UTF-8; re-save the file as UTF-8");
  }
}

TEST_CASE("NUL and control characters other than tab, CR and LF are refused with line and column") {
  Diagnostic nul = OnlyError(std::string("apps:\n  test\0app: {}\n", 20));
  CHECK(nul.code == "E0008");
  CHECK(nul.loc.line == 2);
  CHECK(nul.loc.column == 7);
  CHECK(nul.message == "a NUL byte (\\0) is not allowed in a manifest; only tab, CR and LF may appear besides printable characters");
  Diagnostic esc = OnlyError("displayName: \x1b[31mred\n");
  CHECK(esc.code == "E0008");
  CHECK(esc.loc.column == 14);
  CHECK(esc.message ==
        "the non-printable character U+001B is not allowed in a manifest; only tab, CR and LF may appear besides "
        "printable characters");
  CHECK(OnlyError("a: \x7f\n").code == "E0008");
  CHECK(OnlyError("a: \xc2\x9b\n").code == "E0008");  // C1 CSI, which some terminals obey
}

TEST_CASE("UTF-8 text with tabs, CRLF line ends and a byte order mark is fine") {
  Diagnostics d;
  auto node = ParseYamlDocument("ok.yaml", "\xef\xbb\xbfname: \"caf\xc3\xa9 \xf0\x9f\x98\x80\"\r\nnote: \"a\tb\"\r\n", d);
  REQUIRE(node);
  CHECK_FALSE(d.has_errors());
  CHECK(node->root()["name"].Scalar() == "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST_CASE("escapes are decoded as YAML 1.2 decodes them, including those yaml-cpp got wrong") {
  // \N is U+0085 (0xc2 0x85) and \_ U+00A0; yaml-cpp, which the reader no longer uses, yielded a
  // lone 0x85 byte (not UTF-8) for the first.
  Diagnostics d;
  auto node = ParseYamlDocument("t.yaml", "a: \"x\\N\"\nb: \"y\\_\"\n", d);
  REQUIRE(node);
  CHECK(node->root()["a"].Scalar() == "x\xc2\x85");
  CHECK(node->root()["b"].Scalar() == "y\xc2\xa0");
}

TEST_CASE("escapes YAML 1.2 defines are decoded, and control characters they make stay escaped in messages") {
  Diagnostics d;
  auto node = ParseYamlDocument("t.yaml", "\"test\\0app\": \"\\e[31m\\x41\\u00e9\"\n", d);
  REQUIRE(node);
  CHECK(node->root().key(0).Scalar() == std::string("test\0app", 8));
  CHECK(node->root().value(0).Scalar() == "\x1b[31mA\xc3\xa9");
}

TEST_CASE("every kind of node is located where it is written") {
  Diagnostics d;
  const std::string text =
      "map:\n"                  // 1
      "  key: plain\n"          // 2
      "flow: {a: 'q', b: 1}\n"  // 3
      "seq:\n"                  // 4
      "  - first\n"             // 5
      "tagged: !!str \"12\"\n"  // 6
      "bare: !!str\n"           // 7
      "block: |\n"              // 8
      "  two\n"                 // 9
      "  lines\n";              // 10
  auto doc = ParseYamlDocument("loc.yaml", text, d);
  REQUIRE(doc);
  const YamlNode& root = doc->root();
  auto at = [](const SourceLoc& l) { return std::to_string(l.line) + ":" + std::to_string(l.column) + "+" + std::to_string(l.length); };
  SourceLoc key{"loc.yaml", 99, 1, 1};                   // what a caller passes: the key's place
  CHECK(at(LocOf("loc.yaml", root["map"])) == "2:3+1");  // a block mapping: its first key
  CHECK(at(LocOf("loc.yaml", root["map"]["key"])) == "2:8+5");
  CHECK(at(LocOf("loc.yaml", root["flow"])) == "3:7+1");        // a flow mapping: its '{'
  CHECK(at(LocOf("loc.yaml", root["flow"]["a"])) == "3:11+3");  // single-quoted: the quotes too
  CHECK(at(LocOf("loc.yaml", root["seq"])) == "5:3+1");         // a block sequence: its first '-'
  CHECK(at(LocOf("loc.yaml", root["seq"].item(0))) == "5:5+5");
  CHECK(at(LocOf("loc.yaml", root["tagged"])) == "6:15+4");  // tagged and quoted: the quotes
  CHECK(TypeOf(root["tagged"]) == YamlType::kString);
  CHECK(root["bare"].Scalar().empty());
  CHECK(TypeOf(root["bare"]) == YamlType::kString);
  CHECK(at(LocOf("loc.yaml", root["bare"], key)) == "7:7+1");  // an empty tagged value: its tag
  CHECK(root["block"].Scalar() == "two\nlines\n");
  CHECK(at(LocOf("loc.yaml", root["block"], key)) == "99:1+1");  // a block scalar: its key
}

TEST_CASE("an empty block scalar the parser would read as the lines after it is refused, a real one is read") {
  // libfyaml 0.7.12 reads `d: |` with nothing indented below it, inside an indented collection,
  // as holding the sibling lines that follow; YAML 1.2 says it is empty.
  for (const char* text : {"a:\n  d: |\n\n  b: false\n", "a:\n  - |\n  - x\n", "apps:\n  x:\n    description: >\n    access: {}\n"}) {
    CAPTURE(text);
    Diagnostic e = OnlyError(text);
    CHECK(e.code == "E0004");
    CHECK(e.message.find("write an empty value as \"\"") != std::string::npos);
  }
  Diagnostic at = OnlyError("a:\n  d: |\n  b: false\n");
  CHECK(at.loc.line == 2);
  CHECK(at.loc.column == 6);  // the |
  Diagnostics d;
  auto doc = ParseYamlDocument("ok.yaml", "a:\n  d: |\n    text\n  b: false\ntop: |\n\nnext: 1\n", d);
  REQUIRE(doc);
  CHECK(doc->root()["a"]["d"].Scalar() == "text\n");
  CHECK(TypeOf(doc->root()["a"]["b"]) == YamlType::kBool);
  CHECK(doc->root()["top"].Scalar().empty());
  CHECK(doc->root()["next"].Scalar() == "1");
}
