#include "emulator/graph/graph_errors.h"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace entragate::emulator {

namespace json = boost::json;

GraphError GraphError::BadRequest(std::string message) { return {400, "Request_BadRequest", std::move(message), {}, {}}; }

GraphError GraphError::UnsupportedQuery(std::string message) { return {400, "Request_UnsupportedQuery", std::move(message), {}, {}}; }

GraphError GraphError::NotFound(std::string_view id) {
  return {404,
          "Request_ResourceNotFound",
          fmt::format("Resource '{}' does not exist or one of its queried reference-property objects are not present.", id),
          {},
          {}};
}

GraphError GraphError::InvalidProperty(std::string_view property, std::string_view resource) {
  return BadRequest(fmt::format("Invalid value specified for property '{}' of resource '{}'.", property, resource));
}

// Observed Graph wording for a property the type does not declare.
GraphError GraphError::UnknownProperty(std::string_view property) {
  return BadRequest(fmt::format("Property '{}' does not exist as a declared property or extension property.", property));
}

GraphError GraphError::ReadOnlyProperty(std::string_view property) {
  return BadRequest(fmt::format("Property '{}' is read-only and cannot be set.", property));
}

GraphError GraphError::Conflict(std::string message) { return BadRequest(std::move(message)); }

// The detail shapes as Graph sends them for a directory uniqueness conflict (docs/graph-behaviour.md §13.3).
GraphError GraphError::PropertyConflict(std::string_view property, std::string_view holder_type, std::string_view holder_id) {
  std::string message = fmt::format("Another object with the same value for property {} already exists.", property);
  GraphError error = BadRequest(message);
  error.details = {{"ObjectConflict", message, std::string(property)}, {"ConflictingObjects", message, fmt::format("{}_{}", holder_type, holder_id)}};
  return error;
}

GraphError GraphError::MethodNotAllowed() {
  return {405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", {}, {}};
}

GraphError GraphError::Forbidden() { return {403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", {}, {}}; }

GraphError GraphError::Unauthorized(std::string message) { return {401, "InvalidAuthenticationToken", std::move(message), {}, {}}; }

GraphError GraphError::NoRoute(std::string_view segment) {
  return {400, "BadRequest", fmt::format("Resource not found for the segment '{}'.", segment), {}, {}};
}

GraphError GraphError::Throttled(std::string retry_after) {
  return {429, "TooManyRequests", "Please retry again later.", {}, std::move(retry_after)};
}

GraphError GraphError::Unavailable(int status) {
  return {status,
          status == 504 ? "GatewayTimeout" : "ServiceUnavailable",
          status == 504 ? "The gateway did not receive a timely response." : "The service is temporarily unavailable.",
          {},
          status == 503 ? "1" : ""};
}

net::Response RenderGraphError(const GraphError& error, std::string_view request_id, std::string_view client_request_id, std::string_view date) {
  json::object inner{{"date", date}, {"request-id", request_id}, {"client-request-id", client_request_id}};
  if (error.status == 429) {
    inner["code"] = "429";
    inner["message"] = "Please retry after";
    inner["status"] = "429";
  }
  json::object body{{"code", error.code}, {"message", error.message}};
  if (!error.details.empty()) {
    json::array details;
    for (const auto& d : error.details) {
      json::object o{{"code", d.code}, {"message", d.message}};
      if (!d.target.empty()) o["target"] = d.target;
      details.push_back(std::move(o));
    }
    body["details"] = std::move(details);
  }
  body["innerError"] = std::move(inner);
  net::Response response;
  response.status = error.status;
  response.headers["Content-Type"] = "application/json";
  if (!error.retry_after.empty()) response.headers["Retry-After"] = error.retry_after;
  response.body = json::serialize(json::object{{"error", std::move(body)}});
  return response;
}

}  // namespace entragate::emulator
