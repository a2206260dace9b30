#pragma once
// `entragate export`: existing applications → manifest v1 text. Pure: the provider reads the tenant
// into an ExportSource (Provider::ReadForExport), this turns it into YAML files. The aim is
// a round trip: `plan` on the output finds nothing to change. Whatever a manifest cannot state
// exactly is left out and said in a note (a comment in the file and a line for stderr), never
// exported as something entragate would then change behind the user's back.

#include <map>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "engine/graph_rules.h"

namespace entragate::engine {

/// Where editors find the manifest schema; the first line of every exported file points there.
inline constexpr const char* kManifestSchemaUrl = "https://entragate.dev/schemas/manifest.v1.schema.json";

/// The default-access "role" Graph uses for assignments to apps without roles; a manifest cannot name it.

/// A principal that holds a role on an exported app.
struct ExportPrincipal {
  std::string object_id;  ///< lower case
  std::string type;       ///< ServicePrincipal, User, Group
  std::string display_name;
  std::string service_principal_type;  ///< service principals: Application, ManagedIdentity, …
  std::string app_id;                  ///< service principals
  std::string user_principal_name;     ///< users
  /// Managed identities and groups: no other principal of its kind in the tenant has this display
  /// name (compared as Graph does, ignoring case), so the manifest can name it by display name.
  bool unique_display_name = false;
};

/// One appRoleAssignedTo entry of an exported app's service principal.
struct ExportAssignment {
  std::string app_role_id;     ///< lower case
  std::string principal_id;    ///< lower case
  std::string principal_type;  ///< ServicePrincipal, User, Group
  std::string principal_display_name;
};

/// An owner of an exported application or of its service principal.
struct ExportOwner {
  std::string object_id;  ///< lower case
  std::string type;       ///< ServicePrincipal, User, Group
  std::string display_name;
};

struct ExportApp {
  boost::json::object application;  ///< as read (the properties the planner compares, tags included)
  bool has_service_principal = false;
  std::string service_principal_id;  ///< lower case
  bool assignment_required = false;
  std::vector<ExportAssignment> assigned_to;
  std::vector<ExportOwner> owners;     ///< of the application
  std::vector<ExportOwner> sp_owners;  ///< of its service principal
};

/// Which applications `export` reads; the selectors add up. `all` takes every application of the tenant.
struct ExportSelection {
  std::vector<std::string> app_ids;        ///< application (client) ids
  std::vector<std::string> display_names;  ///< every application with that display name
  std::vector<std::string> unique_names;
  std::vector<std::string> tags;  ///< applications carrying the tag
  bool all = false;
};

struct ExportSource {
  std::string tenant_id;    ///< lower case; becomes the files' `tenant:` guard
  std::string origin;       ///< for the header: "the local tenant", "Microsoft Graph (https://…)"
  std::string exported_at;  ///< for the header: UTC, ISO 8601
  std::vector<ExportApp> apps;
  std::map<std::string, ExportPrincipal> principals;  ///< by object id: everyone the assignments and owners name
  std::vector<std::string> notes;                     ///< from the reader: what was skipped, and why
};

enum class ExportLayout {
  kOneFile,     ///< everything in one document
  kFilePerApp,  ///< `<app key>.yaml` each (with the identities only it uses), `_identities.yaml` for shared ones
};

struct ExportedFile {
  std::string name;  ///< file name, no directory; "export.yaml" for kOneFile
  std::string text;
};

struct ExportOutput {
  std::vector<ExportedFile> files;  ///< empty when there is no app to export
  std::vector<std::string> notes;   ///< the reader's notes, then "app 'key': …" for each app
};

ExportOutput ExportManifests(const ExportSource& source, ExportLayout layout);

/// A local name (app key, identity name) from free text: lower case, other characters as '-', within
/// the manifest's name rules; empty when nothing usable is left. Slug("Support Engineers") ==
/// "support-engineers".
std::string ExportSlug(const std::string& text);

}  // namespace entragate::engine
