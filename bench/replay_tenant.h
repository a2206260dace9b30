#pragma once
// A read-only tenant for the engine-alone benchmarks: one managed app recorded from the local
// tenant (with its service principal, assignments, the managed identities and the organization)
// is the template of N apps, answered from memory through the Transport interface. Answers are
// made when asked, like bytes off the network, so the client's memory is all that grows.
// Only the GETs a read makes are answered; anything else is a 404 the benchmark would notice
// (the no-change plan would not be empty).

#include <time.h>

#include <algorithm>
#include <mutex>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "bench/workload.h"
#include "providers/graph/transport/http_transport.h"

namespace entragate::bench {

/// What a recording of app-0 holds: Graph's answers as JSON text.
struct TenantTemplate {
  boost::json::object app, sp, assignment, organization;
  std::vector<boost::json::object> identities;  ///< managed identities mi-0 …, in name order
};

inline std::string GuidOf(int kind, long n) { return fmt::format("{:08x}-0000-4000-8000-{:012x}", 0x0e000000 + kind, n); }

class ReplayTenant : public graph::Transport {
 public:
  /// `apps` of the workload exist (0: an empty tenant but for the identities).
  ReplayTenant(TenantTemplate t, Workload w, int apps, std::string graph_root) : t_(std::move(t)), w_(w), apps_(apps), root_(std::move(graph_root)) {
    role_ = Str(t_.assignment, "appRoleId");
    template_app_id_ = Str(t_.app, "appId");
  }

  engine::Result<net::Response> Send(const net::Request& request) override {
    double start = ThreadCpu();
    std::string path = request.target.substr(root_.size());
    net::Response out;
    if (request.method == "POST" && path == "/$batch") {
      out = Batch(request.body);
    } else {
      boost::json::value body;
      int status = Answer(request.method, path, body);
      out = net::Response{status, {{"Content-Type", "application/json"}}, boost::json::serialize(body)};
    }
    std::lock_guard lock(mutex_);
    answering_s_ += ThreadCpu() - start;
    return out;
  }

  /// CPU seconds spent making answers: the recording's cost, not the client's.
  double answering_seconds() const {
    std::lock_guard lock(mutex_);
    return answering_s_;
  }

 private:
  static std::string Str(const boost::json::object& o, const char* k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  }

  static double ThreadCpu() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
  }

  net::Response Batch(const std::string& text) {
    boost::json::value in = boost::json::parse(text);
    boost::json::array out;
    // Bodies are moved, not copied, into the envelope: the recording's memory counts in the
    // child's peak RSS, though it is not the client's.
    for (const auto& r : in.at("requests").as_array()) {
      boost::json::value body;
      int status = Answer(std::string(r.at("method").as_string()), std::string(r.at("url").as_string()), body);
      boost::json::object answer{{"id", r.at("id")}, {"status", status}, {"headers", boost::json::object{{"Content-Type", "application/json"}}}};
      answer["body"] = std::move(body);
      out.push_back(std::move(answer));
    }
    boost::json::object envelope;
    envelope["responses"] = std::move(out);
    return net::Response{200, {{"Content-Type", "application/json"}}, boost::json::serialize(envelope)};
  }

  boost::json::object App(int n) const {
    boost::json::object a = t_.app;
    a["id"] = GuidOf(1, n);
    a["appId"] = GuidOf(2, n);
    a["uniqueName"] = fmt::format("app-{}", n);
    a["displayName"] = fmt::format("App {}", n);
    if (auto* roles = a.if_contains("appRoles"))
      for (auto& r : roles->as_array()) r.as_object()["id"] = GuidOf(4, n);
    if (auto* uris = a.if_contains("identifierUris"); uris && uris->is_array())
      for (auto& u : uris->as_array()) {
        std::string s(u.as_string());
        if (auto at = s.find(template_app_id_); at != std::string::npos) s.replace(at, template_app_id_.size(), GuidOf(2, n));
        u = boost::json::string(s);
      }
    return a;
  }

  boost::json::object Sp(int n) const {
    boost::json::object s = t_.sp;
    s["id"] = GuidOf(3, n);
    s["appId"] = GuidOf(2, n);
    s["displayName"] = fmt::format("App {}", n);
    return s;
  }

  boost::json::array Assignments(int n) const {
    boost::json::array out;
    for (int k = 0; k < w_.grants; ++k) {
      const auto& mi = t_.identities[static_cast<size_t>((n * w_.stride + k) % std::max(1, w_.identities))];
      boost::json::object a = t_.assignment;
      a["id"] = fmt::format("asg-{}-{}", n, k);
      a["appRoleId"] = GuidOf(4, n);
      a["principalId"] = mi.at("id");
      a["principalDisplayName"] = mi.at("displayName");
      out.push_back(std::move(a));
    }
    return out;
  }

  // A page of `total` items made by `make`, $top=999, the rest behind @odata.nextLink.
  template <class Make>
  boost::json::object Page(const std::string& path, int total, Make make) const {
    int skip = 0;
    std::string base = path;
    if (auto at = path.find("&$skiptoken="); at != std::string::npos) {
      skip = std::atoi(path.c_str() + at + 12);
      base = path.substr(0, at);
    }
    boost::json::array items;
    int end = std::min(total, skip + 999);
    for (int i = skip; i < end; ++i) items.push_back(make(i));
    boost::json::object page{{"value", std::move(items)}};
    if (end < total) page["@odata.nextLink"] = fmt::format("{}{}&$skiptoken={}", root_, base, end);
    return page;
  }

  // Index of the app whose object id, appId or service principal id (kind) `guid` is.
  int IndexOf(const std::string& guid, int kind) const {
    std::string prefix = fmt::format("{:08x}-0000-4000-8000-", 0x0e000000 + kind);
    if (guid.rfind(prefix, 0) != 0) return -1;
    int n = static_cast<int>(std::stol(guid.substr(prefix.size()), nullptr, 16));
    return n < apps_ ? n : -1;
  }

  int Answer(const std::string& method, const std::string& path, boost::json::value& body) const {
    std::string p = net::PercentDecode(path);
    auto list = [&](int total, auto make) {
      body = Page(path, total, make);
      return 200;
    };
    if (method != "GET") return NotFound(body);
    bool tagged = p.find("tags/any(") != std::string::npos;
    if (p.rfind("/applications?", 0) == 0 && tagged) return list(apps_, [&](int i) { return App(i); });
    if (p.rfind("/servicePrincipals?", 0) == 0 && tagged) return list(apps_, [&](int i) { return Sp(i); });
    if (p.rfind("/servicePrincipals?", 0) == 0 && p.find("ManagedIdentity") != std::string::npos) {
      boost::json::array hits;
      for (const auto& mi : t_.identities)
        if (p.find("'" + Str(mi, "displayName") + "'") != std::string::npos) hits.push_back(mi);
      body = boost::json::object{{"value", hits}};
      return 200;
    }
    if (p.rfind("/servicePrincipals/", 0) == 0 && p.find("/appRoleAssignedTo") != std::string::npos) {
      int n = IndexOf(p.substr(19, 36), 3);
      if (n < 0) return NotFound(body);
      boost::json::array all = Assignments(n);
      return list(static_cast<int>(all.size()), [&](int i) { return std::move(all[static_cast<size_t>(i)]); });
    }
    if (p.rfind("/organization", 0) == 0) {
      body = boost::json::object{{"value", boost::json::array{t_.organization}}};
      return 200;
    }
    if (p.rfind("/applications(uniqueName='app-", 0) == 0) {
      int n = std::atoi(p.c_str() + 30);
      if (n >= apps_) return NotFound(body);
      body = App(n);
      return 200;
    }
    // Lists of what the workload has none of: deleted items, service principals by appId.
    if (p.rfind("/directory/deletedItems/", 0) == 0 || p.rfind("/servicePrincipals?", 0) == 0 || p.rfind("/applications?", 0) == 0) {
      body = boost::json::object{{"value", boost::json::array{}}};
      return 200;
    }
    return NotFound(body);
  }

  static int NotFound(boost::json::value& body) {
    body = boost::json::object{{"error", boost::json::object{{"code", "Request_ResourceNotFound"}, {"message", "not in the recording"}}}};
    return 404;
  }

  TenantTemplate t_;
  Workload w_;
  int apps_;
  std::string root_, role_, template_app_id_;
  mutable std::mutex mutex_;
  double answering_s_ = 0;
};

}  // namespace entragate::bench
