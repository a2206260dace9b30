// Reading one `apps.<key>` entry of a manifest into an App.
#include <algorithm>

#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "engine/manifest.h"
#include "engine/manifest_reader.h"

namespace entragate::engine::manifest_detail {

namespace {

const std::vector<std::string> kAppKeys = {
    "displayName", "description",        "notes",  "signInAudience", "requestedAccessTokenVersion", "tags",  "identifierUris", "optionalClaims",
    "appRoles",    "assignmentRequired", "access", "owners",         "servicePrincipalOwners",      "adopt", "environments"};
const std::vector<std::string> kAudiences = {"AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"};
const std::vector<std::string> kMemberTypes = {"Application", "User"};

bool IsPersonalAudience(const std::string& audience) {
  return audience == "AzureADandPersonalMicrosoftAccount" || audience == "PersonalMicrosoftAccount";
}

void ReadAudienceAndVersion(const YamlContext& ctx, const MapReader& r, App& app) {
  if (auto audience = r.String("signInAudience")) {
    if (std::find(kAudiences.begin(), kAudiences.end(), *audience) == kAudiences.end()) {
      ctx.diags.Error("E0108", r.Find("signInAudience")->value_loc,
                      fmt::format("'{}' is not a signInAudience; use one of {}", *audience, fmt::join(kAudiences, ", ")),
                      DidYouMean(*audience, kAudiences));
    } else {
      app.sign_in_audience = *audience;
    }
  }
  if (auto version = r.Int("requestedAccessTokenVersion")) {
    if (*version != 1 && *version != 2) {
      ctx.diags.Error("E0108", r.Find("requestedAccessTokenVersion")->value_loc,
                      fmt::format("requestedAccessTokenVersion must be 1 or 2, not {}", *version));
    } else {
      app.requested_access_token_version = static_cast<int>(*version);
    }
  }
  if (IsPersonalAudience(app.sign_in_audience) && app.requested_access_token_version.value_or(1) != 2) {
    const YamlEntry* at = r.Find("requestedAccessTokenVersion");
    ctx.diags.Error("E0217", at ? at->value_loc : r.Find("signInAudience")->value_loc,
                    fmt::format("signInAudience {} requires requestedAccessTokenVersion: 2", app.sign_in_audience));
  }
}

void ReadIdentifierUris(const YamlContext& ctx, const MapReader& r, App& app) {
  auto uris = r.StringList("identifierUris");
  if (!uris) return;
  bool v2 = app.requested_access_token_version == 2;
  app.identifier_uris.emplace();
  for (auto& [uri, loc] : *uris) {
    if (auto problem = CheckIdentifierUriSyntax(uri)) {
      ctx.diags.Error("E0212", loc, fmt::format("identifier URI '{}': {}", uri, *problem));
      continue;
    }
    if (!SatisfiesDefaultUriPolicy(uri, v2)) {
      ctx.diags.Error("E0211", loc,
                      fmt::format("identifier URI '{}' would be refused by the default tenant policy: a new URI on an "
                                  "app with v1 access tokens must contain the app id, the tenant id or a verified domain",
                                  uri),
                      "use api://{appId} or api://{tenantId}/<name>, or set requestedAccessTokenVersion: 2");
      continue;
    }
    app.identifier_uris->push_back({uri, loc});
  }
}

// A claim valid for another token type is a misplaced claim, not a typo: say where it belongs.
std::string ClaimHint(TokenType type, const std::string& name) {
  for (TokenType other : {TokenType::kAccessToken, TokenType::kIdToken, TokenType::kSaml2Token})
    if (other != type && IsKnownOptionalClaim(other, name)) return fmt::format("'{}' is a claim of {}", name, ToGraph(other));
  return DidYouMean(name, KnownOptionalClaims(type));
}

std::optional<OptionalClaim> ReadClaim(const YamlContext& ctx, const YamlNode& item, TokenType type, const std::string& what) {
  OptionalClaim claim;
  claim.loc = ctx.Loc(item);
  if (TypeOf(item) == YamlType::kString) {
    claim.name = item.Scalar();
  } else if (TypeOf(item) == YamlType::kMap) {
    MapReader r(ctx, item, "an optional claim of " + what, claim.loc, {"name", "essential", "source", "additionalProperties"});
    auto name = r.String("name", true);
    if (!name) return std::nullopt;
    claim.name = *name;
    claim.loc = r.Find("name")->value_loc;
    claim.essential = r.Bool("essential").value_or(false);
    if (const YamlEntry* source = r.Find("source"); source && TypeOf(source->value) != YamlType::kNull) claim.source = r.String("source");
    if (auto props = r.StringList("additionalProperties"))
      for (auto& [p, loc] : *props) claim.additional_properties.push_back(p);
  } else {
    ExpectType(ctx, item, YamlType::kString, "an item of " + what, claim.loc);
    return std::nullopt;
  }
  if (!claim.source && !IsKnownOptionalClaim(type, claim.name)) {
    ctx.diags.Error("E0210", claim.loc, fmt::format("'{}' is not an optional claim Entra knows for {}", claim.name, ToGraph(type)),
                    ClaimHint(type, claim.name));
    return std::nullopt;
  }
  return claim;
}

void ReadOptionalClaims(const YamlContext& ctx, const MapReader& r, App& app) {
  const YamlEntry* e = r.Typed("optionalClaims", YamlType::kMap);
  if (!e) return;
  MapReader claims(ctx, e->value, "optionalClaims of app '" + app.key + "'", e->key_loc, {"idToken", "accessToken", "saml2Token"});
  app.optional_claims.emplace();
  app.optional_claims->loc = e->key_loc;
  auto read_list = [&](TokenType type, std::vector<OptionalClaim>& out) {
    const YamlEntry* list = claims.Typed(ToGraph(type), YamlType::kSequence);
    if (!list) return;
    std::string what = fmt::format("optionalClaims.{} of app '{}'", ToGraph(type), app.key);
    for (const auto& item : list->value) {
      auto claim = ReadClaim(ctx, item, type, what);
      if (!claim) continue;
      bool duplicate = std::any_of(out.begin(), out.end(), [&](const OptionalClaim& c) { return c.name == claim->name; });
      if (duplicate) {
        ctx.diags.Error("E0110", claim->loc, fmt::format("'{}' is listed twice in {}", claim->name, what));
        continue;
      }
      out.push_back(std::move(*claim));
    }
  };
  read_list(TokenType::kIdToken, app.optional_claims->id_token);
  read_list(TokenType::kAccessToken, app.optional_claims->access_token);
  read_list(TokenType::kSaml2Token, app.optional_claims->saml2_token);
}

std::optional<AppRole> ReadRole(const YamlContext& ctx, const YamlEntry& entry, const std::string& app_key) {
  AppRole role;
  role.value = entry.key;
  role.loc = entry.key_loc;
  role.loc.length = static_cast<int>(std::max<size_t>(1, entry.key.size()));
  std::string what = fmt::format("app role '{}' of app '{}'", entry.key, app_key);
  if (auto problem = CheckRoleValue(entry.key)) {
    ctx.diags.Error("E0208", role.loc, fmt::format("invalid app role value '{}': {}", entry.key, *problem));
  }
  MapReader r(ctx, entry.value, what, entry.key_loc, {"displayName", "description", "allowedMemberTypes", "enabled", "id"});
  if (!r.is_map()) return std::nullopt;
  role.display_name = r.String("displayName").value_or(role.value);
  role.description = r.String("description").value_or(role.display_name);
  role.enabled = r.Bool("enabled").value_or(true);
  if (auto id = r.String("id")) {
    if (!IsGuid(*id)) {
      ctx.diags.Error("E0201", r.Find("id")->value_loc, fmt::format("'{}' is not a GUID (id of {})", *id, what));
    } else {
      role.id = LowerAscii(*id);
      role.id_derived = false;
      role.id_loc = r.Find("id")->value_loc;
    }
  }
  if (role.id.empty()) role.id = DerivedRoleId(app_key, role.value);
  const YamlEntry* types = r.Typed("allowedMemberTypes", YamlType::kSequence, true);
  if (types) {
    for (auto& [t, loc] : StringItems(ctx, types->value, "allowedMemberTypes of " + what)) {
      if (std::find(kMemberTypes.begin(), kMemberTypes.end(), t) == kMemberTypes.end()) {
        ctx.diags.Error("E0108", loc, fmt::format("'{}' is not a member type; use Application and/or User", t), DidYouMean(t, kMemberTypes));
        continue;
      }
      role.allowed_member_types.push_back(t);
    }
    if (types->value.size() == 0)
      ctx.diags.Error("E0109", types->value_loc, fmt::format("allowedMemberTypes of {} must list Application and/or User", what));
    std::sort(role.allowed_member_types.begin(), role.allowed_member_types.end());
  }
  return role;
}

void ReadRoles(const YamlContext& ctx, const MapReader& r, App& app) {
  const YamlEntry* e = r.Typed("appRoles", YamlType::kMap);
  if (!e) return;
  app.app_roles.emplace();
  for (const auto& entry : MapEntries(ctx, e->value, "appRoles of app '" + app.key + "'", e->key_loc)) {
    auto role = ReadRole(ctx, entry, app.key);
    if (!role) continue;
    auto same_id = std::find_if(app.app_roles->begin(), app.app_roles->end(), [&](const AppRole& r) { return r.id == role->id; });
    if (same_id != app.app_roles->end()) {
      ctx.diags.Error("E0209", role->id_loc.valid() ? role->id_loc : role->loc,
                      fmt::format("app roles '{}' and '{}' of app '{}' have the same id {}", same_id->value, role->value, app.key, role->id));
      continue;
    }
    app.app_roles->push_back(std::move(*role));
  }
  std::sort(app.app_roles->begin(), app.app_roles->end(), [](const AppRole& a, const AppRole& b) { return a.value < b.value; });
}

void ReadAccess(const YamlContext& ctx, const MapReader& r, App& app) {
  const YamlEntry* e = r.Typed("access", YamlType::kMap);
  if (!e) return;
  app.access.emplace();
  for (const auto& entry : MapEntries(ctx, e->value, "access of app '" + app.key + "'", e->value_loc)) {
    std::string what = fmt::format("access['{}'] of app '{}'", entry.key, app.key);
    app.access_locs[entry.key] = entry.key_loc;
    app.access_locs[entry.key].length = static_cast<int>(std::max<size_t>(1, entry.key.size()));
    if (!ExpectType(ctx, entry.value, YamlType::kSequence, what, entry.value_loc)) continue;
    for (auto& [name, loc] : StringItems(ctx, entry.value, what)) {
      Grant g{entry.key, name, false, loc};
      g.loc.length = static_cast<int>(name.size());
      app.access->push_back(std::move(g));
    }
  }
}

// `owners` / `servicePrincipalOwners`: a list of names, resolved against identities and app keys
// once the whole set is read (manifest_checks.cpp).
std::optional<std::vector<Owner>> ReadOwners(const MapReader& r, const char* key) {
  auto names = r.StringList(key);
  if (!names) return std::nullopt;
  std::vector<Owner> out;
  for (auto& [name, loc] : *names) {
    Owner o{name, false, loc};
    o.loc.length = static_cast<int>(std::max<size_t>(1, name.size()));
    out.push_back(std::move(o));
  }
  return out;
}

void ReadAdopt(const YamlContext& ctx, const MapReader& r, App& app) {
  const YamlEntry* e = r.Typed("adopt", YamlType::kMap);
  if (!e) return;
  MapReader adopt(ctx, e->value, "adopt of app '" + app.key + "'", e->key_loc, {"appId", "objectId"});
  auto app_id = adopt.String("appId");
  auto object_id = adopt.String("objectId");
  if (adopt.is_map() && (adopt.Find("appId") != nullptr) == (adopt.Find("objectId") != nullptr)) {
    // With both given, point at the second one: the first is as good as any.
    const auto& entries = adopt.entries();
    auto both = std::find_if(entries.begin(), entries.end(), [](const YamlEntry& x) { return x.key == "appId" || x.key == "objectId"; });
    SourceLoc at = e->key_loc;
    if (both != entries.end()) {
      auto second = std::find_if(both + 1, entries.end(), [](const YamlEntry& x) { return x.key == "appId" || x.key == "objectId"; });
      if (second != entries.end()) at = second->key_loc;
    }
    ctx.diags.Error("E0215", at, fmt::format("adopt of app '{}' needs exactly one of appId or objectId", app.key));
    return;
  }
  const std::optional<std::string>& id = app_id ? app_id : object_id;
  if (!id) return;
  const YamlEntry* at = adopt.Find(app_id ? "appId" : "objectId");
  if (!IsGuid(*id)) {
    ctx.diags.Error("E0201", at->value_loc, fmt::format("'{}' is not a GUID ({} of adopt)", *id, at->key));
    return;
  }
  app.adopt = Adopt{app_id ? Adopt::By::kAppId : Adopt::By::kObjectId, LowerAscii(*id), e->key_loc};
}

}  // namespace

App ReadApp(const YamlContext& ctx, const YamlEntry& entry) {
  App app;
  app.key = entry.key;
  app.loc = entry.key_loc;
  app.loc.length = static_cast<int>(std::max<size_t>(1, entry.key.size()));
  MapReader r(ctx, entry.value, "app '" + app.key + "'", entry.key_loc, kAppKeys);
  for (const auto& e : r.entries()) app.field_locs[e.key] = e.key_loc;
  app.display_name = r.String("displayName", true).value_or("");
  app.description = r.String("description");
  app.notes = r.String("notes");
  ReadAudienceAndVersion(ctx, r, app);
  if (auto tags = r.StringList("tags")) {
    app.tags.emplace();
    for (auto& [t, loc] : *tags) app.tags->push_back(t);
  }
  ReadIdentifierUris(ctx, r, app);
  ReadOptionalClaims(ctx, r, app);
  ReadRoles(ctx, r, app);
  app.assignment_required = r.Bool("assignmentRequired");
  ReadAccess(ctx, r, app);
  // Listing who may call an app means the others may not: an app that would let every identity in
  // the tenant get a token must say so.
  if (const YamlEntry* access = r.Find("access"); access && !r.Find("assignmentRequired"))
    ctx.diags.Error("E0222", access->key_loc,
                    fmt::format("app '{}' lists access but not assignmentRequired; without it any identity in the "
                                "tenant can get a token for the app",
                                app.key),
                    "write assignmentRequired: true, or false if every identity in the tenant may get a token");
  app.owners = ReadOwners(r, "owners");
  app.sp_owners = ReadOwners(r, "servicePrincipalOwners");
  ReadAdopt(ctx, r, app);
  return app;
}

}  // namespace entragate::engine::manifest_detail
