#pragma once
// Shared by the GraphClient tests, which run it against a scripted Transport: exact requests out,
// canned answers in. Time is a fake clock that the injected sleep advances, so nothing waits and
// every wait is recorded.

#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <set>

#include <boost/json.hpp>

#include "providers/graph/client/graph_client.h"

namespace graph_client_test {

using namespace entragate;
namespace json = boost::json;
using engine::Error;
using graph::GraphClient;
using graph::GraphClientOptions;
using graph::GraphRequest;

const std::string kRoot = "https://graph.test/v1.0";
const std::string kToken = "eyJ0eXAi.secret-token.sig";
constexpr int64_t kNow = 1700000000000;  // Tue, 14 Nov 2023 22:13:20 GMT

/// One answer, whether to a plain request or to a $batch sub-request.
struct Answer {
  int status = 200;
  json::value body;
  net::Headers headers;
};
using Responder = std::function<Answer(const std::string& method, const std::string& url, const net::Headers& headers)>;

/// Records every request; answers from a queue, or through a Responder that also unpacks $batch
/// (sub-responses returned in reverse order, as Graph may).
struct Scripted : graph::Transport {
  std::mutex mutex;
  std::vector<net::Request> sent;
  std::deque<engine::Result<net::Response>> queue;
  Responder responder;

  engine::Result<net::Response> Send(const net::Request& r) override {
    std::lock_guard lock(mutex);
    sent.push_back(r);
    if (responder) return Serve(r);
    if (queue.empty()) return engine::MakeError(Error::Kind::kInternal, "script ran out");
    auto next = queue.front();
    queue.pop_front();
    return next;
  }

  net::Response Serve(const net::Request& r) {
    std::string url = r.target.substr(kRoot.size());
    if (url != "/$batch") return ToHttp(responder(r.method, url, r.headers));
    json::array responses;
    json::value batch = json::parse(r.body);
    for (const auto& sub : batch.at("requests").as_array()) {
      net::Headers headers;
      if (const json::value* h = sub.as_object().if_contains("headers"))
        for (const auto& [k, v] : h->as_object()) headers[std::string(k)] = std::string(v.as_string());
      Answer a = responder(std::string(sub.at("method").as_string()), std::string(sub.at("url").as_string()), headers);
      json::object out_headers;
      for (const auto& [k, v] : a.headers) out_headers[k] = v;
      responses.push_back(json::object{{"id", sub.at("id")}, {"status", a.status}, {"headers", out_headers}, {"body", a.body}});
    }
    std::reverse(responses.begin(), responses.end());
    return ToHttp({200, json::object{{"responses", responses}}, {{"request-id", "envelope-id"}}});
  }

  static net::Response ToHttp(const Answer& a) {
    net::Response out;
    out.status = a.status;
    out.headers = a.headers;
    out.body = a.body.is_null() ? "" : json::serialize(a.body);
    return out;
  }

  std::vector<net::Request> Sent() {
    std::lock_guard lock(mutex);
    return sent;
  }
};

struct FakeClock {
  std::mutex mutex;
  int64_t now = kNow;
  std::vector<int64_t> waits;
  int64_t Now() {
    std::lock_guard lock(mutex);
    return now;
  }
  void Sleep(int64_t ms) {
    std::lock_guard lock(mutex);
    waits.push_back(ms);
    now += ms;
  }
};

struct Harness {
  Scripted transport;
  FakeClock clock;
  int token_calls = 0;
  bool token_fails = false;

  std::unique_ptr<GraphClient> Client(const std::function<void(GraphClientOptions&)>& adjust = {}) {
    GraphClientOptions o;
    o.graph_root = kRoot;
    o.now_ms = [this] { return clock.Now(); };
    o.sleep = [this](int64_t ms) { clock.Sleep(ms); };
    o.jitter_seed = 7;
    if (adjust) adjust(o);
    return std::make_unique<GraphClient>(
        transport,
        [this]() -> engine::Result<std::string> {
          ++token_calls;
          if (token_fails) return engine::MakeError(Error::Kind::kAuth, "AADSTS7000215: Invalid client secret provided.");
          return kToken;
        },
        o);
  }
  void Queue(int status, json::value body = nullptr, net::Headers headers = {}) {
    transport.queue.push_back(Scripted::ToHttp({status, std::move(body), std::move(headers)}));
  }
};

inline json::object GraphError(const std::string& code, const std::string& message, const std::string& request_id = "") {
  json::object inner{{"date", "2023-11-14T22:13:20"}};
  if (!request_id.empty()) inner["request-id"] = request_id;
  return json::object{{"error", json::object{{"code", code}, {"message", message}, {"innerError", inner}}}};
}

inline Answer Throttled(const std::string& retry_after) {
  return {429, GraphError("TooManyRequests", "Please retry again later."), {{"Retry-After", retry_after}}};
}

inline GraphRequest Get(const std::string& path) { return GraphRequest{"GET", path, {}, std::nullopt, false, std::nullopt}; }

inline bool IsGuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

inline std::vector<std::string> SubUrls(const net::Request& envelope) {
  std::vector<std::string> urls;
  json::value batch = json::parse(envelope.body);
  for (const auto& sub : batch.at("requests").as_array()) urls.emplace_back(sub.at("url").as_string());
  return urls;
}

}  // namespace graph_client_test
