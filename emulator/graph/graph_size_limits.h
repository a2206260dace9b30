#pragma once
// The lengths Microsoft documents for the string properties a client writes (docs/graph-behaviour.md
// §13.3): a longer value is refused as Graph refuses an invalid one, instead of stored.

#include <optional>

#include <boost/json/object.hpp>

#include "emulator/graph/graph_entities.h"
#include "emulator/graph/graph_errors.h"
#include "emulator/graph/room.h"

namespace entragate::emulator {

/// The first property of `body` (a write to an entity of `type`) longer than its documented limit.
std::optional<GraphError> CheckSizeLimits(EntityType type, const boost::json::object& body);

}  // namespace entragate::emulator
