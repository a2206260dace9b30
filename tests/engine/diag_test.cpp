#include <doctest/doctest.h>

#include "engine/diag.h"
#include "engine/diag_render.h"
#include "engine/utf8.h"

using namespace entragate::engine;

TEST_CASE("Closest finds plausible typos and nothing else") {
  std::vector<std::string> keys = {"displayName", "description", "notes", "appRoles"};
  CHECK(Closest("dispayName", keys) == "displayName");
  CHECK(Closest("DisplayName", keys) == "displayName");  // case alone is a typo too
  CHECK(Closest("descritpion", keys) == "description");  // transposition counts as one edit
  CHECK(Closest("approle", keys) == "appRoles");
  CHECK(Closest("zzz", keys).empty());
  CHECK(Closest("", keys).empty());
  CHECK(DidYouMean("note", keys) == "did you mean 'notes'?");
  CHECK(DidYouMean("completely-different", keys).empty());
}

TEST_CASE("SourceLine returns the requested line without its newline") {
  Diagnostics d;
  d.AddSource("a.yaml", "one\r\ntwo\nthree");
  CHECK(d.SourceLine("a.yaml", 1) == "one");
  CHECK(d.SourceLine("a.yaml", 2) == "two");
  CHECK(d.SourceLine("a.yaml", 3) == "three");
  CHECK(d.SourceLine("a.yaml", 4).empty());
  CHECK(d.SourceLine("other.yaml", 1).empty());
}

TEST_CASE("a diagnostic renders as file:line:col, the source line and a caret with the hint") {
  Diagnostics d;
  d.AddSource("policies/payroll.yaml", "apps:\n  payroll:\n    access:\n      App.Uze: [ centos-1 ]\n");
  d.Error("E0203", {"policies/payroll.yaml", 4, 7, 7}, "unknown app role 'App.Uze' in access of app 'payroll'", "did you mean 'App.Use'?");
  CHECK(RenderDiagnostics(d, false) ==
        "policies/payroll.yaml:4:7: error[E0203]: unknown app role 'App.Uze' in access of app 'payroll'\n"
        " 4 |       App.Uze: [ centos-1 ]\n"
        "   |       ^^^^^^^ did you mean 'App.Use'?\n");
}

TEST_CASE("colour codes appear only when asked for") {
  Diagnostics d;
  d.Error("E0001", {"missing.yaml", 0, 0, 0}, "cannot read 'missing.yaml'");
  CHECK(RenderDiagnostics(d, false) == "missing.yaml: error[E0001]: cannot read 'missing.yaml'\n");
  CHECK(RenderDiagnostics(d, true).find("\x1b[") != std::string::npos);
}

TEST_CASE("Sort orders by file, line and column and counts errors") {
  Diagnostics d;
  d.Error("E2", {"b.yaml", 1, 1, 1}, "b");
  d.Warning("W1", {"a.yaml", 9, 1, 1}, "a9");
  d.Error("E1", {"a.yaml", 2, 5, 1}, "a2");
  d.Sort();
  REQUIRE(d.items().size() == 3);
  CHECK(d.items()[0].message == "a2");
  CHECK(d.items()[1].message == "a9");
  CHECK(d.items()[2].message == "b");
  CHECK(d.error_count() == 2);
  CHECK(d.warning_count() == 1);
}

TEST_CASE("control characters and bytes that are not UTF-8 never reach the output raw") {
  CHECK(EscapeControls(std::string("a\0b", 3)) == "a\\0b");
  CHECK(EscapeControls("\x1b[31mred\x07") == "\\x1b[31mred\\x07");
  CHECK(EscapeControls("tab\there\r\n") == "tab\\there\\r\\n");
  CHECK(EscapeControls("\xc2\x9b"
                       "2J") == "\\u009b2J");  // C1 CSI
  CHECK(EscapeControls("\x7f") == "\\x7f");
  CHECK(EscapeControls("bad\xff\xc0\xaf") == "bad\\xff\\xc0\\xaf");
  CHECK(EscapeControls("caf\xc3\xa9 \xe2\x9c\x93") == "caf\xc3\xa9 \xe2\x9c\x93");  // printable UTF-8 is kept

  Diagnostics d;
  d.AddSource("m\x1b.yaml", "displayName: \x1b]0;pwned\x07\n");
  d.Error("E0008", {"m\x1b.yaml", 1, 14, 1}, "message with \x1b[2J", "hint \x07");
  std::string out = RenderDiagnostics(d, false);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find('\x07') == std::string::npos);
  CHECK(d.items()[0].message == "message with \\x1b[2J");
  CHECK(d.items()[0].hint == "hint \\x07");
  CHECK(d.items()[0].loc.file == "m\\x1b.yaml");
  CHECK(out.find(" 1 | displayName: \\x1b]0;pwned\\x07\n") != std::string::npos);
}
