#pragma once
// The built-in Entra directory roles the local tenant can hold (the ones that can change any
// application's access), by name and template id, and the directoryRole object a tenant serves once
// one is activated (docs/graph-behaviour.md §14). Template ids are the same in every tenant.

#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "emulator/graph/room.h"

namespace entragate::emulator {

struct BuiltInRole {
  const char* display_name;  ///< "Global Administrator"
  const char* template_id;   ///< Microsoft's roleTemplateId, lower case
  const char* description;   ///< the local tenant's own short wording
};

std::span<const BuiltInRole> BuiltInRoles();
/// The built-in role of that display name (ignoring ASCII case), or nullptr.
const BuiltInRole* FindBuiltInRole(std::string_view display_name);

/// The activated role as Graph serves it (id, deletedDateTime, description, displayName,
/// roleTemplateId), with no members yet ("_members": [], never served).
boost::json::object NewDirectoryRole(const std::string& id, const BuiltInRole& role);

}  // namespace entragate::emulator
