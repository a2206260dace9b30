#pragma once
// Secondary indexes over the directory store, so that the lookups Graph makes all the time (an
// application by appId or uniqueName, who holds an identifier URI, the service principal of an
// appId, the assignments a principal holds or a resource grants) cost a hash lookup instead of a
// scan of the collection. The store keeps them in step with every change, undo, journal replay and
// reset; they are never persisted, only rebuilt from the objects.

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include "emulator/store/room.h"

namespace entragate::emulator {

enum class Collection;

/// Object ids, in id order (the order collections are served in), each with the stored object it
/// names: a lookup needs no second search of the collection. The pointers stay valid while the
/// object is in the store (a change replaces its value in place; removing it removes the entry).
using IdSet = std::map<std::string, const boost::json::object*, std::less<>>;

class StoreIndexes {
 public:
  /// Whether `property` of the objects of `c` is indexed. A property holds a string or a list of
  /// strings (every element is indexed); values are compared ignoring ASCII case, as Graph does.
  static bool Indexed(Collection c, std::string_view property);

  /// The ids of the objects of `c` whose `property` equals `value` (ignoring ASCII case). Only for
  /// an indexed property; otherwise, and when none match, an empty set.
  const IdSet& Find(Collection c, std::string_view property, std::string_view value) const;

  /// `obj` is the stored object itself (the index keeps its address).
  void Add(Collection c, const std::string& id, const boost::json::object& obj);
  void Remove(Collection c, const std::string& id, const boost::json::object& obj);
  void Clear();

 private:
  struct Index {
    std::unordered_map<std::string, IdSet> by_value;
  };
  std::array<Index, 16> indexes_;  ///< one per entry of the spec table (store_indexes.cpp)
};

}  // namespace entragate::emulator
