#pragma once
// The shapes the provider's readers rely on in Graph's answers. An object read from Graph is
// checked before anything reads it (the engine's planner and export included), so a malformed
// member — `appRoles` that is not a list, an `id` that is a number — is an Error naming the member,
// never an exception from a JSON accessor.

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "engine/result.h"
#include "providers/graph/provider/room.h"

namespace entragate::graph {

enum class Answer { kApplication, kServicePrincipal, kAssignment, kDirectoryObject /* user, group, organization */ };

/// Why `o` cannot be read as `kind`, naming the first bad member ("\"appRoles[1].id\" of another
/// type (it must be a string)"); "" when it can.
std::string ShapeProblem(Answer kind, const boost::json::object& o);

/// nullopt when `o` can be read as `kind`, else the Error: "reading application 0d4c…: Graph
/// answered with \"appRoles\" of another type (it must be a list of objects)".
std::optional<engine::Error> CheckAnswer(Answer kind, const boost::json::object& o);

}  // namespace entragate::graph
