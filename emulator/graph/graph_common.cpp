// Helpers shared by the Graph handlers: bodies, responses, lookups, permissions, listing.
#include <algorithm>
#include <cstdint>
#include <set>

#include <fmt/format.h>

#include "crypto/hash.h"
#include "emulator/graph/graph_call.h"
#include "emulator/graph/json_read.h"
#include "base/ascii.h"

namespace entragate::emulator::graph {

std::variant<json::object, GraphError> Call::Body() const {
  boost::system::error_code ec;
  json::value value = json::parse(request.body, ec);
  if (ec)
    return GraphError::BadRequest(
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
  if (!value.is_object()) return GraphError::BadRequest("The request body must be a JSON object.");
  return std::move(value.as_object());
}

bool Call::PreferCreateIfMissing() const {
  auto prefer = request.Header("Prefer");
  return prefer && base::LowerAscii(*prefer).find("create-if-missing") != std::string::npos;
}

net::Response JsonResponse(int status, const json::object& body) {
  net::Response r;
  r.status = status;
  r.headers["Content-Type"] = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
  r.body = json::serialize(body);
  return r;
}

net::Response NoContent() {
  net::Response r;
  r.status = 204;
  return r;
}

bool Visible(const Call& call, const json::object& obj) {
  if (call.lag_ms <= 0) return true;
  const json::value* created = obj.if_contains("_createdMs");
  return !created || !created->is_int64() || call.now_ms - created->as_int64() >= call.lag_ms;
}

void StampWrite(const Call& call, json::object& obj) {
  if (!obj.contains("_createdMs")) obj["_createdMs"] = call.now_ms;
}

TenantInfo ReadTenant(const StoreView& view) {
  TenantInfo t;
  const json::object* meta = view.Get(Collection::kMeta, "tenant");
  if (!meta) return t;
  t.id = StringAt(*meta, "id");
  for (const auto& d : ArrayAt(*meta, "domains"))
    if (d.is_string()) t.domains.emplace_back(d.get_string());
  t.region = StringAt(*meta, "region");
  return t;
}

std::string NewId() { return crypto::NewUuid4().value(); }

namespace {

bool SameText(const json::value* v, const std::string& text) {
  return v && v->is_string() && base::LowerAscii(v->as_string()) == base::LowerAscii(text);
}

// The first object (in id order) whose `property` equals `value` ignoring case, if visible.
const json::object* FindBy(const Call& call, const StoreView& view, Collection c, const std::string& property, const std::string& value) {
  if (StoreIndexes::Indexed(c, property)) {
    for (const json::object* obj : view.FindObjects(c, property, value))
      if (SameText(obj->if_contains(property), value)) return Visible(call, *obj) ? obj : nullptr;
    return nullptr;
  }
  for (const auto& [id, obj] : view.All(c))
    if (SameText(obj.if_contains(property), value)) return Visible(call, obj) ? &obj : nullptr;
  return nullptr;
}

const json::object* FindById(const Call& call, const ObjectMap& all, const std::string& id) {
  auto it = all.find(base::LowerAscii(id));
  return it != all.end() && Visible(call, it->second) ? &it->second : nullptr;
}

}  // namespace

const json::object* FindApplication(const Call& call, const StoreView& view, const Segment& seg) {
  if (!seg.has_key()) return FindById(call, view.All(Collection::kApplications), seg.key);
  return FindBy(call, view, Collection::kApplications, seg.key_name, seg.key);
}

const json::object* FindServicePrincipal(const Call& call, const StoreView& view, const Segment& seg) {
  if (!seg.has_key()) return FindById(call, view.All(Collection::kServicePrincipals), seg.key);
  return FindBy(call, view, Collection::kServicePrincipals, seg.key_name, seg.key);
}

namespace {
bool HasAny(const GraphCaller& caller, std::initializer_list<const char*> roles) {
  return std::any_of(roles.begin(), roles.end(), [&](const char* r) { return caller.roles.count(r) > 0; });
}
}  // namespace

bool CanRead(const GraphCaller& c) {
  return HasAny(
      c, {"Application.Read.All", "Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.Read.All", "Directory.ReadWrite.All"});
}
bool CanWriteApplications(const GraphCaller& c) { return HasAny(c, {"Application.ReadWrite.All", "Directory.ReadWrite.All"}); }
bool CanWriteAssignments(const GraphCaller& c) { return HasAny(c, {"AppRoleAssignment.ReadWrite.All"}); }
// Granting also reads the resource's application: Graph refuses a caller without a permission to
// read it (docs/graph-behaviour.md §13.3).
bool CanCreateAssignments(const GraphCaller& c) {
  return CanWriteAssignments(c) && HasAny(c, {"Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"});
}
bool CanReadPeople(const GraphCaller& c) { return HasAny(c, {"User.Read.All", "Group.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"}); }
// Application.ReadWrite.All is not among them: it manages applications, not the directory's roles.
bool CanReadDirectoryRoles(const GraphCaller& c) {
  return HasAny(c, {"RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory", "Directory.Read.All", "Directory.ReadWrite.All"});
}

std::variant<std::vector<const json::object*>, GraphError> Query(const Call& call, const ObjectMap& all, const QueryOptions& options) {
  std::vector<const json::object*> out;
  for (const auto& [id, obj] : all) {
    if (!Visible(call, obj)) continue;
    if (options.filter && !options.filter->Matches(obj)) continue;
    out.push_back(&obj);
  }
  return out;  // ObjectMap is ordered by id: pages are stable across requests
}

Outcome GetEntity(Call& call, Finder find, const Segment& seg, std::string_view filter_entity, const std::string& context) {
  if (!CanRead(call.caller)) return GraphError::Forbidden();
  auto options = ParseQueryOptions(call.params, call.request, filter_entity);
  if (auto* e = std::get_if<GraphError>(&options)) return *e;
  return call.store.Read([&](const StoreView& v) -> Outcome {
    const json::object* found = find(call, v, seg);
    if (!found) return GraphError::NotFound(seg.key);
    json::object out = Present(*found, std::get<QueryOptions>(options).select);
    out["@odata.context"] = context + "/$entity";
    return JsonResponse(200, out);
  });
}

namespace {

// The objects the listing can come from, in id order, when an index narrows them; nullopt: all.
using Candidate = std::pair<std::string_view, const json::object*>;  ///< id (the index's own text), object
std::optional<std::vector<Candidate>> Candidates(const StoreView& v, Collection c, const QueryOptions& options,
                                                 const std::optional<IndexedKey>& key) {
  auto lookup = [&](const std::string& property, const std::vector<std::string>& values) {
    std::vector<Candidate> found;
    for (const auto& value : values)
      for (const auto& [id, obj] : v.Find(c, property, value)) found.emplace_back(id, obj);
    if (values.size() > 1) {  // one value's ids are already in order and distinct
      std::sort(found.begin(), found.end());
      found.erase(std::unique(found.begin(), found.end()), found.end());
    }
    return found;
  };
  if (key && StoreIndexes::Indexed(c, key->property)) return lookup(key->property, {key->value});
  if (options.filter)
    for (const auto& term : options.filter->KeyTerms())
      if (StoreIndexes::Indexed(c, term.property)) return lookup(term.property, term.values);
  return std::nullopt;
}

}  // namespace

Outcome ListEntities(Call& call, Collection collection, std::string_view filter_entity, const std::string& context,
                     const std::function<bool(const json::object&)>& keep, bool count_only, const std::optional<IndexedKey>& key) {
  if (!CanRead(call.caller)) return GraphError::Forbidden();
  auto parsed = ParseQueryOptions(call.params, call.request, filter_entity);
  if (auto* e = std::get_if<GraphError>(&parsed)) return *e;
  const QueryOptions& options = std::get<QueryOptions>(parsed);
  if (count_only && !options.advanced) return GraphError::BadRequest("$count is not currently supported.");
  return call.store.Read([&](const StoreView& v) -> Outcome {
    // A count needs every match; a page needs those after its $skiptoken, and one more than $top
    // to know whether a next page exists.
    bool all = count_only || options.count;
    const std::string* after = !all && !options.skiptoken.empty() ? &options.skiptoken : nullptr;
    size_t wanted = all ? SIZE_MAX : static_cast<size_t>(options.top) + 1;
    std::vector<const json::object*> list;
    auto consider = [&](const json::object& obj) {
      if (!Visible(call, obj) || (options.filter && !options.filter->Matches(obj)) || !keep(obj)) return;
      list.push_back(&obj);
    };
    const ObjectMap& objects = v.All(collection);
    if (auto found = Candidates(v, collection, options, key)) {
      auto it = found->begin();
      if (after)
        it = std::upper_bound(found->begin(), found->end(), std::string_view(*after),
                              [](std::string_view id, const Candidate& x) { return id < x.first; });
      for (; it != found->end() && list.size() < wanted; ++it) consider(*it->second);
    } else {
      for (auto it = after ? objects.upper_bound(*after) : objects.begin(); it != objects.end() && list.size() < wanted; ++it) consider(it->second);
    }
    if (count_only) {
      net::Response r;
      r.headers["Content-Type"] = "text/plain";
      r.body = std::to_string(list.size());
      return r;
    }
    return JsonResponse(200, CollectionPage(list, options, context, call.self_url));
  });
}

void EraseAssignmentsOf(StoreTxn& txn, const std::string& sp_id) {
  std::set<std::string> doomed;
  for (const char* side : {"resourceId", "principalId"})
    for (const auto& [id, a] : txn.Find(Collection::kAppRoleAssignments, side, sp_id))
      if (StringAt(*a, side) == sp_id) doomed.insert(id);
  for (const auto& id : doomed) txn.Erase(Collection::kAppRoleAssignments, id);
}

}  // namespace entragate::emulator::graph
