#pragma once
// A local tenant in-process and the real client stack against it (transport, credential, Graph
// client, provider), for end-to-end reconciler tests: manifest text in, plan and apply out.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <unistd.h>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "emulator/faults.h"
#include "emulator/graph/graph_service.h"
#include "emulator/local_tenant.h"
#include "engine/diag_render.h"
#include "engine/executor.h"
#include "engine/manifest.h"
#include "engine/planner.h"
#include "providers/graph/client/graph_client.h"
#include "providers/graph/graph_stack.h"
#include "providers/graph/provider/graph_provider.h"
#include "providers/graph/transport/http_transport.h"

namespace entragate::testing {

namespace json = boost::json;

/// How the e2e tests apply: pipelined, several small provider calls in flight, so that steps of
/// one app start while another's are still running (the way `entragate apply` runs, in miniature).
inline engine::ExecuteOptions PipelinedApply() {
  engine::ExecuteOptions options;
  options.max_steps_per_call = 3;
  options.parallelism = 4;
  return options;
}

class Rig {
 public:
  /// `real_sleep`: wait out retry delays for real (replication lag is measured in wall-clock time);
  /// otherwise Retry-After and backoff are honoured without waiting, to keep the suite fast.
  /// `adjust_client`: changes to the Graph client's options (e.g. a virtual clock and sleep).
  explicit Rig(emulator::LocalTenantOptions options = {}, bool real_sleep = false, std::function<void(graph::GraphClientOptions&)> adjust_client = {})
      : adjust_client_(std::move(adjust_client)) {
    static int n = 0;
    dir_ = (std::filesystem::temp_directory_path() / ("entragate-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(n++))).string();
    std::filesystem::remove_all(dir_);
    options.state_dir = dir_;
    auto started = emulator::LocalTenant::Start(options);
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error().message));
    tenant_ = std::move(started).value();
    transport_ = graph::MakeHttpTransport({});
    Stack main = StackThrough(*transport_, real_sleep);
    credential_ = std::move(main.credential);
    client_ = std::move(main.client);
    provider_ = std::move(main.provider);
  }

  /// A client stack of its own (credential, Graph client, provider) on this tenant, sending through
  /// `transport`: e.g. one that stops answering part-way, to stand for a process killed mid-apply.
  struct Stack {
    std::unique_ptr<graph::Credential> credential;
    std::unique_ptr<graph::GraphClient> client;
    std::unique_ptr<graph::GraphProvider> provider;
  };
  Stack StackThrough(graph::Transport& transport, bool real_sleep = false) {
    const auto& e = tenant_->endpoints();
    graph::GraphClientOptions o;
    o.graph_root = e.graph;
    if (!real_sleep) o.sleep = [](int64_t) {};
    o.jitter_seed = 7;
    if (adjust_client_) adjust_client_(o);
    graph::GraphStack made = graph::MakeSecretStack(transport, {e.authority, e.tenant_id, e.client_id}, e.client_secret, std::move(o));
    return {std::move(made.credential), std::move(made.client), std::move(made.provider)};
  }

  ~Rig() {
    provider_.reset();
    client_.reset();
    tenant_.reset();
    std::filesystem::remove_all(dir_);
  }

  engine::DesiredState Desired(const std::string& text) {
    engine::Diagnostics d;
    engine::DesiredState s = engine::LoadManifestTexts({{"m.yaml", text}}, d);
    REQUIRE_MESSAGE(!d.has_errors(), engine::RenderDiagnostics(d, false));
    return s;
  }

  struct Planned {
    engine::DesiredState desired;
    engine::ObservedState observed;
    engine::Plan plan;
    engine::Diagnostics diags;
  };

  Planned PlanFor(const std::string& manifest) {
    Planned p;
    p.desired = Desired(manifest);
    auto observed = provider_->Read(p.desired, {});
    REQUIRE_MESSAGE(observed.ok(), (observed.ok() ? "" : observed.error().message));
    p.observed = std::move(observed).value();
    p.plan = engine::ComputePlan(p.desired, p.observed, p.diags);
    return p;
  }

  /// The report's steps point into the plan, which the rig keeps until the next Apply.
  engine::ExecutionReport Apply(const std::string& manifest) {
    last_applied_ = std::make_unique<Planned>(PlanFor(manifest));
    const Planned& p = *last_applied_;
    REQUIRE_MESSAGE(!p.diags.has_errors(), engine::RenderDiagnostics(p.diags, false));
    return engine::Execute(p.plan, p.observed, *provider_, PipelinedApply());
  }

  /// Apply that may fail anywhere (fault injection): false when the read or any step failed.
  bool TryApply(const std::string& manifest) {
    engine::DesiredState desired = Desired(manifest);
    auto observed = provider_->Read(desired, {});
    if (!observed.ok()) return false;
    engine::Diagnostics diags;
    engine::Plan plan = engine::ComputePlan(desired, observed.value(), diags);
    return !diags.has_errors() && engine::Execute(plan, observed.value(), *provider_, PipelinedApply()).ok();
  }

  emulator::LocalTenant& tenant() { return *tenant_; }
  graph::Transport& transport() { return *transport_; }
  graph::GraphClient& client() { return *client_; }
  engine::Provider& provider() { return *provider_; }
  uint64_t Writes() { return tenant_->graph().Stats().writes; }

  json::value Get(const std::string& path) {
    auto r = client_->Send({"GET", path, {}, std::nullopt, false, true});
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return r->body;
  }
  size_t Count(const std::string& collection_query) { return Get(collection_query).at("value").as_array().size(); }

  /// A token for `resource` as managed identity `host`'s system-assigned identity (App Service).
  net::Response ManagedIdentityToken(const std::string& host, const std::string& resource) {
    const auto& e = tenant_->endpoints();
    net::Request r{"GET",
                   e.identity_endpoint + "?api-version=2019-08-01&resource=" + net::PercentEncode(resource),
                   {{"X-IDENTITY-HEADER", e.identity_headers.at(host)}},
                   "",
                   ""};
    auto sent = transport_->Send(r);
    REQUIRE(sent.ok());
    return sent.value();
  }

 private:
  std::function<void(graph::GraphClientOptions&)> adjust_client_;
  std::unique_ptr<Planned> last_applied_;
  std::string dir_;
  std::unique_ptr<emulator::LocalTenant> tenant_;
  std::unique_ptr<graph::Transport> transport_;
  std::unique_ptr<graph::Credential> credential_;
  std::unique_ptr<graph::GraphClient> client_;
  std::unique_ptr<graph::GraphProvider> provider_;
};

}  // namespace entragate::testing
