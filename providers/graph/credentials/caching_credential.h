#pragma once
// Reuses a token until shortly before it expires, per scope, so a run of many Graph calls asks the
// token source once. Decorates any Credential.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "providers/graph/credentials/credential.h"
#include "providers/graph/credentials/room.h"

namespace entragate::graph {

/// A token is renewed this long before its expiry: time for clock skew and for a slow request
/// that started with a token still valid.
inline constexpr std::int64_t kTokenRefreshMargin = 5 * 60;

class CachingCredential : public Credential {
 public:
  CachingCredential(std::unique_ptr<Credential> inner, Clock now);

  /// The cached token while now < expires_on - kTokenRefreshMargin, else a new one from the inner
  /// credential (errors are not cached). Thread-safe: concurrent callers that miss wait for one
  /// fetch instead of each asking the token source.
  engine::Result<AccessToken> GetToken(const std::string& scope) override;
  /// The inner credential's name.
  std::string Name() const override;
  /// Forgets every cached token: the next GetToken asks the inner credential (after a 401).
  void Invalidate();

 private:
  std::optional<AccessToken> Cached(const std::string& scope) const;

  std::unique_ptr<Credential> inner_;
  Clock now_;
  std::mutex fetch_mutex_;          ///< held while asking the inner credential
  mutable std::mutex cache_mutex_;  ///< guards tokens_; never held across a fetch
  std::map<std::string, AccessToken> tokens_;
};

}  // namespace entragate::graph
