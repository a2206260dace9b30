#include "providers/graph/credentials/token_info.h"

#include <ctime>

#include "crypto/jwt.h"

namespace entragate::graph {

namespace {

namespace json = boost::json;

std::string StringClaim(const json::object& claims, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    const json::value* value = claims.if_contains(name);
    if (value && value->is_string() && !value->get_string().empty()) {
      return std::string(value->get_string());
    }
  }
  return {};
}

std::optional<std::int64_t> NumberClaim(const json::object& claims, std::string_view name) {
  const json::value* value = claims.if_contains(name);
  if (!value) return std::nullopt;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double()) return static_cast<std::int64_t>(value->get_double());
  return std::nullopt;
}

std::vector<std::string> StringArrayClaim(const json::object& claims, std::string_view name) {
  std::vector<std::string> out;
  const json::value* value = claims.if_contains(name);
  if (!value || !value->is_array()) return out;
  for (const auto& item : value->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

// scp is one space-separated string.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    if (space != 0) out.emplace_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  return out;
}

std::string Joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string Relative(std::int64_t expires_on, std::int64_t now) {
  const std::int64_t minutes = (expires_on > now ? expires_on - now : now - expires_on) / 60;
  const std::string span = minutes < 1 ? "less than a minute" : std::to_string(minutes) + " min";
  return expires_on > now ? "in " + span : "expired " + span + " ago";
}

std::string ExpiryText(const std::optional<std::int64_t>& expires_on, std::int64_t now) {
  if (!expires_on) return {};
  return FormatUtc(*expires_on) + " (" + Relative(*expires_on, now) + ")";
}

void AddLine(std::vector<std::string>& lines, std::string_view label, const std::string& value) {
  constexpr std::size_t kLabelWidth = 11;
  if (value.empty()) return;
  std::string line(label);
  line += ':';
  line.resize(kLabelWidth + 1, ' ');
  lines.push_back(line + value);
}

}  // namespace

engine::Result<TokenInfo> DecodeTokenInfo(std::string_view token) {
  auto decoded = crypto::DecodeJwt(token);
  if (!decoded) {
    return engine::MakeError(engine::Error::Kind::kInvalid, "the access token is not a JWT, so its claims cannot be shown");
  }
  const json::object& claims = decoded->payload;
  TokenInfo info;
  info.tenant_id = StringClaim(claims, {"tid"});
  info.client_id = StringClaim(claims, {"appid", "azp"});
  info.client_name = StringClaim(claims, {"app_displayname"});
  info.object_id = StringClaim(claims, {"oid"});
  info.user = StringClaim(claims, {"upn", "unique_name", "preferred_username"});
  info.audience = StringClaim(claims, {"aud"});
  info.roles = StringArrayClaim(claims, "roles");
  info.scopes = Words(StringClaim(claims, {"scp"}));
  info.expires_on = NumberClaim(claims, "exp");
  return info;
}

std::vector<std::string> RenderTokenInfo(const TokenInfo& info, std::int64_t now) {
  std::vector<std::string> lines;
  AddLine(lines, "tenant", info.tenant_id);
  AddLine(lines, "client id", info.client_name.empty() ? info.client_id : info.client_id + " (" + info.client_name + ")");
  AddLine(lines, "object id", info.object_id);
  AddLine(lines, "user", info.user);
  AddLine(lines, "audience", info.audience);
  AddLine(lines, "roles", info.roles.empty() ? "(none)" : Joined(info.roles, ", "));
  AddLine(lines, "scopes", Joined(info.scopes, " "));
  AddLine(lines, "expires", ExpiryText(info.expires_on, now));
  return lines;
}

std::string FormatUtc(std::int64_t unix_seconds) {
  const std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  if (!::gmtime_r(&time, &parts)) return std::to_string(unix_seconds);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace entragate::graph
