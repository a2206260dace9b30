#include "emulator/graph/graph_size_limits.h"

#include <cstddef>
#include <string_view>

#include <boost/json.hpp>

#include "base/utf8.h"

namespace entragate::emulator {

namespace json = boost::json;

namespace {

struct Limit {
  EntityType type;
  const char* property;  ///< a string, or a list of strings (each checked)
  std::size_t max_chars;
  const char* resource;  ///< the type Graph names in its message
};

// Sources per line in docs/graph-behaviour.md §13.3.
constexpr Limit kLimits[] = {
    {EntityType::kApplication, "displayName", 256, "Application"},
    {EntityType::kApplication, "description", 1024, "Application"},
    {EntityType::kServicePrincipal, "displayName", 256, "ServicePrincipal"},
    {EntityType::kServicePrincipal, "description", 1024, "ServicePrincipal"},
    {EntityType::kServicePrincipal, "notes", 1024, "ServicePrincipal"},
    {EntityType::kFederatedIdentityCredential, "name", 120, "FederatedIdentityCredential"},
    {EntityType::kFederatedIdentityCredential, "issuer", 600, "FederatedIdentityCredential"},
    {EntityType::kFederatedIdentityCredential, "subject", 600, "FederatedIdentityCredential"},
    {EntityType::kFederatedIdentityCredential, "description", 600, "FederatedIdentityCredential"},
    {EntityType::kFederatedIdentityCredential, "audiences", 600, "FederatedIdentityCredential"},
};

// Unicode characters, not bytes; text that is not UTF-8 counts byte by byte.
std::size_t Characters(std::string_view text) {
  std::size_t n = 0;
  while (!text.empty()) {
    const auto c = base::DecodeUtf8(text);
    text.remove_prefix(c.length == 0 ? 1 : c.length);
    ++n;
  }
  return n;
}

bool TooLong(const json::value& v, std::size_t max) {
  if (v.is_string()) return Characters(v.get_string()) > max;
  if (v.is_array())
    for (const auto& item : v.get_array())
      if (item.is_string() && Characters(item.get_string()) > max) return true;
  return false;
}

}  // namespace

std::optional<GraphError> CheckSizeLimits(EntityType type, const json::object& body) {
  for (const Limit& limit : kLimits) {
    if (limit.type != type) continue;
    const json::value* v = body.if_contains(limit.property);
    if (v && TooLong(*v, limit.max_chars)) return GraphError::InvalidProperty(limit.property, limit.resource);
  }
  // A delegated permission's value, like an app role's, has at most 120 characters.
  if (type == EntityType::kApplication)
    if (const json::value* api = body.if_contains("api"); api && api->is_object())
      if (const json::value* scopes = api->get_object().if_contains("oauth2PermissionScopes"); scopes && scopes->is_array())
        for (const auto& scope : scopes->get_array())
          if (const json::value* value = scope.is_object() ? scope.get_object().if_contains("value") : nullptr; value && TooLong(*value, 120))
            return GraphError::InvalidProperty("value", "PermissionScope");
  return std::nullopt;
}

}  // namespace entragate::emulator
