// Which $filter clauses Graph supports on which resource (docs/graph-behaviour.md §3.1): the
// per-property operator matrix, applied to a parsed tree.
#include <span>
#include <string>

#include "emulator/graph/odata_filter_tree.h"

namespace entragate::emulator::filter_detail {

namespace {

// ---------------------------------------------------------------------------------------------
// Support matrix (docs/graph-behaviour.md §3.1; for users and groups only the properties entragate queries)

enum Cap : unsigned {
  kCapEq = 1u << 0,  // also grants `in`, which Graph allows wherever eq works
  kCapNe = 1u << 1,
  kCapNot = 1u << 2,
  kCapGe = 1u << 3,
  kCapLe = 1u << 4,
  kCapStartsWith = 1u << 5,
  kCapEqNull = 1u << 6,
  kCapEndsWith = 1u << 7,
  kCapNever = 1u << 8,  // gt, lt and other functions: no directory property here supports them
};
constexpr unsigned kAdvancedOnly = kCapNe | kCapNot | kCapEndsWith;

enum class ValueKind { kString, kBool };

struct PropertySpec {
  std::string_view name;
  ValueKind kind = ValueKind::kString;
  bool collection = false;  ///< Collection(Edm.String): filterable only through any()
  unsigned caps = 0;
  /// Filterable at all only in an advanced query, whatever its documented operators say.
  bool advanced_only = false;
};

constexpr unsigned kDisplayNameCaps = kCapEq | kCapNe | kCapNot | kCapGe | kCapLe | kCapStartsWith | kCapEqNull | kCapEndsWith;
constexpr unsigned kStringListCaps = kCapEq | kCapNot | kCapGe | kCapLe | kCapStartsWith;
constexpr ValueKind kStr = ValueKind::kString;
constexpr ValueKind kBool = ValueKind::kBool;

constexpr PropertySpec kApplicationProperties[] = {
    {"appId", kStr, false, kCapEq},
    {"displayName", kStr, false, kDisplayNameCaps},
    {"identifierUris", kStr, true, kCapEq | kCapNe | kCapGe | kCapLe | kCapStartsWith},
    {"tags", kStr, true, kStringListCaps},
    {"signInAudience", kStr, false, kCapEq | kCapNe | kCapNot},
    {"publisherDomain", kStr, false, kCapEq | kCapNe | kCapGe | kCapLe | kCapStartsWith},
    {"description", kStr, false, kCapEq | kCapNe | kCapNot | kCapGe | kCapLe | kCapStartsWith},
    {"id", kStr, false, kCapEq},
};

constexpr PropertySpec kServicePrincipalProperties[] = {
    {"appId", kStr, false, kCapEq | kCapNe | kCapNot | kCapStartsWith},
    {"displayName", kStr, false, kDisplayNameCaps},
    {"alternativeNames", kStr, true, kStringListCaps},
    {"servicePrincipalNames", kStr, true, kStringListCaps},
    {"tags", kStr, true, kStringListCaps},
    {"accountEnabled", kBool, false, kCapEq | kCapNe | kCapNot},
    // On v1.0 even `eq` needs the advanced-query headers ([obs] docs/graph-behaviour.md §13.3).
    {"appRoleAssignmentRequired", kBool, false, kCapEq | kCapNe | kCapNot, true},
    {"appOwnerOrganizationId", kStr, false, kCapEq | kCapNe | kCapNot | kCapGe | kCapLe},
    {"servicePrincipalType", kStr, false, kCapEq},  // [obs] only; see docs/graph-behaviour.md §1.3
    {"id", kStr, false, kCapEq},
};

constexpr PropertySpec kUserProperties[] = {
    {"id", kStr, false, kCapEq | kCapStartsWith},
    {"userPrincipalName", kStr, false, kCapEq | kCapStartsWith | kCapEndsWith},
    {"displayName", kStr, false, kCapEq | kCapStartsWith | kCapNe | kCapNot | kCapEndsWith},
    {"mail", kStr, false, kCapEq | kCapStartsWith | kCapEndsWith},
};

constexpr PropertySpec kGroupProperties[] = {
    {"id", kStr, false, kCapEq | kCapStartsWith},
    {"displayName", kStr, false, kCapEq | kCapStartsWith | kCapEndsWith},
    {"mailNickname", kStr, false, kCapEq | kCapStartsWith},
};

constexpr PropertySpec kAppRoleAssignmentProperties[] = {
    {"resourceId", kStr, false, kCapEq},
    {"principalDisplayName", kStr, false, kCapEq | kCapStartsWith},
};

// directoryRole: eq only, and no advanced queries (docs/graph-behaviour.md §14).
constexpr PropertySpec kDirectoryRoleProperties[] = {
    {"displayName", kStr, false, kCapEq},
    {"description", kStr, false, kCapEq},
    {"roleTemplateId", kStr, false, kCapEq},
};

struct ResourceSpec {
  std::string_view entity_type;
  std::string_view type_name;  ///< as Graph names the resource in error messages
  std::span<const PropertySpec> properties;
};

constexpr ResourceSpec kResources[] = {
    {"application", "Application", kApplicationProperties},
    {"servicePrincipal", "ServicePrincipal", kServicePrincipalProperties},
    {"user", "User", kUserProperties},
    {"group", "Group", kGroupProperties},
    {"appRoleAssignment", "AppRoleAssignment", kAppRoleAssignmentProperties},
    {"directoryRole", "DirectoryRole", kDirectoryRoleProperties},
};

// An unknown entity type filters on nothing, so every clause is refused.
ResourceSpec FindResource(std::string_view entity_type, std::string& fallback_name) {
  for (const ResourceSpec& r : kResources) {
    if (r.entity_type == entity_type) return r;
  }
  fallback_name = std::string(entity_type);
  if (!fallback_name.empty()) fallback_name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(fallback_name[0])));
  return {entity_type, fallback_name, {}};
}

bool HasNull(const Node& leaf) {
  for (const Literal& v : leaf.values) {
    if (v.kind == Literal::Kind::kNull) return true;
  }
  return false;
}

unsigned OperatorCaps(const Node& leaf) {
  const unsigned null_cap = HasNull(leaf) ? unsigned{kCapEqNull} : 0u;
  switch (leaf.op) {
    case Op::kEq: return null_cap != 0 ? kCapEqNull : kCapEq;
    case Op::kNe: return kCapNe | null_cap;
    case Op::kIn: return kCapEq | null_cap;
    case Op::kGe: return kCapGe;
    case Op::kLe: return kCapLe;
    case Op::kStartsWith: return kCapStartsWith;
    case Op::kEndsWith: return kCapEndsWith;
    default: return kCapNever;
  }
}

class Validator {
 public:
  Validator(std::string_view entity_type, bool advanced) : resource_(FindResource(entity_type, fallback_name_)), advanced_(advanced) {}
  Validator(const Validator&) = delete;  // resource_ may point into fallback_name_
  Validator& operator=(const Validator&) = delete;

  void Check(Node& root) const { Walk(root, Context{}); }

 private:
  struct Context {
    bool negated = false;
    const PropertySpec* lambda = nullptr;  ///< the collection the enclosing lambda ranges over
    std::string_view lambda_name;          ///< that collection as the filter wrote it
  };

  void Walk(Node& node, Context ctx) const {
    switch (node.op) {
      case Op::kAnd:
      case Op::kOr:
        for (Node& child : node.children) Walk(child, ctx);
        return;
      case Op::kNot:
        ctx.negated = true;
        Walk(node.children.front(), ctx);
        return;
      case Op::kAny:
      case Op::kAll: WalkLambda(node, ctx); return;
      default: WalkLeaf(node, ctx);
    }
  }

  void WalkLambda(Node& lambda, Context ctx) const {
    const PropertySpec* spec = Lookup(lambda.property);
    if (ctx.lambda != nullptr || spec == nullptr || !spec->collection || lambda.op == Op::kAll) {
      Unsupported(lambda.property);
    }
    ctx.lambda = spec;
    ctx.lambda_name = lambda.property;
    Walk(lambda.children.front(), ctx);
    lambda.property = std::string(spec->name);
  }

  // Checks what the leaf compares, its operand types, then whether Graph allows the operator.
  void WalkLeaf(Node& leaf, const Context& ctx) const {
    const PropertySpec& spec = ResolveLeaf(leaf, ctx);
    const std::string_view shown = leaf.on_range_variable ? ctx.lambda_name : leaf.property;
    CheckTypes(leaf, spec, shown);
    const unsigned need = OperatorCaps(leaf) | (ctx.negated ? kCapNot : 0u);
    if ((need & spec.caps) != need || (((need & kAdvancedOnly) != 0 || spec.advanced_only) && !advanced_)) {
      Unsupported(shown);
    }
    if (!leaf.on_range_variable) leaf.property = std::string(spec.name);
  }

  const PropertySpec& ResolveLeaf(const Node& leaf, const Context& ctx) const {
    if (leaf.on_range_variable) return *ctx.lambda;
    // Inside a lambda only the element may be tested; Graph has no correlated sub-queries.
    if (ctx.lambda != nullptr) Unsupported(leaf.property);
    const PropertySpec* spec = Lookup(leaf.property);
    if (spec == nullptr || spec->collection) Unsupported(leaf.property);
    return *spec;
  }

  static void CheckTypes(const Node& leaf, const PropertySpec& spec, std::string_view shown) {
    const bool null_allowed = IsComparison(leaf.op) && leaf.op != Op::kGe && leaf.op != Op::kLe && leaf.op != Op::kGt && leaf.op != Op::kLt;
    const bool is_bool = spec.kind == ValueKind::kBool;
    for (const Literal& v : leaf.values) {
      const bool ok = v.kind == Literal::Kind::kNull ? null_allowed : v.kind == (is_bool ? Literal::Kind::kBool : Literal::Kind::kString);
      if (!ok) {
        FailSyntax("incompatible operand type for property '" + std::string(shown) + "': expected " + (is_bool ? "Edm.Boolean" : "Edm.String"));
      }
    }
  }

  // Property names resolve case-insensitively, as Graph's URL parser is configured to.
  const PropertySpec* Lookup(std::string_view name) const {
    for (const PropertySpec& p : resource_.properties) {
      if (IEquals(p.name, name)) return &p;
    }
    return nullptr;
  }

  [[noreturn]] void Unsupported(std::string_view property) const {
    throw Failure{{"Unsupported or invalid query filter clause specified for property '" + std::string(property) + "' of resource '" +
                       std::string(resource_.type_name) + "'.",
                   false}};
  }

  std::string fallback_name_;  ///< backs resource_.type_name for unknown entity types
  ResourceSpec resource_;
  bool advanced_;
};

}  // namespace

void CheckSupported(Node& root, std::string_view entity_type, bool advanced) { Validator(entity_type, advanced).Check(root); }

}  // namespace entragate::emulator::filter_detail
