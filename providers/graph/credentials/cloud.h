#pragma once
// Which Microsoft cloud entragate talks to: the Graph root requests go to, the login host tokens
// come from, and the resource those tokens are for (docs/graph-behaviour.md §9.3). National clouds differ in
// all three; the local tenant differs only in where requests go.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "engine/result.h"
#include "providers/graph/credentials/room.h"

namespace entragate::graph {

/// Reads one environment variable; nullopt when unset. Injected so tests never touch the process
/// environment.
using GetEnv = std::function<std::optional<std::string>(const char*)>;

struct Cloud {
  std::string name;        ///< "public", "usgov", "usgov-dod" or "china"
  std::string graph_root;  ///< where Graph requests go, no trailing '/' and no "/v1.0"
  std::string login_host;  ///< authority root, e.g. "https://login.microsoftonline.com"
  /// The identifier access tokens are requested for: the cloud's own Graph root. It stays put when
  /// --graph-url sends requests elsewhere (a proxy, the local tenant), because the token must
  /// still be for Microsoft Graph.
  std::string graph_resource;

  /// "{graph_resource}/.default", the client-credentials scope for Graph.
  std::string GraphScope() const;
  /// "{graph_root}/v1.0".
  std::string GraphBaseUrl() const;

  /// The built-in clouds. Also accepts the Azure CLI's names (AzureCloud, AzureUSGovernment,
  /// AzureChinaCloud) and "global"/"dod", case-insensitively; the result carries the canonical
  /// name.
  static std::optional<Cloud> Named(std::string_view name);
};

/// The cloud `name` with overrides applied, most specific first:
///  - login host: `login_url_override` (--login-url), else AZURE_AUTHORITY_HOST, else the cloud's;
///  - Graph root: `graph_url_override` (--graph-url; a trailing "/v1.0" is accepted and dropped),
///    else the cloud's.
/// Empty strings count as unset. kInvalid for an unknown cloud name (the message lists the known
/// ones) or an override that is not an absolute http(s) URL without query or fragment.
engine::Result<Cloud> ResolveCloud(std::string_view name, const std::optional<std::string>& graph_url_override,
                                   const std::optional<std::string>& login_url_override, const GetEnv& getenv);

}  // namespace entragate::graph
