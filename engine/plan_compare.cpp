#include "engine/plan_compare.h"

#include <algorithm>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "engine/render.h"

namespace entragate::engine {

namespace json = boost::json;

namespace {

struct JsonDifference {
  std::string path;                    ///< "" for the whole value, "web.redirectUris", "appRoles[0].id"
  const json::value* saved = nullptr;  ///< null: absent on that side
  const json::value* fresh = nullptr;
};

bool SameNumber(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  // int64 against uint64: equal only when the signed one is not negative
  int64_t i = a.is_int64() ? a.get_int64() : b.get_int64();
  uint64_t u = a.is_uint64() ? a.get_uint64() : b.get_uint64();
  return i >= 0 && static_cast<uint64_t>(i) == u;
}

std::string Join(const std::string& path, std::string_view key) { return path.empty() ? std::string(key) : path + "." + std::string(key); }

std::optional<JsonDifference> FirstJsonDifference(const json::value& a, const json::value& b, const std::string& path) {
  if (a.is_number() && b.is_number()) return SameNumber(a, b) ? std::nullopt : std::optional<JsonDifference>({path, &a, &b});
  if (a.kind() != b.kind()) return JsonDifference{path, &a, &b};
  if (a.is_object()) {
    const json::object& x = a.get_object();
    const json::object& y = b.get_object();
    for (const auto& [key, value] : x) {
      const json::value* other = y.if_contains(key);
      if (!other) return JsonDifference{Join(path, key), &value, nullptr};
      if (auto d = FirstJsonDifference(value, *other, Join(path, key))) return d;
    }
    for (const auto& [key, value] : y)
      if (!x.contains(key)) return JsonDifference{Join(path, key), nullptr, &value};
    return std::nullopt;
  }
  if (a.is_array()) {
    const json::array& x = a.get_array();
    const json::array& y = b.get_array();
    for (size_t i = 0; i < std::max(x.size(), y.size()); ++i) {
      std::string at = fmt::format("{}[{}]", path, i);
      if (i >= x.size()) return JsonDifference{at, nullptr, &y[i]};
      if (i >= y.size()) return JsonDifference{at, &x[i], nullptr};
      if (auto d = FirstJsonDifference(x[i], y[i], at)) return d;
    }
    return std::nullopt;
  }
  return a == b ? std::nullopt : std::optional<JsonDifference>({path, &a, &b});
}

std::string Shown(const json::value* v) { return v ? ShortJson(*v) : "nothing"; }

std::optional<std::string> CompareJson(const char* field, const Change& s, const json::object& saved, const json::object& fresh) {
  const json::value a(saved), b(fresh);  // the difference points into these
  auto d = FirstJsonDifference(a, b, "");
  if (!d) return std::nullopt;
  return fmt::format("{} of step {} differs{}: the saved plan has {}, a fresh plan has {}", field, s.id, d->path.empty() ? "" : " at " + d->path,
                     Shown(d->saved), Shown(d->fresh));
}

std::string IdList(const std::vector<std::string>& ids) {
  if (ids.empty()) return "nothing";
  return fmt::format("{}", fmt::join(ids, ", "));
}

std::optional<std::string> CompareStep(const Change& s, const Change& f) {
  auto differs = [&](const char* what, const std::string& a, const std::string& b) -> std::optional<std::string> {
    if (a == b) return std::nullopt;
    return fmt::format("{} of step {} differs: the saved plan has '{}', a fresh plan has '{}'", what, s.id, a, b);
  };
  if (auto d = differs("address", s.address, f.address)) return d;
  if (auto d = differs("action", ToString(s.action), ToString(f.action))) return d;
  if (auto d = differs("kind", ToString(s.kind), ToString(f.kind))) return d;
  if (auto d = differs("app", s.app, f.app)) return d;
  std::vector<std::string> a = s.after_steps, b = f.after_steps;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b)
    return fmt::format("order constraints of step {} differ: in the saved plan it waits for {}, in a fresh plan for {}", s.id, IdList(a), IdList(b));
  if (auto d = CompareJson("payload", s, s.payload, f.payload)) return d;
  if (auto d = CompareJson("after", s, s.after, f.after)) return d;
  return CompareJson("before", s, s.before, f.before);
}

}  // namespace

std::optional<std::string> FirstPlanDifference(const Plan& saved, const Plan& fresh) {
  std::map<std::string, const Change*> fresh_by_id, saved_by_id;
  for (const auto& f : fresh.changes) fresh_by_id.emplace(f.id, &f);
  for (const auto& s : saved.changes) saved_by_id.emplace(s.id, &s);
  for (const auto& s : saved.changes) {
    auto f = fresh_by_id.find(s.id);
    if (f == fresh_by_id.end()) return fmt::format("step {}: in the saved plan but not in a fresh plan", s.id);
    if (auto d = CompareStep(s, *f->second)) return d;
  }
  for (const auto& f : fresh.changes)
    if (!saved_by_id.count(f.id)) return fmt::format("step {}: in a fresh plan but not in the saved plan", f.id);
  if (saved.changes.size() != fresh.changes.size())
    return fmt::format("the saved plan has {} steps, a fresh plan {}", saved.changes.size(), fresh.changes.size());
  for (size_t i = 0; i < saved.changes.size(); ++i)
    if (saved.changes[i].id != fresh.changes[i].id)
      return fmt::format("the steps are in another order: step {} is {} in the saved plan, {} in a fresh plan", i + 1, saved.changes[i].id,
                         fresh.changes[i].id);
  return std::nullopt;
}

}  // namespace entragate::engine
