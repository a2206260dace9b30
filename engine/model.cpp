#include "engine/model.h"

#include <algorithm>

namespace entragate::engine {

bool IsValidName(std::string_view name) {
  auto alnum = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return !name.empty() && name.size() <= 120 && alnum(name[0]) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

const char* ToYamlKey(IdentitySelector s) {
  switch (s) {
    case IdentitySelector::kManagedIdentity: return "managedIdentity";
    case IdentitySelector::kResourceId: return "resourceId";
    case IdentitySelector::kAppId: return "appId";
    case IdentitySelector::kObjectId: return "objectId";
    case IdentitySelector::kServicePrincipal: return "servicePrincipal";
    case IdentitySelector::kGroup: return "group";
    case IdentitySelector::kUser: return "user";
  }
  return "?";
}

MemberType MemberTypeOf(IdentitySelector s) {
  switch (s) {
    case IdentitySelector::kGroup:
    case IdentitySelector::kUser: return MemberType::kUser;
    case IdentitySelector::kObjectId: return MemberType::kUnknown;
    default: return MemberType::kApplication;
  }
}

const char* ToGraph(MemberType t) {
  switch (t) {
    case MemberType::kApplication: return "Application";
    case MemberType::kUser: return "User";
    case MemberType::kUnknown: return "Unknown";
  }
  return "?";
}

std::string OwnerTag(const std::string& owner) { return owner.empty() ? std::string() : kOwnerTagPrefix + owner; }

const AppRole* App::FindRole(const std::string& value) const {
  if (!app_roles) return nullptr;
  auto it = std::find_if(app_roles->begin(), app_roles->end(), [&](const AppRole& r) { return r.value == value; });
  return it == app_roles->end() ? nullptr : &*it;
}

SourceLoc App::LocOf(const std::string& field) const {
  auto it = field_locs.find(field);
  return it == field_locs.end() ? loc : it->second;
}

const App* DesiredState::FindApp(const std::string& key) const {
  auto it = std::lower_bound(apps.begin(), apps.end(), key, [](const App& a, const std::string& k) { return a.key < k; });
  return it != apps.end() && it->key == key ? &*it : nullptr;
}

}  // namespace entragate::engine
