#pragma once
// The identity platform's error catalogue (AADSTS codes and their texts) and its JSON error shape
// (docs/graph-behaviour.md §7.1). Errors travel as base::Error values until a handler renders them:
// `code` holds the OAuth error ("invalid_client"), `message` the AADSTS text exactly as Entra
// words it ("AADSTS7000215: Invalid client secret provided. …"), `http_status` Entra's status.
// Texts marked "guess" in the .cpp were not confirmed against a captured response.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "base/result.h"
#include "net/http_message.h"
#include "emulator/identity/room.h"

namespace entragate::emulator::sts {

/// The number of a message that starts "AADSTS<n>:"; 0 for any other message.
int AadstsCode(std::string_view message);

/// Ids that let a caller quote a failed request. Entra echoes the client's `client-request-id`
/// as the correlation id (msal sends one with every request) and invents the trace id.
struct RequestIds {
  std::string trace_id;
  std::string correlation_id;
};
RequestIds NewRequestIds(const net::Request& request);

/// "2024-01-31 12:00:00Z": the spelling of `timestamp` in error bodies and descriptions.
std::string ErrorTimestamp(std::int64_t unix_seconds);

/// A JSON body with the identity platform's headers (no caching, request ids echoed).
net::Response JsonResponse(int status, const boost::json::value& body, const RequestIds& ids);

/// The full §7.1 error shape: error, error_description (with the Trace ID / Correlation ID /
/// Timestamp lines), error_codes, timestamp, trace_id, correlation_id, error_uri.
boost::json::object ErrorBody(const base::Error& error, const RequestIds& ids, std::string_view authority, std::int64_t now);
net::Response ErrorResponse(const base::Error& error, const RequestIds& ids, std::string_view authority, std::int64_t now);

// ---- Request shape ------------------------------------------------------------------------------
base::Error PostOnly(std::string_view method);                  // 900561
base::Error MissingParameter(std::string_view name);            // 900144
base::Error DuplicateParameter(std::string_view name);          // 9000411
base::Error UnsupportedGrantType(std::string_view grant_type);  // 70003

// ---- Tenant -------------------------------------------------------------------------------------
/// `error` is "invalid_request" on the token endpoint and "invalid_tenant" on discovery.
base::Error TenantNotFound(std::string_view tenant, std::string_view error);  // 90002
base::Error InvalidTenantIdentifier(std::string_view tenant);                 // 900023
base::Error NoTenantInformation();                                            // 50059
base::Error InvalidInstance();                                                // 50049

// ---- Scope and resource -------------------------------------------------------------------------
base::Error ScopeNotDefault(std::string_view scope);                               // 1002012
base::Error InvalidScope(std::string_view scope);                                  // 70011
base::Error ResourceNotProvided();                                                 // 50001
base::Error ResourceNotFound(std::string_view resource, std::string_view tenant);  // 500011
base::Error NotAssignedToRole(std::string_view client_app_id, std::string_view client_name, std::string_view resource_app_id,
                              std::string_view resource_name);  // 501051

// ---- Client -------------------------------------------------------------------------------------
base::Error ClientNotFound(std::string_view client_id, std::string_view tenant);  // 700016
base::Error ClientWithoutServicePrincipal(std::string_view app_id,
                                          std::string_view tenant_id);  // 7000229
base::Error NoClientCredential();                                       // 7000218
base::Error InvalidSecret(std::string_view app_id);                     // 7000215
base::Error ExpiredSecret(std::string_view app_id);                     // 7000222

// ---- Client assertions --------------------------------------------------------------------------
base::Error UnexpectedAssertionType();  // 90011
base::Error MalformedAssertion();       // 50027
base::Error NoThumbprint();             // 50027
base::Error AssertionClientMismatch();  // 700021
base::Error AssertionAudience();        // 700023
/// Times are unix seconds; a claim the assertion lacks is passed as 0 (Entra prints 1970).
base::Error AssertionTimeRange(std::int64_t now, std::int64_t nbf, std::int64_t exp);  // 700024
base::Error CertificateNotRegistered(std::string_view thumbprint_hex,
                                     std::string_view app_id);  // 700027
/// `reason` is Entra's bracketed reason, e.g. "The key used is expired.".
base::Error CertificateRejected(std::string_view reason, std::string_view thumbprint_hex, std::int64_t key_start, std::int64_t key_end,
                                std::string_view app_id);    // 700027
base::Error FederatedSignature();                            // 700027
base::Error FederatedIssuer(std::string_view issuer);        // 700211
base::Error FederatedAudience(std::string_view audience);    // 700212
base::Error FederatedSubject(std::string_view subject);      // 700213
base::Error FederatedSubjectCase(std::string_view subject);  // 7002138
base::Error ExternalOidcFailed();                            // 50166

/// Not an AADSTS error: something in the emulator itself failed (key generation, signing).
base::Error Internal(std::string_view what);

}  // namespace entragate::emulator::sts
