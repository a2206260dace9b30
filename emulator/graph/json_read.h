#pragma once
// Reading JSON whose shape nobody has promised: request bodies, and stored objects written from
// them. A missing member, or one of another type, reads as empty (or the fallback given) instead of
// throwing, so a strange value can only ever produce a refusal, never a failed request.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "emulator/graph/room.h"

namespace entragate::emulator {

/// The string `v` holds, or "" when `v` is null or not a string.
inline std::string StringOf(const boost::json::value* v) { return v && v->is_string() ? std::string(v->get_string()) : std::string(); }
inline std::string StringOf(const boost::json::value& v) { return StringOf(&v); }
inline std::string StringAt(const boost::json::object& o, std::string_view key) { return StringOf(o.if_contains(key)); }

/// The array `v` is (or member `key` holds), or an empty one.
inline const boost::json::array& ArrayOf(const boost::json::value* v) {
  static const boost::json::array kEmpty;
  return v && v->is_array() ? v->get_array() : kEmpty;
}
inline const boost::json::array& ArrayAt(const boost::json::object& o, std::string_view key) { return ArrayOf(o.if_contains(key)); }

/// The object `v` is (or member `key` holds), or an empty one.
inline const boost::json::object& ObjectOf(const boost::json::value* v) {
  static const boost::json::object kEmpty;
  return v && v->is_object() ? v->get_object() : kEmpty;
}
inline const boost::json::object& ObjectOf(const boost::json::value& v) { return ObjectOf(&v); }
inline const boost::json::object& ObjectAt(const boost::json::object& o, std::string_view key) { return ObjectOf(o.if_contains(key)); }

inline bool BoolAt(const boost::json::object& o, std::string_view key, bool fallback) {
  const boost::json::value* v = o.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

inline std::optional<int64_t> IntAt(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (!v || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}

}  // namespace entragate::emulator
