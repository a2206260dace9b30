#include "cli/pipeline.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "crypto/hash.h"
#include "engine/diag_render.h"
#include "engine/manifest.h"
#include "engine/planner.h"
#include "providers/graph/graph_client.h"

namespace entragate::cli {

std::string ManifestDigest(const std::vector<std::string>& files) {
  std::string all;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    all += f + '\0' + text.str() + '\0';
  }
  return crypto::HexEncode(crypto::Sha256(all));
}

std::unique_ptr<Planned> LoadAndPlan(const std::string& path, const TargetOptions& target_options, bool color, int& exit_code) {
  auto out = std::make_unique<Planned>();
  engine::Diagnostics diags;
  out->desired = engine::LoadManifest(path, diags);
  if (diags.has_errors()) {
    std::fputs(engine::RenderDiagnostics(diags, color).c_str(), stderr);
    exit_code = kExitError;
    return nullptr;
  }
  auto target = Target::Open(target_options);
  if (!target.ok()) {
    fmt::print(stderr, "entragate: cannot open the {} target: {}\n", target_options.kind.empty() ? "default" : target_options.kind,
               target.error().message);
    exit_code = kExitError;
    return nullptr;
  }
  out->target = std::move(target).value();
  auto observed = out->target->provider().Read(out->desired, {target_options.low_priority});
  if (!observed.ok()) {
    const auto& e = observed.error();
    fmt::print(stderr, "entragate: reading the tenant failed: {}{}{}\n", e.code.empty() ? "" : e.code + ": ", e.message,
               e.request_id.empty() ? "" : " (request-id " + e.request_id + ")");
    exit_code = kExitError;
    return nullptr;
  }
  out->observed = std::move(observed).value();
  if (out->observed.tenant_id.empty()) out->observed.tenant_id = out->target->tenant_id();
  out->plan = engine::ComputePlan(out->desired, out->observed, diags);
  if (diags.has_errors()) {
    diags.Sort();
    std::fputs(engine::RenderDiagnostics(diags, color).c_str(), stderr);
    exit_code = kExitError;
    return nullptr;
  }
  out->plan.target = {out->target->kind(), out->observed.tenant_id, out->target->graph_root()};
  out->plan.manifest_digest = ManifestDigest(out->desired.files);
  out->plan.manifest_path = path;
  return out;
}

void PrintStats(Target& target) {
  graph::ClientStats s = target.Stats();
  fmt::print(stderr, "stats: {} HTTP requests ({} $batch carrying {} requests), {} retries, {} throttled answers (429)\n", s.http_requests,
             s.batches, s.batch_subrequests, s.retries, s.throttled_responses);
  fmt::print(stderr, "stats: Graph budget spent: {} resource units, {} writes; {:.1f} s of wall time waiting on Graph's limits\n",
             s.resource_units, s.writes, static_cast<double>(s.waited_wall_ms) / 1000);
  for (const auto& [kind, n] : s.by_kind) fmt::print(stderr, "  {:>5}  {}\n", n, kind);
}

}  // namespace entragate::cli
