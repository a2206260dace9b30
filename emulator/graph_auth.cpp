#include "emulator/graph_auth.h"

#include <boost/json.hpp>

#include "crypto/jwt.h"
#include "emulator/seed.h"

namespace entragate::emulator {

namespace json = boost::json;

namespace {

bool IsGraphAudience(const json::value* aud) {
  if (!aud || !aud->is_string()) return false;
  std::string_view a = aud->as_string();
  return a == "https://graph.microsoft.com" || a == "https://graph.microsoft.com/" || a == kGraphAppId || a == "https://graph.microsoft.us" ||
         a == "https://dod-graph.microsoft.us" || a == "https://microsoftgraph.chinacloudapi.cn";
}

}  // namespace

std::optional<GraphCaller> AuthenticateGraphCaller(std::string_view token, const SigningKey& key, const std::string& tenant_id, int64_t now,
                                                   std::string& why) {
  auto decoded = crypto::DecodeAndVerifyJwt(token, key.Cert().PublicKey(), crypto::JwtAlg::kRs256);
  if (!decoded.ok()) {
    why = "Access token validation failure. Invalid signature.";
    return std::nullopt;
  }
  const json::object& claims = decoded->payload;
  if (!IsGraphAudience(claims.if_contains("aud"))) {
    why = "Access token validation failure. Invalid audience.";
    return std::nullopt;
  }
  if (!crypto::ValidateJwtTimes(claims, now, 300).ok()) {
    why = "Lifetime validation failed, the token is expired.";
    return std::nullopt;
  }
  const json::value* tid = claims.if_contains("tid");
  if (!tid || !tid->is_string() || tid->as_string() != tenant_id) {
    why = "Access token validation failure. Invalid tenant.";
    return std::nullopt;
  }
  GraphCaller caller;
  for (const char* k : {"appid", "azp"})
    if (const json::value* v = claims.if_contains(k); v && v->is_string()) caller.app_id = std::string(v->as_string());
  if (const json::value* oid = claims.if_contains("oid"); oid && oid->is_string()) caller.object_id = std::string(oid->as_string());
  if (const json::value* roles = claims.if_contains("roles"); roles && roles->is_array())
    for (const auto& r : roles->as_array())
      if (r.is_string()) caller.roles.insert(std::string(r.as_string()));
  return caller;
}

}  // namespace entragate::emulator
