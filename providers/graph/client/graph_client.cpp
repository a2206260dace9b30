// GraphClient: single requests, the retry loop, pacing, error mapping and accounting.
// $batch is in graph_client_batch.cpp, paging in graph_client_paging.cpp.
#include "providers/graph/client/graph_client.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace entragate::graph {

namespace json = boost::json;
using engine::Error;

namespace {

int64_t SystemNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool IsGuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-') || (!dash && !std::isxdigit(static_cast<unsigned char>(s[i])))) return false;
  }
  return true;
}

// Object ids are GUIDs; appRoleAssignment ids are 43-character base64url (docs/graph-behaviour.md §1.6). Graph's
// own names (navigation properties, actions such as microsoft.graph.addPassword) are neither.
bool LooksLikeId(std::string_view s) {
  if (IsGuid(s)) return true;
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return true;
  return s.size() >= 40 && s.find('.') == std::string_view::npos;
}

Error::Kind KindForStatus(int status) {
  if (status == 401 || status == 403) return Error::Kind::kAuth;
  if (status == 404) return Error::Kind::kNotFound;
  if (status == 409 || status == 412) return Error::Kind::kConflict;
  if (status == 429) return Error::Kind::kThrottled;
  if (status >= 500) return Error::Kind::kTransient;
  return Error::Kind::kInvalid;
}

const json::object* ErrorObject(const json::value& body) {
  const json::object* o = body.if_object();
  const json::value* e = o ? o->if_contains("error") : nullptr;
  return e ? e->if_object() : nullptr;
}

std::string StringField(const json::object* o, std::string_view key) {
  const json::value* v = o ? o->if_contains(key) : nullptr;
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::vector<std::string> DetailCodes(const json::object* error) {
  std::vector<std::string> codes;
  const json::value* details = error ? error->if_contains("details") : nullptr;
  if (!details || !details->is_array()) return codes;
  for (const auto& d : details->as_array())
    if (auto code = StringField(d.if_object(), "code"); !code.empty()) codes.push_back(code);
  return codes;
}

std::string Root(std::string root) {
  while (!root.empty() && root.back() == '/') root.pop_back();
  return root;
}

std::string Slashed(const std::string& path) { return path.empty() || path[0] != '/' ? "/" + path : path; }

}  // namespace

// --- values -------------------------------------------------------------------------------------

bool GraphRequest::IsIdempotent() const {
  if (idempotent) return *idempotent;
  return method != "POST";
}

std::string RequestKind(std::string_view method, std::string_view path) {
  path = path.substr(0, path.find('?'));
  std::string named;
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    segment = segment.substr(0, segment.find('('));  // alternate key: applications(uniqueName='…')
    if (segment.empty() || LooksLikeId(segment)) continue;
    named += (named.empty() ? "" : "/") + std::string(segment);
  }
  return std::string(method) + " " + named;
}

namespace {

// splitmix64's finaliser: a bijection on 64 bits, so distinct counters give distinct 64-bit halves.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

// A correlation id must be unique, not secret: a per-process random key mixed with a counter. The
// GUID's version and variant bits take 6 of the 128, so two ids of a process could only collide if
// both halves met in their remaining 122 bits: never in practice. The CSPRNG took a lock per call
// and reseeded on every new thread, a visible share of a large read.
std::string NewClientRequestId() {
  static const uint64_t key = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }();
  static std::atomic<uint64_t> counter{0};
  uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  uint64_t high = Mix(key + n), low = Mix(high ^ key);
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffffu, high & 0xfffu, 0x8000u | (low >> 48 & 0x3fffu),
                     low & 0xffffffffffffULL);
}

std::string GraphRequestId(const net::Headers& headers, const json::value& body) {
  if (auto it = headers.find("request-id"); it != headers.end()) return it->second;
  const json::object* error = ErrorObject(body);
  const json::value* inner = error ? error->if_contains("innerError") : nullptr;
  return StringField(inner ? inner->if_object() : nullptr, "request-id");
}

namespace {

// The body is moved into place by construction: assigning a value into one of another memory
// resource (an arena's into a default one) would copy it.
GraphResponse ToGraphResponse(net::Response http, AnswerUse use) {
  if (http.body.empty()) return GraphResponse{http.status, std::move(http.headers), json::value(), ""};
  boost::system::error_code ec;
  json::storage_ptr memory = use == AnswerUse::kReadOnce ? json::make_shared_resource<json::monotonic_resource>() : json::storage_ptr();
  json::value parsed = json::parse(http.body, ec, memory);
  if (ec) return GraphResponse{http.status, std::move(http.headers), json::value(json::string(http.body)), ""};
  return GraphResponse{http.status, std::move(http.headers), std::move(parsed), ""};
}

}  // namespace

// --- the client ---------------------------------------------------------------------------------

GraphClient::GraphClient(Transport& transport, std::function<engine::Result<std::string>()> bearer_token, GraphClientOptions options)
    : transport_(transport), bearer_token_(std::move(bearer_token)), options_(std::move(options)) {
  options_.graph_root = Root(options_.graph_root);
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
  if (!options_.sleep) options_.sleep = [](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); };
  if (options_.jitter_seed == 0) options_.jitter_seed = (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  if (options_.deadline_ms == 0) options_.deadline_ms = options_.now_ms() + 30 * 60 * 1000;
  pacer_ = options_.pacer;
  if (!pacer_) {
    PacerOptions p;
    p.budget = options_.budget.value_or(*GraphBudgetPreset("small"));
    p.budget_given = options_.budget.has_value();
    pacer_ = std::make_shared<Pacer>(p, options_.now_ms);
  }
}

ClientStats GraphClient::stats() const {
  PacerStats p = pacer_->stats();
  std::lock_guard lock(stats_mutex_);
  ClientStats s = stats_;
  s.waited_wall_ms = p.waited_wall_ms;
  s.scope_holds = p.scope_holds;
  s.resource_units = p.resource_units;
  s.writes = p.writes;
  return s;
}

void GraphClient::Count(const std::function<void(ClientStats&)>& update) {
  std::lock_guard lock(stats_mutex_);
  update(stats_);
}

uint64_t GraphClient::NextJitterSeed() { return options_.jitter_seed + 0x9E3779B97F4A7C15ULL * ++jitter_counter_; }

engine::Result<std::string> GraphClient::Token() {
  std::lock_guard lock(token_mutex_);
  return bearer_token_();
}

void GraphClient::Wait(int64_t ms, WaitReason reason) {
  // Capped so that a wall clock stepped backwards cannot turn a short wait into hours.
  ms = std::min<int64_t>(ms, 10 * 60 * 1000);
  if (ms <= 0) return;
  pacer_->BeginWait(reason, options_.now_ms() + ms);
  if (options_.on_wait) options_.on_wait(reason, ms);
  options_.sleep(ms);
  pacer_->EndWait();
  if (options_.on_wait) options_.on_wait(WaitReason::kNone, 0);
  Count([&](ClientStats& s) { s.throttled_wait_ms += ms; });
}

void GraphClient::WaitTicket(const Pacer::Ticket& ticket) {
  int64_t ms = std::min<int64_t>(ticket.wait_ms, 10 * 60 * 1000);
  if (ms <= 0) return;
  pacer_->BeginWait(ticket.reason, options_.now_ms() + ms);
  if (options_.on_wait) options_.on_wait(ticket.reason, ms);
  // Slept in slices of at most a quarter second; never longer in all than the wait first given,
  // so a sleep that passes no time (a test double) still ends.
  constexpr int64_t kSlice = 250;
  int64_t slept = 0;
  for (int64_t left = ms; left > 0 && slept < ms;) {
    int64_t slice = std::min(left, kSlice);
    options_.sleep(slice);
    slept += slice;
    left = std::min(ms - slept, pacer_->Remaining(ticket));
  }
  pacer_->EndWait();
  if (options_.on_wait) options_.on_wait(WaitReason::kNone, 0);
  Count([&](ClientStats& s) { s.throttled_wait_ms += slept; });
}

Pacer::Ticket GraphClient::WaitTurn(int64_t not_before_ms, const RequestCost& cost) {
  Wait(not_before_ms - options_.now_ms(), WaitReason::kThrottled);
  // A reservation voided by a 429 that held the scope meanwhile is made again, behind the hold.
  // Bounded so that a sleep that does not pass time (a test double) cannot spin.
  for (int round = 0;; ++round) {
    Pacer::Ticket ticket = pacer_->Reserve(cost, low_priority());
    WaitTicket(ticket);
    if (pacer_->Confirm(ticket) || round == 20) return ticket;
  }
}

namespace {

std::optional<std::string> HeaderOf(const net::Headers& headers, const char* name) {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<double> DecimalHeader(const net::Headers& headers, const char* name) {
  auto text = HeaderOf(headers, name);
  if (!text) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text->c_str(), &end);
  if (end == text->c_str() || !std::isfinite(v) || v < 0) return std::nullopt;
  return v;
}

// What a request costs the pacer: an envelope costs what its sub-requests do, each on its own.
RequestCost CostOf(const GraphRequest& request) {
  if (request.path != "/$batch" || !request.body || !request.body->is_object()) return EstimateCost(request.method, request.path);
  RequestCost sum{0, 0};
  if (const json::value* subs = request.body->as_object().if_contains("requests"); subs && subs->is_array())
    for (const auto& sub : subs->as_array()) {
      const json::object* o = sub.if_object();
      RequestCost c = EstimateCost(StringField(o, "method"), StringField(o, "url"));
      sum.resource_units += c.resource_units;
      sum.writes += c.writes;
    }
  return sum;
}

}  // namespace

void GraphClient::Learn(const GraphResponse& answer, const RequestCost& cost, uint64_t epoch) {
  if (answer.status == 429) {
    auto retry_after = HeaderOf(answer.headers, "Retry-After");
    int64_t wait = retry_after ? ParseRetryAfterMs(*retry_after, options_.now_ms()).value_or(0) : 0;
    auto scope = HeaderOf(answer.headers, "x-ms-throttle-scope");
    auto information = HeaderOf(answer.headers, "x-ms-throttle-information").value_or("");
    bool write_limit = information.find("Write") != std::string::npos || (scope && scope->find("/Write/") != std::string::npos);
    pacer_->OnThrottled(epoch, wait, scope.has_value(), write_limit);
    return;
  }
  std::optional<int> charged;
  if (auto units = DecimalHeader(answer.headers, "x-ms-resource-unit")) charged = static_cast<int>(*units);
  pacer_->OnAnswer(cost, charged, DecimalHeader(answer.headers, "x-ms-throttle-limit-percentage"));
}

engine::Result<net::Response> GraphClient::Exchange(const GraphRequest& request, const std::string& token) {
  net::Request http;
  http.method = request.method;
  http.target = options_.graph_root + Slashed(request.path);
  http.headers = request.headers;
  http.headers["Authorization"] = "Bearer " + token;
  http.headers["client-request-id"] = NewClientRequestId();
  if (low_priority()) http.headers["x-ms-throttle-priority"] = "Low";
  if (request.body) {
    http.headers["Content-Type"] = "application/json";
    http.body = json::serialize(*request.body);
  }
  std::vector<std::string> kinds{RequestKind(request.method, request.path)};
  bool envelope = request.path == "/$batch" && request.body && request.body->is_object();
  if (envelope)
    if (const json::value* subs = request.body->as_object().if_contains("requests"); subs && subs->is_array())
      for (const auto& sub : subs->as_array())
        kinds.push_back(RequestKind(StringField(sub.if_object(), "method"), StringField(sub.if_object(), "url")));
  Count([&](ClientStats& s) {
    ++s.http_requests;
    if (envelope) {
      ++s.batches;
      s.batch_subrequests += kinds.size() - 1;
    }
    for (const auto& k : kinds) ++s.by_kind[k];
  });
  return transport_.Send(http);
}

engine::Result<GraphResponse> GraphClient::Send(const GraphRequest& request) {
  Progress progress;
  return SendWithRetry(request, progress);
}

engine::Result<GraphResponse> GraphClient::SendWithRetry(const GraphRequest& request, Progress& progress, AnswerUse use) {
  RequestCost cost = CostOf(request);
  bool envelope = request.path == "/$batch";
  for (;;) {
    progress.epoch = WaitTurn(progress.not_before_ms, cost).epoch;
    if (progress.attempts++ == 0) progress.started_ms = options_.now_ms();
    auto token = Token();
    if (!token.ok()) return token.error();  // the credential has its own retries; not ours to repeat
    auto http = Exchange(request, token.value());
    if (!http.ok() && http.error().kind != Error::Kind::kTransient) {
      Error e = http.error();
      e.message = RequestKind(request.method, request.path) + ": " + e.message;
      return e;
    }
    auto answer =
        http.ok() ? engine::Result<GraphResponse>(ToGraphResponse(std::move(http).value(), use)) : engine::Result<GraphResponse>(http.error());
    if (answer.ok()) answer->request_id = GraphRequestId(answer->headers, answer->body);
    // An envelope's sub-responses are learnt from one by one (SendGroup), unless it was refused whole.
    if (answer.ok() && (!envelope || answer->status == 429)) Learn(answer.value(), cost, progress.epoch);
    if (answer.ok() && answer->status >= 200 && answer->status < 300) return answer;
    if (auto final = AfterFailure(request, answer, progress)) return *final;
  }
}

// --- after a failed attempt ---------------------------------------------------------------------

namespace {

Attempt AttemptOf(const GraphRequest& request, const engine::Result<GraphResponse>& answer, int number, int throttled, int64_t started_ms,
                  int64_t now_ms, int64_t deadline_ms) {
  Attempt a;
  a.number = number;
  a.now_ms = now_ms;
  a.started_ms = started_ms;
  a.consistency_expected = request.consistency_expected;
  a.throttled_attempts = throttled;
  a.deadline_ms = deadline_ms;
  a.idempotent = request.IsIdempotent();
  if (!answer.ok()) {
    a.transport_error = true;
    a.message = answer.error().message;
    return a;
  }
  a.http_status = answer->status;
  const json::object* error = ErrorObject(answer->body);
  a.graph_code = StringField(error, "code");
  a.message = StringField(error, "message");
  a.detail_codes = DetailCodes(error);
  if (auto it = answer->headers.find("Retry-After"); it != answer->headers.end()) a.retry_after = it->second;
  return a;
}

bool WorthExplaining(const Attempt& a) {
  int status = a.http_status.value_or(0);
  return a.number > 1 || a.transport_error || status == 429 || status == 503 || status == 504;
}

// Graph's own words, for the operator and for Microsoft support: code, message, details, request-id.
Error FinalError(const GraphRequest& request, const engine::Result<GraphResponse>& answer, const Attempt& attempt, const Decision& decision) {
  std::string kind = RequestKind(request.method, request.path);
  std::string why = WorthExplaining(attempt) ? fmt::format(" ({})", decision.reason) : "";
  if (!answer.ok()) {
    Error e = answer.error();
    e.message = fmt::format("{}: {}{}", kind, e.message, why);
    return e;
  }
  Error e;
  e.kind = KindForStatus(answer->status);
  e.http_status = answer->status;
  e.code = attempt.graph_code;
  e.request_id = answer->request_id;
  std::string text = attempt.message.empty() ? std::string("no error message") : attempt.message;
  std::string details = attempt.detail_codes.empty() ? "" : fmt::format(" [{}]", fmt::join(attempt.detail_codes, ", "));
  std::string code = e.code.empty() ? "" : " " + e.code;
  e.message = fmt::format("{}: HTTP {}{}: {}{}{}", kind, answer->status, code, text, details, why);
  return e;
}

}  // namespace

std::optional<Error> GraphClient::AfterFailure(const GraphRequest& request, const engine::Result<GraphResponse>& answer, Progress& progress) {
  int64_t now = options_.now_ms();
  int status = answer.ok() ? answer->status : 0;
  if (status == 429) {
    ++progress.throttled;
    Count([](ClientStats& s) { ++s.throttled_responses; });
  }
  Attempt attempt = AttemptOf(request, answer, progress.attempts, progress.throttled, progress.started_ms, now, options_.deadline_ms);
  if (status == 401 && options_.on_unauthorized && !progress.token_renewed) {
    progress.token_renewed = true;
    options_.on_unauthorized();
    progress.not_before_ms = now;
    Count([](ClientStats& s) { ++s.retries; });
    return std::nullopt;
  }
  Decision decision = Decide(attempt, options_.limits, NextJitterSeed());
  if (!decision.retry) return FinalError(request, answer, attempt, decision);
  progress.not_before_ms = now + decision.delay_ms;
  Count([](ClientStats& s) { ++s.retries; });
  return std::nullopt;
}

}  // namespace entragate::graph
