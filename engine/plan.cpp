#include "engine/plan.h"

#include <array>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/plan_graph.h"

namespace entragate::engine {

Change MakeStep(const Address& at, Action action, StepKind kind, std::string id) {
  Change c;
  c.address = at.Render();
  c.id = id.empty() ? c.address : std::move(id);
  c.action = action;
  c.kind = kind;
  c.app = at.app;
  return c;
}

namespace json = boost::json;

const char* ToString(Action a) {
  switch (a) {
    case Action::kCreate: return "create";
    case Action::kUpdate: return "update";
    case Action::kDelete: return "delete";
    case Action::kGrant: return "grant";
    case Action::kRevoke: return "revoke";
    case Action::kRestore: return "restore";
  }
  return "?";
}

const char* Symbol(Action a) {
  switch (a) {
    case Action::kCreate: return "+";
    case Action::kUpdate: return "~";
    case Action::kDelete: return "-";
    case Action::kGrant: return ">";
    case Action::kRevoke: return "<";
    case Action::kRestore: return "↺";
  }
  return "?";
}

namespace {

constexpr std::array<std::pair<StepKind, const char*>, 14> kKinds = {{
    {StepKind::kCreateApp, "create_app"},
    {StepKind::kUpdateApp, "update_app"},
    {StepKind::kSetAppIdUris, "set_app_id_uris"},
    {StepKind::kDisableRoles, "disable_roles"},
    {StepKind::kUpdateRoles, "update_roles"},
    {StepKind::kCreateServicePrincipal, "create_service_principal"},
    {StepKind::kUpdateServicePrincipal, "update_service_principal"},
    {StepKind::kGrant, "grant"},
    {StepKind::kRevoke, "revoke"},
    {StepKind::kDeleteApp, "delete_app"},
    {StepKind::kRestoreApp, "restore_app"},
    {StepKind::kPurgeDeletedApp, "purge_deleted_app"},
    {StepKind::kAddOwner, "add_owner"},
    {StepKind::kRemoveOwner, "remove_owner"},
}};

std::optional<Action> ActionFromString(std::string_view s) {
  for (Action a : {Action::kCreate, Action::kUpdate, Action::kDelete, Action::kGrant, Action::kRevoke, Action::kRestore})
    if (s == ToString(a)) return a;
  return std::nullopt;
}

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

const char* ToString(StepKind k) {
  for (const auto& [kind, name] : kKinds)
    if (kind == k) return name;
  return "?";
}

std::optional<StepKind> StepKindFromString(std::string_view s) {
  for (const auto& [kind, name] : kKinds)
    if (s == name) return kind;
  return std::nullopt;
}

std::string PlanSummary::ToString() const {
  return fmt::format("{} to create, {} to update, {} to delete, {} to grant, {} to revoke{}", create, update, destroy, grant, revoke,
                     restore > 0 ? fmt::format(", {} to restore", restore) : "");
}

void PlanSummary::Add(Action a) {
  switch (a) {
    case Action::kCreate: ++create; break;
    case Action::kUpdate: ++update; break;
    case Action::kDelete: ++destroy; break;
    case Action::kGrant: ++grant; break;
    case Action::kRevoke: ++revoke; break;
    case Action::kRestore: ++restore; break;
  }
}

PlanSummary Plan::Summary() const {
  PlanSummary s;
  for (const auto& c : changes) s.Add(c.action);
  return s;
}

const Change* Plan::Find(const std::string& id) const {
  for (const auto& c : changes)
    if (c.id == id) return &c;
  return nullptr;
}

namespace {

json::object ChangeToJson(const Change& c) {
  json::array after_steps, notes;
  for (const auto& s : c.after_steps) after_steps.push_back(json::string(s));
  for (const auto& n : c.notes) notes.push_back(json::string(n));
  json::object source;
  if (c.source.valid()) source = {{"file", c.source.file}, {"line", c.source.line}, {"column", c.source.column}};
  return json::object{{"id", c.id},
                      {"address", c.address},
                      {"action", ToString(c.action)},
                      {"kind", ToString(c.kind)},
                      {"app", c.app},
                      {"before", c.before},
                      {"after", c.after},
                      {"payload", c.payload},
                      {"after_steps", std::move(after_steps)},
                      {"source", std::move(source)},
                      {"notes", std::move(notes)},
                      {"widens_access_drift", c.widens_access_drift}};
}

// Everything but the steps: "changes" is left empty.
json::object PlanHeaderJson(const Plan& plan) {
  PlanSummary s = plan.Summary();
  json::array files, warnings;
  for (const auto& f : plan.manifest_files) files.push_back(json::string(f));
  for (const auto& w : plan.warnings) warnings.push_back(json::string(w));
  json::object out{
      {"format_version", Plan::kFormatVersion},
      {"target",
       json::object{
           {"kind", plan.target.kind}, {"tenant_id", plan.target.tenant_id}, {"domain", plan.target.domain}, {"endpoint", plan.target.endpoint}}},
      {"manifest", json::object{{"path", plan.manifest_path}, {"files", std::move(files)}, {"digest", plan.manifest_digest}}},
      {"observed_digest", plan.observed_digest},
      {"allow_delete", plan.allow_delete},
      {"summary", json::object{{"create", s.create}, {"update", s.update}, {"delete", s.destroy}, {"grant", s.grant}, {"revoke", s.revoke}}},
      {"changes", json::array{}},
      {"warnings", std::move(warnings)},
  };
  // Written only when used, so plans without restores read as before.
  if (plan.purge_deleted) out["purge_deleted"] = true;
  if (!plan.environment.empty()) out["environment"] = plan.environment;
  if (!plan.only_apps.empty()) {
    json::array only;
    for (const auto& a : plan.only_apps) only.push_back(json::string(a));
    out["only_apps"] = only;
  }
  if (plan.manifest_paths.size() > 1) {
    json::array paths;
    for (const auto& p : plan.manifest_paths) paths.push_back(json::string(p));
    out["manifest"].as_object()["paths"] = paths;
  }
  if (s.restore > 0) out["summary"].as_object()["restore"] = s.restore;
  return out;
}

}  // namespace

json::object PlanToJson(const Plan& plan) {
  json::object out = PlanHeaderJson(plan);
  json::array& changes = out["changes"].as_array();
  changes.reserve(plan.changes.size());
  for (const auto& c : plan.changes) changes.push_back(ChangeToJson(c));
  return out;
}

void WritePlanJson(const Plan& plan, const std::function<void(std::string_view)>& sink) {
  std::string header = json::serialize(PlanHeaderJson(plan));
  // The only unescaped `"changes":[]` in the text is the key itself: quotes inside strings are escaped.
  const std::string_view empty = "\"changes\":[]";
  size_t at = header.find(empty);
  sink(std::string_view(header).substr(0, at + empty.size() - 1));
  for (size_t i = 0; i < plan.changes.size(); ++i) {
    std::string change = json::serialize(ChangeToJson(plan.changes[i]));
    if (i) sink(",");
    sink(change);
  }
  sink(std::string_view(header).substr(at + empty.size() - 1));
}

std::string PlanJsonText(const Plan& plan) {
  std::string out;
  WritePlanJson(plan, [&](std::string_view piece) { out += piece; });
  return out;
}

Result<Plan> PlanFromJson(const json::object& o) {
  auto bad = [](const std::string& why) { return MakeError(Error::Kind::kInvalid, "not an entragate plan: " + why); };
  if (Str(o, "format_version") != Plan::kFormatVersion)
    return bad(fmt::format("format_version is '{}', this entragate reads '{}'", Str(o, "format_version"), Plan::kFormatVersion));
  Plan plan;
  try {
    const json::object& target = o.at("target").as_object();
    plan.target = {Str(target, "kind"), Str(target, "tenant_id"), Str(target, "endpoint"), Str(target, "domain")};
    for (const auto& f : o.at("manifest").at("files").as_array()) plan.manifest_files.emplace_back(f.as_string());
    plan.manifest_digest = std::string(o.at("manifest").at("digest").as_string());
    plan.manifest_path = Str(o.at("manifest").as_object(), "path");
    if (const json::value* paths = o.at("manifest").as_object().if_contains("paths"))
      for (const auto& p : paths->as_array()) plan.manifest_paths.emplace_back(p.as_string());
    else
      plan.manifest_paths = {plan.manifest_path};
    plan.environment = Str(o, "environment");
    if (const json::value* only = o.if_contains("only_apps"))
      for (const auto& a : only->as_array()) plan.only_apps.emplace_back(a.as_string());
    plan.observed_digest = Str(o, "observed_digest");
    if (const json::value* allow = o.if_contains("allow_delete")) plan.allow_delete = allow->as_bool();
    if (const json::value* purge = o.if_contains("purge_deleted")) plan.purge_deleted = purge->as_bool();
    for (const auto& v : o.at("changes").as_array()) {
      const json::object& c = v.as_object();
      Change change;
      change.id = Str(c, "id");
      change.address = Str(c, "address");
      auto action = ActionFromString(Str(c, "action"));
      auto kind = StepKindFromString(Str(c, "kind"));
      if (!action || !kind) return bad("unknown action or kind in change " + change.id);
      change.action = *action;
      change.kind = *kind;
      change.app = Str(c, "app");
      change.before = c.at("before").as_object();
      change.after = c.at("after").as_object();
      change.payload = c.at("payload").as_object();
      for (const auto& s : c.at("after_steps").as_array()) change.after_steps.emplace_back(s.as_string());
      for (const auto& n : c.at("notes").as_array()) change.notes.emplace_back(n.as_string());
      const json::object& source = c.at("source").as_object();
      if (!source.empty())
        change.source = {Str(source, "file"), static_cast<int>(source.at("line").to_number<int64_t>()),
                         static_cast<int>(source.at("column").to_number<int64_t>()), 1};
      change.widens_access_drift = c.at("widens_access_drift").as_bool();
      plan.changes.push_back(std::move(change));
    }
    if (const json::value* w = o.if_contains("warnings"))
      for (const auto& x : w->as_array()) plan.warnings.emplace_back(x.as_string());
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  if (auto graph = ValidateStepGraph(plan); !graph.ok()) return MakeError(Error::Kind::kInvalid, "invalid plan: " + graph.error().message);
  return plan;
}

}  // namespace entragate::engine
