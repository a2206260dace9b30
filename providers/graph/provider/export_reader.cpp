// ReadForExport: round 1 the tenant and the selected applications (plus uniqueName lookups), round 2
// their service principals (and what a requested id or name that is not an application is), round 3
// the assignments on those, round 4 the principals they name and whether their display names are
// unique. Every round is one ListAll: its queries travel together in $batch requests.
#include "providers/graph/provider/export_reader.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/graph_rules.h"
#include "providers/graph/client/odata.h"
#include "providers/graph/provider/answer_shapes.h"
#include "providers/graph/provider/graph_provider.h"
#include "providers/graph/provider/reader_support.h"

namespace entragate::graph {

namespace json = boost::json;
using engine::LowerAscii;

bool IsMicrosoftFirstPartyAppId(std::string_view app_id) {
  // Azure AD's and Office 365's own resources share these shapes (Microsoft Graph is
  // 00000003-0000-0000-c000-000000000000, SharePoint 00000003-0000-0ff1-ce00-000000000000).
  static const std::regex kShapes("[0-9a-f]{8}-0000-0000-c000-000000000000|[0-9a-f]{8}-0000-0ff1-ce00-000000000000");
  static const std::set<std::string> kKnown = {
      "797f4846-ba00-4fd7-ba43-dac1f8f63013",  // Windows Azure Service Management API
      "04b07795-8ddb-461a-bbee-02f9e1bf7b46",  // Microsoft Azure CLI
      "1950a258-227b-4e31-a9cf-717495945fc2",  // Microsoft Azure PowerShell
      "1fec8e78-bce4-4aaf-ab1b-5451cc387264",  // Microsoft Teams
      "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",  // Azure Key Vault
      "e406a681-f3d4-42a8-90b6-c2b029497af1",  // Azure Storage
  };
  std::string id = LowerAscii(app_id);
  return std::regex_match(id, kShapes) || kKnown.count(id) > 0;
}

namespace {

const std::string kSpSelect = "$select=id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,appRoleAssignmentRequired&$top=999";

std::string AppsPath() { return fmt::format("/applications?$select={}&$top=999", kApplicationSelect()); }

/// What a collection query of a round is for.
enum class Query {
  kOrganization,
  kApps,
  kDeleted,           ///< deleted applications
  kSpByAppId,         ///< service principals of the apps found or asked for
  kSpByName,          ///< service principals of names that are no application here
  kServicePrincipal,  ///< principals of assignments and owners, by id
  kUser,
  kGroup,
  kMiNames,     ///< managed identities sharing a display name with one exported
  kGroupNames,  ///< groups sharing a display name with one exported
};

/// Collection queries with what each one is for, so that one ListAll serves a whole round.
struct Queries {
  std::vector<std::string> paths;
  std::vector<Query> purposes;
  void Add(const std::vector<std::string>& more, Query purpose) {
    for (const auto& p : more) {
      paths.push_back(p);
      purposes.push_back(purpose);
    }
  }
};

// What each round's purpose reads, so every item is checked before it is read.
Answer KindOf(Query purpose) {
  switch (purpose) {
    case Query::kApps: return Answer::kApplication;
    case Query::kSpByAppId:
    case Query::kSpByName:
    case Query::kServicePrincipal:
    case Query::kMiNames: return Answer::kServicePrincipal;
    case Query::kOrganization:
    case Query::kDeleted:
    case Query::kUser:
    case Query::kGroup:
    case Query::kGroupNames: return Answer::kDirectoryObject;
  }
  return Answer::kDirectoryObject;
}

// The principal type an assignment or owner names, for the queries that read principals by id.
const char* PrincipalType(Query purpose) { return purpose == Query::kUser ? "User" : purpose == Query::kGroup ? "Group" : "ServicePrincipal"; }

class Reader {
 public:
  Reader(GraphClient& client, const ExportSelection& selection, const std::string& tenant_id) : client_(client), sel_(selection) {
    out_.tenant_id = LowerAscii(tenant_id);
  }

  engine::Result<engine::ExportSource> Run() {
    engine::Status done = ReadApps();
    if (done.ok()) NoteDeleted();
    if (done.ok()) done = ReadUniqueNames();
    if (done.ok()) done = ReadServicePrincipals();
    if (done.ok()) Classify();
    if (done.ok()) done = ReadAssignments();
    if (done.ok()) done = ReadPrincipals();
    if (!done.ok()) return done.error();
    return std::move(out_);
  }

 private:
  // Runs a round; `take(purpose, object)` sees every item. Only the organization may fail (a
  // credential without Directory.Read.All): the target's tenant id stands in.
  template <class F>
  engine::Status Round(const Queries& q, F take) {
    auto pages = client_.ListAll(q.paths);
    for (size_t i = 0; i < pages.size(); ++i) {
      if (!pages[i].ok()) {
        if (q.purposes[i] == Query::kOrganization || q.purposes[i] == Query::kDeleted) continue;
        return pages[i].error();
      }
      for (const auto& o : pages[i].value()) {
        if (auto bad = CheckAnswer(KindOf(q.purposes[i]), o)) return *bad;
        take(q.purposes[i], o);
      }
    }
    return engine::Ok{};
  }

  engine::Status ReadApps() {
    Queries q;
    q.Add({"/organization?$select=id"}, Query::kOrganization);
    if (sel_.all) q.Add({AppsPath()}, Query::kApps);
    // Deleted applications are not listed under /applications; those the selection names are said.
    q.Add({"/directory/deletedItems/microsoft.graph.application?$select=id,appId,displayName,uniqueName,tags,deletedDateTime&$top=999"},
          Query::kDeleted);
    std::vector<std::string> ids;
    for (const auto& id : sel_.app_ids) ids.push_back(LowerAscii(id));
    q.Add(InQueries(AppsPath(), "appId", ids), Query::kApps);
    q.Add(InQueries(AppsPath(), "displayName", sel_.display_names), Query::kApps);
    for (const auto& tag : sel_.tags)
      q.Add({AppsPath() + "&$filter=" + FilterUrlComponent(fmt::format("tags/any(t:t eq {})", ODataString(tag)))}, Query::kApps);
    return Round(q, [&](Query purpose, const json::object& o) {
      if (purpose == Query::kOrganization)
        out_.tenant_id = LowerAscii(JsonString(o, "id"));
      else if (purpose == Query::kDeleted)
        deleted_.push_back(o);
      else
        apps_[LowerAscii(JsonString(o, "id"))] = o;
    });
  }

  bool DeletedHolds(const char* property, const std::string& value) const {
    return std::any_of(deleted_.begin(), deleted_.end(),
                       [&](const json::object& d) { return LowerAscii(JsonString(d, property)) == LowerAscii(value); });
  }

  // A deleted application the selection names is skipped with a note: it is no manifest's to
  // describe until restored, and `apply` of a manifest that wants it restores it.
  void NoteDeleted() {
    for (const auto& d : deleted_) {
      auto named = [&](const std::vector<std::string>& values, const char* property) {
        return std::any_of(values.begin(), values.end(), [&](const std::string& v) { return LowerAscii(v) == LowerAscii(JsonString(d, property)); });
      };
      bool tagged = false;
      if (const json::value* tags = d.if_contains("tags"); tags && tags->is_array())
        for (const auto& t : tags->get_array())
          tagged = tagged || (t.is_string() && std::find(sel_.tags.begin(), sel_.tags.end(), std::string(t.get_string())) != sel_.tags.end());
      if (!(sel_.all || tagged || named(sel_.app_ids, "appId") || named(sel_.display_names, "displayName") || named(sel_.unique_names, "uniqueName")))
        continue;
      std::string unique = JsonString(d, "uniqueName");
      out_.notes.push_back(
          fmt::format("'{}' (appId {}{}) is in deleted items since {}: skipped (restorable for 30 days; applying a "
                      "manifest that wants it restores it)",
                      JsonString(d, "displayName"), LowerAscii(JsonString(d, "appId")), unique.empty() ? "" : ", uniqueName " + unique,
                      JsonString(d, "deletedDateTime")));
    }
  }

  engine::Status ReadUniqueNames() {
    std::vector<GraphRequest> gets;
    for (const auto& name : sel_.unique_names)
      gets.push_back({"GET", "/applications" + KeySegment("uniqueName", name) + "?$select=" + kApplicationSelect(), {}, std::nullopt, false, true});
    auto answers = client_.SendBatch(gets);
    for (size_t i = 0; i < answers.size(); ++i) {
      if (!answers[i].ok() && answers[i].error().http_status == 404) {
        if (!DeletedHolds("uniqueName", sel_.unique_names[i]))
          out_.notes.push_back(fmt::format("no application has uniqueName '{}'", sel_.unique_names[i]));
        continue;
      }
      if (!answers[i].ok()) return answers[i].error();
      if (const json::object* app = answers[i]->body.if_object()) {
        if (auto bad = CheckAnswer(Answer::kApplication, *app)) return *bad;
        apps_[LowerAscii(JsonString(*app, "id"))] = *app;
      }
    }
    return engine::Ok{};
  }

  // The service principals of the apps found, and of requested ids and names that are no application
  // here: those are explained, not exported.
  engine::Status ReadServicePrincipals() {
    std::vector<std::string> app_ids;
    for (const auto& [id, app] : apps_) app_ids.push_back(LowerAscii(JsonString(app, "appId")));
    for (const auto& id : sel_.app_ids) app_ids.push_back(LowerAscii(id));
    Queries q;
    q.Add(InQueries("/servicePrincipals?" + kSpSelect, "appId", app_ids), Query::kSpByAppId);
    q.Add(InQueries("/servicePrincipals?" + kSpSelect, "displayName", UnmatchedNames()), Query::kSpByName);
    return Round(q, [&](Query purpose, const json::object& o) {
      if (purpose == Query::kSpByAppId)
        sps_by_app_id_[LowerAscii(JsonString(o, "appId"))] = o;
      else
        sps_by_name_[LowerAscii(JsonString(o, "displayName"))].push_back(o);
    });
  }

  std::vector<std::string> UnmatchedNames() const {
    std::vector<std::string> out;
    for (const auto& name : sel_.display_names)
      if (std::none_of(apps_.begin(), apps_.end(),
                       [&](const auto& a) { return LowerAscii(JsonString(a.second, "displayName")) == LowerAscii(name); }))
        out.push_back(name);
    return out;
  }

  // Why a service principal is not exported; empty when it belongs to an application of this tenant.
  std::string WhyNot(const json::object& sp) const {
    std::string owner = LowerAscii(JsonString(sp, "appOwnerOrganizationId"));
    std::string what = fmt::format("'{}' (appId {})", JsonString(sp, "displayName"), LowerAscii(JsonString(sp, "appId")));
    if (JsonString(sp, "servicePrincipalType") == "ManagedIdentity")
      return what + " is a managed identity, not an application: skipped (name it under identities to give it roles)";
    if (owner == kMicrosoftTenantId || IsMicrosoftFirstPartyAppId(JsonString(sp, "appId")))
      return what + " is a Microsoft first-party application: skipped, entragate never changes those";
    if (!owner.empty() && owner != out_.tenant_id)
      return fmt::format("{} is registered in another tenant ({}); only its service principal is here: skipped", what, owner);
    return "";
  }

  void Classify() {
    std::vector<const json::object*> found;
    for (const auto& [id, app] : apps_) found.push_back(&app);
    std::sort(found.begin(), found.end(), [](const json::object* a, const json::object* b) {
      return std::make_pair(JsonString(*a, "displayName"), JsonString(*a, "id")) <
             std::make_pair(JsonString(*b, "displayName"), JsonString(*b, "id"));
    });
    for (const json::object* app : found) Keep(*app);
    for (const auto& id : sel_.app_ids) {
      bool is_app =
          std::any_of(apps_.begin(), apps_.end(), [&](const auto& a) { return LowerAscii(JsonString(a.second, "appId")) == LowerAscii(id); });
      if (is_app) continue;
      auto sp = sps_by_app_id_.find(LowerAscii(id));
      std::string why = sp == sps_by_app_id_.end() ? "" : WhyNot(sp->second);
      out_.notes.push_back(!why.empty() ? why : fmt::format("no application with appId {} is registered in this tenant", id));
    }
    for (const auto& name : UnmatchedNames()) {
      auto sps = sps_by_name_.find(LowerAscii(name));
      if (sps == sps_by_name_.end())
        out_.notes.push_back(fmt::format("no application named '{}' is registered in this tenant", name));
      else
        for (const auto& sp : sps->second) {
          std::string why = WhyNot(sp);
          out_.notes.push_back(!why.empty() ? why : fmt::format("'{}' has a service principal here but no application: skipped", name));
        }
    }
  }

  void Keep(const json::object& app) {
    std::string app_id = LowerAscii(JsonString(app, "appId"));
    auto sp = sps_by_app_id_.find(app_id);
    std::string why = IsMicrosoftFirstPartyAppId(app_id)
                          ? fmt::format("'{}' (appId {}) is a Microsoft first-party application: skipped", JsonString(app, "displayName"), app_id)
                          : (sp == sps_by_app_id_.end() ? "" : WhyNot(sp->second));
    if (!why.empty()) {
      out_.notes.push_back(why);
      return;
    }
    engine::ExportApp e;
    e.application = app;
    if (sp != sps_by_app_id_.end()) {
      e.has_service_principal = true;
      e.service_principal_id = LowerAscii(JsonString(sp->second, "id"));
      e.assignment_required = JsonBool(sp->second, "appRoleAssignmentRequired");
    }
    out_.apps.push_back(std::move(e));
  }

  // The assignments on the service principals, and the owners of the applications and of their
  // service principals, in one round.
  engine::Status ReadAssignments() {
    std::vector<std::string> paths;
    std::vector<engine::ExportApp*> owners;
    for (auto& app : out_.apps) {
      if (!app.has_service_principal) continue;
      paths.push_back(fmt::format("/servicePrincipals/{}/appRoleAssignedTo?$select={}&$top=999", app.service_principal_id,
                                  "id,appRoleId,principalId,principalType,principalDisplayName"));
      owners.push_back(&app);
    }
    size_t assignment_paths = paths.size();
    std::vector<std::vector<engine::ExportOwner>*> owner_lists;
    for (auto& app : out_.apps) {
      paths.push_back(fmt::format("/applications/{}/owners?$select=id,displayName&$top=999", LowerAscii(JsonString(app.application, "id"))));
      owner_lists.push_back(&app.owners);
      if (!app.has_service_principal) continue;
      paths.push_back(fmt::format("/servicePrincipals/{}/owners?$select=id,displayName&$top=999", app.service_principal_id));
      owner_lists.push_back(&app.sp_owners);
    }
    auto pages = client_.ListAll(paths);
    for (size_t i = assignment_paths; i < pages.size(); ++i) {
      if (!pages[i].ok()) return pages[i].error();
      for (const auto& o : pages[i].value()) {
        if (auto bad = CheckAnswer(Answer::kDirectoryObject, o)) return *bad;
        std::string type = JsonString(o, "@odata.type");
        type = type == "#microsoft.graph.user" ? "User" : type == "#microsoft.graph.servicePrincipal" ? "ServicePrincipal" : "Group";
        owner_lists[i - assignment_paths]->push_back({LowerAscii(JsonString(o, "id")), type, JsonString(o, "displayName")});
      }
    }
    for (size_t i = 0; i < assignment_paths; ++i) {
      if (!pages[i].ok()) return pages[i].error();
      for (const auto& a : pages[i].value()) {
        if (auto bad = CheckAnswer(Answer::kAssignment, a)) return *bad;
        owners[i]->assigned_to.push_back({LowerAscii(JsonString(a, "appRoleId")), LowerAscii(JsonString(a, "principalId")),
                                          JsonString(a, "principalType"), JsonString(a, "principalDisplayName")});
      }
    }
    return engine::Ok{};
  }

  // The principals by id, and everyone of their kind sharing a display name with them: a managed
  // identity or group named by display name in a manifest must be the only one of that name.
  engine::Status ReadPrincipals() {
    std::set<std::string> exported_sps;
    for (const auto& app : out_.apps) exported_sps.insert(app.service_principal_id);
    std::map<std::string, std::vector<std::string>> ids, names;  // principal type → ids / display names
    for (const auto& app : out_.apps) {
      for (const auto& a : app.assigned_to) {
        if (exported_sps.count(a.principal_id)) continue;  // named by its app key
        ids[a.principal_type].push_back(a.principal_id);
        if (!a.principal_display_name.empty()) names[a.principal_type].push_back(a.principal_display_name);
      }
      for (const auto* list : {&app.owners, &app.sp_owners})
        for (const auto& o : *list) {
          if (exported_sps.count(o.object_id) || o.type == "Group") continue;  // groups cannot be stated as owners
          ids[o.type].push_back(o.object_id);
          if (!o.display_name.empty()) names[o.type].push_back(o.display_name);
        }
    }
    Queries q;
    q.Add(InQueries("/servicePrincipals?" + kSpSelect, "id", ids["ServicePrincipal"]), Query::kServicePrincipal);
    q.Add(InQueries("/users?$select=id,displayName,userPrincipalName&$top=999", "id", ids["User"]), Query::kUser);
    q.Add(InQueries("/groups?$select=id,displayName&$top=999", "id", ids["Group"]), Query::kGroup);
    q.Add(InQueries("/servicePrincipals?$select=id,displayName&$top=999", "displayName", names["ServicePrincipal"],
                    " and servicePrincipalType eq 'ManagedIdentity'"),
          Query::kMiNames);
    q.Add(InQueries("/groups?$select=id,displayName&$top=999", "displayName", names["Group"]), Query::kGroupNames);
    std::map<std::pair<Query, std::string>, std::set<std::string>> holders;  // (kMiNames/kGroupNames, lower-case name) → object ids
    engine::Status done = Round(q, [&](Query purpose, const json::object& o) {
      if (purpose == Query::kMiNames || purpose == Query::kGroupNames)
        holders[{purpose, LowerAscii(JsonString(o, "displayName"))}].insert(LowerAscii(JsonString(o, "id")));
      else
        AddPrincipal(PrincipalType(purpose), o);
    });
    if (!done.ok()) return done;
    for (auto& [id, p] : out_.principals) {
      Query kind = p.type == "Group" ? Query::kGroupNames : Query::kMiNames;
      const auto& same_name = holders[{kind, LowerAscii(p.display_name)}];
      p.unique_display_name = same_name.size() == 1 && same_name.count(id);
    }
    return engine::Ok{};
  }

  void AddPrincipal(const std::string& type, const json::object& o) {
    engine::ExportPrincipal p;
    p.object_id = LowerAscii(JsonString(o, "id"));
    p.type = type;
    p.display_name = JsonString(o, "displayName");
    p.service_principal_type = JsonString(o, "servicePrincipalType");
    p.app_id = LowerAscii(JsonString(o, "appId"));
    p.user_principal_name = JsonString(o, "userPrincipalName");
    out_.principals[p.object_id] = std::move(p);
  }

  GraphClient& client_;
  const ExportSelection& sel_;
  engine::ExportSource out_;
  std::map<std::string, json::object> apps_;  ///< by object id
  std::vector<json::object> deleted_;         ///< deleted items (applications)
  std::map<std::string, json::object> sps_by_app_id_;
  std::map<std::string, std::vector<json::object>> sps_by_name_;  ///< lower-case display name → service principals
};

}  // namespace

engine::Result<engine::ExportSource> ReadForExport(GraphClient& client, const ExportSelection& selection, const std::string& tenant_id) {
  return Reader(client, selection, tenant_id).Run();
}

engine::Result<engine::ExportSource> GraphProvider::ReadForExport(const engine::ExportSelection& selection, const std::string& tenant_id) {
  return graph::ReadForExport(client_, selection, tenant_id);
}

}  // namespace entragate::graph
