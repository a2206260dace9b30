// The text of an export: yaml-cpp's emitter writes the values (it knows YAML's quoting rules); this
// file lays out the documents, adds the comments and quotes what YAML would read as a non-string.
#include <algorithm>
#include <functional>
#include <set>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/export_internal.h"
#include "engine/yaml_core_schema.h"

namespace entragate::engine::export_detail {

namespace {

// Plain scalars the loader would read as null, a boolean or a number (YAML 1.2 core schema), and the
// YAML 1.1 booleans other tools still honour: such strings are written quoted.
bool ReadsAsNonString(const std::string& s) {
  using namespace yaml_detail;
  static const std::set<std::string_view> kYaml11Booleans = {"y",  "Y",  "yes", "Yes", "YES", "n",   "N",   "no",
                                                             "No", "NO", "on",  "On",  "ON",  "off", "Off", "OFF"};
  return IsCoreNull(s) || IsCoreBool(s) || IsCoreInt(s) || IsCoreFloat(s) || kYaml11Booleans.count(s) > 0;
}

YAML::Emitter& Text(YAML::Emitter& e, const std::string& s) {
  if (ReadsAsNonString(s)) e << YAML::DoubleQuoted;
  return e << s;
}

void Key(YAML::Emitter& e, const std::string& key) {
  e << YAML::Key;
  Text(e, key);
  e << YAML::Value;
}

// Short lists on one line, as people write them; long ones one item per line.
void List(YAML::Emitter& e, const std::vector<std::string>& items) {
  size_t width = 0;
  for (const auto& i : items) width += i.size() + 2;
  if (width <= 72) e << YAML::Flow;
  e << YAML::BeginSeq;
  for (const auto& i : items) Text(e, i);
  e << YAML::EndSeq;
}

template <class T>
void Field(YAML::Emitter& e, const std::string& key, const T& value) {
  Key(e, key);
  if constexpr (std::is_convertible_v<T, std::string>)
    Text(e, value);
  else
    e << value;
}

void EmptyMap(YAML::Emitter& e) { e << YAML::Flow << YAML::BeginMap << YAML::EndMap; }

void Roles(YAML::Emitter& e, const std::vector<RoleOut>& roles) {
  Key(e, "appRoles");
  e << YAML::BeginMap;
  for (const auto& r : roles) {
    Key(e, r.value);
    e << YAML::BeginMap;
    Field(e, "id", r.id);
    // Written only where they differ from the manifest's defaults (display name: the value;
    // description: the display name).
    std::string display_name = r.display_name.empty() ? r.value : r.display_name;
    if (display_name != r.value) Field(e, "displayName", display_name);
    if (!r.description.empty() && r.description != display_name) Field(e, "description", r.description);
    Key(e, "allowedMemberTypes");
    List(e, r.types);
    if (!r.enabled) Field(e, "enabled", false);
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
}

void Claim(YAML::Emitter& e, const ClaimOut& c) {
  if (c.Plain()) {
    Text(e, c.name);
    return;
  }
  e << YAML::Flow << YAML::BeginMap;
  Field(e, "name", c.name);
  if (c.essential) Field(e, "essential", true);
  if (c.source) Field(e, "source", *c.source);
  if (!c.additional_properties.empty()) {
    Key(e, "additionalProperties");
    List(e, c.additional_properties);
  }
  e << YAML::EndMap;
}

void Claims(YAML::Emitter& e, const ClaimsOut& claims) {
  Key(e, "optionalClaims");
  e << YAML::BeginMap;
  for (const auto& [type, list] : claims) {
    Key(e, type);
    bool plain = std::all_of(list.begin(), list.end(), [](const ClaimOut& c) { return c.Plain(); });
    if (plain) e << YAML::Flow;
    e << YAML::BeginSeq;
    for (const auto& c : list) Claim(e, c);
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
}

void Access(YAML::Emitter& e, const std::map<std::string, std::vector<std::string>>& access) {
  Key(e, "access");
  if (access.empty()) return EmptyMap(e);
  e << YAML::BeginMap;
  for (const auto& [role, names] : access) {
    Key(e, role);
    List(e, names);
  }
  e << YAML::EndMap;
}

std::vector<std::string> TagsBesidesMarker(const boost::json::object& app) {
  std::vector<std::string> tags;
  for (auto& t : Strings(app.if_contains("tags")))
    if (t != kMarkerTag && std::find(tags.begin(), tags.end(), t) == tags.end()) tags.push_back(t);
  return tags;
}

void Properties(YAML::Emitter& e, const AppDoc& d) {
  const boost::json::object& app = d.src->application;
  Field(e, "displayName", Str(app, "displayName"));
  if (d.adopt) {
    Key(e, "adopt");
    e << YAML::Flow << YAML::BeginMap;
    Field(e, "appId", d.app_id);
    e << YAML::EndMap;
  }
  for (const char* field : {"description", "notes"})
    if (!Str(app, field).empty()) Field(e, field, Str(app, field));
  std::string audience = Str(app, "signInAudience");
  if (audience == "AzureADMultipleOrgs" || audience == "AzureADandPersonalMicrosoftAccount" || audience == "PersonalMicrosoftAccount")
    Field(e, "signInAudience", audience);
  const boost::json::value* api = app.if_contains("api");
  const boost::json::value* version = api && api->is_object() ? api->as_object().if_contains("requestedAccessTokenVersion") : nullptr;
  if (version && version->is_int64() && (version->as_int64() == 1 || version->as_int64() == 2))
    Field(e, "requestedAccessTokenVersion", version->as_int64());
  if (auto tags = TagsBesidesMarker(app); !tags.empty()) {
    Key(e, "tags");
    List(e, tags);
  }
}

std::string AppYaml(const AppDoc& d) {
  YAML::Emitter e;
  e.SetIndent(2);
  e << YAML::BeginMap;
  Key(e, d.key);
  e << YAML::BeginMap;
  Properties(e, d);
  if (d.uris && !d.uris->empty()) {
    Key(e, "identifierUris");
    List(e, *d.uris);
  }
  if (d.claims && !d.claims->empty()) Claims(e, *d.claims);
  if (d.roles && !d.roles->empty()) Roles(e, *d.roles);
  if (d.src->has_service_principal) Field(e, "assignmentRequired", d.src->assignment_required);
  if (d.access) Access(e, *d.access);
  if (d.owners) {
    Key(e, "owners");
    List(e, *d.owners);
  }
  if (d.sp_owners) {
    Key(e, "servicePrincipalOwners");
    List(e, *d.sp_owners);
  }
  e << YAML::EndMap << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

std::string IdentitiesYaml(const std::vector<const IdentityOut*>& identities) {
  YAML::Emitter e;
  e.SetIndent(2);
  e << YAML::BeginMap;
  for (const auto* id : identities) {
    Key(e, id->name);
    e << YAML::Flow << YAML::BeginMap;
    Field(e, ToYamlKey(id->selector), id->value);
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

std::string Indent(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out += "  " + text.substr(start, end - start);
    out += '\n';
    start = end + 1;
  }
  return out;
}

// Control characters (from names in the tenant) would end a comment early.
std::string OneLine(std::string text) {
  for (auto& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return text;
}

// A note as comment lines, wrapped at word boundaries.
std::string Comment(const std::string& text, const std::string& indent) {
  std::string note = OneLine(text);
  std::string out, line = indent + "#";
  size_t start = 0;
  while (start < note.size()) {
    size_t end = note.find(' ', start);
    if (end == std::string::npos) end = note.size();
    std::string word = note.substr(start, end - start);
    if (line.size() + 1 + word.size() > 100 && line.size() > indent.size() + 4) {
      out += line + "\n";
      line = indent + "#  ";
    }
    line += " " + word;
    start = end + 1;
  }
  return out + line + "\n";
}

std::string LeftOutUris(const AppDoc& d) {
  if (d.uris || d.left_out_uris.empty()) return "";
  YAML::Emitter e;
  e << YAML::Flow << YAML::BeginSeq;
  for (const auto& u : d.left_out_uris) Text(e, u);
  e << YAML::EndSeq;
  return fmt::format("  # In the tenant: identifierUris: {}\n", e.c_str());
}

std::string Header(const ExportSource& s, const std::string& what) {
  std::string h = fmt::format("# yaml-language-server: $schema={}\nversion: 1\n", kManifestSchemaUrl);
  h += OneLine(fmt::format("# {} exported by `entragate export` from {} at {}.", what, s.origin, s.exported_at)) + "\n";
  h += "# `entragate plan` on the export finds nothing to change, except where a note above an app says so.\n";
  if (!s.tenant_id.empty()) h += fmt::format("tenant: {}\n", s.tenant_id);
  return h;
}

std::string Document(const ExportSource& s, const std::string& what, const std::vector<const IdentityOut*>& identities,
                     const std::vector<const AppDoc*>& apps) {
  std::string text = Header(s, what);
  if (!identities.empty()) text += "\nidentities:\n" + Indent(IdentitiesYaml(identities));
  if (apps.empty()) return text;
  text += "\napps:\n";
  for (size_t i = 0; i < apps.size(); ++i) {
    if (i > 0) text += "\n";
    for (const auto& note : apps[i]->notes) text += Comment(note, "  ");
    text += LeftOutUris(*apps[i]);
    text += Indent(AppYaml(*apps[i]));
  }
  return text;
}

std::vector<const IdentityOut*> SortedByName(const std::map<std::string, IdentityOut>& identities,
                                             const std::function<bool(const IdentityOut&)>& keep) {
  std::vector<const IdentityOut*> out;
  for (const auto& [id, identity] : identities)
    if (keep(identity)) out.push_back(&identity);
  std::sort(out.begin(), out.end(), [](const IdentityOut* a, const IdentityOut* b) { return a->name < b->name; });
  return out;
}

}  // namespace

std::vector<ExportedFile> RenderFiles(const ExportSource& source, const std::vector<AppDoc>& docs,
                                      const std::map<std::string, IdentityOut>& identities, ExportLayout layout) {
  if (layout == ExportLayout::kOneFile) {
    std::vector<const AppDoc*> apps;
    for (const auto& d : docs) apps.push_back(&d);
    return {{"export.yaml", Document(source, "Applications", SortedByName(identities, [](const IdentityOut&) { return true; }), apps)}};
  }
  // Each app's file holds the identities only it uses, so that it reads on its own; identities that
  // several apps use are defined once, in a file of their own (a name may be defined in one file only).
  std::vector<ExportedFile> files;
  auto shared = SortedByName(identities, [](const IdentityOut& i) { return i.apps.size() > 1; });
  if (!shared.empty()) files.push_back({"_identities.yaml", Document(source, "Identities that several apps use,", shared, {})});
  for (const auto& d : docs) {
    auto own = SortedByName(identities, [&](const IdentityOut& i) { return i.apps.size() == 1 && i.apps.count(d.key); });
    files.push_back({d.key + ".yaml", Document(source, fmt::format("Application '{}',", d.key), own, {&d})});
  }
  return files;
}

}  // namespace entragate::engine::export_detail
