// GraphProvider::Read: the managed applications, their service principals and assignments, and the
// identities the manifest names, in three rounds of batched requests whatever the manifest's size.
#include <algorithm>
#include <cctype>
#include <ctime>
#include <future>
#include <optional>
#include <set>
#include <unordered_map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "providers/graph/client/odata.h"
#include "providers/graph/provider/answer_shapes.h"
#include "providers/graph/provider/graph_provider.h"
#include "providers/graph/provider/reader_support.h"

namespace entragate::graph {

namespace json = boost::json;
using engine::IdentitySelector;
using engine::LowerAscii;

const char* kApplicationSelect() {
  return "id,appId,uniqueName,displayName,description,notes,signInAudience,api,tags,identifierUris,optionalClaims,appRoles";
}

namespace {

/// What a query of the first round is for.
enum class Query {
  kApps,          ///< managed (tagged) or adopted applications
  kManagedSps,    ///< service principals carrying the marker tag
  kIdentitySp,    ///< service principals (managed identities among them) the manifest's identities name
  kIdentityUser,  ///< users the manifest's identities name
  kIdentityGroup,
  kOrganization,
};

struct Queries {
  std::vector<std::string> paths;
  std::vector<Query> purpose;  ///< what each path is for
  void Add(std::string path, Query why) {
    paths.push_back(std::move(path));
    purpose.push_back(why);
  }
};

const std::string kSpSelect = "$select=id,appId,displayName,servicePrincipalType,alternativeNames,appRoleAssignmentRequired,tags&$top=999";

void IdentityQueries(const engine::DesiredState& d, Queries& q) {
  std::map<IdentitySelector, std::vector<std::string>> by;
  for (const auto& [name, id] : d.identities) by[id.selector].push_back(id.value);
  auto add_in = [&](const std::string& base, const std::string& prop, IdentitySelector s, const std::string& extra, Query why) {
    if (by.count(s))
      for (auto& p : InQueries(base, prop, by[s], extra)) q.Add(p, why);
  };
  add_in("/servicePrincipals?" + kSpSelect, "displayName", IdentitySelector::kManagedIdentity, " and servicePrincipalType eq 'ManagedIdentity'",
         Query::kIdentitySp);
  add_in("/servicePrincipals?" + kSpSelect, "appId", IdentitySelector::kAppId, "", Query::kIdentitySp);
  add_in("/servicePrincipals?" + kSpSelect, "displayName", IdentitySelector::kServicePrincipal, "", Query::kIdentitySp);
  add_in("/servicePrincipals?" + kSpSelect, "id", IdentitySelector::kObjectId, "", Query::kIdentitySp);
  add_in("/users?$select=id,displayName,userPrincipalName&$top=999", "id", IdentitySelector::kObjectId, "", Query::kIdentityUser);
  add_in("/groups?$select=id,displayName&$top=999", "id", IdentitySelector::kObjectId, "", Query::kIdentityGroup);
  for (const auto& [name, id] : d.identities) {
    if (id.selector == IdentitySelector::kResourceId)
      q.Add("/servicePrincipals?" + kSpSelect + "&$filter=" + FilterUrlComponent("alternativeNames/any(a:a eq " + ODataString(id.value) + ")"),
            Query::kIdentitySp);
    bool guid = engine::IsGuid(id.value);
    if (id.selector == IdentitySelector::kGroup)
      q.Add("/groups?$select=id,displayName&$top=999&$filter=" + FilterUrlComponent((guid ? "id eq " : "displayName eq ") + ODataString(id.value)),
            Query::kIdentityGroup);
    if (id.selector == IdentitySelector::kUser)
      q.Add("/users?$select=id,displayName,userPrincipalName&$top=999&$filter=" +
                FilterUrlComponent((guid ? "id eq " : "userPrincipalName eq ") + ODataString(id.value)),
            Query::kIdentityUser);
  }
}

bool Matches(const engine::Identity& id, const json::object& o, Query kind) {
  auto eq = [](const std::string& a, const std::string& b) { return LowerAscii(a) == LowerAscii(b); };
  switch (id.selector) {
    case IdentitySelector::kManagedIdentity:
      return kind == Query::kIdentitySp && eq(JsonString(o, "displayName"), id.value) && JsonString(o, "servicePrincipalType") == "ManagedIdentity";
    case IdentitySelector::kAppId: return kind == Query::kIdentitySp && eq(JsonString(o, "appId"), id.value);
    case IdentitySelector::kServicePrincipal: return kind == Query::kIdentitySp && eq(JsonString(o, "displayName"), id.value);
    case IdentitySelector::kObjectId: return eq(JsonString(o, "id"), id.value);
    case IdentitySelector::kResourceId: {
      const json::value* names = kind == Query::kIdentitySp ? o.if_contains("alternativeNames") : nullptr;
      if (!names || !names->is_array()) return false;
      for (const auto& n : names->get_array())
        if (n.is_string() && eq(std::string(n.get_string()), id.value)) return true;
      return false;
    }
    case IdentitySelector::kGroup:
      return kind == Query::kIdentityGroup && (eq(JsonString(o, "id"), id.value) || eq(JsonString(o, "displayName"), id.value));
    case IdentitySelector::kUser:
      return kind == Query::kIdentityUser && (eq(JsonString(o, "id"), id.value) || eq(JsonString(o, "userPrincipalName"), id.value));
  }
  return false;
}

engine::ResolvedIdentity Resolve(const engine::Identity& id, const std::vector<std::pair<Query, json::object>>& found) {
  engine::ResolvedIdentity r{id.name, "", "", "", ""};
  std::vector<std::pair<Query, const json::object*>> hits;
  for (const auto& [kind, o] : found)
    if (Matches(id, o, kind) &&
        std::none_of(hits.begin(), hits.end(), [&](const auto& h) { return JsonString(*h.second, "id") == JsonString(o, "id"); }))
      hits.emplace_back(kind, &o);
  if (hits.size() == 1) {
    const auto& [kind, o] = hits[0];
    r.object_id = LowerAscii(JsonString(*o, "id"));
    r.principal_type = kind == Query::kIdentitySp ? "ServicePrincipal" : kind == Query::kIdentityUser ? "User" : "Group";
    r.display_name = JsonString(*o, "displayName");
    return r;
  }
  std::string what = fmt::format("{} '{}'", engine::ToYamlKey(id.selector), id.value);
  if (hits.empty()) {
    r.problem = fmt::format("nothing in the tenant matches {}", what);
  } else {
    std::vector<std::string> ids;
    for (const auto& h : hits) ids.push_back(fmt::format("{} ({})", JsonString(*h.second, "id"), JsonString(*h.second, "displayName")));
    r.problem = fmt::format("{} matches {} objects: {}; name one by objectId", what, hits.size(), fmt::join(ids, ", "));
  }
  return r;
}

engine::ObservedApp ToObservedApp(json::object app) {
  engine::ObservedApp o;
  o.object_id = LowerAscii(JsonString(app, "id"));
  o.app_id = LowerAscii(JsonString(app, "appId"));
  o.unique_name = JsonString(app, "uniqueName");
  o.graph = std::move(app);
  return o;
}

// "#microsoft.graph.servicePrincipal" → "ServicePrincipal", as appRoleAssignment.principalType says it.
std::string OwnerType(const json::object& o) {
  std::string t = JsonString(o, "@odata.type");
  if (auto dot = t.rfind('.'); dot != std::string::npos) t = t.substr(dot + 1);
  if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t;
}

bool HasTag(const json::object& o, const std::string& tag) {
  const json::value* tags = o.if_contains("tags");
  if (!tags || !tags->is_array()) return false;
  return std::any_of(tags->get_array().begin(), tags->get_array().end(), [&](const json::value& t) { return t.is_string() && t.as_string() == tag; });
}

std::string DeletedAppsPath() {
  return fmt::format("/directory/deletedItems/microsoft.graph.application?$select={},deletedDateTime&$top=999", kApplicationSelect());
}

}  // namespace

// Apps the manifest wants that the tenant does not have may be in deleted items (for 30 days after a
// delete, their uniqueName stays taken): the planner restores them instead of a create Graph refuses.
// `listed`: deleted items already read (with the by-key reads), else they are read here if needed.
engine::Status GraphProvider::ReadDeletedApps(const engine::DesiredState& desired, engine::ObservedState& state, ListedPages* listed) {
  std::vector<const engine::App*> wanted;
  for (const auto& app : desired.apps)
    if (!state.apps.count(app.key) && (!app.adopt || app.adopt->by == engine::Adopt::By::kAppId)) wanted.push_back(&app);
  if (wanted.empty()) return engine::Ok{};
  ListedPages pages = listed ? std::move(*listed) : client_.ListAll({DeletedAppsPath()});
  if (!pages[0].ok()) return pages[0].error();
  for (const auto& o : pages[0].value()) {
    if (auto bad = CheckAnswer(Answer::kApplication, o)) return *bad;
    for (const auto* app : wanted) {
      bool hit = app->adopt ? LowerAscii(JsonString(o, "appId")) == app->adopt->id : LowerAscii(JsonString(o, "uniqueName")) == LowerAscii(app->key);
      if (hit) state.deleted[app->key] = ToObservedApp(o);
    }
  }
  return engine::Ok{};
}

engine::Result<engine::ObservedState> GraphProvider::Read(const engine::DesiredState& desired, const engine::ReadOptions& options) {
  GraphClient::LowPriority priority(client_, options.low_priority);
  engine::ObservedState state;
  // Round 1: managed apps and service principals (marker tag), adopted apps, identities, the tenant.
  Queries q;
  // An owned set reads only its own apps by tag (others' are no business of its plan); apps it lists
  // that carry only the plain marker are found by key below.
  std::string owner_tag = engine::OwnerTag(desired.settings.owner);
  std::string mark = owner_tag.empty() ? std::string(engine::kMarkerTag) : owner_tag;
  std::string marker = FilterUrlComponent(fmt::format("tags/any(t:t eq {})", ODataString(mark)));
  q.Add(fmt::format("/applications?$select={}&$top=999&$filter={}", kApplicationSelect(), marker), Query::kApps);
  q.Add("/servicePrincipals?" + kSpSelect + "&$filter=" + marker, Query::kManagedSps);
  std::vector<std::string> adopt_app_ids, adopt_object_ids;
  for (const auto& app : desired.apps)
    if (app.adopt) (app.adopt->by == engine::Adopt::By::kAppId ? adopt_app_ids : adopt_object_ids).push_back(app.adopt->id);
  for (auto& p : InQueries(fmt::format("/applications?$select={}&$top=999", kApplicationSelect()), "appId", adopt_app_ids)) q.Add(p, Query::kApps);
  for (auto& p : InQueries(fmt::format("/applications?$select={}&$top=999", kApplicationSelect()), "id", adopt_object_ids)) q.Add(p, Query::kApps);
  IdentityQueries(desired, q);
  q.Add("/organization?$select=id,verifiedDomains", Query::kOrganization);
  auto pages = client_.ListAll(q.paths);
  std::map<std::string, json::object> apps_by_id, sps_by_app_id;
  std::vector<std::pair<Query, json::object>> found;
  for (size_t i = 0; i < pages.size(); ++i) {
    Query why = q.purpose[i];
    if (!pages[i].ok()) {
      if (why == Query::kOrganization) continue;  // optional: without it, the tenant id comes from the token
      return pages[i].error();
    }
    for (auto& o : pages[i].value()) {
      Answer kind = why == Query::kApps                                      ? Answer::kApplication
                    : why == Query::kManagedSps || why == Query::kIdentitySp ? Answer::kServicePrincipal
                                                                             : Answer::kDirectoryObject;
      if (auto bad = CheckAnswer(kind, o)) return *bad;
      if (why == Query::kApps)
        apps_by_id[LowerAscii(JsonString(o, "id"))] = std::move(o);
      else if (why == Query::kManagedSps)
        sps_by_app_id[LowerAscii(JsonString(o, "appId"))] = std::move(o);
      else if (why == Query::kOrganization) {
        state.tenant_id = LowerAscii(JsonString(o, "id"));
        if (const json::value* domains = o.if_contains("verifiedDomains"))
          if (domains->is_array())  // a list of objects: checked above
            for (const auto& dmn : domains->get_array()) {
              // The default domain first: it is the one the plan header names.
              const json::value* is_default = dmn.get_object().if_contains("isDefault");
              std::string name = JsonString(dmn.get_object(), "name");
              if (is_default && is_default->is_bool() && is_default->get_bool())
                state.tenant_domains.insert(state.tenant_domains.begin(), name);
              else
                state.tenant_domains.push_back(name);
            }
      } else {
        found.emplace_back(why, std::move(o));
      }
    }
  }
  pages.clear();
  for (const auto& [name, id] : desired.identities) state.identities[name] = Resolve(id, found);
  // Match apps to manifest keys: by uniqueName, or by the adopt id, each a look-up in an index of
  // what was read (object ids in id order, so that of two hits the same one wins as in a scan).
  std::unordered_map<std::string, std::vector<const std::string*>> by_unique_name, by_app_id;
  for (const auto& [oid, o] : apps_by_id) {
    by_unique_name[JsonString(o, "uniqueName")].push_back(&oid);
    by_app_id[LowerAscii(JsonString(o, "appId"))].push_back(&oid);
  }
  // The last hit of each app is its observed app (two hits: a key and an adopt id naming different
  // objects). The read JSON moves into it, unless another app sees the same object (then it is copied).
  std::set<std::string> matched;
  std::vector<std::pair<const std::string*, const std::string*>> chosen;  // app key, object id
  std::unordered_map<std::string, int> uses;
  for (const auto& app : desired.apps) {
    std::vector<const std::string*> hits;
    if (!app.adopt) {
      if (auto it = by_unique_name.find(app.key); it != by_unique_name.end()) hits = it->second;
    } else if (app.adopt->by == engine::Adopt::By::kAppId) {
      if (auto it = by_app_id.find(app.adopt->id); it != by_app_id.end()) hits = it->second;
    } else if (auto it = apps_by_id.find(app.adopt->id); it != apps_by_id.end()) {
      hits.push_back(&it->first);
    }
    for (const std::string* oid : hits) matched.insert(*oid);
    if (!hits.empty()) {
      chosen.emplace_back(&app.key, hits.back());
      ++uses[*hits.back()];
    }
  }
  for (const auto& [key, oid] : chosen) {
    json::object& read = apps_by_id.at(*oid);
    state.apps[*key] = --uses[*oid] == 0 ? ToObservedApp(std::move(read)) : ToObservedApp(read);
  }
  // A managed app that lost its marker tag (drift) is still found by its alternate key.
  std::vector<std::string> untagged;
  std::vector<GraphRequest> by_key;
  for (const auto& app : desired.apps)
    if (!app.adopt && !state.apps.count(app.key)) {
      untagged.push_back(app.key);
      by_key.push_back(
          {"GET", "/applications" + KeySegment("uniqueName", app.key) + "?$select=" + kApplicationSelect(), {}, std::nullopt, false, true});
    }
  // Apps not found by tag are usually new ones, which the plan also looks for in deleted items:
  // that list is read while the by-key reads run, one round trip fewer before a first apply.
  std::future<ListedPages> deleted_list;
  if (!by_key.empty()) deleted_list = std::async(std::launch::async, [this] { return client_.ListAll({DeletedAppsPath()}); });
  auto keyed = client_.SendBatch(by_key);
  for (size_t i = 0; i < keyed.size(); ++i) {
    if (!keyed[i].ok()) {
      if (keyed[i].error().http_status == 404) continue;  // not created yet
      return keyed[i].error();
    }
    const json::object* app = keyed[i]->body.if_object();
    if (!app)
      return engine::MakeError(engine::Error::Kind::kInternal,
                               fmt::format("reading application '{}': Graph answered with a body that is not an object", untagged[i]));
    if (auto bad = CheckAnswer(Answer::kApplication, *app)) return *bad;
    state.apps[untagged[i]] = ToObservedApp(*app);
  }
  std::optional<ListedPages> listed;
  if (deleted_list.valid()) listed = deleted_list.get();
  if (auto deleted = ReadDeletedApps(desired, state, listed ? &*listed : nullptr); !deleted.ok()) return deleted.error();
  bool prune = desired.settings.prune_apps && !owner_tag.empty();
  for (auto& [oid, o] : apps_by_id)
    if (!matched.count(oid) && prune && HasTag(o, owner_tag)) state.prunable.push_back(ToObservedApp(std::move(o)));
  // Round 2: service principals not found through the tag (e.g. made elsewhere), then assignments.
  // Prunable apps are read as fully as managed ones: the plan says what goes with them.
  std::vector<engine::ObservedApp*> all;
  for (auto& [key, app] : state.apps) all.push_back(&app);
  for (auto& app : state.prunable) all.push_back(&app);
  std::vector<std::string> missing_sp;
  for (const auto* app : all)
    if (!sps_by_app_id.count(app->app_id)) missing_sp.push_back(app->app_id);
  if (!missing_sp.empty()) {
    auto more = client_.ListAll(InQueries("/servicePrincipals?" + kSpSelect, "appId", missing_sp));
    for (auto& r : more) {
      if (!r.ok()) return r.error();
      for (auto& o : r.value()) {
        if (auto bad = CheckAnswer(Answer::kServicePrincipal, o)) return *bad;
        sps_by_app_id[LowerAscii(JsonString(o, "appId"))] = std::move(o);
      }
    }
  }
  std::vector<engine::ObservedApp*> with_sp;
  for (auto* app : all) {
    auto sp = sps_by_app_id.find(app->app_id);
    if (sp == sps_by_app_id.end()) continue;
    app->service_principal = engine::ObservedServicePrincipal{
        LowerAscii(JsonString(sp->second, "id")), JsonBool(sp->second, "appRoleAssignmentRequired"), {}, std::nullopt};
    with_sp.push_back(app);
  }
  sps_by_app_id.clear();
  // Owners only of what the manifest states owners for: a set without owners reads nothing more.
  std::vector<std::string> owner_paths;
  std::vector<std::optional<std::vector<engine::ObservedOwner>>*> owner_lists;
  for (auto& [key, app] : state.apps) {
    const engine::App* wanted = desired.FindApp(key);
    if (!wanted) continue;
    if (wanted->owners) {
      owner_paths.push_back(fmt::format("/applications/{}/owners?$select=id,displayName&$top=999", app.object_id));
      owner_lists.push_back(&app.owners);
    }
    if (wanted->sp_owners && app.service_principal) {
      owner_paths.push_back(fmt::format("/servicePrincipals/{}/owners?$select=id,displayName&$top=999", app.service_principal->object_id));
      owner_lists.push_back(&app.service_principal->owners);
    }
  }
  // Assignments are read a slice of service principals at a time and kept as plain structs, so
  // Graph's JSON for all of them is never in memory at once. A slice is 32 whole $batch envelopes
  // of 20 (the client sends up to 64 at once): the requests are the same as for one big list, a
  // slice is one round trip, and its threads' work is what 2 cores can take without contending.
  // The owners travel with the first slice, in the same $batch requests.
  constexpr size_t kSlice = 32 * 20;
  for (size_t first = 0; first < with_sp.size() || (first == 0 && !owner_paths.empty()); first += kSlice) {
    size_t end = std::min(with_sp.size(), first + kSlice);
    std::vector<std::string> assignment_paths;
    for (size_t i = first; i < end; ++i)
      assignment_paths.push_back(fmt::format(
          "/servicePrincipals/{}/appRoleAssignedTo?$select=id,appRoleId,principalId,principalType,principalDisplayName,createdDateTime&$top=999",
          with_sp[i]->service_principal->object_id));
    size_t slice_size = assignment_paths.size();
    if (first == 0) assignment_paths.insert(assignment_paths.end(), owner_paths.begin(), owner_paths.end());
    // Read once into structs, then dropped: each answer's JSON lives in an arena of its own.
    auto assignments = client_.ListAll(assignment_paths, AnswerUse::kReadOnce);
    for (size_t k = slice_size; k < assignments.size(); ++k) {
      if (!assignments[k].ok()) return assignments[k].error();
      auto& owners = owner_lists[k - slice_size]->emplace();
      for (const auto& o : assignments[k].value()) {
        if (auto bad = CheckAnswer(Answer::kDirectoryObject, o)) return *bad;
        owners.push_back({LowerAscii(JsonString(o, "id")), OwnerType(o), JsonString(o, "displayName")});
      }
    }
    assignments.erase(assignments.begin() + static_cast<std::ptrdiff_t>(slice_size), assignments.end());
    for (size_t k = 0; k < assignments.size(); ++k) {
      if (!assignments[k].ok()) return assignments[k].error();
      auto& held = with_sp[first + k]->service_principal->assigned_to;
      held.reserve(assignments[k].value().size());
      for (const auto& a : assignments[k].value()) {
        if (auto bad = CheckAnswer(Answer::kAssignment, a)) return *bad;
        held.push_back({JsonString(a, "id"), LowerAscii(JsonString(a, "appRoleId")), LowerAscii(JsonString(a, "principalId")),
                        JsonString(a, "principalType"), JsonString(a, "principalDisplayName"), JsonString(a, "createdDateTime")});
      }
    }
  }
  state.read_at = static_cast<int64_t>(std::time(nullptr));
  return state;
}

}  // namespace entragate::graph
