// Routing, authorization, $batch and accounting for the Graph surface.
#include "emulator/graph/graph_service.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <fmt/format.h>

#include "crypto/hash.h"
#include "emulator/graph/graph_call.h"

namespace entragate::emulator {

using graph::Call;
using graph::Outcome;
using graph::Segment;
namespace json = boost::json;

namespace {

// "applications(uniqueName='it''s')" → name "applications", key_name "uniqueName", key "it's".
std::optional<Segment> ParseSegment(std::string_view raw) {
  std::string text = net::PercentDecode(raw);
  auto open = text.find('(');
  if (open == std::string::npos || text.back() != ')') return Segment{text, "", ""};
  Segment seg{text.substr(0, open), "", ""};
  std::string inner = text.substr(open + 1, text.size() - open - 2);
  auto eq = inner.find('=');
  if (eq == std::string::npos) return std::nullopt;
  seg.key_name = inner.substr(0, eq);
  std::string literal = inner.substr(eq + 1);
  if (literal.size() < 2 || literal.front() != '\'' || literal.back() != '\'') return std::nullopt;
  literal = literal.substr(1, literal.size() - 2);
  for (size_t i = 0; i < literal.size(); ++i) {
    if (literal[i] != '\'') {
      seg.key += literal[i];
    } else if (i + 1 < literal.size() && literal[i + 1] == '\'') {
      seg.key += '\'';
      ++i;
    } else {
      return std::nullopt;  // a lone quote ends the literal early: not a valid key
    }
  }
  return seg;
}

std::string Now() { return IsoNow().substr(0, 19); }

// For the conformance test: with ENTRAGATE_RECORD_GRAPH_RESPONSES=FILE every response body the
// emulator sends (sub-responses of $batch included) is appended to FILE as one JSON line, to be
// validated against Microsoft's OpenAPI description (tests/js/graph-conformance.test.mjs).
void Record(std::string_view method, std::string_view route, std::string_view target, const net::Response& r) {
  static const char* path = std::getenv("ENTRAGATE_RECORD_GRAPH_RESPONSES");
  if (!path || !*path) return;
  static std::mutex mutex;
  json::object line{
      {"method", method}, {"route", route}, {"target", target}, {"status", r.status}, {"contentType", r.Header("Content-Type").value_or("")},
      {"body", r.body}};
  std::lock_guard lock(mutex);
  if (std::FILE* f = std::fopen(path, "a")) {
    std::string text = json::serialize(line) + "\n";
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
}

std::string RouteOf(const std::string& method, const std::vector<Segment>& path) {
  std::string route = method + " ";
  for (const auto& s : path) route += "/" + s.name;
  return route;
}

// The route a cost is looked up by, before a handler names it: an item by alternate key
// (applications(appId='…')) is not the collection.
std::string CostRoute(const std::string& method, const std::vector<Segment>& path) {
  std::string route = method + " ";
  for (const auto& s : path) route += "/" + s.name + (s.has_key() ? "(" + s.key_name + "=)" : "");
  return route;
}

// Graph's write quota counts every POST/PATCH/PUT/DELETE except the read-only actions.
bool IsWrite(const std::string& method, const std::vector<Segment>& path) {
  if (method == "GET") return false;
  return path.empty() || (path.back().name != "getByIds" && path.back().name != "microsoft.graph.getByIds");
}

Outcome RouteToHandler(Call& call) {
  const std::string set = call.path.empty() ? "" : call.path[0].name;
  if (graph::IsRelationRoute(call)) return graph::HandleRelations(call);
  if (set == "applications") return graph::HandleApplications(call);
  if (set == "servicePrincipals") return graph::HandleServicePrincipals(call);
  if (set == "users" || set == "groups") return graph::HandlePeople(call);
  if (set == "organization" && call.path.size() == 1) return graph::HandleOrganization(call);
  if (set == "directory") return graph::HandleDirectory(call);
  if (set == "directoryRoles") return graph::HandleDirectoryRoles(call);
  return GraphError::NoRoute(set);
}

}  // namespace

GraphService::GraphService(DirectoryStore& store, GraphServiceOptions options) : store_(store), options_(std::move(options)) {}

int GraphService::ResourceUnits(std::string_view method, std::string_view route, bool has_select, bool has_expand, int top) {
  // docs/graph-behaviour.md §5.3: base costs, then $select −1, $expand +1, $top < 20 −1, never below 1.
  int cost = 1;
  if (method == "GET") {
    if (route == "GET /applications" || route.ends_with("/appRoleAssignments") || route == "GET /users" || route.ends_with("/extensionProperties") ||
        route == "GET /oauth2PermissionGrants")
      cost = 2;
    else if (route.ends_with("/transitiveMembers"))
      cost = 5;
    else if (route.ends_with("/members"))
      cost = 3;
  } else if (route.ends_with("/getByIds") || route.ends_with("/getObjectsById")) {
    cost = 5;
  }
  if (has_select) cost -= 1;
  if (has_expand) cost += 1;
  if (top > 0 && top < 20) cost -= 1;
  return std::max(1, cost);
}

void GraphService::Count(const std::string& route, std::string_view method, bool ok, int units, bool in_batch) {
  std::lock_guard lock(stats_mutex_);
  if (in_batch)
    ++stats_.batch_subrequests;
  else
    ++stats_.requests;
  if (ok && method != "GET") ++stats_.writes;
  stats_.resource_units += static_cast<uint64_t>(units);
  ++stats_.by_route[route];
}

GraphStats GraphService::Stats() const {
  std::lock_guard lock(stats_mutex_);
  return stats_;
}

void GraphService::ResetStats() {
  std::lock_guard lock(stats_mutex_);
  stats_ = {};
}

net::Response GraphService::Handle(const net::Request& request) {
  std::string request_id = crypto::NewUuid4().value();
  std::string client_request_id = request.Header("client-request-id").value_or(request_id);
  auto finish = [&](net::Response r) {
    r.headers["request-id"] = request_id;
    r.headers["client-request-id"] = client_request_id;
    r.headers["x-ms-ags-diagnostic"] = R"({"ServerInfo":{"DataCenter":"Local","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"entragate"}})";
    return r;
  };
  auto fail = [&](const GraphError& e) {
    net::Response r = RenderGraphError(e, request_id, client_request_id, Now());
    Record(request.method, "(refused before routing)", request.target, r);
    return finish(std::move(r));
  };

  auto auth = request.Header("Authorization");
  if (!auth || auth->rfind("Bearer ", 0) != 0) {
    Count(request.method + " (unauthenticated)", request.method, false, 1, false);
    return fail(GraphError::Unauthorized("Access token is empty."));
  }
  std::string why;
  std::optional<GraphCaller> caller = options_.authenticate(std::string_view(*auth).substr(7), why);
  if (!caller) {
    Count(request.method + " (unauthenticated)", request.method, false, 1, false);
    return fail(GraphError::Unauthorized(why));
  }
  std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/v1.0/$batch") {
    if (request.method != "POST") return fail(GraphError::MethodNotAllowed());
    Count("POST /$batch", "GET", true, 0, false);  // the envelope costs nothing: each sub-request is charged
    return finish(HandleBatch(request, *caller, {request_id, client_request_id}));
  }
  return finish(Dispatch(request, *caller, false, {request_id, client_request_id}));
}

net::Response GraphService::Dispatch(const net::Request& request, const GraphCaller& caller, bool in_batch, const Ids& ids) {
  std::string target = request.target;
  auto q = target.find('?');
  std::string path = target.substr(0, q);
  std::string query = q == std::string::npos ? "" : target.substr(q + 1);
  graph::Call call{store_,
                   request,
                   caller,
                   {},
                   ParseQueryString(query),
                   options_.base_url + target,
                   options_.base_url + "/v1.0",
                   options_.now_ms ? options_.now_ms() : 0,
                   lag_ms_.load(),
                   ""};
  call.now_s = options_.now_s ? options_.now_s() : ParseIsoTime(IsoNow());
  auto render = [&](const GraphError& e) { return RenderGraphError(e, ids.request_id, ids.client_request_id, Now()); };
  if (path.rfind("/v1.0/", 0) != 0) return render(GraphError::NoRoute(path));
  std::string_view rest(path);
  rest.remove_prefix(6);
  while (!rest.empty()) {
    auto slash = rest.find('/');
    auto seg = ParseSegment(rest.substr(0, slash));
    if (!seg) return render(GraphError::BadRequest("Bad Request - Error in query syntax."));
    call.path.push_back(*seg);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  Outcome outcome = GraphError::NoRoute(call.path.empty() ? "" : call.path[0].name);
  int top = call.params.count("$top") ? std::atoi(call.params["$top"].c_str()) : 0;
  int units =
      ResourceUnits(request.method, CostRoute(request.method, call.path), call.params.count("$select") > 0, call.params.count("$expand") > 0, top);
  // Anything that throws while this request is handled (a handler, the limits hook) fails this
  // request alone (one sub-request of a $batch) with Graph's 500; a write it was making is undone
  // by the store.
  Admission admission;
  try {
    if (options_.admit) admission = options_.admit(request, LimitCharge{caller.app_id, "", units, IsWrite(request.method, call.path)});
    outcome = admission.refused ? Outcome(*admission.refused) : RouteToHandler(call);
  } catch (...) {
    outcome = GraphError{500, "InternalServerError", "The server encountered an internal error while handling the request.", {}, {}};
  }
  std::string route = call.route.empty() ? RouteOf(request.method, call.path) : call.route;
  bool ok = std::holds_alternative<net::Response>(outcome);
  Count(route, request.method, ok && std::get<net::Response>(outcome).status < 400, units, in_batch);
  net::Response response = ok ? std::get<net::Response>(std::move(outcome)) : render(std::get<GraphError>(outcome));
  for (auto& [name, value] : admission.headers) response.headers[name] = value;
  Record(request.method, route, request.target, response);
  return response;
}

}  // namespace entragate::emulator
