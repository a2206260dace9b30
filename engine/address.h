#pragma once
// Where a plan step acts, and the id that names the step, rendered one way for plan, apply, drift
// and saved plans: app.KEY, app.KEY.PART, app.KEY.access[ROLE][WHO], app.KEY.owners[NAME]. A
// second step at the same address (a role change in three steps, a restore) gets the id
// ADDRESS#VARIANT.

#include <string>
#include <string_view>
#include <vector>

namespace entragate::engine {

struct Address {
  std::string app;                ///< the manifest app key
  std::string part;               ///< "" (the application), "identifier_uris", "roles", "service_principal", "access", "owners", …
  std::vector<std::string> keys;  ///< rendered as [k1][k2]: a role and an identity, an owner's name
  std::string Render() const;
  std::string Variant(std::string_view variant) const;  ///< Render() + "#" + variant
};

/// The application KEY itself.
Address AppAt(std::string key);
/// A part of it: PartOf("orders", "roles") is app.orders.roles.
Address PartOf(std::string key, std::string part);
/// One identity's hold on one role: app.KEY.access[ROLE][WHO].
Address AccessAt(std::string key, std::string role, std::string who);

}  // namespace entragate::engine
