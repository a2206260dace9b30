#pragma once
// Microsoft Graph's error responses (docs/graph-behaviour.md §5.1–5.2), built in one place so every handler
// returns the same shape: {"error":{"code","message",["details"],"innerError":{date,request-id,
// client-request-id}}}. The request ids are filled in by the service when the response leaves.

#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.h"
#include "emulator/graph/room.h"

namespace entragate::emulator {

struct GraphErrorDetail {
  std::string code;
  std::string message;
  std::string target;
};

/// A Graph error as a value; handlers return it, the service renders it.
struct GraphError {
  int status = 400;
  std::string code;
  std::string message;
  std::vector<GraphErrorDetail> details;
  std::string retry_after;  ///< seconds, for 429/503

  static GraphError BadRequest(std::string message);        ///< 400 Request_BadRequest
  static GraphError UnsupportedQuery(std::string message);  ///< 400 Request_UnsupportedQuery
  static GraphError NotFound(std::string_view id);          ///< 404 Request_ResourceNotFound
  static GraphError InvalidProperty(std::string_view property, std::string_view resource);
  static GraphError UnknownProperty(std::string_view property);
  static GraphError ReadOnlyProperty(std::string_view property);
  static GraphError Conflict(std::string message);  ///< 400 Request_BadRequest: conflicting object
  /// 400 Request_BadRequest "Another object with the same value for property P already exists.", with
  /// details ObjectConflict (target P) and ConflictingObjects (target "<Type>_<id>" of the holder).
  static GraphError PropertyConflict(std::string_view property, std::string_view holder_type, std::string_view holder_id);
  static GraphError MethodNotAllowed();                  ///< 405
  static GraphError Forbidden();                         ///< 403 Authorization_RequestDenied
  static GraphError Unauthorized(std::string message);   ///< 401 InvalidAuthenticationToken
  static GraphError NoRoute(std::string_view segment);   ///< 400 BadRequest: Resource not found for the segment
  static GraphError Throttled(std::string retry_after);  ///< 429 TooManyRequests
  static GraphError Unavailable(int status);             ///< 503 / 504
};

/// The JSON body and headers of an error response.
net::Response RenderGraphError(const GraphError& error, std::string_view request_id, std::string_view client_request_id, std::string_view date);

}  // namespace entragate::emulator
