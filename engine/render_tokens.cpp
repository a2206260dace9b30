// Losing access is not immediate: a token already issued stays valid until it expires, and Azure
// caches managed-identity tokens for up to 24 h. Plans and apply summaries say so, with the latest
// time, for every identity a step takes access from.
#include <ctime>
#include <set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/render.h"

namespace entragate::engine {

namespace {

std::string Str(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool TurnsAssignmentOn(const Change& c) {
  const boost::json::value* v = c.after.if_contains("appRoleAssignmentRequired");
  return c.kind == StepKind::kUpdateServicePrincipal && v && v->is_bool() && v->as_bool();
}

}  // namespace

std::string TokenLifetimeNote(const std::vector<const Change*>& changes, int64_t now) {
  std::set<std::string> who;
  for (const Change* c : changes) {
    if (c->kind == StepKind::kRevoke)
      who.insert(fmt::format("{} ({} on {})", Str(c->before, "principal"), Str(c->before, "role"), AppAt(c->app).Render()));
    else if (TurnsAssignmentOn(*c))
      who.insert(fmt::format("every identity without an assignment on {}", AppAt(c->app).Render()));
    else if (c->kind == StepKind::kDeleteApp)
      who.insert(fmt::format("every holder of a token for {}", AppAt(c->app).Render()));
  }
  if (who.empty()) return {};
  std::time_t latest = static_cast<std::time_t>(now + 24 * 3600);
  std::tm tm{};
  gmtime_r(&latest, &tm);
  std::string list;
  for (const auto& w : who) list += (list.empty() ? "" : ", ") + w;
  return fmt::format(
      "Tokens already issued stay valid until they expire: {} can keep using the tokens it holds for up to 24 h "
      "for a managed identity (Azure caches them) and about 1 h otherwise — until {:04}-{:02}-{:02} {:02}:{:02} UTC at the latest.",
      list, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

}  // namespace entragate::engine
