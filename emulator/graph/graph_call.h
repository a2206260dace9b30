#pragma once
// Internals shared by the Graph handler files: one parsed call, the outcome type, and the lookups
// every handler needs (objects by id or alternate key, with replication lag applied). Not for use
// outside emulator/graph/.

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <boost/json.hpp>

#include "emulator/store/directory_store.h"
#include "emulator/graph/graph_errors.h"
#include "emulator/graph/graph_query.h"
#include "emulator/graph/graph_service.h"
#include "emulator/graph/room.h"

namespace entragate::emulator::graph {

namespace json = boost::json;

/// A path segment: `applications`, `{id}`, or an entity set with an alternate key such as
/// `applications(uniqueName='x')` (key_name "uniqueName", key "x").
struct Segment {
  std::string name;
  std::string key_name;  ///< empty when the segment is a plain name or id
  std::string key;
  bool has_key() const { return !key_name.empty(); }
};

struct Call {
  DirectoryStore& store;
  const net::Request& request;
  const GraphCaller& caller;
  std::vector<Segment> path;                  ///< after /v1.0
  std::map<std::string, std::string> params;  ///< query string, decoded
  std::string self_url;                       ///< absolute URL of the request
  std::string root;                           ///< base_url + "/v1.0"
  int64_t now_ms = 0;
  int64_t lag_ms = 0;
  std::string route;  ///< "GET /applications/{id}", set by the router
  int64_t now_s = 0;  ///< the tenant's unix seconds

  /// The JSON object body, or a 400 for anything else.
  std::variant<json::object, GraphError> Body() const;
  bool PreferCreateIfMissing() const;
};

using Outcome = std::variant<net::Response, GraphError>;

/// What a write transaction returns: a value, or the Graph error that aborted it (the store then
/// rolls back). A journal failure becomes a 500. Not a base::Result: its error is the answer the
/// handler sends (Graph's status, code, details and Retry-After), which base::Error does not carry.
template <class T>
struct Written {
  Written(T v) : value(std::move(v)) {}                                                                // NOLINT: implicit, like Result
  Written(GraphError e) : error(std::move(e)) {}                                                       // NOLINT
  Written(const base::Error& e) : error(GraphError{500, "InternalServerError", e.message, {}, {}}) {}  // NOLINT
  bool ok() const { return !error.has_value(); }
  std::optional<T> value;
  std::optional<GraphError> error;
};

net::Response JsonResponse(int status, const json::object& body);
net::Response NoContent();

/// Whether a read at `now` may see `obj` (replication lag after its creation).
bool Visible(const Call& call, const json::object& obj);
/// Stamps an object written now, so lag can hide it from reads for a while.
void StampWrite(const Call& call, json::object& obj);

TenantInfo ReadTenant(const StoreView& view);
std::string NewId();

const json::object* FindApplication(const Call& call, const StoreView& view, const Segment& seg);
const json::object* FindServicePrincipal(const Call& call, const StoreView& view, const Segment& seg);
/// Whether `role` may be used with `call` (the caller's app roles).
bool CanRead(const GraphCaller& caller);
bool CanWriteApplications(const GraphCaller& caller);
bool CanWriteAssignments(const GraphCaller& caller);
bool CanCreateAssignments(const GraphCaller& caller);  ///< AppRoleAssignment.ReadWrite.All and a read of applications
bool CanReadPeople(const GraphCaller& caller);
/// RoleManagement.Read.Directory or a permission above it (docs/graph-behaviour.md §14).
bool CanReadDirectoryRoles(const GraphCaller& caller);

/// A filtered, sorted list of visible objects from a collection.
std::variant<std::vector<const json::object*>, GraphError> Query(const Call& call, const ObjectMap& all, const QueryOptions& options);

/// Finds one object by id or alternate key.
using Finder = const json::object* (*)(const Call&, const StoreView&, const Segment&);

/// GET of one object: permission, $select, 404, @odata.context "<context>/$entity".
Outcome GetEntity(Call& call, Finder find, const Segment& seg, std::string_view filter_entity, const std::string& context);
/// A key `keep` requires: only objects whose indexed `property` equals `value` (ignoring case) can
/// be kept, so the listing looks them up instead of scanning the collection.
struct IndexedKey {
  std::string property;
  std::string value;
};

/// GET of a collection (or its $count): permission, query options, paging; `keep` narrows it. The
/// candidates come from a store index when `key` is given or the $filter tests an indexed property
/// with eq/in; a page stops at the $top it needs (unless $count needs them all).
Outcome ListEntities(Call& call, Collection collection, std::string_view filter_entity, const std::string& context,
                     const std::function<bool(const json::object&)>& keep, bool count_only, const std::optional<IndexedKey>& key = std::nullopt);
/// Removes every assignment a service principal holds or grants.
void EraseAssignmentsOf(StoreTxn& txn, const std::string& sp_id);

// Handlers, by resource. Each returns the response or a Graph error.
Outcome HandleApplications(Call& call);
Outcome HandleServicePrincipals(Call& call);
Outcome HandlePeople(Call& call);  ///< users and groups
Outcome HandleOrganization(Call& call);
Outcome HandleDirectory(Call& call);  ///< /directory/deletedItems
/// Owners of applications and service principals, members of groups (graph_relations.cpp).
bool IsRelationRoute(const Call& call);
Outcome HandleRelations(Call& call);
/// The users, groups and service principals whose ids `holder` keeps in `key` ("_owners",
/// "_members"), as directoryObjects with their @odata.type; honours $select only.
Outcome ListDirectoryObjects(Call& call, const json::object& holder, const char* key);
/// /directoryRoles and their members, read-only (graph_directory_roles.cpp).
Outcome HandleDirectoryRoles(Call& call);

/// Deleted items stay restorable this long (tenant time), then the directory purges them.
inline constexpr int64_t kSoftDeleteSeconds = 30 * 86400;
/// Whether a soft-deleted object is past its 30 days at `now_s`.
bool PastRetention(const json::object& deleted, int64_t now_s);
/// Moves a service principal (and its assignments are removed) into deleted items.
void SoftDeleteServicePrincipal(StoreTxn& txn, const json::object& sp, int64_t now_s);
/// Erases deleted items past their 30 days; returns how many.
int PurgeDeletedItems(StoreTxn& txn, int64_t now_s);
/// Whether a live or deleted (not yet purged) application other than `except_id` holds `unique_name`.
bool UniqueNameTaken(const StoreView& view, std::string_view unique_name, std::string_view except_id, int64_t now_s);

}  // namespace entragate::emulator::graph
