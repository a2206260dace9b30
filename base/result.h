#pragma once
// Result<T>: a value or an Error, shaped like std::expected (which GCC 12 lacks in C++20 mode).
// The one error shape of entragate: engine, providers, emulator and crypto all return it. Errors are
// values until the top level; nothing throws across a module boundary.

#include <string>
#include <utility>
#include <variant>

namespace entragate::base {

struct Error {
  enum class Kind {
    kInvalid,  ///< the input is wrong; retrying will not help
    kNotFound,
    kConflict,
    kTransient,  ///< network failure, 5xx: may succeed on retry
    kThrottled,  ///< 429: retry after the server's delay
    kAuth,       ///< 401/403 or a token refusal
    kIo,         ///< local files
    kInternal,
  };
  Kind kind = Kind::kInternal;
  std::string message;
  int http_status = 0;     ///< 0 when no HTTP exchange was involved
  std::string code;        ///< Graph's error code (e.g. Request_ResourceNotFound) or an entragate code
  std::string request_id;  ///< Graph's request-id, for Microsoft support
};

/// An Error with only a kind and a message (no HTTP exchange involved).
inline Error MakeError(Error::Kind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit like std::expected
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

/// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;

}  // namespace entragate::base
