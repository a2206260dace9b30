#pragma once
// The default way entragate finds a credential: the first source the environment configures, in
// a fixed order, like the Azure SDKs' DefaultAzureCredential (graph-facts §9.2) but choosing once
// up front instead of trying each at every request, so the source in use can be named:
//   1. client secret       AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_CLIENT_SECRET
//   2. client certificate  AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_CLIENT_CERTIFICATE_PATH
//                          (+ AZURE_CLIENT_CERTIFICATE_PASSWORD; ENTRAGATE_CLIENT_ASSERTION_ALG =
//                          RS256 (default) | PS256)
//   3. workload identity   AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_FEDERATED_TOKEN_FILE
//   4. GitHub Actions OIDC AZURE_CLIENT_ID + AZURE_TENANT_ID + ACTIONS_ID_TOKEN_REQUEST_URL +
//                          ACTIONS_ID_TOKEN_REQUEST_TOKEN
//   5. managed identity    IDENTITY_ENDPOINT + IDENTITY_HEADER (App Service), else IMDS at
//                          AZURE_POD_IDENTITY_AUTHORITY_HOST or 169.254.169.254 if a probe
//                          answers; AZURE_CLIENT_ID selects a user-assigned identity
//   6. Azure CLI           `az` on PATH
//   7. access token        ENTRAGATE_ACCESS_TOKEN

#include <memory>

#include "engine/result.h"
#include "providers/graph/credential.h"

namespace entragate::graph {

/// The first source that applies, uncached: wrap it in a CachingCredential (caching_credential.h)
/// unless every call should reach the source. A source that applies but is
/// misconfigured (an unreadable certificate, an unknown assertion algorithm) is an error, not a
/// reason to fall through to the next one. When none applies: kAuth, code "no_credential", a
/// message listing every source checked, why it did not apply and how to configure it.
engine::Result<std::unique_ptr<Credential>> DefaultCredentialChain(const CredentialEnv& env);

}  // namespace entragate::graph
