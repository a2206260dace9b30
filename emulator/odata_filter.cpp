#include "emulator/odata_filter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace entragate::emulator {
namespace filter_detail {

enum class Op {
  kAnd, kOr, kNot,                          // boolean structure
  kEq, kNe, kGe, kLe, kGt, kLt, kIn,        // property op literal
  kStartsWith, kEndsWith, kOtherFunction,   // fn(property, literal)
  kAny, kAll,                               // collection/any(v: body)
};

struct Literal {
  enum class Kind { kString, kBool, kNull, kNumber };
  Kind kind = Kind::kNull;
  std::string text;  ///< the string value (quotes removed, '' undone); a GUID or number as written
  bool boolean = false;
};

struct Node {
  Op op = Op::kAnd;
  std::string property{};          ///< leaf: property path or range variable; lambda: collection
  bool on_range_variable = false;  ///< a leaf inside a lambda that tests the element itself
  std::vector<Literal> values{};   ///< leaf operands; several only for `in`
  std::vector<Node> children{};    ///< and/or: operands; not: one; lambda: the body
};

}  // namespace filter_detail

namespace {

using filter_detail::Literal;
using filter_detail::Node;
using filter_detail::Op;

// Thrown inside this file only, so the recursive-descent code need not thread errors through
// every return; ParseFilter turns it back into a value.
struct Failure {
  FilterError error;
};

[[noreturn]] void FailSyntax(const std::string& detail) {
  throw Failure{{"Invalid filter clause: " + detail, true}};
}

[[noreturn]] void FailLimit(const std::string& message) { throw Failure{{message, false}}; }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

int ICompare(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(Lower(a[i]));
    const auto y = static_cast<unsigned char>(Lower(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

bool IEndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && IEquals(s.substr(s.size() - suffix.size()), suffix);
}

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Tok { kWord, kString, kLParen, kRParen, kComma, kColon, kSlash, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  ///< a word as written, or a string literal's value
  std::size_t pos = 0;
};

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.' ||
         c == '-';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string At(std::size_t pos) { return " at position " + std::to_string(pos); }

// Undoes the doubled-quote escape; `i` is on the opening quote and ends past the closing one.
Token LexString(std::string_view text, std::size_t& i) {
  Token token{Tok::kString, {}, i};
  for (++i; i < text.size(); ++i) {
    if (text[i] != '\'') {
      token.text += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '\'') {
      token.text += '\'';
      ++i;
    } else {
      ++i;
      return token;
    }
  }
  FailSyntax("unterminated string literal" + At(token.pos));
}

Tok PunctuationKind(char c, std::size_t pos) {
  switch (c) {
    case '(': return Tok::kLParen;
    case ')': return Tok::kRParen;
    case ',': return Tok::kComma;
    case ':': return Tok::kColon;
    case '/': return Tok::kSlash;
    default: break;
  }
  if (std::isprint(static_cast<unsigned char>(c))) {
    FailSyntax(std::string("unexpected character '") + c + "'" + At(pos));
  }
  FailSyntax("unexpected character" + At(pos));
}

std::vector<Token> Lex(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (IsSpace(c)) {
      ++i;
    } else if (c == '\'') {
      tokens.push_back(LexString(text, i));
    } else if (IsWordChar(c)) {
      const std::size_t start = i;
      while (i < text.size() && IsWordChar(text[i])) ++i;
      tokens.push_back({Tok::kWord, std::string(text.substr(start, i - start)), start});
    } else {
      tokens.push_back({PunctuationKind(c, i), std::string(1, c), i});
      ++i;
    }
  }
  tokens.push_back({Tok::kEnd, {}, text.size()});
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Word classification

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

bool IsGuid(std::string_view w) {
  if (w.size() != 36) return false;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const bool dash_slot = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_slot ? w[i] != '-' : !IsHex(w[i])) return false;
  }
  return true;
}

bool IsNumber(std::string_view w) {
  if (!w.empty() && w.front() == '-') w.remove_prefix(1);
  if (w.empty() || !std::isdigit(static_cast<unsigned char>(w.front()))) return false;
  int dots = 0;
  for (char c : w) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots <= 1 && w.back() != '.';
}

bool IsIdentifier(std::string_view w) {
  if (w.empty()) return false;
  const auto first = static_cast<unsigned char>(w.front());
  if (!std::isalpha(first) && first != '_' && first != '$') return false;
  for (char c : w) {
    if (c == '-') return false;
  }
  return true;
}

bool IsReserved(std::string_view w) {
  static constexpr std::array<std::string_view, 13> kReserved = {
      "and", "or", "not", "eq", "ne", "ge", "le", "gt", "lt", "in", "true", "false", "null"};
  for (std::string_view r : kReserved) {
    if (IEquals(w, r)) return true;
  }
  return false;
}

bool ComparisonOp(std::string_view w, Op& op) {
  static constexpr std::array<std::pair<std::string_view, Op>, 7> kOps = {{
      {"eq", Op::kEq}, {"ne", Op::kNe}, {"ge", Op::kGe}, {"le", Op::kLe},
      {"gt", Op::kGt}, {"lt", Op::kLt}, {"in", Op::kIn}}};
  for (const auto& [name, value] : kOps) {
    if (IEquals(w, name)) {
      op = value;
      return true;
    }
  }
  return false;
}

// Long user-supplied words are cut so an error message stays one readable line.
std::string Describe(const Token& t) {
  if (t.kind == Tok::kEnd) return "end of expression";
  if (t.kind == Tok::kString) return "string literal";
  constexpr std::size_t kMaxShown = 40;
  if (t.text.size() <= kMaxShown) return "'" + t.text + "'";
  return "'" + t.text.substr(0, kMaxShown) + "...'";
}

// ---------------------------------------------------------------------------------------------
// Parser. Precedence, loosest first: or, and, not, comparison. `not` takes a whole comparison
// (`not displayName eq 'x'`), which is what people write and what Graph's examples imply.

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Node ParseAll() {
    if (Peek().kind == Tok::kEnd) FailSyntax("the expression is empty");
    Node root = ParseOr(0);
    if (Peek().kind != Tok::kEnd) FailSyntax("unexpected " + Describe(Peek()) + At(Peek().pos));
    return root;
  }

 private:
  using Level = Node (Parser::*)(int);

  Node ParseOr(int depth) { return ParseChain(Op::kOr, "or", &Parser::ParseAnd, depth); }
  Node ParseAnd(int depth) { return ParseChain(Op::kAnd, "and", &Parser::ParseUnary, depth); }

  // and/or chains become one n-ary node, so long chains cost no recursion.
  Node ParseChain(Op op, std::string_view keyword, Level operand, int depth) {
    Node first = (this->*operand)(depth);
    if (!PeekKeyword(keyword)) return first;
    Node chain{.op = op};
    chain.children.push_back(std::move(first));
    while (PeekKeyword(keyword)) {
      Next();
      chain.children.push_back((this->*operand)(depth));
    }
    return chain;
  }

  Node ParseUnary(int depth) {
    if (!PeekKeyword("not")) return ParsePrimary(depth);
    Next();
    Node negation{.op = Op::kNot};
    negation.children.push_back(ParseUnary(Deeper(depth)));
    return negation;
  }

  Node ParsePrimary(int depth) {
    if (Peek().kind == Tok::kLParen) {
      Next();
      Node inner = ParseOr(Deeper(depth));
      Expect(Tok::kRParen, "')'");
      return inner;
    }
    const Token& name = ExpectIdentifier("a property name, a function or '('");
    if (Peek().kind == Tok::kLParen) return ParseFunction(name.text);
    return ParsePathExpression(name.text, depth);
  }

  // A property path, then either a lambda on it or a comparison.
  Node ParsePathExpression(std::string path, int depth) {
    while (Peek().kind == Tok::kSlash) {
      Next();
      const Token& segment = ExpectIdentifier("a property name after '/'");
      const bool any = IEquals(segment.text, "any");
      if ((any || IEquals(segment.text, "all")) && Peek().kind == Tok::kLParen) {
        return ParseLambda(std::move(path), any ? Op::kAny : Op::kAll, depth);
      }
      path += '/' + segment.text;
    }
    return ParseComparison(std::move(path));
  }

  // Functions other than startswith/endswith still parse, so the caller gets Graph's
  // "unsupported clause" answer rather than a syntax error.
  Node ParseFunction(const std::string& name) {
    Op op = Op::kOtherFunction;
    if (IEquals(name, "startswith")) op = Op::kStartsWith;
    if (IEquals(name, "endswith")) op = Op::kEndsWith;
    Expect(Tok::kLParen, "'('");
    std::string path = ExpectIdentifier("a property name").text;
    while (Peek().kind == Tok::kSlash) {
      Next();
      path += '/' + ExpectIdentifier("a property name after '/'").text;
    }
    Expect(Tok::kComma, "','");
    Literal value = ParseLiteral();
    Expect(Tok::kRParen, "')'");
    return MakeLeaf(op, std::move(path), {std::move(value)});
  }

  Node ParseLambda(std::string collection, Op op, int depth) {
    Expect(Tok::kLParen, "'('");
    std::string variable = ExpectIdentifier("a lambda variable").text;
    Expect(Tok::kColon, "':'");
    std::string outer = std::exchange(range_variable_, variable);
    Node lambda{.op = op, .property = std::move(collection)};
    lambda.children.push_back(ParseOr(Deeper(depth)));
    range_variable_ = std::move(outer);
    Expect(Tok::kRParen, "')'");
    return lambda;
  }

  Node ParseComparison(std::string path) {
    Op op = Op::kEq;
    if (Peek().kind != Tok::kWord || !ComparisonOp(Peek().text, op)) {
      FailSyntax("expected a comparison operator after '" + path + "', found " +
                 Describe(Peek()) + At(Peek().pos));
    }
    Next();
    if (op == Op::kIn) return MakeLeaf(op, std::move(path), ParseInList());
    return MakeLeaf(op, std::move(path), {ParseLiteral()});
  }

  std::vector<Literal> ParseInList() {
    Expect(Tok::kLParen, "'(' after 'in'");
    std::vector<Literal> values{ParseLiteral()};
    while (Peek().kind == Tok::kComma) {
      Next();
      values.push_back(ParseLiteral());
      if (values.size() > static_cast<std::size_t>(kMaxFilterInValues)) {
        FailLimit("The 'in' operator accepts at most " + std::to_string(kMaxFilterInValues) +
                  " values.");
      }
    }
    Expect(Tok::kRParen, "')' or ','");
    return values;
  }

  Literal ParseLiteral() {
    const Token& t = Next();
    if (t.kind == Tok::kString) return {Literal::Kind::kString, t.text};
    if (t.kind == Tok::kWord) {
      // A bare GUID is an OData Guid literal; matching treats it as its string form.
      if (IsGuid(t.text)) return {Literal::Kind::kString, t.text};
      if (IsNumber(t.text)) return {Literal::Kind::kNumber, t.text};
      if (IEquals(t.text, "null")) return {Literal::Kind::kNull, {}};
      if (IEquals(t.text, "true")) return {Literal::Kind::kBool, {}, true};
      if (IEquals(t.text, "false")) return {Literal::Kind::kBool, {}, false};
    }
    FailSyntax("expected a literal value, found " + Describe(t) + At(t.pos));
  }

  Node MakeLeaf(Op op, std::string path, std::vector<Literal> values) {
    if (++clauses_ > kMaxFilterClauses) {
      FailLimit("The $filter expression has more than " + std::to_string(kMaxFilterClauses) +
                " clauses.");
    }
    const bool on_variable = !range_variable_.empty() && path == range_variable_;
    return Node{.op = op, .property = std::move(path), .on_range_variable = on_variable,
                .values = std::move(values)};
  }

  int Deeper(int depth) const {
    if (depth + 1 > kMaxFilterDepth) {
      FailLimit("The $filter expression is nested deeper than " +
                std::to_string(kMaxFilterDepth) + " levels.");
    }
    return depth + 1;
  }

  const Token& Peek() const { return tokens_[next_]; }
  bool PeekKeyword(std::string_view word) const {
    return Peek().kind == Tok::kWord && IEquals(Peek().text, word);
  }
  const Token& Next() {
    const Token& t = tokens_[next_];
    if (t.kind != Tok::kEnd) ++next_;
    return t;
  }

  void Expect(Tok kind, std::string_view what) {
    if (Peek().kind != kind) {
      FailSyntax("expected " + std::string(what) + ", found " + Describe(Peek()) + At(Peek().pos));
    }
    Next();
  }

  const Token& ExpectIdentifier(std::string_view what) {
    const Token& t = Peek();
    if (t.kind != Tok::kWord || !IsIdentifier(t.text) || IsReserved(t.text)) {
      FailSyntax("expected " + std::string(what) + ", found " + Describe(t) + At(t.pos));
    }
    return Next();
  }

  std::vector<Token> tokens_;
  std::size_t next_ = 0;
  int clauses_ = 0;
  std::string range_variable_;  ///< the innermost lambda's variable; empty outside lambdas
};

// ---------------------------------------------------------------------------------------------
// Support matrix (docs/graph-behaviour.md §3.1, plus the brief's user/group subset)

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

constexpr unsigned kDisplayNameCaps = kCapEq | kCapNe | kCapNot | kCapGe | kCapLe |
                                      kCapStartsWith | kCapEqNull | kCapEndsWith;
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
    {"description", kStr, false,
     kCapEq | kCapNe | kCapNot | kCapGe | kCapLe | kCapStartsWith},
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
    {"displayName", kStr, false,
     kCapEq | kCapStartsWith | kCapNe | kCapNot | kCapEndsWith},
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
};

// An unknown entity type filters on nothing, so every clause is refused.
ResourceSpec FindResource(std::string_view entity_type, std::string& fallback_name) {
  for (const ResourceSpec& r : kResources) {
    if (r.entity_type == entity_type) return r;
  }
  fallback_name = std::string(entity_type);
  if (!fallback_name.empty()) fallback_name[0] = static_cast<char>(std::toupper(
      static_cast<unsigned char>(fallback_name[0])));
  return {entity_type, fallback_name, {}};
}

bool IsComparison(Op op) { return op >= Op::kEq && op <= Op::kIn; }

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
  Validator(std::string_view entity_type, bool advanced)
      : resource_(FindResource(entity_type, fallback_name_)), advanced_(advanced) {}
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
      case Op::kAll:
        WalkLambda(node, ctx);
        return;
      default:
        WalkLeaf(node, ctx);
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
    const bool null_allowed = IsComparison(leaf.op) && leaf.op != Op::kGe && leaf.op != Op::kLe &&
                              leaf.op != Op::kGt && leaf.op != Op::kLt;
    const bool is_bool = spec.kind == ValueKind::kBool;
    for (const Literal& v : leaf.values) {
      const bool ok = v.kind == Literal::Kind::kNull
                          ? null_allowed
                          : v.kind == (is_bool ? Literal::Kind::kBool : Literal::Kind::kString);
      if (!ok) {
        FailSyntax("incompatible operand type for property '" + std::string(shown) +
                   "': expected " + (is_bool ? "Edm.Boolean" : "Edm.String"));
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
    throw Failure{{"Unsupported or invalid query filter clause specified for property '" +
                       std::string(property) + "' of resource '" +
                       std::string(resource_.type_name) + "'.",
                   false}};
  }

  std::string fallback_name_;  ///< backs resource_.type_name for unknown entity types
  ResourceSpec resource_;
  bool advanced_;
};

// ---------------------------------------------------------------------------------------------
// Evaluation. A missing property behaves as null (OData: null ne 'x' is true).

bool IsNull(const boost::json::value* v) { return v == nullptr || v->is_null(); }

bool CompareString(Op op, std::string_view actual, std::string_view expected) {
  switch (op) {
    case Op::kEq: return IEquals(actual, expected);
    case Op::kNe: return !IEquals(actual, expected);
    case Op::kGe: return ICompare(actual, expected) >= 0;
    case Op::kLe: return ICompare(actual, expected) <= 0;
    case Op::kGt: return ICompare(actual, expected) > 0;
    case Op::kLt: return ICompare(actual, expected) < 0;
    case Op::kStartsWith: return IStartsWith(actual, expected);
    case Op::kEndsWith: return IEndsWith(actual, expected);
    default: return false;
  }
}

bool CompareOne(Op op, const boost::json::value* v, const Literal& lit) {
  if (lit.kind == Literal::Kind::kNull) {
    if (op == Op::kEq) return IsNull(v);
    return op == Op::kNe && !IsNull(v);
  }
  if (lit.kind == Literal::Kind::kBool) {
    if (v == nullptr || !v->is_bool()) return op == Op::kNe;
    if (op == Op::kEq) return v->get_bool() == lit.boolean;
    return op == Op::kNe && v->get_bool() != lit.boolean;
  }
  if (v == nullptr || !v->is_string()) return op == Op::kNe;
  const boost::json::string& s = v->get_string();
  return CompareString(op, std::string_view(s.data(), s.size()), lit.text);
}

bool EvalLeaf(const Node& leaf, const boost::json::value* v) {
  if (leaf.op != Op::kIn) return CompareOne(leaf.op, v, leaf.values.front());
  for (const Literal& lit : leaf.values) {
    if (CompareOne(Op::kEq, v, lit)) return true;
  }
  return false;
}

bool Eval(const Node& node, const boost::json::object& entity, const boost::json::value* element);

bool EvalLambda(const Node& lambda, const boost::json::object& entity) {
  const boost::json::value* v = entity.if_contains(lambda.property);
  if (v == nullptr || !v->is_array()) return lambda.op == Op::kAll;
  for (const boost::json::value& item : v->get_array()) {
    const bool hit = Eval(lambda.children.front(), entity, &item);
    if (lambda.op == Op::kAny && hit) return true;
    if (lambda.op == Op::kAll && !hit) return false;
  }
  return lambda.op == Op::kAll;
}

bool Eval(const Node& node, const boost::json::object& entity, const boost::json::value* element) {
  switch (node.op) {
    case Op::kAnd:
      for (const Node& child : node.children) {
        if (!Eval(child, entity, element)) return false;
      }
      return true;
    case Op::kOr:
      for (const Node& child : node.children) {
        if (Eval(child, entity, element)) return true;
      }
      return false;
    case Op::kNot: return !Eval(node.children.front(), entity, element);
    case Op::kAny:
    case Op::kAll: return EvalLambda(node, entity);
    default:
      return EvalLeaf(node, node.on_range_variable ? element : entity.if_contains(node.property));
  }
}

// Graph counts an `in` list as one expression per value, and an `or` chain as the sum of its
// operands (docs/graph-behaviour.md §13.3). The largest such group in the tree.
int LargestDisjunction(const Node& node) {
  auto width = [](const Node& n) { return n.op == Op::kIn ? static_cast<int>(n.values.size()) : 1; };
  int largest = node.op == Op::kIn ? width(node) : 0;
  if (node.op == Op::kOr) {
    int sum = 0;
    for (const Node& child : node.children) sum += width(child);
    largest = sum;
  }
  for (const Node& child : node.children) largest = std::max(largest, LargestDisjunction(child));
  return largest;
}

}  // namespace

bool Filter::Matches(const boost::json::object& entity) const {
  return root_ != nullptr && Eval(*root_, entity, nullptr);
}

namespace {

void CollectKeyTerms(const Node& node, std::vector<Filter::KeyTerm>& out) {
  if (node.op == Op::kAnd) {
    for (const Node& child : node.children) CollectKeyTerms(child, out);
    return;
  }
  if ((node.op != Op::kEq && node.op != Op::kIn) || node.on_range_variable || node.values.empty()) return;
  Filter::KeyTerm term{node.property, {}};
  for (const Literal& v : node.values) {
    if (v.kind != Literal::Kind::kString) return;  // null or a boolean: no key to look up
    term.values.push_back(v.text);
  }
  out.push_back(std::move(term));
}

}  // namespace

std::vector<Filter::KeyTerm> Filter::KeyTerms() const {
  std::vector<KeyTerm> out;
  if (root_ != nullptr) CollectKeyTerms(*root_, out);
  return out;
}

std::variant<Filter, FilterError> ParseFilter(std::string_view text, std::string_view entity_type,
                                              bool advanced) {
  if (text.size() > kMaxFilterLength) {
    return FilterError{"The $filter expression is longer than " +
                           std::to_string(kMaxFilterLength) + " characters.",
                       false};
  }
  try {
    Node root = Parser(Lex(text)).ParseAll();
    Validator(entity_type, advanced).Check(root);
    // Advanced queries trade this limit for one on the URL's length.
    if (const int n = LargestDisjunction(root); !advanced && n > kMaxDefaultDisjunction) {
      return FilterError{"Too many child clauses specified in search filter expression containing 'OR' operators: " +
                             std::to_string(n) + ". Max allowed: " + std::to_string(kMaxDefaultDisjunction) + ".",
                         false};
    }
    return Filter(std::make_shared<const Node>(std::move(root)));
  } catch (const Failure& failure) {
    return failure.error;
  }
}

}  // namespace entragate::emulator
