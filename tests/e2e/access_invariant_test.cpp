// The access invariant (README "How plans are made"): at every moment of an apply, and after it
// stops anywhere, the identities that can obtain a token for an app are within those the tenant
// allowed before ∪ those the manifest allows, each with a role one of the two policies gives it, and
// an app neither policy leaves open is never open. Checked against the local tenant over random
// before/after policies stopped at random requests, and in a crash campaign over a 100-app apply.
// ENTRAGATE_FAULT_SWEEP=full runs more cases (slower).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include "tests/e2e/rig.h"

using namespace entragate;
using entragate::testing::Rig;
namespace json = boost::json;

namespace {

constexpr int kIdentities = 5;       // mi-0 … mi-4 may be named by a policy
const char* kOutsider = "outsider";  // never named by any policy
const std::vector<std::string> kRoles = {"R.Read", "R.Write", "R.Admin"};

bool FullSweep() {
  const char* v = std::getenv("ENTRAGATE_FAULT_SWEEP");
  return v && std::string(v) == "full";
}

struct AppPolicy {
  bool required = true;
  std::map<std::string, std::string> roles;             // value → description
  std::map<std::string, std::set<std::string>> access;  // role → identities
};
using Policy = std::map<std::string, AppPolicy>;  // app key → policy; absent: not in the manifest

std::string SeedFile(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::string path = dir + "/seed.yaml";
  std::ofstream out(path);
  out << "tenant: { id: 7e8c5963-8c6b-472e-b9c9-43118267cdbf, domains: [contoso.onmicrosoft.com], region: EU }\nhosts:\n";
  for (int i = 0; i < kIdentities; ++i) out << fmt::format("  - {{ name: mi-{}, systemAssigned: true }}\n", i);
  out << fmt::format("  - {{ name: {}, systemAssigned: true }}\n", kOutsider);
  return path;
}

std::unique_ptr<Rig> NewRig(const std::string& name) {
  static int n = 0;
  std::string dir = (std::filesystem::temp_directory_path() / fmt::format("entragate-inv-{}-{}-{}", ::getpid(), name, n++)).string();
  emulator::LocalTenantOptions options;
  options.seed_file = SeedFile(dir);
  auto rig = std::make_unique<Rig>(options);
  std::filesystem::remove_all(dir);
  return rig;
}

std::string ManifestOf(const Policy& policy) {
  std::string m = "version: 1\nidentities:\n";
  for (int i = 0; i < kIdentities; ++i) m += fmt::format("  mi-{0}: {{ managedIdentity: mi-{0} }}\n", i);
  m += "apps:\n";
  if (policy.empty()) m += "  {}\n";
  for (const auto& [key, app] : policy) {
    m += fmt::format("  {}:\n    displayName: {}\n    appRoles:\n", key, key);
    if (app.roles.empty()) m.replace(m.size() - 1, 1, " {}\n");
    for (const auto& [value, description] : app.roles)
      m += fmt::format("      {}: {{ description: \"{}\", allowedMemberTypes: [ Application ] }}\n", value, description);
    m += fmt::format("    assignmentRequired: {}\n    access:\n", app.required ? "true" : "false");
    if (app.access.empty()) m.replace(m.size() - 1, 1, " {}\n");
    for (const auto& [role, who] : app.access) {
      std::vector<std::string> names(who.begin(), who.end());
      m += fmt::format("      {}: [ {} ]\n", role, fmt::join(names, ", "));
    }
  }
  return m;
}

Policy RandomPolicy(std::mt19937& rng, int apps, int absent_percent) {
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  Policy p;
  for (int a = 0; a < apps; ++a) {
    if (chance(absent_percent)) continue;
    AppPolicy app;
    app.required = chance(80);
    for (const auto& role : kRoles)
      if (chance(60)) app.roles[role] = chance(50) ? "first wording" : "second wording";
    for (const auto& [role, d] : app.roles)
      for (int i = 0; i < kIdentities; ++i)
        if (chance(35)) app.access[role].insert(fmt::format("mi-{}", i));
    p[fmt::format("app-{}", a)] = app;
  }
  return p;
}

// What may hold access to one app, from one policy. `open`: anyone may get a token.
struct Allowed {
  bool exists = false, open = false;
  std::set<std::pair<std::string, std::string>> pairs;  // (identity, role)
};

Allowed AllowedBy(const Policy& p, const std::string& key) {
  Allowed a;
  auto it = p.find(key);
  if (it == p.end()) return a;
  a.exists = true;
  a.open = !it->second.required;
  for (const auto& [role, who] : it->second.access)
    for (const auto& w : who) a.pairs.insert({w, role});
  return a;
}

// A policy that leaves an app out leaves it as it was (prune is off).
Allowed Union(const Policy& before, const Policy& after, const std::string& key) {
  Allowed b = AllowedBy(before, key), a = after.count(key) ? AllowedBy(after, key) : b;
  Allowed u{b.exists || a.exists, b.open || a.open, b.pairs};
  u.pairs.insert(a.pairs.begin(), a.pairs.end());
  return u;
}

std::optional<json::object> GetObject(Rig& rig, const std::string& path) {
  auto r = rig.client().Send({"GET", path, {}, std::nullopt, false, true});
  if (!r.ok() || !r->body.is_object()) return std::nullopt;
  return r->body.as_object();
}

struct Holding {
  bool sp = false, open = false;
  std::string app_id;
  std::set<std::pair<std::string, std::string>> pairs;
};

// Who holds access to the app now, read from the tenant.
Holding Observe(Rig& rig, const std::string& key) {
  Holding h;
  auto app = GetObject(rig, "/applications(uniqueName='" + key + "')?$select=appId,appRoles");
  if (!app) return h;
  h.app_id = std::string(app->at("appId").as_string());
  std::map<std::string, std::string> values;
  for (const auto& r : app->at("appRoles").as_array()) values[std::string(r.at("id").as_string())] = std::string(r.at("value").as_string());
  auto sp = GetObject(rig, "/servicePrincipals(appId='" + h.app_id + "')?$select=id,appRoleAssignmentRequired");
  if (!sp) return h;
  h.sp = true;
  h.open = !sp->at("appRoleAssignmentRequired").as_bool();
  auto assigned = GetObject(rig, "/servicePrincipals/" + std::string(sp->at("id").as_string()) + "/appRoleAssignedTo?$top=999");
  REQUIRE(assigned);
  for (const auto& a : assigned->at("value").as_array())
    h.pairs.insert({std::string(a.at("principalDisplayName").as_string()), values[std::string(a.at("appRoleId").as_string())]});
  return h;
}

// The invariant for every app either policy names; `token_checks` asks the tenant for real tokens as
// the identity no policy names.
void CheckWithinPolicies(Rig& rig, const Policy& before, const Policy& after, bool token_checks) {
  std::set<std::string> keys;
  for (const auto& [k, v] : before) keys.insert(k);
  for (const auto& [k, v] : after) keys.insert(k);
  for (const auto& key : keys) {
    CAPTURE(key);
    Allowed allowed = Union(before, after, key);
    Holding now = Observe(rig, key);
    if (now.sp && now.open) CHECK_MESSAGE(allowed.open, "the service principal is open, but neither policy opens it");
    for (const auto& pair : now.pairs) {
      CAPTURE(pair.first);
      CAPTURE(pair.second);
      CHECK_MESSAGE(allowed.pairs.count(pair), "an identity holds a role neither policy gives it");
    }
    if (token_checks && now.sp) {
      net::Response r = rig.ManagedIdentityToken(kOutsider, now.app_id);
      if (r.status == 200) CHECK_MESSAGE(allowed.open, "an identity no policy names got a token");
    }
  }
}

void CheckExactly(Rig& rig, const Policy& policy) {
  for (const auto& [key, app] : policy) {
    CAPTURE(key);
    Holding now = Observe(rig, key);
    REQUIRE(now.sp);
    CHECK(now.open == !app.required);
    CHECK(now.pairs == AllowedBy(policy, key).pairs);
  }
}

// Stands for a process killed at request `k`: from then on nothing reaches the tenant.
class DyingTransport : public graph::Transport {
 public:
  DyingTransport(graph::Transport& inner, int64_t dies_at) : inner_(inner), left_(dies_at) {}
  engine::Result<net::Response> Send(const net::Request& request) override {
    if (left_.fetch_sub(1) <= 0) return engine::MakeError(engine::Error::Kind::kTransient, "connection refused (the process was killed)");
    return inner_.Send(request);
  }
  bool died() const { return left_.load() < 0; }

 private:
  graph::Transport& inner_;
  std::atomic<int64_t> left_;
};

// Applies `manifest` through a stack that dies at request `k`; returns whether it died part-way.
bool ApplyKilledAt(Rig& rig, const std::string& manifest, int64_t k) {
  DyingTransport dying(rig.transport(), k);
  Rig::Stack stack = rig.StackThrough(dying);
  engine::DesiredState desired = rig.Desired(manifest);
  auto observed = stack.provider->Read(desired, {});
  if (observed.ok()) {
    engine::Diagnostics diags;
    engine::Plan plan = engine::ComputePlan(desired, observed.value(), diags);
    REQUIRE_MESSAGE(!diags.has_errors(), engine::RenderDiagnostics(diags, false));
    engine::Execute(plan, observed.value(), *stack.provider, testing::PipelinedApply());
  }
  return dying.died();
}

void Converge(Rig& rig, const Policy& policy) {
  std::string manifest = ManifestOf(policy);
  auto report = rig.Apply(manifest);
  CHECK_MESSAGE(report.ok(), "the apply after the crash did not converge");
  CHECK(rig.PlanFor(manifest).plan.empty());
  CheckExactly(rig, policy);
}

}  // namespace

TEST_CASE("random policy changes stopped at a random request never grant beyond before ∪ after, and converge") {
  std::mt19937 rng(20261201);
  int cases = FullSweep() ? 120 : 24, killed = 0;
  for (int n = 0; n < cases; ++n) {
    Policy before = RandomPolicy(rng, 4, 25), after = RandomPolicy(rng, 4, 25);
    int64_t k = static_cast<int64_t>(rng() % 12);  // an apply of 4 apps is about a dozen requests ($batch)
    CAPTURE(n);
    CAPTURE(k);
    CAPTURE(ManifestOf(before));
    CAPTURE(ManifestOf(after));
    auto rig = NewRig("random");
    REQUIRE(rig->Apply(ManifestOf(before)).ok());
    CheckExactly(*rig, before);
    killed += ApplyKilledAt(*rig, ManifestOf(after), k);
    CheckWithinPolicies(*rig, before, after, n % 4 == 0);
    Converge(*rig, after);
  }
  CHECK(killed > cases / 2);  // most cases really stopped part-way
}

TEST_CASE("every kind of role change, with and without holders, applies to convergence") {
  // before → after role sets for one app, holders given per role: rename, move, rename + move,
  // disable, remove, in-place change, add.
  struct Case {
    const char* name;
    AppPolicy before, after;
  };
  auto app = [](std::map<std::string, std::string> roles, std::map<std::string, std::set<std::string>> access) {
    return AppPolicy{true, std::move(roles), std::move(access)};
  };
  const std::string a = "R.Read", b = "R.Write";
  std::vector<Case> cases = {
      {"rename with holders", app({{a, "x"}}, {{a, {"mi-0", "mi-1"}}}), app({{b, "x"}}, {{b, {"mi-0", "mi-1"}}})},
      {"rename without holders", app({{a, "x"}}, {}), app({{b, "x"}}, {})},
      {"move holders", app({{a, "x"}, {b, "x"}}, {{a, {"mi-0"}}}), app({{a, "x"}, {b, "x"}}, {{b, {"mi-0"}}})},
      {"rename + move", app({{a, "x"}}, {{a, {"mi-0"}}}), app({{b, "x"}}, {{b, {"mi-1"}}})},
      {"remove with holders", app({{a, "x"}, {b, "x"}}, {{a, {"mi-0"}}, {b, {"mi-1"}}}), app({{b, "x"}}, {{b, {"mi-1"}}})},
      {"remove without holders", app({{a, "x"}, {b, "x"}}, {}), app({{b, "x"}}, {})},
      {"change in place with holders", app({{a, "x"}}, {{a, {"mi-0"}}}), app({{a, "y"}}, {{a, {"mi-0", "mi-1"}}})},
      {"change in place, holders move away", app({{a, "x"}, {b, "x"}}, {{a, {"mi-0"}}}), app({{a, "y"}, {b, "x"}}, {{b, {"mi-0"}}})},
      {"add with holders", app({{a, "x"}}, {{a, {"mi-0"}}}), app({{a, "x"}, {b, "x"}}, {{a, {"mi-0"}}, {b, {"mi-0"}}})},
      {"remove all", app({{a, "x"}, {b, "x"}}, {{a, {"mi-0"}}, {b, {"mi-0"}}}), app({}, {})},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto rig = NewRig("roles");
    Policy before{{"app-0", c.before}}, after{{"app-0", c.after}};
    REQUIRE(rig->Apply(ManifestOf(before)).ok());
    engine::Diagnostics diags;
    auto planned = rig->PlanFor(ManifestOf(after));
    REQUIRE_MESSAGE(!planned.diags.has_errors(), engine::RenderDiagnostics(planned.diags, false));
    Converge(*rig, after);
  }
}

TEST_CASE("crash campaign: a 100-app apply killed at 30+ points, with and without replication lag") {
  std::mt19937 rng(17);
  Policy after;
  for (int a = 0; a < 100; ++a) {
    AppPolicy app;
    app.roles = {{"R.Read", "x"}};
    app.access = {{"R.Read", {fmt::format("mi-{}", a % kIdentities), fmt::format("mi-{}", (a + 2) % kIdentities)}}};
    after[fmt::format("app-{}", a)] = app;
  }
  const std::string manifest = ManifestOf(after);
  int64_t full = 0;
  {
    auto rig = NewRig("measure");
    uint64_t before = rig->tenant().graph().Stats().requests;
    REQUIRE(rig->Apply(manifest).ok());
    full = static_cast<int64_t>(rig->tenant().graph().Stats().requests - before);
  }
  REQUIRE(full > 10);
  int points = FullSweep() ? 100 : 30;
  for (int64_t lag : {int64_t{0}, int64_t{300}}) {
    for (int n = 0; n < points; ++n) {
      int64_t k = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(full + 10));
      CAPTURE(lag);
      CAPTURE(k);
      auto rig = NewRig("crash");
      rig->tenant().graph().SetReplicationLagMs(lag);
      ApplyKilledAt(*rig, manifest, k);
      CheckWithinPolicies(*rig, {}, after, n % 10 == 0);
      rig->tenant().graph().SetReplicationLagMs(0);
      if (n % 5 == 0) Converge(*rig, after);
    }
  }
}
