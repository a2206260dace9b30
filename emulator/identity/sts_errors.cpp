#include "emulator/identity/sts_errors.h"

#include <charconv>
#include <ctime>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "crypto/hash.h"

namespace entragate::emulator::sts {

namespace {

using base::Error;
using Kind = base::Error::Kind;

Error Make(Kind kind, int status, std::string_view oauth_error, std::string message) {
  Error e;
  e.kind = kind;
  e.http_status = status;
  e.code = std::string(oauth_error);
  e.message = std::move(message);
  return e;
}

// Client authentication failures are 401 invalid_client (RFC 6749 §5.2); msal surfaces them as
// the AADSTS text (docs/graph-behaviour.md §12).
Error BadClient(std::string message) { return Make(Kind::kAuth, 401, "invalid_client", std::move(message)); }

Error BadRequest(std::string message) { return Make(Kind::kInvalid, 400, "invalid_request", std::move(message)); }

std::tm Utc(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return tm;
}

std::string Format(std::int64_t unix_seconds, const char* pattern) {
  const std::tm tm = Utc(unix_seconds);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, pattern, &tm);
  return std::string(buf, n);
}

// .NET's round-trip spelling with seven fractional digits, as AADSTS700024 prints times.
std::string RoundTripTime(std::int64_t unix_seconds) { return Format(unix_seconds, "%Y-%m-%dT%H:%M:%S") + ".0000000Z"; }

// The "Found key 'Start=…, End=…'" spelling of AADSTS700027 (US date order, as Entra prints it).
std::string KeyDate(std::int64_t unix_seconds) { return Format(unix_seconds, "%m/%d/%Y %H:%M:%S"); }

std::string NewId() {
  auto id = crypto::NewUuid4();
  return id ? *id : std::string("00000000-0000-0000-0000-000000000000");
}

constexpr std::string_view kCertDocs =
    "Review the documentation at "
    "https://docs.microsoft.com/azure/active-directory/develop/"
    "active-directory-certificate-credentials .";

std::string SeeKeys(std::string_view app_id) {
  return fmt::format(
      "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured "
      "keys "
      "for app Id '{0}'. Review the documentation at "
      "https://docs.microsoft.com/en-us/graph/deployments "
      "to determine the corresponding service endpoint and "
      "https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to "
      "build a query request URL, such as 'https://graph.microsoft.com/beta/applications/{0}'",
      app_id);
}

constexpr std::string_view kFederationDocs =
    "Check your federated identity credential Subject, Audience and Issuer against the presented "
    "assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

}  // namespace

int AadstsCode(std::string_view message) {
  constexpr std::string_view kPrefix = "AADSTS";
  if (message.substr(0, kPrefix.size()) != kPrefix) return 0;
  const char* first = message.data() + kPrefix.size();
  const char* last = message.data() + message.size();
  int code = 0;
  auto [end, ec] = std::from_chars(first, last, code);
  return ec == std::errc() && end != last && *end == ':' ? code : 0;
}

RequestIds NewRequestIds(const net::Request& request) {
  RequestIds ids{NewId(), {}};
  // Only a well-formed GUID is echoed: the value ends up in a JSON body and response header.
  if (auto sent = request.Header("client-request-id"); sent && crypto::ParseUuid(*sent).ok()) {
    ids.correlation_id = crypto::FormatUuid(*crypto::ParseUuid(*sent));
  } else {
    ids.correlation_id = NewId();
  }
  return ids;
}

std::string ErrorTimestamp(std::int64_t unix_seconds) { return Format(unix_seconds, "%Y-%m-%d %H:%M:%SZ"); }

net::Response JsonResponse(int status, const boost::json::value& body, const RequestIds& ids) {
  net::Response response;
  response.status = status;
  response.headers["Content-Type"] = "application/json; charset=utf-8";
  response.headers["Cache-Control"] = "no-store, no-cache";
  response.headers["Pragma"] = "no-cache";
  response.headers["x-ms-request-id"] = ids.trace_id;
  response.headers["client-request-id"] = ids.correlation_id;
  response.body = boost::json::serialize(body);
  return response;
}

boost::json::object ErrorBody(const base::Error& error, const RequestIds& ids, std::string_view authority, std::int64_t now) {
  const std::string timestamp = ErrorTimestamp(now);
  const int code = AadstsCode(error.message);
  boost::json::object body;
  body["error"] = error.code;
  body["error_description"] =
      fmt::format("{}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}", error.message, ids.trace_id, ids.correlation_id, timestamp);
  boost::json::array codes;
  if (code != 0) codes.push_back(code);
  body["error_codes"] = std::move(codes);
  body["timestamp"] = timestamp;
  body["trace_id"] = ids.trace_id;
  body["correlation_id"] = ids.correlation_id;
  if (code != 0) body["error_uri"] = fmt::format("{}/error?code={}", authority, code);
  return body;
}

net::Response ErrorResponse(const base::Error& error, const RequestIds& ids, std::string_view authority, std::int64_t now) {
  return JsonResponse(error.http_status, ErrorBody(error, ids, authority, now), ids);
}

Error PostOnly(std::string_view method) {
  return BadRequest(fmt::format("AADSTS900561: The endpoint only accepts POST, OPTIONS requests. Received a {} request.", method));
}

Error MissingParameter(std::string_view name) {
  return BadRequest(fmt::format("AADSTS900144: The request body must contain the following parameter: '{}'.", name));
}

Error DuplicateParameter(std::string_view name) {
  return BadRequest(fmt::format("AADSTS9000411: The request is not properly formatted. The parameter '{}' is duplicated.", name));
}

Error UnsupportedGrantType(std::string_view grant_type) {
  return Make(Kind::kInvalid, 400, "unsupported_grant_type",
              fmt::format("AADSTS70003: The app requested an unsupported grant type '{}'.", grant_type));
}

Error TenantNotFound(std::string_view tenant, std::string_view error) {
  return Make(Kind::kNotFound, 400, error,
              fmt::format("AADSTS90002: Tenant '{}' not found. Check to make sure you have the correct "
                          "tenant ID and are signing into the correct cloud. Check with your "
                          "subscription administrator, this may happen if there are no active "
                          "subscriptions for the tenant.",
                          tenant));
}

Error InvalidTenantIdentifier(std::string_view tenant) {
  return BadRequest(
      fmt::format("AADSTS900023: Specified tenant identifier '{}' is neither a valid DNS name, nor a valid "
                  "external domain.",
                  tenant));
}

Error NoTenantInformation() {
  return BadRequest(
      "AADSTS50059: No tenant-identifying information found in either the request or implied by "
      "any provided credentials.");
}

Error InvalidInstance() { return Make(Kind::kInvalid, 400, "invalid_instance", "AADSTS50049: Unknown or invalid instance."); }

Error ScopeNotDefault(std::string_view scope) {
  return Make(Kind::kInvalid, 400, "invalid_scope",
              fmt::format("AADSTS1002012: The provided value for scope {} is not valid. Client "
                          "credential flows must have a scope value with /.default suffixed to the "
                          "resource identifier (application ID URI).",
                          scope));
}

// guess: the text observed for a scope of two resources is not confirmed; 70011 is the code
// Entra uses for an invalid scope value.
Error InvalidScope(std::string_view scope) {
  return Make(Kind::kInvalid, 400, "invalid_scope",
              fmt::format("AADSTS70011: The provided value for the input parameter 'scope' is not "
                          "valid. The scope {} is not valid.",
                          scope));
}

Error ResourceNotProvided() { return Make(Kind::kInvalid, 400, "invalid_resource", "AADSTS50001: Resource identifier is not provided."); }

Error ResourceNotFound(std::string_view resource, std::string_view tenant) {
  return Make(Kind::kNotFound, 400, "invalid_resource",
              fmt::format("AADSTS500011: The resource principal named {} was not found in the "
                          "tenant named {}. This can happen if the application has not been "
                          "installed by the administrator of the tenant or consented to by any user "
                          "in the tenant. You might have sent your authentication request to the "
                          "wrong tenant.",
                          resource, tenant));
}

Error NotAssignedToRole(std::string_view client_app_id, std::string_view client_name, std::string_view resource_app_id,
                        std::string_view resource_name) {
  return Make(Kind::kAuth, 400, "invalid_grant",
              fmt::format("AADSTS501051: Application '{}'({}) is not assigned to a role for the "
                          "application '{}'({}).",
                          client_app_id, client_name, resource_app_id, resource_name));
}

Error ClientNotFound(std::string_view client_id, std::string_view tenant) {
  return Make(Kind::kNotFound, 400, "unauthorized_client",
              fmt::format("AADSTS700016: Application with identifier '{}' was not found in the "
                          "directory '{}'. This can happen if the application has not been "
                          "installed by the administrator of the tenant or consented to by any user "
                          "in the tenant. You may have sent your authentication request to the wrong "
                          "tenant.",
                          client_id, tenant));
}

Error ClientWithoutServicePrincipal(std::string_view app_id, std::string_view tenant_id) {
  return Make(Kind::kAuth, 400, "invalid_client",
              fmt::format("AADSTS7000229: The client application {} is missing service principal "
                          "in the tenant {}. See instructions here: "
                          "https://go.microsoft.com/fwlink/?linkid=2225119",
                          app_id, tenant_id));
}

Error NoClientCredential() {
  return BadClient(
      "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' "
      "or 'client_secret'.");
}

Error InvalidSecret(std::string_view app_id) {
  return BadClient(
      fmt::format("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request "
                  "is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                  app_id));
}

Error ExpiredSecret(std::string_view app_id) {
  return BadClient(
      fmt::format("AADSTS7000222: The provided client secret keys for app '{}' are expired. Visit the Azure "
                  "portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using "
                  "certificate credentials for added security: https://aka.ms/certCreds.",
                  app_id));
}

// Observed from an older service version; the code is current.
Error UnexpectedAssertionType() { return BadRequest("AADSTS90011: Unexpected client assertion type."); }

Error MalformedAssertion() { return BadRequest("AADSTS50027: JWT token is invalid or malformed."); }

Error NoThumbprint() { return BadClient("AADSTS50027: Invalid JWT token. No certificate thumbprint specified in token header."); }

// guess: code and text of the iss/sub ≠ client_id refusal are not confirmed.
Error AssertionClientMismatch() {
  return BadClient(
      fmt::format("AADSTS700021: Client assertion application identifier doesn't match 'client_id' "
                  "parameter. {}",
                  kCertDocs));
}

Error AssertionAudience() {
  return BadClient(fmt::format("AADSTS700023: Client assertion audience claim does not match Realm issuer. {}", kCertDocs));
}

Error AssertionTimeRange(std::int64_t now, std::int64_t nbf, std::int64_t exp) {
  return BadClient(
      fmt::format("AADSTS700024: Client assertion is not within its valid time range. Current time: {}, "
                  "assertion valid from {}, expiry time of assertion {}. Review the documentation at "
                  "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
                  RoundTripTime(now), RoundTripTime(nbf), RoundTripTime(exp)));
}

Error CertificateNotRegistered(std::string_view thumbprint_hex, std::string_view app_id) {
  return BadClient(
      fmt::format("AADSTS700027: The certificate with identifier used to sign the client assertion is not "
                  "registered on application. [Reason - The key was not found., Thumbprint of key used by "
                  "client: '{}', {}]",
                  thumbprint_hex, SeeKeys(app_id)));
}

Error CertificateRejected(std::string_view reason, std::string_view thumbprint_hex, std::int64_t key_start, std::int64_t key_end,
                          std::string_view app_id) {
  return BadClient(
      fmt::format("AADSTS700027: Client assertion contains an invalid signature. [Reason - {}, Thumbprint of "
                  "key used by client: '{}', Found key 'Start={}, End={}', {}]",
                  reason, thumbprint_hex, KeyDate(key_start), KeyDate(key_end), SeeKeys(app_id)));
}

// guess: the text for an external token whose signature fails is not confirmed.
Error FederatedSignature() { return BadClient("AADSTS700027: Client assertion failed signature validation."); }

Error FederatedIssuer(std::string_view issuer) {
  return BadClient(
      fmt::format("AADSTS700211: No matching federated identity record found for presented assertion issuer "
                  "'{}'. {}",
                  issuer, kFederationDocs));
}

Error FederatedAudience(std::string_view audience) {
  return BadClient(
      fmt::format("AADSTS700212: No matching federated identity record found for presented assertion audience "
                  "'{}'. {}",
                  audience, kFederationDocs));
}

Error FederatedSubject(std::string_view subject) {
  return BadClient(
      fmt::format("AADSTS700213: No matching federated identity record found for presented assertion subject "
                  "'{}'. {}",
                  subject, kFederationDocs));
}

Error FederatedSubjectCase(std::string_view subject) {
  return BadClient(
      fmt::format("AADSTS7002138: No matching federated identity record found for presented assertion subject "
                  "'{}'. The subject matches with case-insensitive comparison, but not with case-sensitive "
                  "comparison. {}",
                  subject, kFederationDocs));
}

// guess: status and OAuth error of this refusal are not confirmed.
Error ExternalOidcFailed() { return BadRequest("AADSTS50166: Request to External OIDC endpoint failed."); }

Error Internal(std::string_view what) { return Make(Kind::kInternal, 500, "server_error", fmt::format("internal error: {}", what)); }

}  // namespace entragate::emulator::sts
