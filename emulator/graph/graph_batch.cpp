// JSON $batch (docs/graph-behaviour.md §4): up to 20 requests, relative urls, dependsOn with 424 on a failed
// dependency, per-request status/headers/body matched by id; 400 for a malformed batch.
#include <algorithm>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "emulator/graph/graph_entities.h"
#include "emulator/graph/graph_service.h"
#include "base/ascii.h"

namespace entragate::emulator {

namespace json = boost::json;

namespace {

constexpr size_t kMaxBatch = 20;

struct SubRequest {
  std::string id;
  net::Request request;
  std::vector<std::string> depends_on;
};

GraphError Malformed(std::string message) { return GraphError{400, "BadRequest", std::move(message), {}, {}}; }

std::variant<SubRequest, GraphError> ReadSubRequest(const json::value& v, const net::Request& outer) {
  const json::object* o = v.if_object();
  if (!o) return Malformed("Invalid batch payload format.");
  const json::value* id = o->if_contains("id");
  const json::value* method = o->if_contains("method");
  const json::value* url = o->if_contains("url");
  if (!id || !id->is_string() || id->as_string().empty()) return Malformed("Invalid batch payload: a request has no id.");
  if (!method || !method->is_string()) return Malformed("Invalid batch payload: request '" + std::string(id->as_string()) + "' has no method.");
  if (!url || !url->is_string()) return Malformed("Invalid batch payload: request '" + std::string(id->as_string()) + "' has no url.");
  std::string relative(url->as_string());
  if (relative.find("://") != std::string::npos)
    return Malformed("Invalid batch payload: url of request '" + std::string(id->as_string()) + "' must be relative to the version root.");
  SubRequest sub;
  sub.id = std::string(id->as_string());
  sub.request.method = base::LowerAscii(method->as_string());
  std::transform(sub.request.method.begin(), sub.request.method.end(), sub.request.method.begin(), ::toupper);
  sub.request.target = "/v1.0" + std::string(relative.empty() || relative[0] != '/' ? "/" : "") + relative;
  sub.request.peer = outer.peer;
  if (auto auth = outer.Header("Authorization")) sub.request.headers["Authorization"] = *auth;
  if (const json::value* headers = o->if_contains("headers")) {
    if (!headers->is_object()) return Malformed("Invalid batch payload: headers must be an object.");
    for (const auto& [k, hv] : headers->as_object())
      if (hv.is_string()) sub.request.headers[std::string(k)] = std::string(hv.as_string());
  }
  if (const json::value* body = o->if_contains("body")) {
    if (!sub.request.headers.count("Content-Type"))
      return Malformed("Invalid batch payload: request '" + sub.id + "' has a body but no Content-Type header.");
    sub.request.body = body->is_string() ? std::string(body->as_string()) : json::serialize(*body);
  }
  if (const json::value* deps = o->if_contains("dependsOn")) {
    if (!deps->is_array()) return Malformed("Invalid batch payload: dependsOn must be an array.");
    for (const auto& d : deps->as_array()) {
      if (!d.is_string()) return Malformed("Invalid batch payload: dependsOn must list request ids.");
      sub.depends_on.push_back(base::LowerAscii(d.as_string()));
    }
  }
  return sub;
}

// One entry of "responses", as JSON text: {"id":…,"status":…,"headers":{…},"body":…}. A JSON body is
// spliced in as the text the handler serialized (parsing it only to serialize it again was most of
// the cost of a batch of listings); any other body becomes a JSON value if it parses, else a string.
void AppendSubResponse(std::string& out, const std::string& id, const net::Response& r) {
  json::object headers;
  for (const auto& [k, v] : r.headers) headers[k] = v;
  std::string head = json::serialize(json::object{{"id", id}, {"status", r.status}, {"headers", headers}});
  if (r.body.empty()) {
    out += head;
    return;
  }
  head.pop_back();  // the closing brace: the body goes in before it
  out += head;
  out += ",\"body\":";
  std::optional<std::string> type = r.Header("Content-Type");
  if (type && base::LowerAscii(*type).starts_with("application/json")) {
    out += r.body;
  } else {
    boost::system::error_code ec;
    json::value body = json::parse(r.body, ec);
    out += json::serialize(ec ? json::value(json::string(r.body)) : body);
  }
  out += '}';
}

}  // namespace

net::Response GraphService::HandleBatch(const net::Request& request, const GraphCaller& caller, const Ids& ids) {
  auto fail = [&](const GraphError& e) { return RenderGraphError(e, ids.request_id, ids.client_request_id, IsoNow().substr(0, 19)); };
  boost::system::error_code ec;
  json::value root = json::parse(request.body, ec);
  const json::value* requests = !ec && root.is_object() ? root.as_object().if_contains("requests") : nullptr;
  if (!requests || !requests->is_array()) return fail(Malformed("Invalid batch payload format."));
  const json::array& list = requests->as_array();
  if (list.empty()) return fail(Malformed("Invalid batch payload: the batch holds no requests."));
  if (list.size() > kMaxBatch) return fail(Malformed(fmt::format("Invalid batch payload: at most {} requests are allowed in one batch.", kMaxBatch)));
  std::vector<SubRequest> subs;
  std::set<std::string> seen;
  for (const auto& v : list) {
    auto sub = ReadSubRequest(v, request);
    if (auto* e = std::get_if<GraphError>(&sub)) return fail(*e);
    SubRequest& s = std::get<SubRequest>(sub);
    if (!seen.insert(base::LowerAscii(s.id)).second) return fail(Malformed("Invalid batch payload: request id '" + s.id + "' is not unique."));
    subs.push_back(std::move(s));
  }
  for (const auto& s : subs)
    for (const auto& d : s.depends_on)
      if (!seen.count(d)) return fail(Malformed("Invalid batch payload: dependsOn names an unknown request id '" + d + "'."));

  std::map<std::string, int> status_by_id;
  std::string responses;
  // One fsync for every write of the batch, once they are all done and before any answer is sent.
  DirectoryStore::DurableScope durable(store_);
  for (const auto& s : subs) {
    bool blocked = std::any_of(s.depends_on.begin(), s.depends_on.end(), [&](const std::string& d) {
      auto it = status_by_id.find(d);
      return it == status_by_id.end() || it->second >= 400;
    });
    net::Response r;
    if (blocked) {
      r = RenderGraphError(GraphError{424, "FailedDependency", "The request could not be executed because a request it depends on failed.", {}, {}},
                           ids.request_id, ids.client_request_id, IsoNow().substr(0, 19));
    } else {
      r = Dispatch(s.request, caller, true, ids);
    }
    status_by_id[base::LowerAscii(s.id)] = r.status;
    responses += responses.empty() ? "{\"responses\":[" : ",";
    AppendSubResponse(responses, s.id, r);
  }
  if (auto synced = durable.Finish(); !synced.ok())
    return fail(GraphError{500, "InternalServerError", "The server encountered an internal error while handling the request.", {}, {}});
  net::Response out;
  out.status = 200;
  out.headers["Content-Type"] = "application/json";
  out.body = std::move(responses) + "]}";
  return out;
}

}  // namespace entragate::emulator
