#pragma once
// Reading HTTP answers in token and managed-identity tests: the body as a JSON object, string and
// integer members (with a visible placeholder when absent), a token's claims.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include "crypto/jwt.h"
#include "net/http_message.h"

namespace entragate::emulator::testing {

inline boost::json::object Json(const net::Response& response) {
  boost::system::error_code ec;
  auto value = boost::json::parse(response.body, ec);
  REQUIRE_MESSAGE(!ec, response.body);
  REQUIRE(value.is_object());
  return value.as_object();
}

inline std::string Str(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  return value && value->is_string() ? std::string(value->get_string()) : std::string("<absent>");
}

inline std::int64_t Int(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  return value && value->is_int64() ? value->get_int64() : -1;
}

inline boost::json::object Claims(const std::string& token) {
  auto jwt = crypto::DecodeJwt(token);
  REQUIRE(jwt.ok());
  return jwt->payload;
}

}  // namespace entragate::emulator::testing
