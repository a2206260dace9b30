#include "providers/graph/credentials/cloud.h"

#include <array>
#include <cctype>

#include <fmt/format.h>

namespace entragate::graph {

namespace {

using engine::Error;

struct KnownCloud {
  std::string_view name;
  std::array<std::string_view, 2> aliases;
  std::string_view graph_root;
  std::string_view login_host;
};

// China: the current Entra documentation names login.partner.microsoftonline.cn; the older
// login.chinacloudapi.cn that the Azure SDKs still default to is reachable via
// AZURE_AUTHORITY_HOST.
constexpr std::array<KnownCloud, 4> kClouds{{
    {"public", {"global", "azurecloud"}, "https://graph.microsoft.com", "https://login.microsoftonline.com"},
    {"usgov", {"gcchigh", "azureusgovernment"}, "https://graph.microsoft.us", "https://login.microsoftonline.us"},
    {"usgov-dod", {"dod", ""}, "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"},
    {"china", {"azurechinacloud", ""}, "https://microsoftgraph.chinacloudapi.cn", "https://login.partner.microsoftonline.cn"},
}};

bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string KnownNames() {
  std::string out;
  for (const auto& cloud : kClouds) {
    if (!out.empty()) out += ", ";
    out += cloud.name;
  }
  return out;
}

std::string WithoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// An override must be a base URL we can append paths to.
engine::Result<std::string> CheckBaseUrl(std::string_view what, std::string url) {
  const bool http = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
  const auto host_start = url.find("://") + 3;
  if (!http || url.size() <= host_start || url[host_start] == '/' || url.find_first_of("?#") != std::string::npos) {
    return engine::MakeError(Error::Kind::kInvalid, fmt::format("{} must be an absolute http(s) URL without query or fragment, got '{}'", what, url));
  }
  return WithoutTrailingSlashes(std::move(url));
}

std::optional<std::string> NonEmpty(const std::optional<std::string>& value) {
  if (!value || value->empty()) return std::nullopt;
  return value;
}

engine::Status ApplyLoginOverride(Cloud& cloud, const std::optional<std::string>& flag, const GetEnv& getenv) {
  std::string_view source = "--login-url";
  std::optional<std::string> value = NonEmpty(flag);
  if (!value && getenv) {
    source = "AZURE_AUTHORITY_HOST";
    value = NonEmpty(getenv("AZURE_AUTHORITY_HOST"));
  }
  if (!value) return engine::Ok{};
  auto url = CheckBaseUrl(source, *value);
  if (!url) return url.error();
  cloud.login_host = std::move(url).value();
  return engine::Ok{};
}

engine::Status ApplyGraphOverride(Cloud& cloud, const std::optional<std::string>& flag) {
  if (!NonEmpty(flag)) return engine::Ok{};
  auto url = CheckBaseUrl("--graph-url", *flag);
  if (!url) return url.error();
  std::string root = std::move(url).value();
  constexpr std::string_view kVersion = "/v1.0";
  if (root.size() > kVersion.size() && root.compare(root.size() - kVersion.size(), kVersion.size(), kVersion) == 0) {
    root = WithoutTrailingSlashes(root.substr(0, root.size() - kVersion.size()));
  }
  cloud.graph_root = std::move(root);
  return engine::Ok{};
}

}  // namespace

std::string Cloud::GraphScope() const { return graph_resource + "/.default"; }

std::string Cloud::GraphBaseUrl() const { return graph_root + "/v1.0"; }

std::optional<Cloud> Cloud::Named(std::string_view name) {
  for (const auto& known : kClouds) {
    if (SameName(name, known.name) || SameName(name, known.aliases[0]) || SameName(name, known.aliases[1])) {
      return Cloud{std::string(known.name), std::string(known.graph_root), std::string(known.login_host), std::string(known.graph_root)};
    }
  }
  return std::nullopt;
}

engine::Result<Cloud> ResolveCloud(std::string_view name, const std::optional<std::string>& graph_url_override,
                                   const std::optional<std::string>& login_url_override, const GetEnv& getenv) {
  auto cloud = Cloud::Named(name);
  if (!cloud) {
    return engine::MakeError(Error::Kind::kInvalid, "unknown cloud '" + std::string(name) + "' (known: " + KnownNames() + ")");
  }
  if (auto applied = ApplyLoginOverride(*cloud, login_url_override, getenv); !applied) {
    return applied.error();
  }
  if (auto applied = ApplyGraphOverride(*cloud, graph_url_override); !applied) {
    return applied.error();
  }
  return *cloud;
}

}  // namespace entragate::graph
