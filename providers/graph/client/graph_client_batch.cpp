// GraphClient::SendBatch: JSON $batch (docs/graph-behaviour.md §4). Up to 20 independent requests per envelope,
// several envelopes in flight; sub-responses come back in any order and are matched by id; a
// throttled or transient sub-request is retried on its own, packed with the other retries, after
// the largest wait any of them was told. Every envelope goes through the pacer with the cost of its
// sub-requests, so the retries of a throttled round queue for the budget instead of racing for it.
#include <algorithm>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "providers/graph/client/graph_client.h"

namespace entragate::graph {

namespace json = boost::json;
using engine::Error;

namespace {

constexpr size_t kMaxBatch = 20;  // Graph refuses larger batches with 400

std::vector<std::vector<size_t>> Pack(const std::vector<size_t>& pending) {
  std::vector<std::vector<size_t>> groups;
  for (size_t start = 0; start < pending.size(); start += kMaxBatch)
    groups.emplace_back(pending.begin() + static_cast<std::ptrdiff_t>(start),
                        pending.begin() + static_cast<std::ptrdiff_t>(std::min(pending.size(), start + kMaxBatch)));
  return groups;
}

net::Headers HeadersOf(const json::value* v) {
  net::Headers out;
  if (!v || !v->is_object()) return out;
  for (const auto& [name, value] : v->get_object())
    if (value.is_string()) out[std::string(name)] = std::string(value.get_string());
  return out;
}

// A batch answer that lacks a sub-response leaves that request's outcome unknown, like a lost
// connection: kTransient, so the policy re-sends it only when it is idempotent.
Error Unanswered(size_t id) { return engine::MakeError(Error::Kind::kTransient, fmt::format("POST $batch: no response for sub-request {}", id)); }

std::optional<int> StatusOf(const json::value* v) {
  if (!v || !v->is_number()) return std::nullopt;
  boost::system::error_code ec;
  auto status = v->to_number<int64_t>(ec);
  if (ec || status < 100 || status > 999) return std::nullopt;
  return static_cast<int>(status);
}

}  // namespace

std::vector<engine::Result<GraphResponse>> GraphClient::SendBatch(const std::vector<GraphRequest>& requests, AnswerUse use) {
  std::vector<std::optional<engine::Result<GraphResponse>>> results(requests.size());
  std::vector<Progress> progress(requests.size());
  // Each round sends every request still without a final answer; the policy ends the rounds (the
  // attempt limit for transient failures, the run's deadline for throttling).
  for (;;) {
    std::vector<size_t> pending;
    for (size_t i = 0; i < requests.size(); ++i)
      if (!results[i]) pending.push_back(i);
    if (pending.empty()) break;
    std::vector<std::vector<size_t>> groups = Pack(pending);
    RunBounded(groups.size(), [&](size_t g) { SendGroup(requests, groups[g], progress, results, use); });
  }
  std::vector<engine::Result<GraphResponse>> out;
  out.reserve(requests.size());
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

void GraphClient::RunBounded(size_t count, const std::function<void(size_t)>& work) const {
  size_t threads = std::min(count, static_cast<size_t>(std::max(1, options_.max_batches_in_flight)));
  if (threads <= 1) {
    for (size_t i = 0; i < count; ++i) work(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (size_t i = next++; i < count; i = next++) work(i);
    });
  for (auto& thread : pool) thread.join();
}

namespace {

// A sub-request carries its own headers: the envelope's do not reach it (Authorization excepted),
// and Graph checks each sub-request against the throttling limits on its own.
json::object SubRequestJson(const GraphRequest& r, size_t id, bool low_priority, const std::string& client_request_id) {
  json::object headers;
  for (const auto& [name, value] : r.headers) headers[name] = value;
  headers["client-request-id"] = client_request_id;
  if (low_priority) headers["x-ms-throttle-priority"] = "Low";
  json::object sub{{"id", std::to_string(id)}, {"method", r.method}, {"url", r.path.empty() || r.path[0] != '/' ? "/" + r.path : r.path}};
  if (r.body) {
    headers["Content-Type"] = "application/json";  // required whenever a sub-request has a body
    sub["body"] = *r.body;
  }
  sub["headers"] = std::move(headers);
  return sub;
}

// The envelope for `members`, sub-request ids "1".."n" in member order. It may be re-sent after a
// lost connection only when every sub-request may.
GraphRequest Envelope(const std::vector<GraphRequest>& requests, const std::vector<size_t>& members, bool low_priority) {
  json::array subs;
  bool all_idempotent = true;
  for (size_t k = 0; k < members.size(); ++k) {
    const GraphRequest& r = requests[members[k]];
    subs.push_back(SubRequestJson(r, k + 1, low_priority, NewClientRequestId()));
    all_idempotent = all_idempotent && r.IsIdempotent();
  }
  return GraphRequest{"POST", "/$batch", {}, json::value(json::object{{"requests", std::move(subs)}}), false, all_idempotent};
}

// Sub-responses by id; they may come in any order. One without an id or a status is left out.
// Each sub-response's body is moved out of the envelope, not copied: a page of 999 items is large.
std::map<std::string, GraphResponse> SubResponses(GraphResponse& envelope) {
  std::map<std::string, GraphResponse> answers;
  json::object* body = envelope.body.if_object();
  json::value* responses = body ? body->if_contains("responses") : nullptr;
  if (!responses || !responses->is_array()) return answers;
  for (auto& v : responses->get_array()) {
    json::object* o = v.if_object();
    const json::value* id = o ? o->if_contains("id") : nullptr;
    std::optional<int> status = StatusOf(o ? o->if_contains("status") : nullptr);
    if (!id || !id->is_string() || !status) continue;
    // Constructed, not assigned, so the body keeps the envelope's memory resource (see AnswerUse).
    json::value* b = o->if_contains("body");
    GraphResponse sub{*status, HeadersOf(o->if_contains("headers")), b ? json::value(std::move(*b)) : json::value(), ""};
    sub.request_id = GraphRequestId(sub.headers, sub.body);
    if (sub.request_id.empty()) sub.request_id = envelope.request_id;
    answers.insert_or_assign(std::string(id->get_string()), std::move(sub));  // a repeated id: the last one counts
  }
  return answers;
}

}  // namespace

void GraphClient::SendGroup(const std::vector<GraphRequest>& requests, const std::vector<size_t>& members, std::vector<Progress>& progress,
                            std::vector<std::optional<engine::Result<GraphResponse>>>& results, AnswerUse use) {
  if (members.size() == 1) {  // an envelope around one request only costs bytes
    results[members[0]] = SendWithRetry(requests[members[0]], progress[members[0]], use);
    return;
  }
  Progress envelope_progress;
  for (size_t i : members) envelope_progress.not_before_ms = std::max(envelope_progress.not_before_ms, progress[i].not_before_ms);
  for (size_t i : members)
    if (progress[i].attempts++ == 0) progress[i].started_ms = options_.now_ms();
  auto sent = SendWithRetry(Envelope(requests, members, low_priority()), envelope_progress, use);
  if (!sent.ok()) {
    for (size_t i : members) {
      Error e = sent.error();
      e.message = RequestKind(requests[i].method, requests[i].path) + " in " + e.message;
      results[i] = e;
    }
    return;
  }
  std::map<std::string, GraphResponse> answers = SubResponses(sent.value());
  for (size_t k = 0; k < members.size(); ++k) {
    size_t i = members[k];
    auto found = answers.find(std::to_string(k + 1));
    engine::Result<GraphResponse> answer =
        found != answers.end() ? engine::Result<GraphResponse>(std::move(found->second)) : engine::Result<GraphResponse>(Unanswered(k + 1));
    if (answer.ok()) Learn(answer.value(), EstimateCost(requests[i].method, requests[i].path), envelope_progress.epoch);
    progress[i].epoch = envelope_progress.epoch;
    if (answer.ok() && answer->status >= 200 && answer->status < 300) {
      results[i] = std::move(answer);
    } else if (auto final = AfterFailure(requests[i], answer, progress[i])) {
      results[i] = std::move(*final);
    }
  }
}

}  // namespace entragate::graph
