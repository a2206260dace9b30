#pragma once
// Reading the answers of the endpoints that hand out tokens — the identity platform's token
// endpoint and the managed-identity endpoints (docs/graph-behaviour.md §7.1, §8, §12) — into an AccessToken
// or an Error fit to show a user. Error messages carry the one-line AADSTS explanation and the
// HTTP status; never the response body, and never a secret the caller names for redaction.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "net/http_message.h"
#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"

namespace entragate::graph {

/// A 2xx JSON body with `access_token` and `expires_on` (unix seconds, number or numeric string)
/// or `expires_in` (seconds from `now`, number or numeric string; expires_on wins when both are
/// there). Anything else — another status included — is an error (TokenResponseError).
/// `who` (the credential's Name()) prefixes every message.
engine::Result<AccessToken> ParseTokenResponse(const net::Response& response, std::int64_t now, std::string_view who);

/// "{who}: token request failed: HTTP 401 invalid_client: AADSTS7000215: Invalid client secret
/// provided. …" — the description's first line only (Entra appends Trace ID, Correlation ID and
/// Timestamp lines). Reads `error` (a string, or {code, message} as some managed-identity hosts
/// send), then `error_description` or `message`. Kind: kThrottled for 429, kTransient for 5xx,
/// kAuth otherwise; `code` is the OAuth error and `request_id` the correlation id when present.
engine::Error TokenResponseError(const net::Response& response, std::string_view who);

/// `error` with "{who}: " in front of its message, for failures that did not come from a token
/// response (the transport, a local file).
engine::Error Prefixed(engine::Error error, std::string_view who);

/// Every occurrence of each non-empty `secrets` entry in `text` replaced by "[redacted]": a
/// last line of defence against a server that echoes what it was sent.
std::string Redacted(std::string text, std::initializer_list<std::string_view> secrets);

}  // namespace entragate::graph
