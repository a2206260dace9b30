#include "emulator/seed.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "crypto/base64.h"
#include "crypto/hash.h"
#include "emulator/graph/directory_role_templates.h"
#include "emulator/graph/graph_entities.h"
#include "base/ascii.h"

namespace entragate::emulator {

namespace json = boost::json;
using base::Error;

const std::vector<GraphPermission>& GraphPermissions() {
  static const std::vector<GraphPermission> kPermissions = {
      {"Application.Read.All", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"},
      {"Application.ReadWrite.All", "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"},
      {"Application.ReadWrite.OwnedBy", "18a4783c-866b-4cc7-a460-3d5e5662c884"},
      {"AppRoleAssignment.ReadWrite.All", "06b708a9-e830-4db3-a914-8e69da51d44f"},
      {"Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61"},
      {"Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b"},
      {"RoleManagement.Read.Directory", "483bed4a-2ad3-4361-a73b-c83ccdbdc53c"},
      {"User.Read.All", "df021288-bdef-4463-88db-98f22de89214"},
  };
  return kPermissions;
}

const char* DefaultSeedYaml() {
  return R"(tenant: { id: 7e8c5963-8c6b-472e-b9c9-43118267cdbf, domains: [contoso.onmicrosoft.com], region: EU }
userAssignedIdentities:
  - { name: ci-runner, resourceId: /subscriptions/2f1c7c35-5d0a-4a53-9c6e-2f0a6c1b7e01/resourceGroups/ci/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci-runner }
hosts:
  - { name: centos-1, systemAssigned: true, resourceId: /subscriptions/2f1c7c35-5d0a-4a53-9c6e-2f0a6c1b7e01/resourceGroups/vms/providers/Microsoft.Compute/virtualMachines/centos-1, userAssigned: [ci-runner] }
  - { name: centos-2, systemAssigned: true, resourceId: /subscriptions/2f1c7c35-5d0a-4a53-9c6e-2f0a6c1b7e01/resourceGroups/vms/providers/Microsoft.Compute/virtualMachines/centos-2 }
users:
  - { userPrincipalName: alice@contoso.onmicrosoft.com, displayName: Alice }
groups:
  - { displayName: Support Engineers, members: [alice@contoso.onmicrosoft.com] }
directoryRoles:
  - { role: Cloud Application Administrator, members: [alice@contoso.onmicrosoft.com] }
)";
}

namespace {

struct Seeder {
  StoreTxn& txn;
  TenantInfo tenant;
  std::string file;

  std::string IdFor(const std::string& kind, const std::string& name) const { return crypto::Uuid5(tenant.id, kind + "/" + name).value(); }
  Error Problem(const YAML::Node& at, const std::string& message) const {
    return base::MakeError(Error::Kind::kInvalid, fmt::format("{}:{}:{}: {}", file, at.Mark().line + 1, at.Mark().column + 1, message));
  }
  const json::object* FindSpByName(const std::string& name) const {
    for (const auto& [id, sp] : txn.All(Collection::kServicePrincipals))
      if (sp.at("displayName").is_string() && sp.at("displayName").as_string() == name) return &sp;
    return nullptr;
  }
};

std::string Str(const YAML::Node& n, const char* key) { return n[key] ? n[key].as<std::string>() : std::string(); }

std::string RandomSecret() { return crypto::Base64UrlEncode(crypto::RandomBytes(30).value()).substr(0, 40); }

void AddSecretHash(json::object& app, const std::string& secret, const std::string& key_id) {
  json::object credential{
      {"customKeyIdentifier", nullptr}, {"displayName", "seeded"}, {"endDateTime", IsoTime(4102444800)},  // 2100-01-01: seeded secrets do not expire
      {"hint", secret.substr(0, 3)},    {"keyId", key_id},         {"secretText", nullptr},
      {"startDateTime", IsoNow()}};
  app["passwordCredentials"].as_array().push_back(credential);
  if (!app.contains("_secrets")) app["_secrets"] = json::array{};
  app["_secrets"].as_array().push_back(
      json::object{{"keyId", key_id}, {"sha256", crypto::HexEncode(crypto::Sha256(secret))}, {"endDateTime", IsoTime(4102444800)}});
}

void PutApp(Seeder& s, json::object app, bool with_sp) {
  std::string id(app.at("id").as_string());
  s.txn.Put(Collection::kApplications, id, app);
  if (!with_sp) return;
  json::object sp = NewServicePrincipal(app, s.tenant, s.IdFor("sp", std::string(app.at("displayName").as_string())));
  s.txn.Put(Collection::kServicePrincipals, std::string(sp.at("id").as_string()), sp);
}

void SeedGraph(Seeder& s) {
  json::object sp = NewServicePrincipal(NewApplication(s.tenant, "", kGraphAppId), s.tenant, s.IdFor("sp", "Microsoft Graph"));
  sp["displayName"] = "Microsoft Graph";
  sp["appDisplayName"] = "Microsoft Graph";
  sp["appOwnerOrganizationId"] = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";  // Microsoft's own tenant
  sp["servicePrincipalNames"] =
      json::array{"https://graph.microsoft.com", "https://graph.microsoft.com/",   kGraphAppId,
                  "https://graph.microsoft.us",  "https://dod-graph.microsoft.us", "https://microsoftgraph.chinacloudapi.cn"};
  json::array roles;
  for (const auto& p : GraphPermissions())
    roles.push_back(json::object{{"allowedMemberTypes", json::array{"Application"}},
                                 {"description", fmt::format("Allows the app to use {} without a signed-in user.", p.value)},
                                 {"displayName", p.value},
                                 {"id", p.id},
                                 {"isEnabled", true},
                                 {"origin", "Application"},
                                 {"value", p.value}});
  sp["appRoles"] = std::move(roles);
  s.txn.Put(Collection::kServicePrincipals, std::string(sp.at("id").as_string()), sp);
}

void Assign(Seeder& s, const json::object& principal, const std::string& type, const json::object& resource, const std::string& role) {
  std::string id = AssignmentId(std::string(principal.at("id").as_string()), std::string(resource.at("id").as_string()), role);
  s.txn.Put(Collection::kAppRoleAssignments, id, NewAssignment(id, principal, type, resource, role));
}

SeedSummary SeedOperator(Seeder& s) {
  json::object app = NewApplication(s.tenant, s.IdFor("app", "entragate-operator"), s.IdFor("appId", "entragate-operator"));
  app["displayName"] = "entragate-operator";
  app["notes"] = "The local tenant's operator: entragate signs in as this application.";
  SeedSummary summary{s.tenant.id, std::string(app.at("appId").as_string()), RandomSecret(), RandomSecret()};
  AddSecretHash(app, summary.operator_client_secret, s.IdFor("secret", "entragate-operator"));
  PutApp(s, app, true);
  const json::object* op_sp = s.FindSpByName("entragate-operator");
  const json::object* graph = s.FindSpByName("Microsoft Graph");
  for (const auto& p : GraphPermissions())
    if (std::string(p.value) != "Application.ReadWrite.OwnedBy") Assign(s, *op_sp, "ServicePrincipal", *graph, p.id);
  return summary;
}

base::Status SeedIdentities(Seeder& s, const YAML::Node& root) {
  std::map<std::string, std::string> user_assigned;  // name → SP id
  for (const auto& uai : root["userAssignedIdentities"]) {
    std::string name = Str(uai, "name"), resource = Str(uai, "resourceId");
    if (name.empty() || resource.empty()) return s.Problem(uai, "a user-assigned identity needs name and resourceId");
    json::object sp = NewManagedIdentityServicePrincipal(s.tenant, s.IdFor("mi", name), s.IdFor("mi-appId", name), name, resource, true);
    user_assigned[name] = std::string(sp.at("id").as_string());
    s.txn.Put(Collection::kServicePrincipals, user_assigned[name], sp);
  }
  std::int64_t order = 0;
  for (const auto& host : root["hosts"]) {
    std::string name = Str(host, "name");
    if (name.empty()) return s.Problem(host, "a host needs a name");
    // seedOrder: IMDS answers as the seed's first host, which the store's name order would lose.
    json::object h{{"name", name},
                   {"identityHeader", crypto::NewUuid4().value()},
                   {"systemAssigned", nullptr},
                   {"userAssigned", json::array{}},
                   {"resourceId", EntraArmId(Str(host, "resourceId"))},
                   {"seedOrder", order++}};
    if (host["systemAssigned"] && host["systemAssigned"].as<bool>()) {
      std::string resource = Str(host, "resourceId");
      json::object sp = NewManagedIdentityServicePrincipal(s.tenant, s.IdFor("mi", name), s.IdFor("mi-appId", name), name,
                                                           resource.empty() ? "/hosts/" + name : resource, false);
      h["systemAssigned"] = sp.at("id");
      s.txn.Put(Collection::kServicePrincipals, std::string(sp.at("id").as_string()), sp);
    }
    for (const auto& ua : host["userAssigned"]) {
      auto it = user_assigned.find(ua.as<std::string>());
      if (it == user_assigned.end()) return s.Problem(ua, "unknown user-assigned identity '" + ua.as<std::string>() + "'");
      h["userAssigned"].as_array().push_back(json::string(it->second));
    }
    s.txn.Put(Collection::kHosts, name, h);
  }
  return base::Ok{};
}

base::Status SeedPeople(Seeder& s, const YAML::Node& root) {
  std::map<std::string, std::string> user_ids;  // userPrincipalName → id, for group members
  for (const auto& u : root["users"]) {
    std::string upn = Str(u, "userPrincipalName");
    if (upn.empty()) return s.Problem(u, "a user needs a userPrincipalName");
    // An explicit id lets a manifest name the user by objectId, as one copied from a real tenant would.
    std::string id = Str(u, "id").empty() ? s.IdFor("user", upn) : Str(u, "id");
    user_ids[upn] = id;
    s.txn.Put(Collection::kUsers, id,
              json::object{{"id", id},
                           {"displayName", Str(u, "displayName").empty() ? upn : Str(u, "displayName")},
                           {"userPrincipalName", upn},
                           {"mail", upn},
                           {"accountEnabled", true}});
  }
  for (const auto& g : root["groups"]) {
    std::string name = Str(g, "displayName");
    if (name.empty()) return s.Problem(g, "a group needs a displayName");
    std::string id = s.IdFor("group", name);
    json::array members;
    for (const auto& m : g["members"]) {
      auto known = user_ids.find(m.as<std::string>());
      members.push_back(json::string(known != user_ids.end() ? known->second : s.IdFor("user", m.as<std::string>())));
    }
    std::string nick;
    for (char c : name)
      if (std::isalnum(static_cast<unsigned char>(c))) nick += c;
    s.txn.Put(Collection::kGroups, id,
              json::object{{"id", id}, {"displayName", name}, {"mailNickname", nick}, {"securityEnabled", true}, {"_members", members}});
  }
  return base::Ok{};
}

base::Status SeedApps(Seeder& s, const YAML::Node& root) {
  for (const auto& a : root["applications"]) {
    std::string name = Str(a, "displayName");
    if (name.empty()) return s.Problem(a, "an application needs a displayName");
    // An explicit appId lets a manifest name the app by appId, as one copied from a real tenant would.
    json::object app = NewApplication(s.tenant, s.IdFor("app", name), Str(a, "appId").empty() ? s.IdFor("appId", name) : Str(a, "appId"));
    app["displayName"] = name;
    int n = 0;
    for (const auto& secret : a["secrets"]) AddSecretHash(app, secret.as<std::string>(), s.IdFor("secret", name + std::to_string(n++)));
    PutApp(s, app, a["servicePrincipal"] && a["servicePrincipal"].as<bool>());
  }
  for (const auto& as : root["assignments"]) {
    const json::object* principal = s.FindSpByName(Str(as, "principal"));
    const json::object* resource = s.FindSpByName(Str(as, "resource"));
    if (!principal || !resource) return s.Problem(as, "an assignment names an unknown principal or resource service principal");
    std::string role;
    for (const auto& r : resource->at("appRoles").as_array())
      if (r.as_object().at("value") == json::value(Str(as, "role"))) role = std::string(r.as_object().at("id").as_string());
    if (role.empty()) return s.Problem(as, "an assignment names an unknown role '" + Str(as, "role") + "'");
    Assign(s, *principal, "ServicePrincipal", *resource, role);
  }
  return base::Ok{};
}

// A directory role's member: a user by userPrincipalName, a service principal or a group by
// displayName (ignoring case). Returns the one object id, or why there is not exactly one.
std::string RoleMemberId(const Seeder& s, const std::string& name, std::string& why) {
  std::vector<std::string> found;
  auto match = [&](Collection c, const char* property) {
    for (const auto& [id, o] : s.txn.All(c))
      if (const json::value* v = o.if_contains(property); v && v->is_string() && base::LowerAscii(v->get_string()) == base::LowerAscii(name))
        found.push_back(id);
  };
  match(Collection::kUsers, "userPrincipalName");
  match(Collection::kServicePrincipals, "displayName");
  match(Collection::kGroups, "displayName");
  if (found.size() == 1) return found[0];
  why =
      found.empty()
          ? fmt::format("unknown directory role member '{}' (a user's userPrincipalName, or a service principal's or group's displayName)", name)
          : fmt::format("directory role member '{}' names {} objects; give a name only one user, service principal or group has", name, found.size());
  return "";
}

// directoryRoles: [ { role: NAME, members: [...] } ]. Only the roles listed are activated: a tenant
// lists only the roles it has activated (docs/graph-behaviour.md §14).
base::Status SeedDirectoryRoles(Seeder& s, const YAML::Node& root) {
  std::set<std::string> seen;
  for (const auto& r : root["directoryRoles"]) {
    std::string name = Str(r, "role");
    const BuiltInRole* role = FindBuiltInRole(name);
    if (!role) {
      std::string known;
      for (const auto& b : BuiltInRoles()) known += (known.empty() ? "" : ", ") + std::string(b.display_name);
      std::string what = name.empty() ? "a directory role needs a role" : "unknown directory role '" + name + "'";
      return s.Problem(r["role"] ? r["role"] : r, what + " (the local tenant has " + known + ")");
    }
    if (!seen.insert(role->template_id).second) return s.Problem(r["role"], "directory role '" + name + "' is listed twice");
    std::string id = s.IdFor("directoryRole", role->template_id);
    json::object stored = NewDirectoryRole(id, *role);
    json::array members;
    for (const auto& m : r["members"]) {
      std::string why, member = RoleMemberId(s, m.as<std::string>(), why);
      if (member.empty()) return s.Problem(m, why);
      if (std::find(members.begin(), members.end(), json::value(member)) == members.end()) members.emplace_back(member);
    }
    stored["_members"] = std::move(members);
    s.txn.Put(Collection::kDirectoryRoles, id, std::move(stored));
  }
  return base::Ok{};
}

base::Result<YAML::Node> LoadSeed(const std::string& seed_file) {
  try {
    if (seed_file.empty()) return YAML::Load(DefaultSeedYaml());
    return YAML::LoadFile(seed_file);
  } catch (const YAML::Exception& e) {
    return base::MakeError(Error::Kind::kInvalid,
                           fmt::format("{}:{}:{}: invalid seed file: {}", seed_file, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

}  // namespace

base::Result<SeedSummary> SeedTenant(DirectoryStore& store, const std::string& seed_file) {
  bool seeded = store.Read([](const StoreView& v) { return v.Get(Collection::kMeta, "tenant") != nullptr; });
  if (seeded) {
    return store.Read([](const StoreView& v) -> base::Result<SeedSummary> {
      const json::object& op = *v.Get(Collection::kMeta, "operator");
      return SeedSummary{std::string(v.Get(Collection::kMeta, "tenant")->at("id").as_string()), std::string(op.at("clientId").as_string()),
                         std::string(op.at("clientSecret").as_string()), std::string(op.at("adminKey").as_string())};
    });
  }
  auto root = LoadSeed(seed_file);
  if (!root.ok()) return root.error();
  const YAML::Node& y = root.value();
  return store.Write([&](StoreTxn& txn) -> base::Result<SeedSummary> {
    try {
      TenantInfo tenant{Str(y["tenant"], "id"), {}, Str(y["tenant"], "region")};
      if (tenant.id.empty()) tenant.id = crypto::NewUuid4().value();
      for (const auto& d : y["tenant"]["domains"]) tenant.domains.push_back(d.as<std::string>());
      if (tenant.domains.empty()) tenant.domains.push_back("contoso.onmicrosoft.com");
      if (tenant.region.empty()) tenant.region = "EU";
      json::array domains;
      for (const auto& d : tenant.domains) domains.push_back(json::string(d));
      txn.Put(Collection::kMeta, "tenant", json::object{{"id", tenant.id}, {"domains", domains}, {"region", tenant.region}});
      Seeder s{txn, tenant, seed_file.empty() ? "<default seed>" : seed_file};
      SeedGraph(s);
      SeedSummary summary = SeedOperator(s);
      for (auto step : {SeedIdentities, SeedPeople, SeedApps, SeedDirectoryRoles})
        if (auto done = step(s, y); !done.ok()) return done.error();
      txn.Put(
          Collection::kMeta, "operator",
          json::object{{"clientId", summary.operator_client_id}, {"clientSecret", summary.operator_client_secret}, {"adminKey", summary.admin_key}});
      return summary;
    } catch (const YAML::Exception& e) {
      return base::MakeError(Error::Kind::kInvalid, fmt::format("{}: invalid seed: {}", seed_file, e.msg));
    }
  });
}

}  // namespace entragate::emulator
