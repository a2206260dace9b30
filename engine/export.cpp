// ExportSource → manifest text: app keys, what of each app a manifest can state, identity names, then
// the YAML (export_yaml.cpp). Anything a manifest cannot state exactly is left out with a note.
#include "engine/export.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/export_internal.h"
#include "engine/graph_rules.h"

namespace entragate::engine {

namespace json = boost::json;
using namespace export_detail;

std::string ExportSlug(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x80 && std::isalnum(c))
      out += static_cast<char>(std::tolower(c));
    else if ((c == '.' || c == '_') && !out.empty())
      out += static_cast<char>(c);
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  // Room is left for the suffixes that keep names apart ("-1a2b3c4d", "-2").
  if (out.size() > 100) out.resize(100);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

namespace export_detail {

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<std::string> Strings(const json::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array())
    for (const auto& x : v->as_array())
      if (x.is_string()) out.emplace_back(x.as_string());
  return out;
}

std::string NameBook::Take(const std::string& base) {
  std::string name = base;
  for (int n = 2; Has(name); ++n) name = fmt::format("{}-{}", base, n);
  used_.insert(LowerAscii(name));
  return name;
}

}  // namespace export_detail

namespace {

bool HasTag(const json::object& app, const std::string& tag) {
  auto tags = Strings(app.if_contains("tags"));
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

// Keys: an app's uniqueName when it can be one; otherwise a name from its display name. Apps
// entragate did not create (no marker tag) are adopted by appId: they are managed from now on, but
// never marked, so pruning can never delete them — and the export plans to zero changes.
std::vector<AppDoc> KeyApps(const ExportSource& s, NameBook& names) {
  std::vector<AppDoc> docs;
  for (const auto& app : s.apps) {
    AppDoc d;
    d.src = &app;
    d.app_id = LowerAscii(Str(app.application, "appId"));
    std::string unique = Str(app.application, "uniqueName");
    if (IsValidName(unique) && !names.Has(unique)) d.key = names.Take(unique);
    d.adopt = !HasTag(app.application, kMarkerTag);
    docs.push_back(std::move(d));
  }
  for (auto& d : docs) {
    if (!d.key.empty()) continue;
    std::string slug = ExportSlug(Str(d.src->application, "displayName"));
    d.key = names.Take(slug.empty() ? "app" : slug);
    d.adopt = true;
    std::string unique = Str(d.src->application, "uniqueName");
    if (!unique.empty()) d.notes.push_back(fmt::format("its uniqueName '{}' cannot be an app key, so it is adopted by appId", unique));
  }
  std::sort(docs.begin(), docs.end(), [](const AppDoc& a, const AppDoc& b) { return a.key < b.key; });
  return docs;
}

std::optional<RoleOut> ReadRole(const json::object& r, std::string& why) {
  const json::value* enabled = r.if_contains("isEnabled");
  RoleOut role{Str(r, "value"),
               LowerAscii(Str(r, "id")),
               Str(r, "displayName"),
               Str(r, "description"),
               Strings(r.if_contains("allowedMemberTypes")),
               !enabled || !enabled->is_bool() || enabled->as_bool()};
  std::sort(role.types.begin(), role.types.end());
  if (role.value.empty())
    why = fmt::format("role {} has no value", role.id);
  else if (auto problem = CheckRoleValue(role.value))
    why = fmt::format("role value '{}': {}", role.value, *problem);
  else if (!IsGuid(role.id))
    why = fmt::format("role '{}' has no GUID id", role.value);
  else if (role.types.empty() ||
           std::any_of(role.types.begin(), role.types.end(), [](const std::string& t) { return t != "Application" && t != "User"; }))
    why = fmt::format("role '{}' has allowedMemberTypes [{}]; a manifest states Application and/or User", role.value, fmt::join(role.types, ", "));
  if (!why.empty()) return std::nullopt;
  return role;
}

// The roles as the manifest states them, or nothing (and why) when one of them cannot be stated.
void ReadRoles(AppDoc& d) {
  const json::value* roles = d.src->application.if_contains("appRoles");
  std::vector<RoleOut> out;
  std::string why;
  if (roles && roles->is_array())
    for (const auto& v : roles->as_array()) {
      if (!v.is_object()) continue;
      auto role = ReadRole(v.as_object(), why);
      if (!role) break;
      out.push_back(std::move(*role));
    }
  std::sort(out.begin(), out.end(), [](const RoleOut& a, const RoleOut& b) { return a.value < b.value; });
  for (size_t i = 1; why.empty() && i < out.size(); ++i)
    if (out[i].value == out[i - 1].value) why = fmt::format("two roles have the value '{}'", out[i].value);
  if (why.empty()) {
    // Graph may hold roles without these; a manifest always states them (by default), so plan sets them.
    for (const auto& r : out) {
      if (r.display_name.empty()) d.notes.push_back(fmt::format("role '{}' has no display name: plan will set it to the value", r.value));
      if (r.description.empty()) d.notes.push_back(fmt::format("role '{}' has no description: plan will set it to the display name", r.value));
    }
    d.roles = std::move(out);
    return;
  }
  d.notes.push_back(fmt::format("appRoles and access are left out, so entragate leaves them as they are: {}", why));
}

std::optional<ClaimOut> ReadClaim(const json::value& v, TokenType type, std::string& why) {
  if (!v.is_object()) return std::nullopt;
  const json::object& c = v.as_object();
  const json::value* essential = c.if_contains("essential");
  ClaimOut claim{Str(c, "name"), essential && essential->is_bool() && essential->as_bool(), std::nullopt,
                 Strings(c.if_contains("additionalProperties"))};
  if (!Str(c, "source").empty()) claim.source = Str(c, "source");
  std::sort(claim.additional_properties.begin(), claim.additional_properties.end());
  bool repeated = std::adjacent_find(claim.additional_properties.begin(), claim.additional_properties.end()) != claim.additional_properties.end();
  if (claim.name.empty())
    why = fmt::format("a claim of {} has no name", ToGraph(type));
  else if (!claim.source && !IsKnownOptionalClaim(type, claim.name))
    why = fmt::format("'{}' is not an optional claim entragate knows for {}", claim.name, ToGraph(type));
  else if (repeated)
    why = fmt::format("claim '{}' lists an additional property twice", claim.name);
  if (!why.empty()) return std::nullopt;
  return claim;
}

void ReadClaims(AppDoc& d) {
  const json::value* oc = d.src->application.if_contains("optionalClaims");
  if (!oc || !oc->is_object()) return;
  ClaimsOut out;
  std::string why;
  for (TokenType type : {TokenType::kAccessToken, TokenType::kIdToken, TokenType::kSaml2Token}) {
    const json::value* list = oc->as_object().if_contains(ToGraph(type));
    if (!list || !list->is_array() || list->as_array().empty()) continue;
    std::vector<ClaimOut> claims;
    for (const auto& v : list->as_array())
      if (auto claim = ReadClaim(v, type, why)) claims.push_back(std::move(*claim));
    std::sort(claims.begin(), claims.end(), [](const ClaimOut& a, const ClaimOut& b) { return a.name < b.name; });
    for (size_t i = 1; why.empty() && i < claims.size(); ++i)
      if (claims[i].name == claims[i - 1].name) why = fmt::format("'{}' is listed twice in {}", claims[i].name, ToGraph(type));
    out.emplace_back(ToGraph(type), std::move(claims));
  }
  if (why.empty())
    d.claims = std::move(out);
  else
    d.notes.push_back(fmt::format("optionalClaims are left out, so entragate leaves them as they are: {}", why));
}

// `id` in `uri`, ignoring case, replaced by its placeholder.
std::string PutBack(std::string uri, const std::string& id, std::string_view placeholder) {
  if (id.empty()) return uri;
  for (size_t at = LowerAscii(uri).find(id); at != std::string::npos; at = LowerAscii(uri).find(id, at + placeholder.size()))
    uri.replace(at, id.size(), placeholder);
  return uri;
}

int TokenVersion(const json::object& app) {
  const json::value* api = app.if_contains("api");
  const json::value* v = api && api->is_object() ? api->as_object().if_contains("requestedAccessTokenVersion") : nullptr;
  return v && v->is_int64() ? static_cast<int>(v->as_int64()) : 0;
}

void ReadUris(AppDoc& d, const std::string& tenant_id) {
  std::vector<std::string> uris = Strings(d.src->application.if_contains("identifierUris"));
  std::string why;
  for (auto& uri : uris) {
    std::string as_template = PutBack(PutBack(uri, d.app_id, kAppIdPlaceholder), tenant_id, kTenantIdPlaceholder);
    if (auto problem = CheckIdentifierUriSyntax(as_template))
      why = fmt::format("'{}': {} (E0212)", uri, *problem);
    else if (!SatisfiesDefaultUriPolicy(as_template, TokenVersion(d.src->application) == 2))
      why = fmt::format("'{}' lacks the app id, tenant id or a domain, which the default tenant policy asks of new URIs (E0211)", uri);
    if (!why.empty()) break;
    uri = as_template;
  }
  if (why.empty()) {
    d.uris = std::move(uris);
    return;
  }
  d.notes.push_back(fmt::format("identifierUris are left out, so entragate leaves them as they are: {}", why));
  d.left_out_uris = Strings(d.src->application.if_contains("identifierUris"));
}

void ReadFields(AppDoc& d, const std::string& tenant_id) {
  const json::object& app = d.src->application;
  if (!HasTag(app, kMarkerTag)) d.notes.push_back("made outside entragate: adopted by appId (managed from now on, never pruned)");
  std::string audience = Str(app, "signInAudience");
  if (audience != "AzureADMyOrg" && audience != "AzureADMultipleOrgs" && audience != "AzureADandPersonalMicrosoftAccount" &&
      audience != "PersonalMicrosoftAccount")
    d.notes.push_back(fmt::format("signInAudience '{}' cannot be stated: plan will set it to AzureADMyOrg", audience));
  ReadRoles(d);
  ReadClaims(d);
  ReadUris(d, tenant_id);
  if (!d.src->has_service_principal) d.notes.push_back("has no service principal: plan will create one (assignmentRequired and access are left out)");
}

const RoleOut* RoleById(const AppDoc& d, const std::string& id) {
  for (const auto& r : *d.roles)
    if (r.id == id) return &r;
  return nullptr;
}

// Why a manifest cannot state an assignment, or "" when it can. `type`: the principal's, empty when
// it is not in the tenant.
std::string Unstatable(const ExportAssignment& a, const RoleOut* role, const std::string& type) {
  if (a.app_role_id == kDefaultAccessRoleId) return "holds default access (an assignment without a role)";
  if (!role) return fmt::format("holds role id {}, which the app no longer defines", a.app_role_id);
  if (!role->enabled) return fmt::format("holds the disabled role '{}'", role->value);
  if (type.empty()) return fmt::format("holds '{}' but is not in the tenant any more", role->value);
  const char* needed = type == "ServicePrincipal" ? "Application" : "User";
  if (std::find(role->types.begin(), role->types.end(), needed) == role->types.end())
    return fmt::format("holds '{}', whose allowedMemberTypes lack {}", role->value, needed);
  return "";
}

// The assignments a manifest can state; a note for each other one, which plan would revoke.
void ReadGrants(AppDoc& d, const ExportSource& s, const std::map<std::string, std::string>& key_of_sp) {
  if (!d.roles || !d.src->has_service_principal) return;
  for (const auto& a : d.src->assigned_to) {
    auto app_key = key_of_sp.find(a.principal_id);
    auto principal = s.principals.find(a.principal_id);
    std::string type = app_key != key_of_sp.end() ? "ServicePrincipal" : principal != s.principals.end() ? principal->second.type : "";
    const RoleOut* role = RoleById(d, a.app_role_id);
    if (std::string why = Unstatable(a, role, type); !why.empty()) {
      std::string who = a.principal_display_name.empty() ? a.principal_id : fmt::format("'{}' ({})", a.principal_display_name, a.principal_id);
      d.notes.push_back(fmt::format("{} {}, which a manifest cannot state: plan will revoke it", who, why));
      continue;
    }
    d.grants.push_back({role->value, app_key != key_of_sp.end() ? app_key->second : std::string(), a.principal_id});
  }
}

struct Choice {
  IdentitySelector selector;
  std::string value;
  std::string base;  ///< the name before it is made unique
};

// The selector a human would recognise, unless it could match someone else: then the object id.
Choice ChooseSelector(const ExportPrincipal& p) {
  const std::string& upn = p.user_principal_name;
  const std::string& name = p.display_name;
  auto base = [](const std::string& slug, const char* fallback) { return slug.empty() ? std::string(fallback) : slug; };
  if (p.type == "User" && !upn.empty() && !IsGuid(upn)) return {IdentitySelector::kUser, upn, base(ExportSlug(upn.substr(0, upn.find('@'))), "user")};
  if (p.type == "Group" && p.unique_display_name && !name.empty() && !IsGuid(name))
    return {IdentitySelector::kGroup, name, base(ExportSlug(name), "group")};
  bool service_principal = p.type == "ServicePrincipal";
  if (service_principal && p.service_principal_type == "ManagedIdentity") {
    if (p.unique_display_name && !name.empty()) return {IdentitySelector::kManagedIdentity, name, base(ExportSlug(name), "identity")};
  } else if (service_principal && IsGuid(p.app_id)) {
    return {IdentitySelector::kAppId, LowerAscii(p.app_id), base(ExportSlug(name), "app")};
  }
  std::string slug = ExportSlug(name.empty() ? upn.substr(0, upn.find('@')) : name);
  return {IdentitySelector::kObjectId, p.object_id, fmt::format("{}-{}", base(slug, "principal"), p.object_id.substr(0, 8))};
}

// Owners become `owners` / `servicePrincipalOwners` when every one of them can be named: a user or a
// service principal the tenant still has. Otherwise the field is left out (and owners left alone).
std::optional<std::vector<GrantOut>> ReadOwners(AppDoc& d, const std::vector<ExportOwner>& owners, const char* field, const ExportSource& s,
                                                const std::map<std::string, std::string>& key_of_sp) {
  if (owners.empty()) return std::nullopt;
  std::vector<GrantOut> out;
  for (const auto& o : owners) {
    auto app_key = key_of_sp.find(o.object_id);
    if (app_key != key_of_sp.end()) {
      out.push_back({"", app_key->second, o.object_id});
      continue;
    }
    auto p = s.principals.find(o.object_id);
    std::string who = o.display_name.empty() ? o.object_id : fmt::format("'{}' ({})", o.display_name, o.object_id);
    if (p == s.principals.end() || (p->second.type != "User" && p->second.type != "ServicePrincipal")) {
      d.notes.push_back(fmt::format("{} is left out, so entragate leaves the owners as they are: owner {} is {}", field, who,
                                    p == s.principals.end() ? "not a user or service principal it could read" : "a " + p->second.type));
      return std::nullopt;
    }
    out.push_back({"", "", o.object_id});
  }
  return out;
}

std::map<std::string, IdentityOut> NameIdentities(const ExportSource& s, const std::vector<AppDoc>& docs, NameBook& names) {
  std::map<std::string, IdentityOut> by_object;
  for (const auto& d : docs) {
    for (const auto& g : d.grants)
      if (g.app_key.empty()) by_object[g.object_id].apps.insert(d.key);
    for (const auto* refs : {&d.owner_refs, &d.sp_owner_refs})
      if (*refs)
        for (const auto& g : **refs)
          if (g.app_key.empty()) by_object[g.object_id].apps.insert(d.key);
  }
  std::vector<std::pair<std::string, std::string>> order;  // (base name, object id): names are handed out in this order
  for (auto& [id, identity] : by_object) {
    Choice c = ChooseSelector(s.principals.at(id));
    identity.selector = c.selector;
    identity.value = c.value;
    order.emplace_back(c.base, id);
  }
  std::sort(order.begin(), order.end());
  for (const auto& [base, id] : order) by_object[id].name = names.Take(base);
  return by_object;
}

void FillAccess(AppDoc& d, const std::map<std::string, IdentityOut>& identities) {
  if (!d.roles || !d.src->has_service_principal) return;
  d.access.emplace();
  for (const auto& g : d.grants) {
    auto& names = (*d.access)[g.role];
    names.push_back(g.app_key.empty() ? identities.at(g.object_id).name : g.app_key);
  }
  for (auto& [role, names] : *d.access) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
}

std::optional<std::vector<std::string>> OwnerNames(const std::optional<std::vector<GrantOut>>& refs,
                                                   const std::map<std::string, IdentityOut>& identities) {
  if (!refs) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& g : *refs) names.push_back(g.app_key.empty() ? identities.at(g.object_id).name : g.app_key);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

ExportOutput ExportManifests(const ExportSource& source, ExportLayout layout) {
  ExportOutput out;
  out.notes = source.notes;
  NameBook names;
  std::vector<AppDoc> docs = KeyApps(source, names);
  std::map<std::string, std::string> key_of_sp;
  for (const auto& d : docs)
    if (d.src->has_service_principal) key_of_sp[d.src->service_principal_id] = d.key;
  for (auto& d : docs) {
    ReadFields(d, source.tenant_id);
    ReadGrants(d, source, key_of_sp);
    d.owner_refs = ReadOwners(d, d.src->owners, "owners", source, key_of_sp);
    if (d.src->has_service_principal) d.sp_owner_refs = ReadOwners(d, d.src->sp_owners, "servicePrincipalOwners", source, key_of_sp);
  }
  std::map<std::string, IdentityOut> identities = NameIdentities(source, docs, names);
  for (auto& d : docs) {
    FillAccess(d, identities);
    d.owners = OwnerNames(d.owner_refs, identities);
    d.sp_owners = OwnerNames(d.sp_owner_refs, identities);
    for (const auto& note : d.notes) out.notes.push_back(fmt::format("app '{}': {}", d.key, note));
  }
  if (!docs.empty()) out.files = RenderFiles(source, docs, identities, layout);
  return out;
}

}  // namespace entragate::engine
