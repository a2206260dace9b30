// /directoryRoles on the local tenant: the roles a seed activates, their members as directoryObjects,
// $select and $filter eq, no paging, the permissions Graph asks for, and the seed's own refusals.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "emulator/graph/directory_role_templates.h"
#include "tests/emulator/graph_test_tenant.h"

using namespace entragate::emulator;
using namespace entragate::emulator::testing;

namespace {

constexpr const char* kGlobalAdmin = "62e90394-69f5-4237-9190-012177145e10";
constexpr const char* kAppAdmin = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
constexpr const char* kCloudAppAdmin = "158c047a-c907-4556-b7ef-446551a6b5f7";
constexpr const char* kPrivilegedRoleAdmin = "e8611ab8-c189-46e8-94e1-60213ab1f814";

// A seed with three activated roles: users, a service principal and a group among their members.
constexpr const char* kSeed = R"(tenant: { id: 7e8c5963-8c6b-472e-b9c9-43118267cdbf, domains: [contoso.onmicrosoft.com] }
users:
  - { userPrincipalName: alice@contoso.onmicrosoft.com, displayName: Alice }
  - { userPrincipalName: bob@contoso.onmicrosoft.com, displayName: Bob }
groups: [ { displayName: App Admins, members: [bob@contoso.onmicrosoft.com] } ]
applications: [ { displayName: deployer, servicePrincipal: true } ]
directoryRoles:
  - { role: Global Administrator, members: [alice@contoso.onmicrosoft.com] }
  - { role: application administrator, members: [deployer, App Admins, Bob@Contoso.onmicrosoft.com] }
  - { role: Privileged Role Administrator }
)";

std::string WriteSeed(const std::string& name, const std::string& text) {
  std::string path = (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".yaml")).string();
  std::ofstream(path) << text;
  return path;
}

// Tokens besides GraphTestTenant's: "rolereader" holds only RoleManagement.Read.Directory (the least
// privileged permission), "appwriter" only Application.ReadWrite.All (not enough).
void ExtraCallers(GraphServiceOptions& options) {
  auto base = options.authenticate;
  options.authenticate = [base](std::string_view token, std::string& why) -> std::optional<GraphCaller> {
    if (token == "rolereader") return GraphCaller{"rr", "rr", {"RoleManagement.Read.Directory"}};
    if (token == "appwriter") return GraphCaller{"aw", "aw", {"Application.ReadWrite.All"}};
    return base(token, why);
  };
}

struct SeededTenant {
  std::string seed = WriteSeed("entragate-roles-seed", kSeed);
  GraphTestTenant t{seed, ExtraCallers};
  ~SeededTenant() { std::filesystem::remove(seed); }
};

std::vector<std::string> Strings(const json::array& items, const char* key) {
  std::vector<std::string> out;
  for (const auto& i : items) out.emplace_back(i.at(key).as_string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string RoleId(GraphTestTenant& t, const std::string& template_id) {
  Reply r = t.Get("/directoryRoles?$filter=roleTemplateId eq '" + template_id + "'&$select=id");
  REQUIRE(r.status == 200);
  REQUIRE(r.obj().at("value").as_array().size() == 1);
  return std::string(r.obj().at("value").at(0).at("id").as_string());
}

}  // namespace

TEST_CASE("directory roles: the default seed activates Cloud Application Administrator, held by Alice") {
  GraphTestTenant t;
  Reply r = t.Get("/directoryRoles");
  REQUIRE(r.status == 200);
  CHECK(r.obj().at("@odata.context") == "https://graph.test/v1.0/$metadata#directoryRoles");
  const json::array& roles = r.obj().at("value").as_array();
  REQUIRE(roles.size() == 1);
  const json::object& role = roles[0].as_object();
  CHECK(role.at("displayName") == "Cloud Application Administrator");
  CHECK(role.at("roleTemplateId") == kCloudAppAdmin);
  CHECK(role.at("deletedDateTime").is_null());
  CHECK(role.at("description").is_string());
  CHECK(role.size() == 5);  // id, deletedDateTime, description, displayName, roleTemplateId: "_members" is never served
  CHECK_FALSE(r.obj().contains("@odata.nextLink"));
  Reply members = t.Get("/directoryRoles/" + std::string(role.at("id").as_string()) + "/members");
  REQUIRE(members.status == 200);
  REQUIRE(members.obj().at("value").as_array().size() == 1);
  CHECK(members.obj().at("value").at(0).at("userPrincipalName") == "alice@contoso.onmicrosoft.com");
  CHECK(members.obj().at("value").at(0).at("@odata.type") == "#microsoft.graph.user");
}

TEST_CASE("directory roles: only the seeded roles are listed, $select and $filter eq on roleTemplateId and displayName") {
  SeededTenant s;
  Reply all = s.t.Get("/directoryRoles");
  REQUIRE(all.status == 200);
  CHECK(Strings(all.obj().at("value").as_array(), "roleTemplateId") == std::vector<std::string>{kGlobalAdmin, kAppAdmin, kPrivilegedRoleAdmin});
  CHECK(Strings(all.obj().at("value").as_array(), "displayName") ==
        std::vector<std::string>{"Application Administrator", "Global Administrator", "Privileged Role Administrator"});

  Reply selected = s.t.Get("/directoryRoles?$select=id,displayName");
  REQUIRE(selected.status == 200);
  CHECK(selected.obj().at("@odata.context") == "https://graph.test/v1.0/$metadata#directoryRoles(id,displayName)");
  for (const auto& role : selected.obj().at("value").as_array()) CHECK(role.as_object().size() == 2);

  Reply by_template = s.t.Get(std::string("/directoryRoles?$filter=roleTemplateId eq '") + kGlobalAdmin + "'");
  REQUIRE(by_template.status == 200);
  REQUIRE(by_template.obj().at("value").as_array().size() == 1);
  CHECK(by_template.obj().at("value").at(0).at("displayName") == "Global Administrator");
  // A role that is not activated is an empty list, not an error.
  Reply inactive = s.t.Get(std::string("/directoryRoles?$filter=roleTemplateId eq '") + kCloudAppAdmin + "'");
  REQUIRE(inactive.status == 200);
  CHECK(inactive.obj().at("value").as_array().empty());
  Reply by_name = s.t.Get("/directoryRoles?$filter=displayName eq 'privileged role administrator'");
  REQUIRE(by_name.status == 200);
  REQUIRE(by_name.obj().at("value").as_array().size() == 1);
  CHECK(by_name.obj().at("value").at(0).at("roleTemplateId") == kPrivilegedRoleAdmin);

  Reply starts = s.t.Get("/directoryRoles?$filter=startswith(displayName,'Global')");
  CHECK(starts.status == 400);
  CHECK(starts.error_code() == "Request_UnsupportedQuery");
  CHECK(starts.error_message() == "Unsupported or invalid query filter clause specified for property 'displayName' of resource 'DirectoryRole'.");
  // Graph does not page directory roles: the whole list comes back in one answer.
  Reply top = s.t.Get("/directoryRoles?$top=1");
  REQUIRE(top.status == 200);
  CHECK(top.obj().at("value").as_array().size() == 3);
  CHECK_FALSE(top.obj().contains("@odata.nextLink"));
}

TEST_CASE("directory roles: one role by id or by roleTemplateId, unknown ones are 404") {
  SeededTenant s;
  std::string id = RoleId(s.t, kGlobalAdmin);
  Reply by_id = s.t.Get("/directoryRoles/" + id);
  REQUIRE(by_id.status == 200);
  CHECK(by_id.obj().at("@odata.context") == "https://graph.test/v1.0/$metadata#directoryRoles/$entity");
  CHECK(by_id.obj().at("displayName") == "Global Administrator");
  CHECK_FALSE(by_id.obj().contains("_members"));
  Reply by_template = s.t.Get(std::string("/directoryRoles(roleTemplateId='") + kGlobalAdmin + "')?$select=id");
  REQUIRE(by_template.status == 200);
  CHECK(by_template.obj().at("id").as_string() == id);
  CHECK_FALSE(by_template.obj().contains("displayName"));

  Reply missing = s.t.Get("/directoryRoles/11111111-2222-3333-4444-555555555555");
  CHECK(missing.status == 404);
  CHECK(missing.error_code() == "Request_ResourceNotFound");
  // A real template id whose role the seed did not activate.
  CHECK(s.t.Get(std::string("/directoryRoles(roleTemplateId='") + kCloudAppAdmin + "')").status == 404);
  CHECK(s.t.Get("/directoryRoles/11111111-2222-3333-4444-555555555555/members").status == 404);
}

TEST_CASE("directory roles: members are users, service principals and groups, with @odata.type and $select") {
  SeededTenant s;
  std::string id = RoleId(s.t, kAppAdmin);
  Reply r = s.t.Get("/directoryRoles/" + id + "/members");
  REQUIRE(r.status == 200);
  CHECK(r.obj().at("@odata.context") == "https://graph.test/v1.0/$metadata#directoryObjects");
  std::map<std::string, std::string> type_of;
  for (const auto& m : r.obj().at("value").as_array()) type_of[std::string(m.at("displayName").as_string())] = m.at("@odata.type").as_string();
  CHECK(type_of == std::map<std::string, std::string>{{"App Admins", "#microsoft.graph.group"},
                                                      {"Bob", "#microsoft.graph.user"},
                                                      {"deployer", "#microsoft.graph.servicePrincipal"}});

  Reply selected = s.t.Get("/directoryRoles/" + id + "/members?$select=id,displayName");
  REQUIRE(selected.status == 200);
  for (const auto& m : selected.obj().at("value").as_array()) {
    CHECK(m.as_object().size() == 3);  // id, displayName and the @odata.type a directoryObject always carries
    CHECK(m.as_object().contains("@odata.type"));
  }
  Reply by_template = s.t.Get(std::string("/directoryRoles(roleTemplateId='") + kGlobalAdmin + "')/members?$select=userPrincipalName");
  REQUIRE(by_template.status == 200);
  REQUIRE(by_template.obj().at("value").as_array().size() == 1);
  CHECK(by_template.obj().at("value").at(0).at("userPrincipalName") == "alice@contoso.onmicrosoft.com");
  Reply empty = s.t.Get("/directoryRoles/" + RoleId(s.t, kPrivilegedRoleAdmin) + "/members");
  REQUIRE(empty.status == 200);
  CHECK(empty.obj().at("value").as_array().empty());
}

TEST_CASE("directory roles: RoleManagement.Read.Directory or a directory read permission, else 403, and read-only") {
  SeededTenant s;
  std::string id = RoleId(s.t, kGlobalAdmin);
  for (const std::string& path : {std::string("/directoryRoles"), "/directoryRoles/" + id, "/directoryRoles/" + id + "/members"}) {
    CAPTURE(path);
    CHECK(s.t.Get(path, "rolereader").status == 200);
    CHECK(s.t.Get(path, "operator").status == 200);  // Directory.Read.All
    for (const char* token : {"reader", "appwriter", "noroles"}) {
      CAPTURE(token);
      Reply denied = s.t.Get(path, token);
      CHECK(denied.status == 403);
      CHECK(denied.error_code() == "Authorization_RequestDenied");
      CHECK(denied.error_message() == "Insufficient privileges to complete the operation.");
    }
  }
  Reply activate = s.t.Post("/directoryRoles", json::object{{"roleTemplateId", kCloudAppAdmin}});
  CHECK(activate.status == 405);
  CHECK(activate.error_message() == "Specified HTTP method is not allowed for the request target.");
  CHECK(s.t.Patch("/directoryRoles/" + id, json::object{{"description", "x"}}).status == 405);
  CHECK(s.t.Delete("/directoryRoles/" + id).status == 405);
  CHECK(s.t.Call("POST", "/directoryRoles/" + id + "/members", "{}").status == 405);
  Reply ref = s.t.Call("POST", "/directoryRoles/" + id + "/members/$ref", "{}");
  CHECK(ref.status == 400);
  CHECK(ref.error_code() == "BadRequest");
  // Nothing was activated or changed by the refused writes.
  CHECK(s.t.Get("/directoryRoles").obj().at("value").as_array().size() == 3);
}

TEST_CASE("directory roles in a seed: an unknown role, member or repeated role is refused with its location") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"directoryRoles:\n  - { role: Global Admin }\n",
       ":3:13: unknown directory role 'Global Admin' (the local tenant has Global Administrator, Privileged Role Administrator, "
       "Application Administrator, Cloud Application Administrator)"},
      {"directoryRoles:\n  - { members: [x] }\n", ":3:5: a directory role needs a role (the local tenant has Global Administrator, "},
      {"directoryRoles:\n  - { role: Global Administrator, members: [carol@contoso.onmicrosoft.com] }\n",
       ":3:45: unknown directory role member 'carol@contoso.onmicrosoft.com' (a user's userPrincipalName, or a service principal's or group's "
       "displayName)"},
      {"directoryRoles:\n  - { role: Global Administrator }\n  - { role: Global administrator }\n",
       ":4:13: directory role 'Global administrator' is listed twice"},
  };
  for (const auto& [roles, message] : cases) {
    CAPTURE(roles);
    std::string path = WriteSeed("entragate-bad-roles-seed", "tenant: { id: 7e8c5963-8c6b-472e-b9c9-43118267cdbf }\n" + roles);
    std::filesystem::path state = std::filesystem::temp_directory_path() / ("entragate-bad-roles-state-" + std::to_string(::getpid()));
    std::filesystem::remove_all(state);
    auto store = DirectoryStore::Open(state.string());
    REQUIRE(store.ok());
    auto seeded = SeedTenant(*store.value(), path);
    REQUIRE_FALSE(seeded.ok());
    CHECK(seeded.error().message.rfind(path + message, 0) == 0);
    // A refused seed leaves the tenant empty: nothing half-seeded for the next start to keep.
    CHECK(store.value()->Read([](const StoreView& v) { return v.All(Collection::kDirectoryRoles).empty() && !v.Get(Collection::kMeta, "tenant"); }));
    store.value().reset();
    std::filesystem::remove_all(state);
    std::filesystem::remove(path);
  }
}

TEST_CASE("directory roles survive a restart, through the journal and through a snapshot") {
  std::filesystem::path state = std::filesystem::temp_directory_path() / ("entragate-roles-restart-" + std::to_string(::getpid()));
  std::filesystem::remove_all(state);
  std::string seed = WriteSeed("entragate-roles-restart-seed", kSeed);
  auto roles_of = [](DirectoryStore& store) {
    GraphServiceOptions options;
    options.base_url = "https://graph.test";
    options.authenticate = [](std::string_view, std::string&) -> std::optional<GraphCaller> {
      return GraphCaller{"rr", "rr", {"RoleManagement.Read.Directory", "Directory.Read.All"}};
    };
    GraphService service(store, options);
    entragate::net::Request list{
        "GET", "/v1.0/directoryRoles?$filter=roleTemplateId%20eq%20'" + std::string(kAppAdmin) + "'", {{"Authorization", "Bearer x"}}, "", ""};
    json::value roles = json::parse(service.Handle(list).body);
    REQUIRE(roles.at("value").as_array().size() == 1);
    std::string id(roles.at("value").at(0).at("id").as_string());
    entragate::net::Request members{"GET", "/v1.0/directoryRoles/" + id + "/members?$select=displayName", {{"Authorization", "Bearer x"}}, "", ""};
    std::vector<std::string> names;
    json::value listed = json::parse(service.Handle(members).body);
    for (const auto& m : listed.at("value").as_array()) names.emplace_back(m.at("displayName").as_string());
    std::sort(names.begin(), names.end());
    return names;
  };
  const std::vector<std::string> expected{"App Admins", "Bob", "deployer"};
  {
    auto store = DirectoryStore::Open(state.string());
    REQUIRE(store.ok());
    REQUIRE(SeedTenant(*store.value(), seed).ok());
    CHECK(roles_of(*store.value()) == expected);
  }
  {
    auto store = DirectoryStore::Open(state.string());  // replays the journal
    REQUIRE(store.ok());
    REQUIRE(SeedTenant(*store.value(), seed).ok());  // an existing tenant is left as it is
    CHECK(roles_of(*store.value()) == expected);
    // Enough writes to fold the journal into a snapshot (directory_store.h).
    for (int i = 0; i < 2100; ++i)
      REQUIRE(store.value()
                  ->Write([&](StoreTxn& txn) -> entragate::base::Status {
                    txn.Put(Collection::kHosts, "filler", json::object{{"name", "filler"}, {"n", i}});
                    return entragate::base::Ok{};
                  })
                  .ok());
  }
  std::ifstream snapshot(state / "snapshot.json");
  std::string text((std::istreambuf_iterator<char>(snapshot)), std::istreambuf_iterator<char>());
  CHECK(text.find("\"directoryRoles\":{\"") != std::string::npos);
  {
    auto store = DirectoryStore::Open(state.string());
    REQUIRE(store.ok());
    CHECK(roles_of(*store.value()) == expected);
  }
  std::filesystem::remove_all(state);
  std::filesystem::remove(seed);
}

TEST_CASE("the built-in directory roles carry Microsoft's template ids") {
  REQUIRE(BuiltInRoles().size() == 4);
  CHECK(FindBuiltInRole("Global Administrator")->template_id == std::string(kGlobalAdmin));
  CHECK(FindBuiltInRole("privileged role administrator")->template_id == std::string(kPrivilegedRoleAdmin));
  CHECK(FindBuiltInRole("Application Administrator")->template_id == std::string(kAppAdmin));
  CHECK(FindBuiltInRole("Cloud Application Administrator")->template_id == std::string(kCloudAppAdmin));
  CHECK(FindBuiltInRole("Global Admin") == nullptr);
}
