#include "emulator/store/store_indexes.h"

#include <boost/json/value.hpp>

#include "emulator/store/directory_store.h"
#include "base/ascii.h"

namespace entragate::emulator {

namespace {

struct Spec {
  Collection collection;
  const char* property;
};

// What handlers and the $filter evaluator look up by value. Deleted items keep the keys that stay
// taken while they are restorable (uniqueName) or that tie them to their application (appId).
constexpr Spec kSpecs[] = {
    {Collection::kApplications, "appId"},
    {Collection::kApplications, "uniqueName"},
    {Collection::kApplications, "identifierUris"},
    {Collection::kServicePrincipals, "appId"},
    {Collection::kServicePrincipals, "displayName"},
    {Collection::kAppRoleAssignments, "resourceId"},
    {Collection::kAppRoleAssignments, "principalId"},
    {Collection::kDeletedApplications, "appId"},
    {Collection::kDeletedApplications, "uniqueName"},
    {Collection::kDeletedServicePrincipals, "appId"},
};
constexpr size_t kSpecCount = sizeof(kSpecs) / sizeof(kSpecs[0]);
static_assert(kSpecCount <= 16, "StoreIndexes::indexes_ holds 16");

int SpecOf(Collection c, std::string_view property) {
  for (size_t i = 0; i < kSpecCount; ++i)
    if (kSpecs[i].collection == c && property == kSpecs[i].property) return static_cast<int>(i);
  return -1;
}

template <class F>
void ForEachValue(const boost::json::object& obj, const char* property, F&& f) {
  const boost::json::value* v = obj.if_contains(property);
  if (!v) return;
  if (v->is_string()) f(base::LowerAscii(v->get_string()));
  if (v->is_array())
    for (const auto& item : v->get_array())
      if (item.is_string()) f(base::LowerAscii(item.get_string()));
}

const IdSet kNone;

}  // namespace

bool StoreIndexes::Indexed(Collection c, std::string_view property) { return SpecOf(c, property) >= 0; }

const IdSet& StoreIndexes::Find(Collection c, std::string_view property, std::string_view value) const {
  int spec = SpecOf(c, property);
  if (spec < 0) return kNone;
  const auto& by_value = indexes_[static_cast<size_t>(spec)].by_value;
  auto it = by_value.find(base::LowerAscii(value));
  return it == by_value.end() ? kNone : it->second;
}

void StoreIndexes::Add(Collection c, const std::string& id, const boost::json::object& obj) {
  for (size_t i = 0; i < kSpecCount; ++i) {
    if (kSpecs[i].collection != c) continue;
    ForEachValue(obj, kSpecs[i].property, [&](std::string key) { indexes_[i].by_value[std::move(key)].insert_or_assign(id, &obj); });
  }
}

void StoreIndexes::Remove(Collection c, const std::string& id, const boost::json::object& obj) {
  for (size_t i = 0; i < kSpecCount; ++i) {
    if (kSpecs[i].collection != c) continue;
    auto& by_value = indexes_[i].by_value;
    ForEachValue(obj, kSpecs[i].property, [&](const std::string& key) {
      auto it = by_value.find(key);
      if (it == by_value.end()) return;
      it->second.erase(id);
      if (it->second.empty()) by_value.erase(it);
    });
  }
}

void StoreIndexes::Clear() {
  for (auto& index : indexes_) index.by_value.clear();
}

}  // namespace entragate::emulator
