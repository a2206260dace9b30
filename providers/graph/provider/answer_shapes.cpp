#include "providers/graph/provider/answer_shapes.h"

#include <initializer_list>
#include <optional>
#include <string_view>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace entragate::graph {

namespace json = boost::json;

namespace {

enum class Kind { kString, kBool, kInt, kObject, kStrings, kObjects };

struct Member {
  const char* name;
  Kind kind;
  bool required = false;  ///< absent or null is a problem too
};

const char* Describe(Kind k) {
  switch (k) {
    case Kind::kString: return "a string";
    case Kind::kBool: return "true or false";
    case Kind::kInt: return "an integer";
    case Kind::kObject: return "an object";
    case Kind::kStrings: return "a list of strings";
    case Kind::kObjects: return "a list of objects";
  }
  return "";
}

bool Has(const json::value& v, Kind k) {
  auto all = [&](bool (json::value::*is)() const noexcept) {
    if (!v.is_array()) return false;
    for (const auto& x : v.get_array())
      if (!(x.*is)()) return false;
    return true;
  };
  switch (k) {
    case Kind::kString: return v.is_string();
    case Kind::kBool: return v.is_bool();
    case Kind::kInt: return v.is_int64() || v.is_uint64();
    case Kind::kObject: return v.is_object();
    case Kind::kStrings: return all(&json::value::is_string);
    case Kind::kObjects: return all(&json::value::is_object);
  }
  return false;
}

// The message names the member with its place: "api." for `where`, or "appRoles[2]." for an item
// of a list, spelled out only when there is a problem (most answers have none).
std::string Check(const json::object& o, std::initializer_list<Member> members, std::string_view where = "", std::optional<size_t> item = {}) {
  for (const auto& m : members) {
    const json::value* v = o.if_contains(m.name);
    bool missing = !v || v->is_null();
    if (missing ? m.required : !Has(*v, m.kind)) {
      std::string place = item ? fmt::format("{}[{}].", where, *item) : std::string(where);
      return fmt::format("\"{}{}\" {} (it must be {})", place, m.name, missing ? "missing" : "of another type", Describe(m.kind));
    }
  }
  return "";
}

std::string CheckList(const json::object& o, const char* list, std::initializer_list<Member> members) {
  const json::value* v = o.if_contains(list);
  if (!v || !v->is_array()) return "";  // its own check has judged the list itself
  const json::array& items = v->get_array();
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_object()) return fmt::format("\"{}[{}]\" of another type (it must be an object)", list, i);
    if (std::string p = Check(items[i].get_object(), members, list, i); !p.empty()) return p;
  }
  return "";
}

std::string FirstOf(std::initializer_list<std::string> problems) {
  for (const auto& p : problems)
    if (!p.empty()) return p;
  return "";
}

}  // namespace

namespace {

std::string ApplicationProblem(const json::object& app) {
  std::string top = Check(app, {{"id", Kind::kString, true},
                                {"appId", Kind::kString, true},
                                {"uniqueName", Kind::kString},
                                {"displayName", Kind::kString},
                                {"description", Kind::kString},
                                {"notes", Kind::kString},
                                {"signInAudience", Kind::kString},
                                {"tags", Kind::kStrings},
                                {"identifierUris", Kind::kStrings},
                                {"appRoles", Kind::kObjects},
                                {"api", Kind::kObject},
                                {"optionalClaims", Kind::kObject}});
  if (!top.empty()) return top;
  std::string roles = CheckList(app, "appRoles",
                                {{"id", Kind::kString, true},
                                 {"value", Kind::kString},
                                 {"displayName", Kind::kString},
                                 {"description", Kind::kString},
                                 {"isEnabled", Kind::kBool},
                                 {"allowedMemberTypes", Kind::kStrings}});
  std::string api;
  if (const json::value* a = app.if_contains("api"); a && a->is_object())
    api = Check(a->get_object(), {{"requestedAccessTokenVersion", Kind::kInt}, {"oauth2PermissionScopes", Kind::kObjects}}, "api.");
  std::string claims;
  if (const json::value* c = app.if_contains("optionalClaims"); c && c->is_object()) {
    const json::object& oc = c->get_object();
    claims =
        FirstOf({Check(oc, {{"idToken", Kind::kObjects}, {"accessToken", Kind::kObjects}, {"saml2Token", Kind::kObjects}}, "optionalClaims."),
                 CheckList(oc, "idToken", {{"name", Kind::kString, true}, {"source", Kind::kString}, {"additionalProperties", Kind::kStrings}}),
                 CheckList(oc, "accessToken", {{"name", Kind::kString, true}, {"source", Kind::kString}, {"additionalProperties", Kind::kStrings}}),
                 CheckList(oc, "saml2Token", {{"name", Kind::kString, true}, {"source", Kind::kString}, {"additionalProperties", Kind::kStrings}})});
  }
  return FirstOf({roles, api, claims});
}

std::string ServicePrincipalProblem(const json::object& sp) {
  return FirstOf({Check(sp, {{"id", Kind::kString, true},
                             {"appId", Kind::kString},
                             {"displayName", Kind::kString},
                             {"servicePrincipalType", Kind::kString},
                             {"appOwnerOrganizationId", Kind::kString},
                             {"appRoleAssignmentRequired", Kind::kBool},
                             {"alternativeNames", Kind::kStrings},
                             {"tags", Kind::kStrings},
                             {"appRoles", Kind::kObjects}}),
                  CheckList(sp, "appRoles", {{"id", Kind::kString, true}, {"value", Kind::kString}})});
}

std::string AssignmentProblem(const json::object& a) {
  return Check(a, {{"id", Kind::kString},
                   {"appRoleId", Kind::kString, true},
                   {"principalId", Kind::kString},
                   {"resourceId", Kind::kString},
                   {"principalType", Kind::kString},
                   {"principalDisplayName", Kind::kString},
                   {"createdDateTime", Kind::kString}});
}

std::string DirectoryObjectProblem(const json::object& o) {
  return Check(
      o, {{"id", Kind::kString, true}, {"displayName", Kind::kString}, {"userPrincipalName", Kind::kString}, {"verifiedDomains", Kind::kObjects}});
}

}  // namespace

std::string ShapeProblem(Answer kind, const json::object& o) {
  switch (kind) {
    case Answer::kApplication: return ApplicationProblem(o);
    case Answer::kServicePrincipal: return ServicePrincipalProblem(o);
    case Answer::kAssignment: return AssignmentProblem(o);
    case Answer::kDirectoryObject: return DirectoryObjectProblem(o);
  }
  return "";
}

std::optional<engine::Error> CheckAnswer(Answer kind, const json::object& o) {
  std::string problem = ShapeProblem(kind, o);
  if (problem.empty()) return std::nullopt;
  static const char* const kNames[] = {"application", "service principal", "app role assignment", "directory object"};
  const json::value* id = o.if_contains("id");
  std::string which = id && id->is_string() ? " " + std::string(id->get_string()) : "";
  engine::Error e = engine::MakeError(engine::Error::Kind::kInternal,
                                      fmt::format("reading {}{}: Graph answered with {}", kNames[static_cast<int>(kind)], which, problem));
  e.code = "MalformedResponse";
  return e;
}

}  // namespace entragate::graph
