#include "providers/graph/credentials/azure_cli_credential.h"

#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <optional>
#include <utility>

#include "providers/graph/credentials/token_response.h"

namespace entragate::graph {

namespace {

namespace json = boost::json;
using engine::Error;

std::optional<std::int64_t> EpochField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (!value->is_string()) return std::nullopt;
  const std::string_view text = value->get_string();
  std::int64_t out = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

// Older az prints the expiry in the machine's local time, without a zone.
std::optional<std::int64_t> LocalTimeField(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (!value || !value->is_string()) return std::nullopt;
  const std::string text(value->get_string());
  std::tm parts{};
  if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &parts.tm_year, &parts.tm_mon, &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec) !=
      6) {
    return std::nullopt;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  parts.tm_isdst = -1;
  const std::time_t epoch = std::mktime(&parts);
  if (epoch == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<std::int64_t>(epoch);
}

Error Unusable(std::string_view who, std::string_view what) {
  return engine::MakeError(Error::Kind::kAuth, std::string(who) + ": " + std::string(what));
}

}  // namespace

engine::Result<AccessToken> ParseAzureCliToken(std::string_view output, std::string_view who) {
  boost::system::error_code ec;
  json::value parsed = json::parse(output, ec);
  if (ec || !parsed.is_object()) return Unusable(who, "az printed something that is not a JSON object");
  const json::object& object = parsed.get_object();
  const json::value* token = object.if_contains("accessToken");
  if (!token || !token->is_string() || token->get_string().empty()) {
    return Unusable(who, "az printed no accessToken");
  }
  auto expires_on = EpochField(object, "expires_on");
  if (!expires_on) expires_on = LocalTimeField(object, "expiresOn");
  if (!expires_on) return Unusable(who, "az printed no usable expires_on or expiresOn");
  return AccessToken{std::string(token->get_string()), *expires_on};
}

AzureCliCredential::AzureCliCredential(RunProgram run, std::string az_path) : run_(std::move(run)), az_path_(std::move(az_path)) {}

engine::Result<AccessToken> AzureCliCredential::GetToken(const std::string& scope) {
  auto output = run_({az_path_, "account", "get-access-token", "--resource", ScopeToResource(scope), "--output", "json"});
  // az's own standard error ("Please run 'az login'…") is the best explanation; it is in the
  // runner's message.
  if (!output) return Prefixed(output.error(), Name());
  return ParseAzureCliToken(*output, Name());
}

bool AzureCliNotSignedIn(const engine::Error& error) {
  return error.message.find("az login") != std::string::npos || error.message.find("az account set") != std::string::npos;
}

std::string AzureCliCredential::Name() const { return "Azure CLI (az account get-access-token)"; }

}  // namespace entragate::graph
