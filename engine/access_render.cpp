#include "engine/access_render.h"

#include <ctime>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/render.h"
#include "engine/utf8.h"

namespace entragate::engine {

namespace json = boost::json;

namespace {

std::string Kind(const AccessPrincipal& p) { return p.sp_type.empty() ? p.type : p.sp_type; }

std::string ChangeText(const AccessEntry& e) {
  if (e.mark == AccessMark::kNone) return "";
  return std::string(AccessSymbol(e.mark, e.widening)) + " " + ToString(e.mark) + (e.widening ? " (widening drift)" : "");
}

std::string AssignmentLine(const AccessAppReview& r) {
  if (r.deleted) return "deleted by the plan";
  if (!r.app.has_service_principal) return "no service principal: no token can be issued";
  std::string now = r.open_before ? "no — any identity in the tenant can obtain a token (without roles)" : "yes — only the identities below";
  if (r.assignment_change == "on")
    return "becomes required (was: no — any identity could obtain a token)" + std::string(r.assignment_widening ? " ! widening drift" : "");
  if (r.assignment_change == "off") return "stops being required: any identity in the tenant will obtain a token (without roles)";
  return now;
}

std::string PrincipalName(const AccessPrincipal& p) {
  std::string name = p.display_name.empty() ? p.id : p.display_name;
  if (!p.upn.empty() && p.upn != name) name += " <" + p.upn + ">";
  return EscapeControls(name);
}

// A cell a spreadsheet would run as a formula is prefixed with an apostrophe.
std::string CsvCell(std::string s) {
  s = EscapeControls(s);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) s = "'" + s;
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

json::object PrincipalJson(const AccessPrincipal& p) {
  json::object o{{"id", p.id}, {"type", p.type}, {"displayName", p.display_name}};
  if (!p.upn.empty()) o["userPrincipalName"] = p.upn;
  if (!p.sp_type.empty()) o["servicePrincipalType"] = p.sp_type;
  return o;
}

json::array Principals(const std::vector<AccessPrincipal>& ps) {
  json::array out;
  for (const auto& p : ps) out.push_back(PrincipalJson(p));
  return out;
}

json::array Strings(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}

}  // namespace

const char* AccessSymbol(AccessMark mark, bool widening) {
  if (mark == AccessMark::kGained) return "+";
  if (mark == AccessMark::kLost) return widening ? "!" : "-";
  return "";
}

std::string AccessTime(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

std::string RenderAccessTable(const AccessReview& review) {
  std::string out =
      fmt::format("Access review of tenant {} (read {}): {} application{}, {} identit{}\n", review.tenant_id, AccessTime(review.read_at),
                  review.apps.size(), review.apps.size() == 1 ? "" : "s", review.identities.size(), review.identities.size() == 1 ? "y" : "ies");
  if (review.with_plan)
    out +=
        fmt::format("What {} changes: {} gained, {} lost, {} assignment switches, {} widening drift (+ gained, - lost, ! widening drift removed)\n",
                    EscapeControls(review.manifest), review.gained, review.lost, review.switched, review.widening);
  for (const auto& r : review.apps) {
    out += fmt::format("\n{} ({}, appId {}){}\n  assignment required: {}\n", EscapeControls(r.key), EscapeControls(r.app.display_name),
                       r.app.app_id.empty() ? "(new)" : r.app.app_id, r.app.managed ? "" : " [not managed by entragate]", AssignmentLine(r));
    if (r.entries.empty())
      out += "  (no assignments)\n";
    else
      out += fmt::format("  {:<2}{:<32} {:<17} {:<24} {:<28} {}\n", "", "IDENTITY", "TYPE", "ROLE", "HOW", "SINCE");
    for (const auto& e : r.entries) {
      std::string how = e.how == "group" ? "through group " + EscapeControls(e.group.display_name) : "direct";
      out += fmt::format("  {:<2}{:<32} {:<17} {:<24} {:<28} {}{}\n", AccessSymbol(e.mark, e.widening), PrincipalName(e.identity), Kind(e.identity),
                         EscapeControls(e.role), how, e.since, e.mark == AccessMark::kNone ? "" : "  (" + ChangeText(e) + ")");
    }
    out += "  who can change access:\n";
    for (const auto& c : r.changers) out += fmt::format("    {} ({}): {}\n", PrincipalName(c.who), Kind(c.who), c.why);
    for (const auto& n : r.notes) out += "  note: " + EscapeControls(n) + "\n";
  }
  for (const auto& n : review.notes) out += "\nnote: " + n + "\n";
  if (!review.token_note.empty()) out += "\n" + review.token_note + "\n";
  return out;
}

std::string RenderAccessChanges(const AccessAppReview& r) {
  std::string out;
  if (r.created) out += "  the plan creates this application\n";
  if (r.deleted) out += "  the plan deletes this application: nobody can obtain a token for it afterwards\n";
  for (const auto& e : r.entries) {
    if (e.mark == AccessMark::kNone || (r.deleted && e.mark == AccessMark::kLost)) continue;
    std::string through = e.how == "group" ? " through group " + EscapeControls(e.group.display_name) : "";
    if (e.mark == AccessMark::kGained)
      out += fmt::format("  + {} gets {}{}\n", PrincipalName(e.identity), EscapeControls(e.role), through);
    else
      out += fmt::format("  {} {} loses {}{}{}\n", AccessSymbol(e.mark, e.widening), PrincipalName(e.identity), EscapeControls(e.role), through,
                         e.widening ? " (granted outside the manifest: drift that widened access)" : "");
  }
  if (r.assignment_change == "on")
    out += fmt::format("  assignment becomes required: identities without an assignment lose access{}\n",
                       r.assignment_widening ? " (it was switched off outside the manifest: drift that widened access)" : "");
  if (r.assignment_change == "off") out += "  assignment stops being required: any identity in the tenant can get a token (without roles)\n";
  return out.empty() ? "  no change to who can obtain a token\n" : out;
}

std::string RenderAccessCsv(const AccessReview& review) {
  std::string out = "app,app_id,display_name,assignment_required,identity,identity_id,identity_type,upn,role,how,group,since,change,widening\n";
  auto row = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + CsvCell(cells[i]);
    out += "\n";
  };
  for (const auto& r : review.apps) {
    std::string required = r.app.has_service_principal ? (r.open_after ? "false" : "true") : "";
    if (r.open_before || r.open_after) {
      std::string change = r.open_before == r.open_after ? "" : r.open_after ? "gained" : "lost";
      row({r.key, r.app.app_id, r.app.display_name, required, "any identity in the tenant", "*", "", "", "", "assignment not required", "", "",
           change, ""});
    }
    for (const auto& e : r.entries)
      row({r.key, r.app.app_id, r.app.display_name, required, e.identity.display_name, e.identity.id, Kind(e.identity), e.identity.upn, e.role, e.how,
           e.group.display_name, e.since, ToString(e.mark), e.widening ? "true" : "false"});
  }
  return out;
}

std::string RenderAccessMarkdown(const AccessReview& review) {
  std::string out = fmt::format("## Access review\n\nTenant `{}`, read {}: {} applications, {} identities.\n", review.tenant_id,
                                AccessTime(review.read_at), review.apps.size(), review.identities.size());
  if (review.with_plan)
    out += fmt::format("\n**What the manifest changes:** {} gained (+), {} lost (−), {} assignment switches, {} widening drift removed (!).\n",
                       review.gained, review.lost, review.switched, review.widening);
  for (const auto& r : review.apps) {
    out += fmt::format("\n### {}{}\n\n{} · appId `{}` · assignment required: {}\n\n", MarkdownInert(r.key), r.changed() ? " (changed)" : "",
                       MarkdownInert(r.app.display_name), r.app.app_id.empty() ? "new" : r.app.app_id, MarkdownInert(AssignmentLine(r)));
    if (!r.entries.empty()) {
      out += "| | Identity | Type | Role | How | Since |\n|---|---|---|---|---|---|\n";
      for (const auto& e : r.entries)
        out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", AccessSymbol(e.mark, e.widening), MarkdownInert(PrincipalName(e.identity)),
                           Kind(e.identity), MarkdownInert(e.role),
                           e.how == "group" ? "through group " + MarkdownInert(e.group.display_name) : std::string("direct"), e.since);
      out += "\n";
    }
    out += "Who can change access: ";
    for (size_t i = 0; i < r.changers.size(); ++i)
      out += (i ? "; " : "") + MarkdownInert(PrincipalName(r.changers[i].who)) + " (" + MarkdownInert(r.changers[i].why) + ")";
    out += "\n";
    for (const auto& n : r.notes) out += "\n> " + MarkdownInert(n) + "\n";
  }
  for (const auto& n : review.notes) out += "\n> " + MarkdownInert(n) + "\n";
  if (!review.token_note.empty()) out += "\n> " + MarkdownInert(review.token_note) + "\n";
  return out;
}

json::object AccessReviewJson(const AccessReview& review) {
  json::array apps;
  for (const auto& r : review.apps) {
    json::array access, changers;
    for (const auto& e : r.entries) {
      json::object o{{"principal", PrincipalJson(e.identity)}, {"role", e.role}, {"how", e.how}, {"since", e.since}};
      if (e.how == "group") o["group"] = PrincipalJson(e.group);
      if (review.with_plan) o["change"] = e.mark == AccessMark::kNone ? "none" : ToString(e.mark), o["wideningDrift"] = e.widening;
      access.push_back(std::move(o));
    }
    for (const auto& c : r.changers) changers.push_back(json::object{{"principal", PrincipalJson(c.who)}, {"why", c.why}});
    json::object app{{"key", r.key},
                     {"objectId", r.app.object_id},
                     {"appId", r.app.app_id},
                     {"uniqueName", r.app.unique_name},
                     {"displayName", r.app.display_name},
                     {"managed", r.app.managed},
                     {"hasServicePrincipal", r.app.has_service_principal},
                     {"assignmentRequired", r.app.has_service_principal && !r.open_before},
                     {"anyIdentityCanGetToken", r.open_before},
                     {"access", std::move(access)},
                     {"owners", Principals(r.app.app_owners)},
                     {"servicePrincipalOwners", Principals(r.app.sp_owners)},
                     {"whoCanChangeAccess", std::move(changers)},
                     {"notes", Strings(r.notes)}};
    if (review.with_plan)
      app["plan"] = json::object{{"created", r.created},
                                 {"deleted", r.deleted},
                                 {"anyIdentityCanGetToken", r.open_after},
                                 {"assignmentChange", r.assignment_change.empty() ? "none" : r.assignment_change},
                                 {"assignmentWideningDrift", r.assignment_widening}};
    apps.push_back(std::move(app));
  }
  json::array identities;
  for (const auto& p : review.identities) identities.push_back(PrincipalJson(p));
  json::object out{{"format_version", "1"},   {"tenantId", review.tenant_id},        {"readAt", AccessTime(review.read_at)},
                   {"apps", std::move(apps)}, {"identities", std::move(identities)}, {"notes", Strings(review.notes)}};
  if (review.with_plan)
    out["plan"] = json::object{{"manifest", review.manifest},           {"gained", review.gained},          {"lost", review.lost},
                               {"assignmentSwitched", review.switched}, {"wideningDrift", review.widening}, {"tokenNote", review.token_note}};
  return out;
}

}  // namespace entragate::engine
