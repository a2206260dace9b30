// The desired model the loader produces: defaults expanded, role ids derived, references resolved,
// files merged, and a location on every element.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "engine/diag_render.h"
#include "engine/manifest.h"

namespace fs = std::filesystem;
using namespace entragate::engine;

namespace {

DesiredState Load(const std::string& text, Diagnostics& diags) { return LoadManifestTexts({{"m.yaml", text}}, diags); }

// A scratch directory removed at the end of the test.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("entragate-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
  void Write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
  static inline int counter = 0;
};

const char* kMinimalApp = "version: 1\napps:\n  a:\n    displayName: A\n";

}  // namespace

TEST_CASE("the manifest-v1 example loads into the model later stages need") {
  Diagnostics diags;
  DesiredState s = LoadManifest("examples/restrict-managed-identities", diags);
  REQUIRE_MESSAGE(!diags.has_errors(), RenderDiagnostics(diags, false));
  REQUIRE(s.apps.size() == 1);
  const App& app = s.apps[0];
  CHECK(app.key == "testapp");
  CHECK(app.display_name == "TestApp");
  CHECK(app.sign_in_audience == "AzureADMyOrg");                // default expanded
  CHECK_FALSE(app.requested_access_token_version.has_value());  // absent: not managed
  CHECK_FALSE(app.tags.has_value());
  REQUIRE(app.identifier_uris.has_value());
  CHECK(app.identifier_uris->at(0).text == "api://{appId}");  // expanded at plan time
  REQUIRE(app.optional_claims.has_value());
  REQUIRE(app.optional_claims->access_token.size() == 2);
  CHECK(app.optional_claims->access_token[0].name == "idtyp");
  CHECK(app.optional_claims->id_token.empty());
  REQUIRE(app.app_roles.has_value());
  const AppRole* role = app.FindRole("App.Use");
  REQUIRE(role != nullptr);
  CHECK(role->display_name == "AppUsers");
  CHECK(role->allowed_member_types == std::vector<std::string>{"Application"});
  CHECK(role->enabled);
  CHECK(role->id_derived);
  CHECK(role->id == DerivedRoleId("testapp", "App.Use"));
  CHECK(app.assignment_required == true);
  REQUIRE(app.access.has_value());
  REQUIRE(app.access->size() == 1);
  CHECK(app.access->at(0).role == "App.Use");
  CHECK(app.access->at(0).principal == "centos-1");
  CHECK_FALSE(app.access->at(0).principal_is_app);
  const Identity& id = s.identities.at("centos-1");
  CHECK(id.selector == IdentitySelector::kManagedIdentity);
  CHECK(id.value == "centos-1");
  // Locations point into the file, so plans and errors can name the manifest line.
  CHECK(app.loc.file == "examples/restrict-managed-identities/testapp.yaml");
  CHECK(app.loc.line > 0);
  CHECK(role->loc.line > app.loc.line);
  CHECK(app.access->at(0).loc.line > role->loc.line);
  CHECK(app.LocOf("assignmentRequired").line > app.loc.line);
}

TEST_CASE("derived role ids are UUIDv5 values that never change") {
  // Pinned (computed independently with Python's uuid.uuid5): a change here would re-create every role
  // entragate ever made.
  CHECK(DerivedRoleId("testapp", "App.Use") == "307f360c-38ec-5764-b607-8af89cb98655");
  CHECK(DerivedRoleId("testapp", "App.Use") != DerivedRoleId("otherapp", "App.Use"));
  CHECK(DerivedRoleId("testapp", "App.Use").size() == 36);
  CHECK(DerivedRoleId("testapp", "App.Use")[14] == '5');
}

TEST_CASE("defaults: role display name and description, explicit ids kept and lower-cased") {
  Diagnostics diags;
  DesiredState s = Load(
      "version: 1\napps:\n  a:\n    displayName: A\n    appRoles:\n"
      "      R.One: { allowedMemberTypes: [User, Application] }\n"
      "      R.Two: { allowedMemberTypes: [User], id: 5E0B1D8A-0F3C-4C53-9D5B-1B2C3D4E5F60, enabled: false }\n",
      diags);
  REQUIRE_FALSE(diags.has_errors());
  const App& app = s.apps[0];
  const AppRole* one = app.FindRole("R.One");
  CHECK(one->display_name == "R.One");
  CHECK(one->description == "R.One");
  CHECK(one->allowed_member_types == std::vector<std::string>{"Application", "User"});  // sorted
  const AppRole* two = app.FindRole("R.Two");
  CHECK(two->id == "5e0b1d8a-0f3c-4c53-9d5b-1b2c3d4e5f60");
  CHECK_FALSE(two->id_derived);
  CHECK_FALSE(two->enabled);
}

TEST_CASE("a directory is merged: files sorted, apps sorted, references across files resolved") {
  Diagnostics diags;
  DesiredState s = LoadManifest("examples/multi-team", diags);
  REQUIRE_MESSAGE(!diags.has_errors(), RenderDiagnostics(diags, false));
  REQUIRE(s.files.size() == 3);
  CHECK(fs::path(s.files[0]).filename() == "identities.yaml");
  CHECK(std::is_sorted(s.apps.begin(), s.apps.end(), [](const App& a, const App& b) { return a.key < b.key; }));
  CHECK(s.settings.prune_apps);
  const App* payments = s.FindApp("payments-api");
  REQUIRE(payments != nullptr);
  REQUIRE(payments->access.has_value());
  bool app_principal = false;
  for (const auto& g : *payments->access)
    if (g.principal == "reporting-api") app_principal = g.principal_is_app;
  CHECK(app_principal);  // an app key names that app's own service principal
}

TEST_CASE("the same app, identity or settings in two files is an error naming both places") {
  Diagnostics diags;
  LoadManifestTexts({{"one.yaml", std::string(kMinimalApp) + "identities:\n  x: { user: x@contoso.com }\nsettings: {}\n"},
                     {"two.yaml", std::string(kMinimalApp) + "identities:\n  x: { user: y@contoso.com }\nsettings: {}\n"}},
                    diags);
  REQUIRE(diags.items().size() == 3);
  CHECK(diags.items()[0].code == "E0106");
  CHECK(diags.items()[0].loc.ToString() == "two.yaml:3:3");
  CHECK(diags.items()[0].message == "app 'a' is defined twice: here and at one.yaml:3:3");
  CHECK(diags.items()[1].message == "identity 'x' is defined twice: here and at one.yaml:6:3");
  CHECK(diags.items()[2].message == "settings are defined twice: here and at one.yaml:7:1");
}

TEST_CASE("tenant guards in several files must agree") {
  Diagnostics diags;
  LoadManifestTexts({{"one.yaml", "version: 1\ntenant: contoso.onmicrosoft.com\n"}, {"two.yaml", "version: 1\ntenant: fabrikam.onmicrosoft.com\n"}},
                    diags);
  REQUIRE(diags.items().size() == 1);
  CHECK(diags.items()[0].code == "E0107");
  CHECK(diags.items()[0].message == "tenant 'fabrikam.onmicrosoft.com' contradicts tenant 'contoso.onmicrosoft.com' given at one.yaml:2:9");
}

TEST_CASE("two apps adopting the same application is an error") {
  Diagnostics diags;
  Load(
      "version: 1\napps:\n"
      "  a: { displayName: A, adopt: { appId: 11a53931-50de-420d-a933-7fbfaa1cedd7 } }\n"
      "  b: { displayName: B, adopt: { appId: 11A53931-50DE-420D-A933-7FBFAA1CEDD7 } }\n",
      diags);
  REQUIRE(diags.items().size() == 1);
  CHECK(diags.items()[0].code == "E0220");
  CHECK(diags.items()[0].message == "app 'b' adopts 11a53931-50de-420d-a933-7fbfaa1cedd7, which app 'a' adopts already");
}

TEST_CASE("every problem of a run is reported, not only the first") {
  Diagnostics diags;
  Load("version: 1\nbogus: 1\napps:\n  a: { displayName: 7, notes: [x], assignmentRequired: maybe }\n", diags);
  CHECK(diags.error_count() == 4);
}

TEST_CASE("files: missing path, empty directory, oversized file, empty file, several documents") {
  TempDir dir;
  SUBCASE("missing") {
    Diagnostics diags;
    LoadManifest((dir.path / "nope").string(), diags);
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].code == "E0001");
    CHECK(diags.items()[0].message == "cannot read '" + (dir.path / "nope").string() + "': no such file or directory");
  }
  SUBCASE("empty directory") {
    Diagnostics diags;
    dir.Write("README.md", "not a manifest");
    LoadManifest(dir.path.string(), diags);
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].code == "E0002");
    CHECK(diags.items()[0].message == "no manifest files (*.yaml, *.yml) in directory '" + dir.path.string() + "' or below it");
  }
  SUBCASE("oversized") {
    Diagnostics diags;
    dir.Write("big.yaml", std::string(2 << 20, '#'));
    LoadManifest(dir.path.string(), diags);
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].code == "E0003");
    CHECK(diags.items()[0].message == "file is larger than 1048576 bytes, the limit for a manifest file");
  }
  SUBCASE("empty file") {
    Diagnostics diags;
    dir.Write("empty.yml", "# nothing yet\n");
    LoadManifest(dir.path.string(), diags);
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].code == "E0104");
    CHECK(diags.items()[0].message == "the manifest is empty; it needs at least 'version: 1'");
  }
  SUBCASE("several documents") {
    Diagnostics diags;
    dir.Write("two.yaml", "version: 1\n---\nversion: 1\n");
    LoadManifest(dir.path.string(), diags);
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].code == "E0006");
  }
  SUBCASE("a device is refused without being read") {
    Diagnostics diags;
    LoadManifest("/dev/zero", diags);
    REQUIRE(diags.items().size() == 1);
    CHECK(diags.items()[0].code == "E0009");
    CHECK(diags.items()[0].message == "'/dev/zero' is a character device; manifests are read only from regular files and directories");
  }
}

TEST_CASE("owners and servicePrincipalOwners: the exact sets, sorted, identities and app keys told apart, absent and empty kept apart") {
  Diagnostics diags;
  DesiredState s = Load(R"(version: 1
identities:
  zed: { user: zed@contoso.com }
  ci: { managedIdentity: ci-runner }
apps:
  api:
    displayName: API
    owners: [ zed, client, ci ]
    servicePrincipalOwners: []
  client:
    displayName: Client
)",
                        diags);
  REQUIRE_MESSAGE(!diags.has_errors(), RenderDiagnostics(diags, false));
  const App* api = s.FindApp("api");
  REQUIRE(api->owners);
  REQUIRE(api->owners->size() == 3);
  CHECK(api->owners->at(0).principal == "ci");
  CHECK(api->owners->at(1).principal == "client");
  CHECK(api->owners->at(1).principal_is_app);
  CHECK_FALSE(api->owners->at(2).principal_is_app);
  CHECK(api->owners->at(2).loc.line == 8);
  CHECK(api->owners->at(2).loc.column == 15);
  REQUIRE(api->sp_owners);  // an empty list: no owners
  CHECK(api->sp_owners->empty());
  CHECK_FALSE(s.FindApp("client")->owners);  // absent: left alone
}

TEST_CASE("owners: a name listed twice, a group and an unknown name are each reported at their place") {
  Diagnostics diags;
  Load(R"(version: 1
identities:
  zed: { user: zed@contoso.com }
  ops: { group: Operators }
apps:
  api:
    displayName: API
    owners: [ zed, zed, ops, zedd ]
)",
       diags);
  std::vector<std::string> got;
  for (const auto& d : diags.items()) got.push_back(d.code + "@" + d.loc.ToString());
  CHECK(got == std::vector<std::string>{"E0110@m.yaml:8:20", "E0229@m.yaml:8:25", "E0228@m.yaml:8:30"});
  CHECK(diags.items()[2].hint == "did you mean 'zed'?");
}

TEST_CASE("a group granted a role that allows applications is a warning at the grant, not an error") {
  Diagnostics diags;
  DesiredState s = Load(R"(version: 1
identities:
  ops: { group: Operators }
apps:
  api:
    displayName: API
    appRoles:
      Both: { allowedMemberTypes: [ Application, User ] }
      People: { allowedMemberTypes: [ User ] }
    assignmentRequired: true
    access:
      Both: [ ops ]
      People: [ ops ]
)",
                        diags);
  CHECK_FALSE(diags.has_errors());
  REQUIRE(diags.warning_count() == 1);  // People allows only users: nothing to warn about
  const Diagnostic& w = diags.items()[0];
  CHECK(w.severity == Severity::kWarning);
  CHECK(w.code == "W0230");
  CHECK(w.loc.ToString() == "m.yaml:12:15");
  CHECK(w.message == "app role 'Both' of app 'api' allows Application members, but it is granted to group 'ops': only the group's users get it");
  REQUIRE(s.warnings.size() == 1);
}

TEST_CASE("names: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 120 characters") {
  CHECK(IsValidName("orders-api"));
  CHECK(IsValidName("A.b_c-9"));
  CHECK(IsValidName("9lives"));
  CHECK(IsValidName(std::string(120, 'a')));
  CHECK_FALSE(IsValidName(std::string(121, 'a')));
  CHECK_FALSE(IsValidName(""));
  CHECK_FALSE(IsValidName("-lead"));
  CHECK_FALSE(IsValidName(".lead"));
  CHECK_FALSE(IsValidName("has space"));
  CHECK_FALSE(IsValidName("ünï"));
  CHECK_FALSE(IsValidName("slash/inside"));
}
