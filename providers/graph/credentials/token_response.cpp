#include "providers/graph/credentials/token_response.h"

#include <boost/json.hpp>
#include <charconv>
#include <optional>

namespace entragate::graph {

namespace {

namespace json = boost::json;
using engine::Error;

std::optional<json::object> ParseObject(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

std::optional<std::string> StringField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (!value || !value->is_string() || value->get_string().empty()) return std::nullopt;
  return std::string(value->get_string());
}

// Entra's v2 endpoint sends numbers, its v1 endpoint and the managed-identity endpoints strings.
std::optional<std::int64_t> IntegerField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double()) return static_cast<std::int64_t>(value->get_double());
  if (!value->is_string()) return std::nullopt;
  const std::string_view text = value->get_string();
  std::int64_t out = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

std::string FirstLine(std::string_view text) {
  text = text.substr(0, text.find_first_of("\r\n"));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

Error::Kind KindForStatus(int status) {
  if (status == 429) return Error::Kind::kThrottled;
  if (status >= 500) return Error::Kind::kTransient;
  return Error::Kind::kAuth;
}

struct ErrorFields {
  std::string code;
  std::string description;
  std::string correlation_id;
};

ErrorFields ReadErrorFields(const json::object& body) {
  ErrorFields out;
  if (const json::value* error = body.if_contains("error")) {
    if (error->is_string()) out.code = std::string(error->get_string());
    if (error->is_object()) {
      out.code = StringField(error->get_object(), "code").value_or("");
      out.description = StringField(error->get_object(), "message").value_or("");
    }
  }
  if (auto description = StringField(body, "error_description")) out.description = *description;
  if (out.description.empty()) out.description = StringField(body, "message").value_or("");
  out.description = FirstLine(out.description);
  out.correlation_id = StringField(body, "correlation_id").value_or("");
  return out;
}

}  // namespace

engine::Error TokenResponseError(const net::Response& response, std::string_view who) {
  Error error;
  error.kind = KindForStatus(response.status);
  error.http_status = response.status;
  error.message = std::string(who) + ": token request failed: HTTP " + std::to_string(response.status);
  const auto body = ParseObject(response.body);
  if (!body) {
    error.message += " (the answer is not a token endpoint's JSON)";
    return error;
  }
  ErrorFields fields = ReadErrorFields(*body);
  if (!fields.code.empty()) error.message += " " + fields.code;
  if (!fields.description.empty()) error.message += ": " + fields.description;
  error.code = std::move(fields.code);
  error.request_id = std::move(fields.correlation_id);
  return error;
}

engine::Result<AccessToken> ParseTokenResponse(const net::Response& response, std::int64_t now, std::string_view who) {
  if (response.status < 200 || response.status > 299) return TokenResponseError(response, who);
  const auto body = ParseObject(response.body);
  auto token = body ? StringField(*body, "access_token") : std::nullopt;
  if (!token) {
    return engine::MakeError(Error::Kind::kAuth, std::string(who) + ": the token response has no access_token");
  }
  std::optional<std::int64_t> expires_on = IntegerField(*body, "expires_on");
  if (!expires_on) {
    if (auto expires_in = IntegerField(*body, "expires_in")) expires_on = now + *expires_in;
  }
  if (!expires_on) {
    return engine::MakeError(Error::Kind::kAuth, std::string(who) + ": the token response says nothing about expiry");
  }
  return AccessToken{std::move(*token), *expires_on};
}

engine::Error Prefixed(engine::Error error, std::string_view who) {
  error.message = std::string(who) + ": " + error.message;
  return error;
}

std::string Redacted(std::string text, std::initializer_list<std::string_view> secrets) {
  constexpr std::string_view kMark = "[redacted]";
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + kMark.size())) {
      text.replace(at, secret.size(), kMark);
    }
  }
  return text;
}

}  // namespace entragate::graph
