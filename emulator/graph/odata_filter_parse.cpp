// The $filter lexer and recursive-descent parser: text to tree (emulator/graph/odata_filter_tree.h),
// with the syntax errors and size limits Graph's parser has.
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "emulator/graph/odata_filter_tree.h"

namespace entragate::emulator::filter_detail {

namespace {

// ---------------------------------------------------------------------------------------------
// Lexer

enum class Tok { kWord, kString, kLParen, kRParen, kComma, kColon, kSlash, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  ///< a word as written, or a string literal's value
  std::size_t pos = 0;
};

bool IsWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.' || c == '-'; }

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
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
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
  static constexpr std::array<std::string_view, 13> kReserved = {"and", "or", "not", "eq",   "ne",    "ge",  "le",
                                                                 "gt",  "lt", "in",  "true", "false", "null"};
  for (std::string_view r : kReserved) {
    if (IEquals(w, r)) return true;
  }
  return false;
}

bool ComparisonOp(std::string_view w, Op& op) {
  static constexpr std::array<std::pair<std::string_view, Op>, 7> kOps = {
      {{"eq", Op::kEq}, {"ne", Op::kNe}, {"ge", Op::kGe}, {"le", Op::kLe}, {"gt", Op::kGt}, {"lt", Op::kLt}, {"in", Op::kIn}}};
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
      FailSyntax("expected a comparison operator after '" + path + "', found " + Describe(Peek()) + At(Peek().pos));
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
        FailLimit("The 'in' operator accepts at most " + std::to_string(kMaxFilterInValues) + " values.");
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
      FailLimit("The $filter expression has more than " + std::to_string(kMaxFilterClauses) + " clauses.");
    }
    const bool on_variable = !range_variable_.empty() && path == range_variable_;
    return Node{.op = op, .property = std::move(path), .on_range_variable = on_variable, .values = std::move(values)};
  }

  int Deeper(int depth) const {
    if (depth + 1 > kMaxFilterDepth) {
      FailLimit("The $filter expression is nested deeper than " + std::to_string(kMaxFilterDepth) + " levels.");
    }
    return depth + 1;
  }

  const Token& Peek() const { return tokens_[next_]; }
  bool PeekKeyword(std::string_view word) const { return Peek().kind == Tok::kWord && IEquals(Peek().text, word); }
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

}  // namespace

Node ParseTree(std::string_view text) { return Parser(Lex(text)).ParseAll(); }

}  // namespace entragate::emulator::filter_detail
