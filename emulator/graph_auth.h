#pragma once
// Who is calling Graph: verifies a bearer token as Graph would accept it — signed by this tenant's
// key, for Microsoft Graph, current, from this tenant — and reads the caller's app roles.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/graph/graph_service.h"
#include "emulator/identity/signing_key.h"

namespace entragate::emulator {

/// Returns the caller, or nullopt with Graph's message in `why`.
std::optional<GraphCaller> AuthenticateGraphCaller(std::string_view token, const SigningKey& key, const std::string& tenant_id, int64_t now,
                                                   std::string& why);

}  // namespace entragate::emulator
