#include "engine/address.h"

#include <utility>

namespace entragate::engine {

std::string Address::Render() const {
  std::string out = "app." + app;
  if (!part.empty()) out += "." + part;
  for (const auto& k : keys) out += "[" + k + "]";
  return out;
}

std::string Address::Variant(std::string_view variant) const { return Render() + "#" + std::string(variant); }

Address AppAt(std::string key) { return {std::move(key), "", {}}; }

Address PartOf(std::string key, std::string part) { return {std::move(key), std::move(part), {}}; }

Address AccessAt(std::string key, std::string role, std::string who) { return {std::move(key), "access", {std::move(role), std::move(who)}}; }

}  // namespace entragate::engine
