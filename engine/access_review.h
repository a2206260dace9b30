#pragma once
// The access review: who can obtain a token for which application, with which roles and why, who
// can change that, and — given a plan — what applying it does to access (gains, losses, assignment
// switched on or off, drift that widens access). Built from an AccessSnapshot; renders in
// engine/access_render*.cpp.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/access_model.h"
#include "engine/observed.h"
#include "engine/plan.h"

namespace entragate::engine {

enum class AccessMark { kNone, kGained, kLost };
const char* ToString(AccessMark m);  ///< "", "gained", "lost"

/// One identity holding one role on one app.
struct AccessEntry {
  AccessPrincipal identity;
  std::string role;
  std::string how;  ///< "direct", or "group" (a user through `group`)
  AccessPrincipal group;
  std::string since;  ///< the assignment's createdDateTime; empty for a grant the plan makes
  AccessMark mark = AccessMark::kNone;
  bool widening = false;  ///< the tenant grants it and the manifest does not: drift that widens access
};

struct AccessAppReview {
  std::string key;  ///< uniqueName, else the display name
  AccessApp app;
  bool open_before = false;  ///< any identity in the tenant can obtain a token (assignment not required)
  bool open_after = false;
  std::string assignment_change;     ///< with a plan: "", "on" (assignment becomes required), "off"
  bool assignment_widening = false;  ///< assignment is off now and the manifest wants it on
  bool created = false;              ///< the plan creates the app
  bool deleted = false;              ///< the plan deletes the app
  std::vector<AccessEntry> entries;
  std::vector<AccessChanger> changers;  ///< who can change who gets tokens for it
  std::vector<std::string> notes;
  bool changed() const;
  /// NAME is this app's key, uniqueName or appId.
  bool Is(const std::string& name) const;
};

struct AccessReview {
  std::string tenant_id;
  int64_t read_at = 0;
  bool with_plan = false;
  std::string manifest;  ///< the PATH given
  std::vector<AccessAppReview> apps;
  std::vector<AccessPrincipal> identities;  ///< every identity in any entry, by display name
  std::vector<std::string> notes;           ///< review-wide (directory roles not read, …)
  std::string token_note;                   ///< the cached-token caveat when the plan takes access away
  int gained = 0, lost = 0, switched = 0, widening = 0;
};

/// The review of `snapshot`; with `plan` (and the `observed` state it was made from), also its effect.
/// With `only_apps` (keys, uniqueNames or appIds), only those applications and the plan's steps for them.
AccessReview BuildAccessReview(const AccessSnapshot& snapshot, const Plan* plan = nullptr, const ObservedState* observed = nullptr,
                               const std::vector<std::string>& only_apps = {});

/// What `who` can reach in `review`: the entries naming it or a group it is a member of (listed in
/// `snapshot.group_members`), and the apps open to every identity.
struct IdentityReachEntry {
  std::string app_key, app_id;
  std::string role;  ///< empty: only because assignment is not required
  std::string why;
  AccessMark mark = AccessMark::kNone;
};
std::vector<IdentityReachEntry> ReachOf(const AccessReview& review, const AccessPrincipal& who);

/// A principal of the review matching NAME: object id, UPN, or display name (service principal,
/// user, group); nullopt when none does; an error message in `ambiguous` when several do.
std::optional<AccessPrincipal> FindReviewPrincipal(const AccessSnapshot& snapshot, const std::string& name, std::string& ambiguous);

}  // namespace entragate::engine
