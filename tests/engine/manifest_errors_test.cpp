// The exact text of every manifest error, asserted verbatim: users and CI annotations rely on it.
// Each case is a file of the corpus in tests/manifests/invalid (which also pins code and position).
#include <doctest/doctest.h>

#include <filesystem>

#include "engine/diag_render.h"
#include "engine/manifest.h"

namespace fs = std::filesystem;
using namespace entragate::engine;

namespace {

struct Case {
  const char* file;
  const char* code;
  const char* message;
  const char* hint;
};

// Paths inside messages are shown relative to the repository root, as the loader is given them.
const Case kCases[] = {
    {"access-without-assignment-required.yaml", "E0222",
     "app 'testapp' lists access but not assignmentRequired; without it any identity in the tenant can get a token for the app",
     "write assignmentRequired: true, or false if every identity in the tenant may get a token"},
    {"control-character.yaml", "E0008",
     "the non-printable character U+001B is not allowed in a manifest; only tab, CR and LF may appear besides printable characters", ""},
    {"invalid-owner.yaml", "E0202",
     "invalid settings.owner 'team payments': use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 120 characters", ""},
    {"invalid-utf8.yaml", "E0007", "not UTF-8 text: byte 0xff cannot start a UTF-8 character", "manifests must be UTF-8; re-save the file as UTF-8"},
    // The key holds a real NUL and ESC (from YAML escapes): shown escaped, never raw or mangled.
    {"nul-escape-in-key.yaml", "E0202",
     "invalid app key 'test\\0app\\x1b[2J': use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 120 characters", ""},
    {"nul-in-key.yaml", "E0008", "a NUL byte (\\0) is not allowed in a manifest; only tab, CR and LF may appear besides printable characters", ""},
    {"overlong-utf8.yaml", "E0007", "not UTF-8 text: overlong UTF-8 sequence 0xc0 0xaf (U+002F in more bytes than it needs)",
     "manifests must be UTF-8; re-save the file as UTF-8"},
    {"prune-without-owner.yaml", "E0221", "settings.prune.apps is true, but settings.owner is not set",
     "name who owns this set, e.g. owner: team-payments; prune then deletes only applications entragate created for that owner"},
    {"surrogate-utf8.yaml", "E0007", "not UTF-8 text: UTF-8 sequence 0xed 0xa0 0x80 encodes the surrogate U+D800, which is not a character",
     "manifests must be UTF-8; re-save the file as UTF-8"},
    {"unterminated-double-quote.yaml", "E0004", "invalid YAML: wrongly indented double-quoted scalar", "is the closing quote missing?"},
    {"unterminated-single-quote.yaml", "E0004", "invalid YAML: wrongly indented single-quoted scalar", "is the closing quote missing?"},
    {"access-disabled-role.yaml", "E0216", "app role 'App.Use' of app 'testapp' is disabled (enabled: false) and cannot be assigned to 'centos-1'",
     ""},
    {"access-group-application-role.yaml", "E0204", "app role 'App.Use' of app 'testapp' allows member types [Application], but 'robots' needs User",
     "a service principal in a group does not get the group's app roles in its app-only tokens; grant the role to each service principal directly"},
    {"owners-unknown-identity.yaml", "E0228", "unknown identity 'alicia' in owners of app 'testapp'; name an entry of identities or an app key",
     "did you mean 'alice'?"},
    {"owners-group.yaml", "E0229",
     "'support' in servicePrincipalOwners of app 'testapp' is a group; Graph lets only users and service principals own a service principal",
     "name the group's members instead"},
    {"access-member-type-mismatch.yaml", "E0204", "app role 'App.Use' of app 'testapp' allows member types [User], but 'centos-1' needs Application",
     ""},
    {"access-unknown-identity.yaml", "E0205",
     "unknown identity 'centos1' in access['App.Use'] of app 'testapp'; name an entry of identities or an app key", "did you mean 'centos-1'?"},
    {"access-unknown-role.yaml", "E0203", "unknown app role 'App.Uze' in access of app 'testapp'", "did you mean 'App.Use'?"},
    {"adopt-both-ids.yaml", "E0215", "adopt of app 'legacy' needs exactly one of appId or objectId", ""},
    {"duplicate-identifier-uri-across-apps.yaml", "E0213",
     "identifier URI 'api://{tenantId}/orders' is also used by app 'orders' at tests/manifests/invalid/duplicate-identifier-uri-across-apps.yaml:7:23; identifier URIs are unique in a tenant",
     ""},
    {"duplicate-identifier-uri.yaml", "E0110", "'api://{appId}' is listed twice in 'identifierUris' in app 'testapp'", ""},
    {"duplicate-key.yaml", "E0103",
     "duplicate key 'displayName' in app 'testapp'; it was first given at tests/manifests/invalid/duplicate-key.yaml:6:5", ""},
    {"duplicate-role-id.yaml", "E0209", "app roles 'App.Read' and 'App.Write' of app 'testapp' have the same id 3b1f6a52-8d0e-4c7a-9f21-6e5d4c3b2a10",
     ""},
    {"empty-allowed-member-types.yaml", "E0109", "allowedMemberTypes of app role 'App.Use' of app 'testapp' must list Application and/or User", ""},
    {"empty-display-name.yaml", "E0219", "'displayName' in app 'testapp' must not be empty", ""},
    {"identifier-uri-unknown-placeholder.yaml", "E0212",
     "identifier URI 'api://{tenantId}/{appid}': unknown placeholder '{appid}'; use {appId} or {tenantId}", ""},
    {"identifier-uri-v1-policy.yaml", "E0211",
     "identifier URI 'api://my-api' would be refused by the default tenant policy: a new URI on an app with v1 access tokens must contain the app id, the tenant id or a verified domain",
     "use api://{appId} or api://{tenantId}/<name>, or set requestedAccessTokenVersion: 2"},
    {"identity-name-equals-app-key.yaml", "E0218",
     "'testapp' names both an identity and an app (at tests/manifests/invalid/identity-name-equals-app-key.yaml:8:3); access could not tell them apart",
     ""},
    {"identity-no-selector.yaml", "E0207",
     "identity 'billing' needs one selector: managedIdentity, resourceId, appId, objectId, servicePrincipal, group, user", ""},
    {"identity-two-selectors.yaml", "E0206", "identity 'billing' has more than one selector ('appId' and 'servicePrincipal'); give exactly one", ""},
    {"invalid-app-key.yaml", "E0202",
     "invalid app key 'test app': use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 120 characters", ""},
    {"invalid-identity-app-id.yaml", "E0201", "'14cf0169-357d-43c1-ae2a-955f52962' is not a GUID (appId of identity 'billing')", ""},
    {"invalid-member-type.yaml", "E0108", "'Service' is not a member type; use Application and/or User", ""},
    {"invalid-role-value-leading-dot.yaml", "E0208", "invalid app role value '.App.Use': a role value must not start with '.'", ""},
    {"invalid-role-value-space.yaml", "E0208", "invalid app role value 'App Use': a role value must not contain spaces", ""},
    {"invalid-sign-in-audience.yaml", "E0108",
     "'AzureADMyOrgs' is not a signInAudience; use one of AzureADMyOrg, AzureADMultipleOrgs, AzureADandPersonalMicrosoftAccount, PersonalMicrosoftAccount",
     "did you mean 'AzureADMyOrg'?"},
    {"invalid-tenant.yaml", "E0214", "tenant 'contoso' is neither a tenant id (GUID) nor a domain name", ""},
    {"missing-allowed-member-types.yaml", "E0104", "missing required key 'allowedMemberTypes' in app role 'App.Use' of app 'testapp'", ""},
    {"missing-display-name.yaml", "E0104", "missing required key 'displayName' in app 'testapp'", ""},
    {"personal-account-needs-v2.yaml", "E0217", "signInAudience PersonalMicrosoftAccount requires requestedAccessTokenVersion: 2", ""},
    {"unknown-claim-for-token-type.yaml", "E0210", "'idtyp' is not an optional claim Entra knows for idToken", "'idtyp' is a claim of accessToken"},
    {"unknown-key-in-app.yaml", "E0101", "unknown key 'assignmentRequierd' in app 'testapp'", "did you mean 'assignmentRequired'?"},
    {"unknown-key-in-role.yaml", "E0101", "unknown key 'isEnabled' in app role 'App.Use' of app 'testapp'", "did you mean 'enabled'?"},
    {"unknown-top-level-key.yaml", "E0101", "unknown key 'identites' in the manifest", "did you mean 'identities'?"},
    {"unsupported-version.yaml", "E0105", "unsupported manifest version 2; this entragate reads version 1", ""},
    {"wrong-type-assignment-required-string.yaml", "E0102", "'assignmentRequired' in app 'testapp': expected a boolean, found a string",
     "write true or false, without quotes"},
    {"wrong-type-display-name-mapping.yaml", "E0102", "'displayName' in app 'testapp': expected a string, found a mapping", ""},
    {"wrong-type-version-string.yaml", "E0102", "'version' in the manifest: expected an integer, found a string", "write the number without quotes"},
    {"yaml-syntax-error.yaml", "E0004", "invalid YAML: flow sequence with invalid extra closing bracket", ""},
};

}  // namespace

TEST_CASE("every error code has its exact message") {
  for (const Case& c : kCases) {
    CAPTURE(c.file);
    Diagnostics diags;
    LoadManifest((fs::path("tests/manifests/invalid") / c.file).string(), diags);
    REQUIRE_MESSAGE(diags.items().size() == 1, RenderDiagnostics(diags, false));
    CHECK(diags.items()[0].code == c.code);
    CHECK(diags.items()[0].message == c.message);
    CHECK(diags.items()[0].hint == c.hint);
  }
}
