#include "providers/graph/graph_stack.h"

#include "providers/graph/credentials/caching_credential.h"
#include "providers/graph/credentials/client_secret_credential.h"

namespace entragate::graph {

std::function<engine::Result<std::string>()> BearerFrom(Credential& credential, std::string scope) {
  return [&credential, scope = std::move(scope)]() -> engine::Result<std::string> {
    auto token = credential.GetToken(scope);
    if (!token.ok()) return token.error();
    return token->token;
  };
}

GraphStack MakeGraphStack(Transport& transport, std::unique_ptr<Credential> credential, std::string scope, GraphClientOptions options) {
  GraphStack s;
  s.credential = std::move(credential);
  Credential* source = s.credential.get();
  if (auto* caching = dynamic_cast<CachingCredential*>(source); caching && !options.on_unauthorized)
    options.on_unauthorized = [caching] { caching->Invalidate(); };
  s.client = std::make_unique<GraphClient>(transport, BearerFrom(*source, std::move(scope)), std::move(options));
  s.provider = std::make_unique<GraphProvider>(*s.client);
  return s;
}

GraphStack MakeSecretStack(Transport& transport, const AppIdentity& app, std::string secret, GraphClientOptions options, std::string scope) {
  auto credential =
      std::make_unique<CachingCredential>(std::make_unique<ClientSecretCredential>(transport, app, std::move(secret), SystemNow), SystemNow);
  return MakeGraphStack(transport, std::move(credential), std::move(scope), std::move(options));
}

}  // namespace entragate::graph
