#pragma once
// The default way entragate finds a credential: the sources the environment configures, in a fixed
// order, like the Azure SDKs' DefaultAzureCredential (docs/graph-behaviour.md §9.2). They are tried in turn at
// the first token, and the first that delivers one is used from then on, so the source in use can
// be named. A source that is configured but unavailable on this machine gives way to the next one,
// as in Azure Identity: an IMDS that does not answer, or answers 4xx without a token endpoint's
// JSON (any non-Azure host with a link-local responder), or IMDS's 400 (no identity here); an
// `az` that is not signed in. Any other failure of a configured source is final. The order:
//   1. client secret       AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_CLIENT_SECRET
//   2. client certificate  AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_CLIENT_CERTIFICATE_PATH
//                          (+ AZURE_CLIENT_CERTIFICATE_PASSWORD; ENTRAGATE_CLIENT_ASSERTION_ALG =
//                          RS256 (default) | PS256)
//   3. workload identity   AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_FEDERATED_TOKEN_FILE
//   4. GitHub Actions OIDC AZURE_CLIENT_ID + AZURE_TENANT_ID + ACTIONS_ID_TOKEN_REQUEST_URL +
//                          ACTIONS_ID_TOKEN_REQUEST_TOKEN
//   5. managed identity    IDENTITY_ENDPOINT + IDENTITY_HEADER (App Service), else IMDS at
//                          AZURE_POD_IDENTITY_AUTHORITY_HOST or 169.254.169.254 if a probe
//                          finds an IMDS there; AZURE_CLIENT_ID selects a user-assigned identity
//   6. Azure CLI           `az` on PATH
//   7. access token        ENTRAGATE_ACCESS_TOKEN

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"
#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"

namespace entragate::graph {

/// The sources that apply, uncached: wrap the chain in a CachingCredential (caching_credential.h)
/// unless every call should reach the source. A source that applies but is misconfigured (an
/// unreadable certificate, an unknown assertion algorithm) is an error, not a reason to fall
/// through to the next one. When none applies: kAuth, code "no_credential", a message listing
/// every source checked, why it did not apply and how to configure it. When every source that
/// applies turns out unavailable, the first GetToken fails the same way, listing what each said.
engine::Result<std::unique_ptr<Credential>> DefaultCredentialChain(const CredentialEnv& env);

/// Exactly one source, by the name `--auth` uses (CredentialSourceNames: secret, certificate,
/// workload-identity, github, managed-identity, azure-cli, token); nothing else is tried. It must
/// be configured (kAuth, code "no_credential", saying what is missing); managed identity goes to
/// App Service when IDENTITY_ENDPOINT and IDENTITY_HEADER are set, else straight to IMDS, unprobed.
engine::Result<std::unique_ptr<Credential>> SelectedCredential(const CredentialEnv& env, std::string_view name);

/// The names SelectedCredential accepts, in the chain's order.
const std::vector<std::string>& CredentialSourceNames();

}  // namespace entragate::graph
